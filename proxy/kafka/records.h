/* Record batch headers inside RECORDS fields: counts and producer identity, never the records
 * themselves (they may be compressed, and kchaos forwards them untouched). */
#ifndef KC_KAFKA_RECORDS_H
#define KC_KAFKA_RECORDS_H

#include <stdbool.h>
#include <stdint.h>

typedef struct kc_batch {
    int8_t magic;           /* 2 for RecordBatch; 0/1 for legacy messages (Produce v0-2) */
    int8_t compression;     /* 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd */
    bool transactional;     /* magic 2 only */
    bool control;
    int32_t records;        /* recordsCount, or 1 per legacy (possibly wrapper) message */
    int64_t producer_id;    /* -1 when not idempotent / legacy */
    int16_t producer_epoch;
    int32_t base_sequence;
    int32_t last_offset_delta;
    uint32_t size;          /* bytes of the batch or message, offset and length included */
    uint32_t crc;           /* as the producer wrote it: tells a resent batch without idempotence */
} kc_batch_t;

typedef void (*kc_batch_fn)(void *ctx, const kc_batch_t *b);

/* Walk the batches of a RECORDS payload. Returns the number of complete batches, or
 * -KC_EPROTO when the payload ends in a truncated or malformed batch (the complete ones before
 * it have been reported). */
int kc_records_walk(const uint8_t *p, int32_t len, kc_batch_fn fn, void *ctx);

#endif
