/* FetchResponse (api key 1, v4-18): only the KIP-951 node_endpoints carry addresses. */
#ifndef KC_KAFKA_FETCH_H
#define KC_KAFKA_FETCH_H

#include "endpoint.h"

/* r is positioned at the body. v16+ only: the walk skips every partition's records to reach
 * the top-level tagged section, without copying them. Earlier versions are left alone. */
int kc_fetch_response_rewrite(kc_rd_t *r, int16_t version, const kc_addr_map_t *map,
                              kc_pool_t *pool, kc_splice_t *sp);

#endif
