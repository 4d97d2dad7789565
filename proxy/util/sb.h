/* A growing text buffer for the exposition formats (Prometheus text, JSON): printf onto the
 * end, escape label values and JSON strings, take the result. Out of memory is remembered and
 * reported once, at kc_sb_done. */
#ifndef KC_UTIL_SB_H
#define KC_UTIL_SB_H

#include <stddef.h>

typedef struct kc_sb {
    char *p;
    size_t n, cap;
    int oom;
} kc_sb_t;

void kc_sb_need(kc_sb_t *b, size_t more);
void kc_sb_printf(kc_sb_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* s escaped for a Prometheus label value (json 0) or a JSON string (json 1). */
void kc_sb_str(kc_sb_t *b, const char *s, int json);
/* The text (malloc'd, NUL-terminated; *len without the NUL), or NULL when memory ran out. */
char *kc_sb_done(kc_sb_t *b, size_t *len);

#endif
