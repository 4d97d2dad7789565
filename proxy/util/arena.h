/* A bump allocator over pool buffers, for decoded messages: a decoder takes what it needs as it
 * reads each array's count, and the whole decoded form goes back at once. Blocks come from the
 * buffer pool, so in steady state decoding does no malloc. One owner, not thread-safe. */
#ifndef KC_UTIL_ARENA_H
#define KC_UTIL_ARENA_H

#include <stddef.h>

#include "buf.h"

typedef struct kc_arena {
    kc_pool_t *pool;
    kc_buf_t *block; /* newest block, owned; each block's first word links the one before */
    size_t used;     /* bytes taken from block->data */
} kc_arena_t;

void kc_arena_init(kc_arena_t *a, kc_pool_t *pool);
/* n zeroed bytes aligned for any field of a decoded message, or NULL when memory runs out.
 * n == 0 gives a valid pointer too. */
void *kc_arena_alloc(kc_arena_t *a, size_t n);
/* Give every block back to the pool; the arena can be used again. */
void kc_arena_reset(kc_arena_t *a);

#endif
