/* Batch identities: what kchaos remembers of each record batch it has seen go to a broker, to
 * tell a first send from a retry and a retry from a duplicate, exactly, from the wire. A batch
 * is known by (producer id, epoch, topic, partition, base sequence) when the producer is
 * idempotent, else by (client, topic, partition, CRC): a batch resent without idempotence
 * carries the same bytes, so the same CRC.
 *
 * A fixed table (allocated on the loop's first Produce) with a short probe window: when the
 * window is full the batch seen longest ago gives its place, so memory is bounded and a retry
 * arriving after its batch was forgotten counts as a first send. */
#ifndef KC_METRICS_BATCHES_H
#define KC_METRICS_BATCHES_H

#include <stdbool.h>
#include <stdint.h>

#define KC_BATCHES_SLOTS (1u << 16) /* 2 MiB a loop: minutes of retries at thousands of batches/s */

typedef struct kc_bid {
    uint64_t key;       /* 0: empty */
    int64_t ok_offset;  /* base offset of the first success, -1: none yet */
    uint64_t seen;      /* the table's clock when last sent */
    uint32_t pending;   /* sends not answered yet */
    bool maybe;         /* an earlier send may have been written without kchaos seeing success */
} kc_bid_t;

typedef struct kc_batches {
    kc_bid_t *slots; /* NULL until the first batch */
    uint64_t clock;
    uint64_t evicted;
} kc_batches_t;

void kc_batches_free(kc_batches_t *b);
/* The batch with this key; *found tells whether it had been seen (a retry). NULL only when
 * memory ran out. */
kc_bid_t *kc_batches_get(kc_batches_t *b, uint64_t key, bool *found);
/* The batch if still known, else NULL. */
kc_bid_t *kc_batches_find(kc_batches_t *b, uint64_t key);

#endif
