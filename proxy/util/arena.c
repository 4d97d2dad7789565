/* Bump allocator over pool buffers: see arena.h. */
#include "arena.h"

#include <stdint.h>
#include <string.h>

/* Pool buffers put data[] 8-aligned: enough for the int64s and pointers of a decoded message.
 * The first 8 bytes of a block link the previous one. */
#define ALIGN 8

void kc_arena_init(kc_arena_t *a, kc_pool_t *pool) { *a = (kc_arena_t){.pool = pool}; }

void *kc_arena_alloc(kc_arena_t *a, size_t n)
{
    if (n > SIZE_MAX / 2)
        return NULL; /* before rounding up, which would wrap */
    n = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    if (!a->block || a->block->cap - a->used < n) {
        /* Room for this request and a few more like it; the pool rounds up to its size class. */
        size_t want = ALIGN + n;
        kc_buf_t *b = kc_buf_get(a->pool, want < 4096 ? 4096 : want);
        if (!b)
            return NULL;
        memcpy(b->data, &a->block, sizeof(a->block));
        a->block = b;
        a->used = ALIGN;
    }
    void *p = a->block->data + a->used;
    a->used += n;
    memset(p, 0, n);
    return p;
}

void kc_arena_reset(kc_arena_t *a)
{
    while (a->block) {
        kc_buf_t *prev;
        memcpy(&prev, a->block->data, sizeof(prev));
        kc_buf_unref(a->pool, a->block);
        a->block = prev;
    }
    a->used = 0;
}
