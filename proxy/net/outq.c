/* Output queues: see outq.h. */
#include "outq.h"

#include <stdlib.h>

#include "../util/error.h"

#define WRITE_IOV_MAX 64 /* pieces gathered into one write, unless one frame needs more */

int kc_outq_init(kc_outq_t *q)
{
    *q = (kc_outq_t){.mask = 15, .niov_cap = WRITE_IOV_MAX};
    q->ring = calloc(16, sizeof(*q->ring));
    q->iov = calloc(q->niov_cap, sizeof(*q->iov));
    return q->ring && q->iov ? 0 : -KC_ENOMEM;
}

void kc_outq_free(kc_outq_t *q, kc_pool_t *pool)
{
    for (uint64_t i = q->head; q->ring && i < q->tail; i++)
        kc_frame_release(pool, &q->ring[i & q->mask]);
    free(q->ring);
    free(q->iov);
    q->ring = NULL;
    q->iov = NULL;
}

int kc_outq_push(kc_outq_t *q, kc_frame_t *f)
{
    if (q->tail - q->head > q->mask) {
        uint32_t cap = (q->mask + 1) * 2;
        kc_frame_t *ring = calloc(cap, sizeof(*ring));
        if (!ring)
            return -KC_ENOMEM;
        for (uint64_t i = q->head; i < q->tail; i++)
            ring[i & (cap - 1)] = q->ring[i & q->mask];
        free(q->ring);
        q->ring = ring;
        q->mask = cap - 1;
    }
    q->ring[q->tail++ & q->mask] = *f;
    q->bytes += kc_frame_wire_len(f);
    return 0;
}

/* Gather the frames at the head of q into q->iov: as many as fit in WRITE_IOV_MAX pieces, and
 * always the first whole (an edited frame with many edits grows the array once). Returns the
 * number of frames, and in *niov and *bytes what they take. */
uint32_t kc_outq_gather(kc_outq_t *q, unsigned *niov, size_t *bytes)
{
    uint32_t n = 0;
    *niov = 0;
    *bytes = 0;
    for (uint64_t i = q->head; i < q->tail; i++, n++) {
        kc_frame_t *f = &q->ring[i & q->mask];
        unsigned need = kc_frame_niov(f);
        if (n > 0 && *niov + need > WRITE_IOV_MAX)
            break;
        if (*niov + need > q->niov_cap) {
            uv_buf_t *iov = realloc(q->iov, need * sizeof(*iov));
            if (!iov)
                break; /* n is 0 here: the caller closes the pair */
            q->iov = iov;
            q->niov_cap = need;
        }
        *niov += kc_frame_iov(f, q->iov + *niov);
        *bytes += kc_frame_wire_len(f);
    }
    return n;
}
