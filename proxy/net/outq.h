/* An output queue: the frames waiting to be written to one socket, oldest first, gathered
 * into as few writes as possible. Frames with edits go out as their pieces; nothing is
 * copied. */
#ifndef KC_NET_OUTQ_H
#define KC_NET_OUTQ_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "../util/frame.h"

/* Frames waiting to be written to one socket, oldest first, and the single write in progress
 * (one at a time: frames that arrive meanwhile go out together in the next one). */
typedef struct kc_outq {
    kc_frame_t *ring; /* power-of-two ring; owned, as are the frames in it */
    uint32_t mask;
    uint64_t head, tail;
    uint32_t writing; /* frames at the head inside the write in progress */
    size_t bytes;     /* wire bytes queued, those being written included */
    uv_buf_t *iov;    /* owned; room for niov_cap pieces */
    unsigned niov_cap;
} kc_outq_t;

int kc_outq_init(kc_outq_t *q);
void kc_outq_free(kc_outq_t *q, kc_pool_t *pool);
/* Queue f at the tail (taking it). 0 or -KC_ENOMEM (f is then still the caller's). */
int kc_outq_push(kc_outq_t *q, kc_frame_t *f);
static inline bool kc_outq_idle(const kc_outq_t *q) { return q->head == q->tail; }
/* Gather the frames at the head into q->iov: as many as fit in one write's pieces, and always
 * the first whole. Returns the number of frames (0 only when memory ran out), and in *niov
 * and *bytes what they take. */
uint32_t kc_outq_gather(kc_outq_t *q, unsigned *niov, size_t *bytes);

#endif
