/* The series of one loop's metrics shard (or of a view that merges every shard for a scrape):
 * one record per client (client id + source host: two services that both keep librdkafka's
 * default "rdkafka" stay apart) and one per client × topic × partition.
 *
 * Records live in dense arrays with an open-addressing index over them. Both are capped
 * (--metrics-max-clients, --metrics-max-series): past the cap a new client is folded into the
 * client "(other)" and a new partition into its client's topic "(other)", partition -1, and
 * the folding is counted. Records idle longer than --metrics-expire-ms go at the next sweep,
 * so pod names that change on every deploy cannot grow memory without bound. Strings are
 * interned pointers (the loop's tables), compared by address. */
#ifndef KC_METRICS_TABLE_H
#define KC_METRICS_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "../util/intern.h"
#include "hist.h"
#include "trend.h"

enum kc_outcome { KC_OUT_OK, KC_OUT_RETRIABLE, KC_OUT_FATAL, KC_OUTCOMES };
enum kc_leg { KC_LEG_CLIENT, KC_LEG_BROKER, KC_LEGS };

#define KC_MPART_ERRORS 6           /* distinct error codes kept per partition */
#define KC_MERR_OTHER INT16_MIN     /* the code counted when those are full */
#define KC_MERR_INJECTED 0x4000     /* or'ed into a code a fault injected (codes stay below) */

extern const char kc_metrics_other[]; /* "(other)": the folded client and topic */

typedef struct kc_mclient {
    const char *client_id, *host;
    const char *principal;    /* the SASL user last authenticated on its connections; NULL: none */
    char software[64];        /* "librdkafka/2.0.2", from ApiVersions v3+ */
    uint64_t first_ns, last_ns;
    uint64_t requests[KC_OUTCOMES];   /* Produce requests answered, by outcome */
    uint64_t unanswered;              /* acks=0 Produce requests */
    kc_hist_t latency[KC_LEGS][KC_OUTCOMES];
    kc_hist_t throttle;               /* every answered request, zeros included */
    uint64_t throttled;               /* ... with throttle_time_ms > 0 */
    /* The producer's profile, as the wire shows it. */
    uint8_t acks_seen;                /* bit 0 acks=0, bit 1 acks=1, bit 2 acks=all */
    bool idempotent, plain, transactional; /* batches with a producer id, without, in a txn */
    uint8_t codecs;                   /* bit per compression codec seen */
    uint32_t max_inflight;            /* most Produce requests in flight on one connection */
    uint64_t batches, records, bytes, retries, duplicates, possible_duplicates, errors;
    /* Rates: per second over the last rate window (kc_mtable_tick). */
    uint64_t rate_ns, rate_base[5];
    double rate[5];                   /* records, bytes, requests, errors, retries */
    /* Delivery failures: partition results with a non-retriable error, and batches given up
     * (an error and no later success within the give-up window, kc_metrics_cfg_t.giveup_ns). */
    uint64_t delivery_failures;
    kc_trend_t trend;                 /* leading indicators: a snapshot every 10 s (trend.h) */
} kc_mclient_t;

typedef struct kc_mpart {
    uint32_t client;          /* index in clients */
    const char *topic;
    int32_t partition;        /* -1 in the folded series */
    uint64_t last_ns;
    uint64_t batches, bytes, records, retries, duplicates, possible_duplicates, record_errors;
    uint64_t batch_records_max, batch_bytes_max;
    int16_t err_code[KC_MPART_ERRORS];
    uint64_t err_n[KC_MPART_ERRORS];
} kc_mpart_t;

typedef struct kc_mtable {
    kc_mclient_t *clients;
    kc_mpart_t *parts;
    uint32_t nclients, nparts, cap_clients, cap_parts;
    uint32_t max_clients, max_parts;  /* the caps; a view has none (0) */
    uint32_t *cindex, *pindex;        /* open addressing: record index + 1, 0 empty */
    uint32_t cmask, pmask;
    uint64_t folded;                  /* new series folded into "(other)" */
    uint64_t *seen_folded;            /* keys of the series counted in folded (NULL until the
                                       * first fold; KC_MTABLE_FOLD_SLOTS, 0 empty) */
    uint64_t expired;                 /* series removed for idleness */
} kc_mtable_t;

/* Folded series remembered, so that each is counted once however many requests it sends
 * (512 KiB a loop, only once a cap is reached); past that a folded series may count again. */
#define KC_MTABLE_FOLD_SLOTS (1u << 16)

int kc_mtable_init(kc_mtable_t *t, uint32_t max_clients, uint32_t max_parts);
void kc_mtable_free(kc_mtable_t *t);
/* The record of a client, added when new (folded past the cap); NULL only when memory ran
 * out for the very first records. */
kc_mclient_t *kc_mtable_client(kc_mtable_t *t, const char *client_id, const char *host, uint64_t now);
/* The record of a client if there is one (nothing added, nothing refreshed). */
kc_mclient_t *kc_mtable_find(kc_mtable_t *t, const char *client_id, const char *host);
kc_mpart_t *kc_mtable_part(kc_mtable_t *t, uint32_t client, const char *topic, int32_t partition,
                           uint64_t now);
static inline uint32_t kc_mtable_index(const kc_mtable_t *t, const kc_mclient_t *c)
{
    return (uint32_t)(c - t->clients);
}
void kc_mpart_error(kc_mpart_t *p, int16_t code, uint64_t n);
/* Drop what has been idle for idle_ns (0: never); refresh the rates every rate_ns; take the
 * trend snapshots that are due. */
void kc_mtable_tick(kc_mtable_t *t, uint64_t now, uint64_t idle_ns, uint64_t rate_ns);
/* Add everything of `from` to `into`, re-interning strings in `strings` (a view's own). */
int kc_mtable_merge(kc_mtable_t *into, const kc_mtable_t *from, kc_intern_t *strings);

#endif
