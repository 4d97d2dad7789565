/* DescribeClusterResponse (DescribeClusterResponse.json, v0-2, flexible in every version;
 * KIP-700, KIP-919 endpoint_type v1, KIP-1073 is_fenced v2). */
#include "describe_cluster.h"

static void broker_rest(kc_rd_t *r, int16_t v)
{
    kc_rd_str(r); /* rack */
    if (v >= 2)
        kc_rd_i8(r); /* is_fenced */
    kc_rd_tags_skip(r);
}

int kc_describe_cluster_response_rewrite(kc_rd_t *r, int16_t v, const kc_addr_map_t *map,
                                         kc_pool_t *pool, kc_splice_t *sp)
{
    kc_rd_i32(r); /* throttle_time_ms */
    kc_rd_i16(r); /* error_code */
    kc_rd_str(r); /* error_message */
    if (v >= 1)
        kc_rd_i8(r); /* endpoint_type */
    kc_rd_str(r); /* cluster_id */
    kc_rd_i32(r); /* controller_id */
    size_t from = kc_rd_off(r);
    kc_wr_t w;
    kc_wr_init(&w, pool, 1024, true);
    int rc = kc_endpoint_array_copy(r, &w, v, broker_rest, map);
    return kc_endpoint_finish(r, &w, from, rc, sp);
}
