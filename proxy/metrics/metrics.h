/* Produce metrics: one shard per event loop. Everything here is updated by its own loop only:
 * no lock and, once the tables have grown to their working size, no allocation. A scrape sums
 * the shards (gather.c). What is measured and how it is named: README.md, "Metrics". */
#ifndef KC_METRICS_METRICS_H
#define KC_METRICS_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "../kafka/wire.h"
#include "../route/topics.h"
#include "../util/intern.h"
#include "batches.h"
#include "table.h"

typedef struct kc_metrics_cfg {
    uint32_t max_clients;   /* client series a loop keeps before folding into "(other)" */
    uint32_t max_series;    /* client × topic × partition series, likewise */
    uint64_t expire_ns;     /* series idle this long go (0: never) */
    uint64_t rate_ns;       /* rate window */
    uint64_t giveup_ns;     /* a failing batch with no success this long was given up (120 s) */
} kc_metrics_cfg_t;

typedef struct kc_metrics {
    kc_metrics_cfg_t cfg;
    kc_mtable_t t;
    kc_intern_t topics;     /* topic names seen by this loop */
    kc_topics_t *ids;       /* topic id -> name (the loop's view of the process's map) */
    kc_batches_t batches;
    kc_pool_t *pool;        /* request summaries and response decoding */
    uint64_t malformed_batches; /* record batches kchaos could not read (passed on as they are) */
} kc_metrics_t;

int kc_metrics_init(kc_metrics_t *m, const kc_metrics_cfg_t *cfg, kc_pool_t *pool, kc_topics_t *ids);
void kc_metrics_free(kc_metrics_t *m);
/* Once a second or so: rates and expiry. */
void kc_metrics_tick(kc_metrics_t *m, uint64_t now);

/* Who sent a Produce request. */
typedef struct kc_produce_who {
    const char *client_id;  /* interned by the loop */
    const char *host;       /* the client's address, interned by the loop */
    const char *software;   /* "" when the client did not say */
    const char *principal;  /* the SASL user the broker authenticated, interned; "" without */
    uint32_t inflight;      /* Produce requests in flight on its connection, this one included */
} kc_produce_who_t;

/* A Produce request on its way to the broker (r at the body): batches, records and bytes,
 * first sends and retries, the producer's profile. *summary (pooled, the caller's to release)
 * is what its response needs to be attributed; NULL for acks=0. -KC_EPROTO when the request's
 * structure is malformed (record batches kchaos cannot read are counted and passed on). */
int kc_metrics_produce_request(kc_metrics_t *m, const kc_produce_who_t *who, int16_t version,
                               kc_rd_t *r, uint64_t now, kc_buf_t **summary);

/* Which partition results of a response a fault made (NULL: none; kc_metrics_all_injected:
 * every one, as for a request kchaos answered itself). */
typedef struct kc_injected {
    bool (*fn)(void *ctx, kc_str_t topic, const uint8_t *topic_id, int32_t partition);
    void *ctx;
} kc_injected_t;
extern const kc_injected_t kc_metrics_all_injected;

/* Its response, as it goes to the client: msg (header included) of len bytes. Times are
 * uv_hrtime(): request read, forwarded (0 when answered here), response read, now. Errors a
 * fault injected (inj) are counted apart from the broker's (source="kchaos"). */
void kc_metrics_produce_response(kc_metrics_t *m, const kc_buf_t *summary, int16_t version,
                                 const uint8_t *msg, size_t len, uint64_t t_recv, uint64_t t_sent,
                                 uint64_t t_resp, uint64_t now, const kc_injected_t *inj);

/* A broker's answer the producer is not told as it is (a fault replaced it, or cut it off
 * after the broker wrote): the partitions it says were written (error 0; only those inj picks,
 * when inj is given) are remembered as written at their offsets, so a resend the producer makes
 * is known for the duplicate it writes. Nothing else is counted: the answer the client gets is
 * counted when it goes (kc_metrics_produce_response). */
void kc_metrics_produce_written(kc_metrics_t *m, const kc_buf_t *summary, int16_t version,
                                const uint8_t *msg, size_t len, const kc_injected_t *inj,
                                uint64_t now);

/* Errors after which a broker may have written the batch all the same (the producer cannot
 * know): a retry of such a batch may duplicate it without idempotence. */
bool kc_metrics_may_have_written(int16_t error);

#endif
