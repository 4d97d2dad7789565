/* The in-flight queue of one connection: every request that will get a response, in the order
 * the client sent them. Kafka answers a connection's requests in order and clients check it,
 * so responses leave only from the head: a response that is held (a local answer, later an
 * injected delay) holds back the ones behind it, exactly as a slow broker would. */
#ifndef KC_INFLIGHT_H
#define KC_INFLIGHT_H

#include <stdbool.h>
#include <stdint.h>

#include "net/frame.h"

enum {
    KC_IF_FORWARDED = 1 << 0, /* sent upstream: the broker's response will answer it */
    KC_IF_READY = 1 << 1,     /* resp holds the frame to send the client */
};

typedef struct kc_inflight {
    int32_t correlation_id;
    int16_t api_key;
    int16_t api_version;
    uint8_t flags;
    uint64_t t_recv;       /* uv_hrtime() of the read that brought the request */
    const char *client_id; /* interned, lives as long as the proxy */
    kc_frame_t resp;       /* owned once KC_IF_READY */
} kc_inflight_t;

typedef struct kc_inflight_q {
    kc_inflight_t *ring; /* capacity is a power of two; entry seq lives at ring[seq & mask] */
    uint32_t mask;
    uint64_t head;       /* oldest entry: the next response to send the client */
    uint64_t up;         /* next entry the upstream's next response answers */
    uint64_t tail;       /* one past the newest entry */
} kc_inflight_q_t;

int kc_inflight_init(kc_inflight_q_t *q, uint32_t cap);
void kc_inflight_free(kc_inflight_q_t *q, kc_pool_t *pool);
static inline uint32_t kc_inflight_count(const kc_inflight_q_t *q) { return (uint32_t)(q->tail - q->head); }
static inline kc_inflight_t *kc_inflight_at(kc_inflight_q_t *q, uint64_t seq)
{
    return &q->ring[seq & q->mask];
}

/* A new entry at the tail (the ring grows when full), or NULL when memory runs out. */
kc_inflight_t *kc_inflight_push(kc_inflight_q_t *q);
/* The forwarded entry the next upstream response must answer, or NULL when none waits. */
kc_inflight_t *kc_inflight_expect(kc_inflight_q_t *q);
/* The head entry if its response is ready to go, else NULL; kc_inflight_pop() drops it. */
kc_inflight_t *kc_inflight_ready_head(kc_inflight_q_t *q);
void kc_inflight_pop(kc_inflight_q_t *q);

#endif
