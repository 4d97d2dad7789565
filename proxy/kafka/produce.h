/* ProduceRequest and ProduceResponse (api key 0, v0-13). */
#ifndef KC_KAFKA_PRODUCE_H
#define KC_KAFKA_PRODUCE_H

#include "endpoint.h"

typedef struct kc_produce_req {
    kc_str_t transactional_id; /* v3+; null otherwise */
    int16_t acks;              /* 0: the broker sends no response at all */
    int32_t timeout_ms;
} kc_produce_req_t;

typedef struct kc_produce_part {
    kc_str_t topic;           /* v0-12; len -1 in v13+ */
    const uint8_t *topic_id;  /* v13+ (KIP-516): 16 bytes inside the message; NULL before */
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

#endif
