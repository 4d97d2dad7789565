/* The in-flight queue: see inflight.h. */
#include "inflight.h"

#include <errno.h>
#include <stdlib.h>

int kc_inflight_init(kc_inflight_q_t *q, uint32_t cap)
{
    *q = (kc_inflight_q_t){0};
    q->ring = calloc(cap, sizeof(*q->ring));
    if (!q->ring)
        return -ENOMEM;
    q->mask = cap - 1;
    return 0;
}

void kc_inflight_free(kc_inflight_q_t *q, kc_pool_t *pool)
{
    for (uint64_t s = q->head; s < q->tail; s++) {
        kc_inflight_t *e = kc_inflight_at(q, s);
        if (e->flags & KC_IF_READY)
            kc_frame_release(pool, &e->resp);
    }
    free(q->ring);
    q->ring = NULL;
}

static int grow(kc_inflight_q_t *q)
{
    uint32_t cap = (q->mask + 1) * 2;
    kc_inflight_t *ring = calloc(cap, sizeof(*ring));
    if (!ring)
        return -ENOMEM;
    for (uint64_t s = q->head; s < q->tail; s++)
        ring[s & (cap - 1)] = *kc_inflight_at(q, s);
    free(q->ring);
    q->ring = ring;
    q->mask = cap - 1;
    return 0;
}

kc_inflight_t *kc_inflight_push(kc_inflight_q_t *q)
{
    if (kc_inflight_count(q) > q->mask && grow(q) != 0)
        return NULL;
    kc_inflight_t *e = kc_inflight_at(q, q->tail++);
    *e = (kc_inflight_t){0};
    return e;
}

kc_inflight_t *kc_inflight_expect(kc_inflight_q_t *q)
{
    if (q->up < q->head)
        q->up = q->head;
    while (q->up < q->tail) {
        kc_inflight_t *e = kc_inflight_at(q, q->up);
        if ((e->flags & KC_IF_FORWARDED) && !(e->flags & KC_IF_READY))
            return e;
        q->up++; /* answered here, not by the broker */
    }
    return NULL;
}

kc_inflight_t *kc_inflight_ready_head(kc_inflight_q_t *q)
{
    if (q->head == q->tail)
        return NULL;
    kc_inflight_t *e = kc_inflight_at(q, q->head);
    return (e->flags & KC_IF_READY) ? e : NULL;
}

void kc_inflight_pop(kc_inflight_q_t *q) { q->head++; }
