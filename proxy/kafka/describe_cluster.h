/* DescribeClusterResponse (api key 60, v0-2): the admin clients' view of the brokers. */
#ifndef KC_KAFKA_DESCRIBE_CLUSTER_H
#define KC_KAFKA_DESCRIBE_CLUSTER_H

#include "endpoint.h"

int kc_describe_cluster_response_rewrite(kc_rd_t *r, int16_t version, const kc_addr_map_t *map,
                                         kc_pool_t *pool, kc_splice_t *sp);

#endif
