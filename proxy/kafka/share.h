/* ShareFetchResponse and ShareAcknowledgeResponse (api keys 78, 79; share groups, KIP-932):
 * like Fetch, they end with node_endpoints for the leaders they name. */
#ifndef KC_KAFKA_SHARE_H
#define KC_KAFKA_SHARE_H

#include "endpoint.h"

int kc_share_fetch_response_rewrite(kc_rd_t *r, int16_t version, const kc_addr_map_t *map,
                                    kc_pool_t *pool, kc_splice_t *sp);
int kc_share_acknowledge_response_rewrite(kc_rd_t *r, int16_t version, const kc_addr_map_t *map,
                                          kc_pool_t *pool, kc_splice_t *sp);

#endif
