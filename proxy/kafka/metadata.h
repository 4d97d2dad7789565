/* MetadataResponse (api key 3, v0-13): the brokers array is where clients learn addresses. */
#ifndef KC_KAFKA_METADATA_H
#define KC_KAFKA_METADATA_H

#include "endpoint.h"

/* r is positioned at the response body. Rewrites brokers[].host/port through map; the rest of
 * the response (cluster id, controller id, topics) passes untouched. */
int kc_metadata_response_rewrite(kc_rd_t *r, int16_t version, const kc_addr_map_t *map,
                                 kc_pool_t *pool, kc_splice_t *sp);

/* A MetadataRequest v1 asking for no topics: brokers and controller only. kchaos sends it at
 * start-up to learn the brokers (v1 is answered by every broker from 0.10 to Kafka 4.x, whose
 * KAFKA-18648 kept v0-3). Writes the whole frame, size prefix included. */
int kc_metadata_request_brokers(kc_wr_t *w, int32_t correlation_id, const char *client_id);

#endif
