/* Frames: one size-prefixed message held in a pooled buffer, and the edits made to it.
 *
 * A frame that passes untouched is written from the buffer it was read into. A frame that
 * changes carries a list of edits, each replacing one range of the original message with new
 * bytes; everything outside the edits is still sent from the original buffer, so changing a
 * response's addresses, error codes and tail costs no copy of the records inside it. Whoever
 * adds an edit keeps the size prefix right (kc_frame_edit does); the writer gathers the
 * pieces (kc_frame_iov). Nothing here knows what the message means. */
#ifndef KC_UTIL_FRAME_H
#define KC_UTIL_FRAME_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "buf.h"

/* One edit: [off, off + len) of the message (offsets after the size prefix) becomes
 * buf->data[0, buf_len). */
typedef struct kc_splice {
    uint32_t off;
    uint32_t len;
    kc_buf_t *buf;    /* replacement bytes, one reference owned by the edit; NULL: no edit */
    uint32_t buf_len;
} kc_splice_t;

static inline void kc_splice_release(kc_pool_t *pool, kc_splice_t *sp)
{
    if (sp->buf)
        kc_buf_unref(pool, sp->buf);
    *sp = (kc_splice_t){0};
}

/* The edits of one frame, sorted by offset, never overlapping. Lives in a pooled buffer. */
typedef struct kc_edits {
    uint32_t n, cap;
    int64_t delta;    /* wire length change, all edits together */
    kc_splice_t v[];
} kc_edits_t;

typedef struct kc_frame {
    kc_buf_t *buf;    /* one reference, released when the frame has been written */
    uint8_t *data;    /* the size prefix; the message follows at data + 4 */
    uint32_t len;     /* bytes from data, size prefix included, as read */
    kc_buf_t *edits;  /* a kc_edits_t in a pooled buffer, owned; NULL: no edit */
} kc_frame_t;

static inline uint8_t *kc_frame_msg(const kc_frame_t *f) { return f->data + 4; }
static inline uint32_t kc_frame_msg_len(const kc_frame_t *f) { return f->len - 4; }
static inline kc_edits_t *kc_frame_edits(const kc_frame_t *f)
{
    return f->edits ? (kc_edits_t *)f->edits->data : NULL;
}
/* Size on the wire once the edits are applied. */
static inline uint32_t kc_frame_wire_len(const kc_frame_t *f)
{
    return f->edits ? (uint32_t)((int64_t)f->len + kc_frame_edits(f)->delta) : f->len;
}
/* iovecs kc_frame_iov() needs for f. */
static inline unsigned kc_frame_niov(const kc_frame_t *f)
{
    return f->edits ? 2 * kc_frame_edits(f)->n + 1 : 1;
}

/* A frame of a whole buffer built here (a local answer): the buffer holds the size prefix and
 * the message, len bytes in all; the prefix is set. Takes the reference. */
kc_frame_t kc_frame_of(kc_buf_t *b, uint32_t len);
/* Add the edit *sp to f (taking its reference; sp is cleared either way) and patch the size
 * prefix. An edit with no buffer is ignored. 0, -KC_ENOMEM, or -KC_EPROTO when it overlaps
 * an edit already made or lies outside the message. */
int kc_frame_edit(kc_pool_t *pool, kc_frame_t *f, kc_splice_t *sp);
/* Write f's pieces to iov (kc_frame_niov(f) of them); returns how many. */
unsigned kc_frame_iov(const kc_frame_t *f, uv_buf_t *iov);
/* The message as it will go out, copied to out (cap bytes at least kc_frame_wire_len - 4):
 * for tests and for decoding an edited frame again. */
void kc_frame_flatten(const kc_frame_t *f, uint8_t *out);
/* The message as it will go out, for reading: the frame's own bytes when it has no edit, else
 * a flattened copy in *tmp (a pooled buffer the caller releases; NULL when none was needed).
 * NULL when memory ran out. */
const uint8_t *kc_frame_read(kc_pool_t *pool, const kc_frame_t *f, kc_buf_t **tmp);
void kc_frame_release(kc_pool_t *pool, kc_frame_t *f);

#endif
