/* Interned strings: client ids (and later topic names) stored once for the process, so that
 * in-flight entries and metrics can point at them without owning copies. The table has a cap:
 * past it, new strings map to one shared overflow string instead of growing without bound. */
#ifndef KC_UTIL_INTERN_H
#define KC_UTIL_INTERN_H

#include <stddef.h>
#include <stdint.h>

typedef struct kc_intern {
    char **slots;   /* open addressing, NULL = empty */
    uint32_t mask;
    uint32_t count;
    uint32_t max;   /* cap on distinct strings */
} kc_intern_t;

#define KC_INTERN_OVERFLOW "(other)"

int kc_intern_init(kc_intern_t *t, uint32_t max);
void kc_intern_free(kc_intern_t *t);
/* The stored copy of s[0..len), or NULL when memory runs out. */
const char *kc_intern(kc_intern_t *t, const char *s, size_t len);

#endif
