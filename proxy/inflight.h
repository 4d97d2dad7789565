/* The in-flight queue of one connection pair: every request, in the order the client sent it,
 * from the moment it is read until its response has gone to the client.
 *
 * Each entry is a small state machine:
 *
 *   HELD ──▶ FORWARDED ──▶ (RESP_HELD ──▶) READY ──▶ sent, popped
 *     │         └─ MERGE (forwarded; local partition results join the broker's answer)
 *     ├──▶ ANSWERED (answered here, never forwarded) ──▶ sent, popped
 *     ├──▶ DONE (acks=0 forwarded or dropped: nothing to send back) ──▶ popped
 *     └──▶ LOST (never answered: holds everything behind it, like a broker that lost it)
 *
 * Two cursors walk it: `fwd`, the next entry to hand to the broker (a held request holds every
 * later one: a broker works through a connection's requests in order), and `up`, the entry the
 * broker's next response answers. Responses leave only from the head: a held response holds
 * the ones behind it, exactly as a slow broker would. */
#ifndef KC_INFLIGHT_H
#define KC_INFLIGHT_H

#include <stdbool.h>
#include <stdint.h>

#include "kafka/wire.h"
#include "util/frame.h"

typedef enum kc_if_state {
    KC_IF_HELD,      /* request not forwarded yet: until `until` (0: behind an earlier one) */
    KC_IF_FORWARDED, /* at the broker: its response answers this entry */
    KC_IF_MERGE,     /* at the broker, with local results to merge into its response */
    KC_IF_ANSWERED,  /* answered here: frame is the response */
    KC_IF_RESP_HELD, /* response in frame, held until `until` */
    KC_IF_READY,     /* response in frame, goes out when this entry is the head */
    KC_IF_DONE,      /* no response will come or go (acks=0) */
    KC_IF_LOST,      /* no response will ever go: the client times out, as on a lost request */
} kc_if_state_t;

struct kc_inflight;
/* Local results to merge into the broker's response (a Produce split by a fault): called with
 * the response before it goes on; may edit it. 0 or a negative error (closes the pair). */
typedef struct kc_merge {
    int (*fn)(void *data, kc_pool_t *pool, struct kc_inflight *e, kc_frame_t *resp);
    void (*free)(void *data);
    void *data; /* owned by the entry */
    /* Which partition results fn made (for the metrics to tell them from the broker's); NULL:
     * none. */
    bool (*injected)(void *data, kc_str_t topic, const uint8_t *topic_id, int32_t partition);
} kc_merge_t;

typedef struct kc_inflight {
    int32_t correlation_id;
    int16_t api_key;
    int16_t api_version;
    kc_if_state_t state;
    bool expect_response;  /* false for acks=0 Produce */
    uint64_t t_recv;       /* uv_hrtime() of the read that brought the request */
    uint64_t t_sent;       /* when it was forwarded (0: not yet) */
    uint64_t t_resp;       /* when the broker's response was read (0: none) */
    uint64_t until;        /* HELD, RESP_HELD: release time (0: none of its own) */
    const char *client_id; /* interned, lives as long as the loop */
    kc_frame_t frame;      /* owned: the request while HELD, the response from ANSWERED on */
    kc_merge_t merge;      /* MERGE */
    kc_buf_t *summary;     /* a Produce request's summary for its response's metrics; owned */
} kc_inflight_t;

typedef struct kc_inflight_q {
    kc_inflight_t *ring; /* capacity is a power of two; entry seq lives at ring[seq & mask] */
    uint32_t mask;
    uint64_t head;       /* oldest entry: the next response to send the client */
    uint64_t fwd;        /* next entry to forward */
    uint64_t up;         /* next entry the upstream's next response may answer */
    uint64_t tail;       /* one past the newest entry */
} kc_inflight_q_t;

int kc_inflight_init(kc_inflight_q_t *q, uint32_t cap);
void kc_inflight_free(kc_inflight_q_t *q, kc_pool_t *pool);
static inline uint32_t kc_inflight_count(const kc_inflight_q_t *q) { return (uint32_t)(q->tail - q->head); }
static inline kc_inflight_t *kc_inflight_at(kc_inflight_q_t *q, uint64_t seq)
{
    return &q->ring[seq & q->mask];
}
/* Requests that must still be forwarded or answered before a new one may pass straight on. */
static inline bool kc_inflight_holding(const kc_inflight_q_t *q) { return q->fwd < q->tail; }

/* A new entry at the tail (the ring grows when full), or NULL when memory runs out. The entry
 * starts HELD with `until` 0 and the forward cursor stays before it until it is decided. */
kc_inflight_t *kc_inflight_push(kc_inflight_q_t *q);
/* The next entry to forward, if it is due at `now`: a HELD entry whose time has come. Entries
 * decided otherwise are passed over. NULL when none is due. kc_inflight_forwarded() moves on. */
kc_inflight_t *kc_inflight_next_forward(kc_inflight_q_t *q, uint64_t now);
void kc_inflight_forwarded(kc_inflight_q_t *q, kc_inflight_t *e, uint64_t now);
/* The forwarded entry the next upstream response must answer, or NULL when none waits. */
kc_inflight_t *kc_inflight_expect(kc_inflight_q_t *q);
/* The head entry if it can leave at `now` (READY, ANSWERED, RESP_HELD and due, DONE), else
 * NULL; kc_inflight_pop() drops it (its frame must have been taken). */
kc_inflight_t *kc_inflight_ready_head(kc_inflight_q_t *q, uint64_t now);
void kc_inflight_pop(kc_inflight_q_t *q, kc_pool_t *pool);
/* The earliest time a held entry that blocks the queue is due (0: none). */
uint64_t kc_inflight_next_due(kc_inflight_q_t *q);
/* Whether the entry's frame holds a response (as opposed to a request, or nothing). */
static inline bool kc_inflight_has_response(const kc_inflight_t *e)
{
    return e->state == KC_IF_ANSWERED || e->state == KC_IF_RESP_HELD || e->state == KC_IF_READY;
}

#endif
