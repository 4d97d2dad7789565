/* The frame reader: Kafka's size-prefixed framing over a byte stream.
 *
 * It hands out 64 KiB chunks to read into; every frame that arrives whole inside a chunk is
 * emitted as a reference into that chunk (no copy), so a read that brings ten small requests
 * makes ten frames and no allocation. A frame larger than what is left of the chunk gets a
 * buffer of its own, sized from the prefix after checking it against the frame limit, and the
 * rest of it is read straight into that buffer. */
#ifndef KC_KAFKA_FRAMER_H
#define KC_KAFKA_FRAMER_H

#include <stdint.h>
#include <uv.h>

#include "../util/frame.h"

typedef struct kc_framer {
    kc_pool_t *pool;
    uint32_t max_frame; /* largest accepted size prefix */
    kc_buf_t *chunk;    /* current read chunk, one reference; NULL before the first read */
    uint32_t start;     /* where the next frame starts in chunk */
    uint32_t fill;      /* bytes read into chunk */
    uint32_t need;      /* bytes the frame at start needs (4 until its prefix is read) */
    kc_buf_t *big;      /* a frame that did not fit in a chunk, being read; one reference */
    uint32_t big_len, big_fill;
} kc_framer_t;

void kc_framer_init(kc_framer_t *f, kc_pool_t *pool, uint32_t max_frame);
void kc_framer_free(kc_framer_t *f);
/* Where the next read goes. base NULL when memory runs out. */
void kc_framer_alloc(kc_framer_t *f, uv_buf_t *out);

typedef int (*kc_frame_fn)(void *ctx, kc_frame_t *frame);
/* n bytes were read into the last buffer from kc_framer_alloc: emit every complete frame (the
 * callee takes ownership). Returns 0, the first non-zero return of emit, or -KC_EFRAMESIZE with
 * *bad_size set when a size prefix is negative or over the limit. */
int kc_framer_feed(kc_framer_t *f, size_t n, kc_frame_fn emit, void *ctx, int32_t *bad_size);

/* Bytes of a frame that has begun and not ended (0 between frames), and its whole size
 * (0 while its size prefix is incomplete). */
static inline uint32_t kc_framer_partial(const kc_framer_t *f, uint32_t *whole)
{
    if (f->big) {
        *whole = f->big_len;
        return f->big_fill;
    }
    *whole = f->need > 4 ? f->need : 0;
    return f->fill - f->start;
}

#endif
