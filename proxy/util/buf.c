/* Pooled, reference-counted byte buffers: see buf.h. */
#include "buf.h"

#include <stdlib.h>

void kc_buf_pool_init(kc_pool_t *pool, size_t cache_limit)
{
    *pool = (kc_pool_t){.cache_limit = cache_limit};
}

void kc_buf_pool_free(kc_pool_t *pool)
{
    for (int c = 0; c < KC_BUF_CLASSES; c++) {
        while (pool->free[c]) {
            kc_buf_t *b = pool->free[c];
            pool->free[c] = b->next;
            free(b);
        }
        pool->nfree[c] = 0;
    }
    pool->cached_bytes = 0;
}

static int class_of(size_t min)
{
    int c = 0;
    while (c < KC_BUF_CLASSES - 1 && ((size_t)1 << (c + KC_BUF_MIN_SHIFT)) < min)
        c++;
    return c;
}

kc_buf_t *kc_buf_get(kc_pool_t *pool, size_t min)
{
    int c = class_of(min);
    size_t cap = (size_t)1 << (c + KC_BUF_MIN_SHIFT);
    if (cap < min)
        return NULL;
    kc_buf_t *b = pool->free[c];
    if (b) {
        pool->free[c] = b->next;
        pool->nfree[c]--;
        pool->cached_bytes -= cap;
    } else {
        b = malloc(sizeof(*b) + cap);
        if (!b)
            return NULL;
        pool->allocs++;
        b->cls = (uint8_t)c;
        b->cap = cap;
    }
    b->next = NULL;
    b->refs = 1;
    pool->live_bytes += cap;
    return b;
}

void kc_buf_unref(kc_pool_t *pool, kc_buf_t *b)
{
    if (!b || --b->refs > 0)
        return;
    pool->live_bytes -= b->cap;
    /* A buffer larger than KC_BUF_CACHE_MAX is a rare frame: not worth keeping resident. */
    if (b->cap > KC_BUF_CACHE_MAX || pool->cached_bytes + b->cap > pool->cache_limit) {
        free(b);
        return;
    }
    b->next = pool->free[b->cls];
    pool->free[b->cls] = b;
    pool->nfree[b->cls]++;
    pool->cached_bytes += b->cap;
}
