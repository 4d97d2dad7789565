/* ProduceRequest and ProduceResponse (api key 0, v0-13). */
#ifndef KC_KAFKA_PRODUCE_H
#define KC_KAFKA_PRODUCE_H

#include "../util/arena.h"
#include "endpoint.h"

typedef struct kc_produce_req {
    kc_str_t transactional_id; /* v3+; null otherwise */
    int16_t acks;              /* 0: the broker sends no response at all */
    int32_t timeout_ms;
} kc_produce_req_t;

typedef struct kc_produce_part {
    kc_str_t topic;           /* v0-12; len -1 in v13+ */
    const uint8_t *topic_id;  /* v13+ (KIP-516): 16 bytes inside the message; NULL before */
    int32_t topic_index;      /* which element of topic_data, from 0 */
    int32_t partition;
    const uint8_t *records;   /* RECORDS payload inside the message */
    int32_t records_len;      /* -1 for null */
} kc_produce_part_t;

typedef void (*kc_produce_part_fn)(void *ctx, const kc_produce_part_t *p);

/* Read the fields before topic_data: all the pipeline needs to know whether a response will
 * come. r is positioned at the request body. */
int kc_produce_request_head(kc_rd_t *r, int16_t version, kc_produce_req_t *req);
/* Then walk topic_data, calling fn for each partition in wire order. */
int kc_produce_request_parts(kc_rd_t *r, int16_t version, kc_produce_part_fn fn, void *ctx);

/* Rewrite the KIP-951 node_endpoints (top-level tag 0, v10+) of a response; r is positioned at
 * the body. Earlier versions carry no address and are left alone. */
int kc_produce_response_rewrite(kc_rd_t *r, int16_t version, const kc_addr_map_t *map,
                                kc_pool_t *pool, kc_splice_t *sp);

/* ---- ProduceResponse, decoded and encoded (produce_response.c) ----
 *
 * The decoded form points into the frame (strings, unknown tags) and into an arena (arrays), so
 * the frame and the arena must outlive it. Decoding then encoding gives back the same bytes for
 * every version; a caller may change any field in between (error codes, messages, a leader
 * hint) and encode the result, or build one from scratch (kc_produce_response_local). */

typedef struct kc_produce_record_error { /* v8+ */
    int32_t batch_index;
    kc_str_t message; /* nullable */
    kc_raw_t tags;    /* flex: the element's tagged section as it came; empty: none */
} kc_produce_record_error_t;

typedef struct kc_produce_part_result {
    int32_t index;
    int16_t error_code;
    int64_t base_offset;
    int64_t log_append_time_ms; /* v2+; -1 when the broker did not use LogAppendTime */
    int64_t log_start_offset;   /* v5+; -1 unknown */
    kc_produce_record_error_t *record_errors; /* v8+, in the arena */
    int32_t record_error_count;
    kc_str_t error_message; /* v8+, nullable */
    /* v10+ tag 0 (KIP-951): who leads now, when the error says it moved */
    bool has_current_leader;
    int32_t leader_id, leader_epoch;
    kc_raw_t leader_tags; /* LeaderIdAndEpoch's own tagged section; empty: none */
    kc_tags_kept_t tags;  /* the other tags of the partition */
} kc_produce_part_result_t;

typedef struct kc_produce_topic_result {
    kc_str_t name;           /* v0-12 */
    const uint8_t *topic_id; /* v13+ (KIP-516): 16 bytes (in the frame or the arena) */
    kc_produce_part_result_t *parts; /* in the arena */
    int32_t part_count;
    kc_raw_t tags;
} kc_produce_topic_result_t;

typedef struct kc_node_endpoint { /* KIP-951 node_endpoints element */
    int32_t node_id;
    kc_str_t host;
    int32_t port;
    kc_str_t rack; /* nullable */
    kc_raw_t tags;
} kc_node_endpoint_t;

typedef struct kc_produce_resp {
    kc_produce_topic_result_t *topics; /* in the arena */
    int32_t topic_count;
    int32_t throttle_time_ms; /* v1+ */
    /* v10+ top-level tag 0 (KIP-951): written only when has_node_endpoints */
    bool has_node_endpoints;
    kc_node_endpoint_t *node_endpoints;
    int32_t node_endpoint_count;
    kc_tags_kept_t tags; /* the other top-level tags */
} kc_produce_resp_t;

#define KC_PRODUCE_MAX_VERSION 13

/* Decode a whole response body (r positioned at it, flex set for v9+); every byte must belong
 * to it. Arrays come from `a`; on failure the arena may hold partial arrays (reset it).
 * Returns 0, -KC_EPROTO, -ENOMEM, or -ENOTSUP for a version outside 0-13. Encodings the
 * encoder would not write back (over-long varints, null where the schema forbids it, a known
 * tag twice or with bytes left over) are -KC_EPROTO: they cannot round-trip. */
int kc_produce_response_decode(kc_rd_t *r, int16_t version, kc_arena_t *a, kc_produce_resp_t *out);

/* Write the body for this exact version (w->flex is set and restored here). Fields the version
 * does not carry are not written. Returns w->err, or -ENOTSUP. */
int kc_produce_response_encode(kc_wr_t *w, int16_t version, const kc_produce_resp_t *resp);

/* A whole response frame: size prefix, header (kc_resp_header_write), body. */
int kc_produce_response_frame(kc_wr_t *w, int16_t version, int32_t correlation_id,
                              const kc_produce_resp_t *resp);

/* The error each partition of a request gets in a local answer. */
typedef int16_t (*kc_produce_error_fn)(void *ctx, const kc_produce_part_t *p);

/* Build the answer kchaos gives in the broker's place: one topic per topic_data element, one
 * partition per partition in request order, each with fn's error code, base_offset -1,
 * log_append_time_ms -1, log_start_offset -1, no record errors, null error message, no leader
 * hint, throttle 0. r is positioned at topic_data (after kc_produce_request_head). Topics with no
 * partition are left out; a topic named null (v0-12) is refused (-KC_EPROTO), as no answer can
 * name it. The answer points into the request frame (names, ids): keep it until encoded. */
int kc_produce_response_local(kc_rd_t *r, int16_t version, kc_produce_error_fn fn, void *ctx,
                              kc_arena_t *a, kc_produce_resp_t *out);

#endif
