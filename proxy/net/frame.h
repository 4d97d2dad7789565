/* Frames and the frame reader.
 *
 * A frame is one size-prefixed Kafka message held in a pooled buffer. The reader hands libuv
 * 64 KiB chunks to read into; every frame that arrives whole inside a chunk is emitted as a
 * reference into that chunk (no copy), so a read that brings ten small requests makes ten
 * frames and no allocation. A frame larger than what is left of the chunk gets a buffer of its
 * own, sized from the prefix after checking it against the frame limit, and libuv reads the
 * rest of it straight into that buffer. */
#ifndef KC_NET_FRAME_H
#define KC_NET_FRAME_H

#include <stdint.h>
#include <uv.h>

#include "../kafka/splice.h"
#include "../util/buf.h"

typedef struct kc_frame {
    kc_buf_t *buf;      /* one reference, released when the frame has been written */
    uint8_t *data;      /* the size prefix; the message follows at data + 4 */
    uint32_t len;       /* bytes from data, size prefix included */
    kc_splice_t splice; /* a change to the message (offsets from data + 4); buf NULL if none */
} kc_frame_t;

static inline uint8_t *kc_frame_msg(const kc_frame_t *f) { return f->data + 4; }
static inline uint32_t kc_frame_msg_len(const kc_frame_t *f) { return f->len - 4; }
/* Size on the wire once the splice is applied. */
static inline uint32_t kc_frame_wire_len(const kc_frame_t *f)
{
    return f->len - f->splice.len + f->splice.buf_len;
}
void kc_frame_release(kc_pool_t *pool, kc_frame_t *f);

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
/* For libuv's alloc callback: where the next read goes. base NULL when memory runs out. */
void kc_framer_alloc(kc_framer_t *f, uv_buf_t *out);

typedef int (*kc_frame_fn)(void *ctx, kc_frame_t *frame);
/* n bytes were read into the last buffer from kc_framer_alloc: emit every complete frame (the
 * callee takes ownership). Returns 0, the first non-zero return of emit, or -KC_EFRAMESIZE with
 * *bad_size set when a size prefix is negative or over the limit. */
int kc_framer_feed(kc_framer_t *f, size_t n, kc_frame_fn emit, void *ctx, int32_t *bad_size);

#define KC_EFRAMESIZE 7001

#endif
