/* Pooled, reference-counted byte buffers.
 *
 * Frames live in these from the socket read to the write callback that sends them on, so a
 * frame that passes untouched is never copied. Buffers come in power-of-two size classes and go
 * back to a per-class free list when their last reference drops: in steady state the hot path
 * does no malloc. A pool belongs to one event loop and is not thread-safe. */
#ifndef KC_UTIL_BUF_H
#define KC_UTIL_BUF_H

#include <stddef.h>
#include <stdint.h>

#define KC_BUF_MIN_SHIFT 12 /* 4 KiB */
#define KC_BUF_MAX_SHIFT 31 /* 2 GiB: frames are capped far below this by the frame limit */
#define KC_BUF_CLASSES (KC_BUF_MAX_SHIFT - KC_BUF_MIN_SHIFT + 1)
#define KC_BUF_CACHE_MAX (4u * 1024 * 1024) /* larger buffers go back to malloc at once */

typedef struct kc_buf {
    struct kc_buf *next; /* free-list link while pooled */
    uint32_t refs;
    uint8_t cls;   /* size class: capacity is 1 << (cls + KC_BUF_MIN_SHIFT) */
    size_t cap;
    uint8_t data[];
} kc_buf_t;

typedef struct kc_buf_pool {
    kc_buf_t *free[KC_BUF_CLASSES];
    uint32_t nfree[KC_BUF_CLASSES];
    size_t cached_bytes;   /* bytes sitting in free lists */
    size_t cache_limit;    /* free lists keep at most this many bytes */
    size_t live_bytes;     /* bytes handed out and not yet returned */
    uint64_t allocs;       /* calls into malloc, for tests and stats */
} kc_pool_t;

void kc_buf_pool_init(kc_pool_t *pool, size_t cache_limit);
void kc_buf_pool_free(kc_pool_t *pool);

/* A buffer of at least `min` bytes with one reference, or NULL when memory runs out. */
kc_buf_t *kc_buf_get(kc_pool_t *pool, size_t min);
static inline kc_buf_t *kc_buf_ref(kc_buf_t *b) { b->refs++; return b; }
void kc_buf_unref(kc_pool_t *pool, kc_buf_t *b);

#endif
