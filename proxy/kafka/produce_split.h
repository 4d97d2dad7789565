/* Produce faults partition by partition: a ProduceRequest split in two (the picked partitions
 * answered by kchaos, the rest forwarded in a request rebuilt by frame edits), the broker's answer
 * merged back with the local results, and a broker's answer given errors or a throttle after the
 * fact. The split remembers what the merge needs and owns it, so it can wait on the in-flight
 * entry (kc_merge_t) after the request frame has gone. */
#ifndef KC_KAFKA_PRODUCE_SPLIT_H
#define KC_KAFKA_PRODUCE_SPLIT_H

#include <stdbool.h>
#include <stdint.h>

#include "../util/frame.h"
#include "produce.h"

typedef struct kc_produce_split_topic {
    kc_str_t name;        /* v0-12: bytes owned by the split; len -1 in v13+ */
    uint8_t topic_id[16]; /* v13+ (KIP-516); zero before */
    int32_t first;        /* its partitions are parts[first, first + count) */
    int32_t count;
    int32_t picked;       /* how many of them were picked */
} kc_produce_split_topic_t;

typedef struct kc_produce_split_part {
    int32_t topic;     /* index into topics: the topic's position in the request, from 0 */
    int32_t partition; /* the partition index field */
    bool picked;       /* answered locally; position within its topic: i - topics[topic].first */
} kc_produce_split_part_t;

/* Every topic and partition of the original request, in request order, and which were picked.
 * Owns its memory (one pool buffer); kc_produce_split_free gives it back. */
typedef struct kc_produce_split {
    int32_t kept;   /* partitions left in the forwarded request (0: answer it all locally) */
    int32_t picked; /* partitions removed from it */
    int32_t topic_count, part_count;
    kc_produce_split_topic_t *topics; /* in mem */
    kc_produce_split_part_t *parts;   /* in mem */
    kc_pool_t *pool;
    kc_buf_t *mem; /* owned: topics, parts and the names' bytes */
} kc_produce_split_t;

typedef bool (*kc_produce_pick_fn)(void *ctx, const kc_produce_part_t *p);

/* Remove from the request frame, by frame edits, every partition pick() chooses; a topic left
 * with no partition goes whole; the array counts are rewritten (a compact count may change
 * length). The records of kept partitions are never copied. When every partition is picked, or
 * none, the frame is left as it is (kept == 0: answer the whole request locally). The frame must
 * carry no edit yet. On success *out owns its memory (free it with kc_produce_split_free); on
 * failure the frame and *out are left empty-handed. 0, -KC_EPROTO, -KC_ENOMEM, -ENOTSUP. */
int kc_produce_request_split(kc_pool_t *pool, kc_frame_t *req, int16_t version,
                             kc_produce_pick_fn pick, void *ctx, kc_produce_split_t *out);
void kc_produce_split_free(kc_produce_split_t *s);

/* Merge the broker's response to the reduced request with local results for the picked
 * partitions: error code `error`, base_offset -1, log_append_time_ms -1, log_start_offset -1, no
 * record errors, null message, no leader hint. Topics and partitions come out in the original
 * request's order; whatever the broker says beyond it (partitions or topics the request did not
 * name) follows, in the broker's order. Throttle, node_endpoints, unknown tags and the response
 * header are kept. The frame (edited or not) is replaced by the re-encoded response. */
int kc_produce_response_merge(kc_pool_t *pool, kc_frame_t *resp, int16_t version,
                              const kc_produce_split_t *split, int16_t error);

/* A partition of a response, named as the response names it: topic (v0-12) or topic_id (v13+,
 * 16 bytes; NULL before). */
typedef bool (*kc_produce_result_pick_fn)(void *ctx, kc_str_t topic, const uint8_t *topic_id,
                                          int32_t partition);

/* After the broker: the picked partitions' results become `error` with base_offset,
 * log_append_time_ms and log_start_offset -1 (as brokers answer errors), no record errors, no
 * message, no leader hint; the response is re-encoded. *count: partitions changed (the frame is
 * left as it is when none). */
int kc_produce_response_set_errors(kc_pool_t *pool, kc_frame_t *resp, int16_t version,
                                   kc_produce_result_pick_fn pick, void *ctx, int16_t error,
                                   int *count);

/* Set throttle_time_ms (v1+; v0 has none: -ENOTSUP), as a 4-byte patch edit. */
int kc_produce_response_set_throttle(kc_pool_t *pool, kc_frame_t *resp, int16_t version,
                                     int32_t throttle_ms);

#endif
