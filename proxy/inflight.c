/* The in-flight queue: see inflight.h. */
#include "inflight.h"

#include <stdlib.h>

#include "util/error.h"

int kc_inflight_init(kc_inflight_q_t *q, uint32_t cap)
{
    *q = (kc_inflight_q_t){0};
    q->ring = calloc(cap, sizeof(*q->ring));
    if (!q->ring)
        return -KC_ENOMEM;
    q->mask = cap - 1;
    return 0;
}

static void entry_free(kc_pool_t *pool, kc_inflight_t *e)
{
    if (e->frame.buf)
        kc_frame_release(pool, &e->frame);
    if (e->merge.free)
        e->merge.free(e->merge.data);
    e->merge = (kc_merge_t){0};
    if (e->summary)
        kc_buf_unref(pool, e->summary);
    e->summary = NULL;
}

void kc_inflight_free(kc_inflight_q_t *q, kc_pool_t *pool)
{
    for (uint64_t s = q->head; s < q->tail; s++)
        entry_free(pool, kc_inflight_at(q, s));
    free(q->ring);
    q->ring = NULL;
}

static int grow(kc_inflight_q_t *q)
{
    uint32_t cap = (q->mask + 1) * 2;
    kc_inflight_t *ring = calloc(cap, sizeof(*ring));
    if (!ring)
        return -KC_ENOMEM;
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
    *e = (kc_inflight_t){.state = KC_IF_HELD, .expect_response = true};
    return e;
}

kc_inflight_t *kc_inflight_next_forward(kc_inflight_q_t *q, uint64_t now)
{
    if (q->fwd < q->head)
        q->fwd = q->head;
    for (; q->fwd < q->tail; q->fwd++) {
        kc_inflight_t *e = kc_inflight_at(q, q->fwd);
        if (e->state != KC_IF_HELD)
            continue; /* answered here, dropped or lost: the broker never sees it */
        return e->until <= now ? e : NULL;
    }
    return NULL;
}

void kc_inflight_forwarded(kc_inflight_q_t *q, kc_inflight_t *e, uint64_t now)
{
    e->state = !e->expect_response ? KC_IF_DONE : e->merge.fn ? KC_IF_MERGE : KC_IF_FORWARDED;
    e->frame = (kc_frame_t){0}; /* the request went to the upstream queue */
    e->until = 0;
    e->t_sent = now;
    q->fwd++;
}

kc_inflight_t *kc_inflight_expect(kc_inflight_q_t *q)
{
    if (q->up < q->head)
        q->up = q->head;
    for (; q->up < q->fwd; q->up++) {
        kc_inflight_t *e = kc_inflight_at(q, q->up);
        if (e->state == KC_IF_FORWARDED || e->state == KC_IF_MERGE)
            return e;
    }
    return NULL;
}

kc_inflight_t *kc_inflight_ready_head(kc_inflight_q_t *q, uint64_t now)
{
    if (q->head == q->tail || q->head >= q->fwd)
        return NULL; /* the head is not even forwarded or decided yet */
    kc_inflight_t *e = kc_inflight_at(q, q->head);
    switch (e->state) {
    case KC_IF_READY:
    case KC_IF_ANSWERED:
    case KC_IF_DONE:
        return e;
    case KC_IF_RESP_HELD:
        return e->until <= now ? e : NULL;
    default:
        return NULL;
    }
}

void kc_inflight_pop(kc_inflight_q_t *q, kc_pool_t *pool)
{
    entry_free(pool, kc_inflight_at(q, q->head));
    q->head++;
}

uint64_t kc_inflight_next_due(kc_inflight_q_t *q)
{
    uint64_t due = 0;
    if (q->head < q->tail) {
        kc_inflight_t *h = kc_inflight_at(q, q->head);
        if (h->state == KC_IF_RESP_HELD)
            due = h->until;
    }
    if (q->fwd < q->tail) {
        kc_inflight_t *f = kc_inflight_at(q, q->fwd);
        if (f->state == KC_IF_HELD && f->until && (!due || f->until < due))
            due = f->until;
    }
    return due;
}
