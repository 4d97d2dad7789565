/* The growing text buffer: see sb.h. */
#include "sb.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void kc_sb_need(kc_sb_t *b, size_t more)
{
    if (b->oom || b->n + more + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 16384;
    while (cap < b->n + more + 1)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->oom = 1;
        return;
    }
    b->p = p;
    b->cap = cap;
}

void kc_sb_printf(kc_sb_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (k < 0)
        return;
    kc_sb_need(b, (size_t)k);
    if (b->oom)
        return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
    va_end(ap);
    b->n += (size_t)k;
}

/* A string escaped for a Prometheus label value (json 0) or a JSON string (json 1). */
void kc_sb_str(kc_sb_t *b, const char *s, int json)
{
    kc_sb_need(b, strlen(s) * 6);
    if (b->oom)
        return;
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '\\' || ch == '"')
            b->p[b->n++] = '\\', b->p[b->n++] = (char)ch;
        else if (ch == '\n')
            b->p[b->n++] = '\\', b->p[b->n++] = 'n';
        else if (json && ch < 0x20)
            b->n += (size_t)snprintf(b->p + b->n, 7, "\\u%04x", ch);
        else
            b->p[b->n++] = (char)ch;
    }
    b->p[b->n] = 0;
}

char *kc_sb_done(kc_sb_t *b, size_t *len)
{
    if (b->oom) {
        free(b->p);
        return NULL;
    }
    kc_sb_need(b, 0);
    if (!b->p)
        return NULL;
    b->p[b->n] = 0;
    *len = b->n;
    return b->p;
}
