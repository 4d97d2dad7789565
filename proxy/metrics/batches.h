/* Batch identities: what kchaos remembers of each record batch it has seen go to a broker, to
 * tell a first send from a retry and a retry from a duplicate, exactly, from the wire. A batch
 * is known by (producer id, epoch, topic, partition, base sequence) when the producer is
 * idempotent, else by (client, topic, partition, CRC): a batch resent without idempotence
 * carries the same bytes, so the same CRC.
 *
 * A fixed table (allocated on the loop's first Produce) with a short probe window: when the
 * window is full the batch seen longest ago gives its place, so memory is bounded and a retry
 * arriving after its batch was forgotten counts as a first send.
 *
 * Beside it, a fixed ring of batches that got a retriable error and no success yet, oldest
 * first, judged once the give-up window has passed (kc_batches_given_up): still no success
 * means the producer gave the batch up (Java's delivery.timeout.ms is 120 s). */
#ifndef KC_METRICS_BATCHES_H
#define KC_METRICS_BATCHES_H

#include <stdbool.h>
#include <stdint.h>

#define KC_BATCHES_SLOTS (1u << 16) /* 2 MiB a loop: minutes of retries at thousands of batches/s */
#define KC_BATCHES_WATCH 4096       /* failing batches awaiting their verdict: 128 KiB a loop */

typedef struct kc_bid {
    uint64_t key;       /* 0: empty */
    int64_t ok_offset;  /* base offset of the first success, -1: none yet */
    uint64_t seen;      /* the table's clock when last sent */
    uint32_t pending;   /* sends not answered yet */
    bool maybe;         /* an earlier send may have been written without kchaos seeing success */
    bool watched;       /* in the watch ring (or judged): one verdict per batch */
} kc_bid_t;

typedef struct kc_bwatch {
    uint64_t key;
    uint64_t err_ns;               /* its first error */
    const char *client_id, *host;  /* interned by the loop, stable for the process's life */
} kc_bwatch_t;

typedef struct kc_batches {
    kc_bid_t *slots; /* NULL until the first batch */
    uint64_t clock;
    uint64_t evicted;    /* identities forgotten, and watched batches dropped from a full ring */
    kc_bwatch_t *watch;  /* KC_BATCHES_WATCH entries, allocated with slots */
    uint32_t whead, wn;  /* the oldest entry, entries held */
} kc_batches_t;

void kc_batches_free(kc_batches_t *b);
/* The batch with this key; *found tells whether it had been seen (a retry). NULL only when
 * memory ran out. */
kc_bid_t *kc_batches_get(kc_batches_t *b, uint64_t key, bool *found);
/* The batch if still known, else NULL. */
kc_bid_t *kc_batches_find(kc_batches_t *b, uint64_t key);

/* Watch a batch that has just failed with a retriable error and never succeeded. */
void kc_batches_watch(kc_batches_t *b, kc_bid_t *id, uint64_t now, const char *client_id,
                      const char *host);
/* Judge the watched batches whose first error is window_ns old: gave_up(ctx, client, host) for
 * each still without success (a batch forgotten meanwhile is not judged). */
void kc_batches_given_up(kc_batches_t *b, uint64_t now, uint64_t window_ns,
                         void (*gave_up)(void *ctx, const char *client_id, const char *host),
                         void *ctx);

#endif
