/* FindCoordinatorResponse (api key 10, v0-6): the coordinator's address. */
#ifndef KC_KAFKA_FIND_COORDINATOR_H
#define KC_KAFKA_FIND_COORDINATOR_H

#include "endpoint.h"

int kc_find_coordinator_response_rewrite(kc_rd_t *r, int16_t version, const kc_addr_map_t *map,
                                         kc_pool_t *pool, kc_splice_t *sp);

#endif
