/* FetchResponse (FetchResponse.json, flexible 12+). node_endpoints is top-level tag 0 from
 * v16 (KIP-951); it sits after all the records, so only that tail is ever rebuilt. */
#include "fetch.h"

static void skip_partition(kc_rd_t *r, int16_t v)
{
    kc_rd_i32(r); /* partition_index */
    kc_rd_i16(r); /* error_code */
    kc_rd_i64(r); /* high_watermark */
    kc_rd_i64(r); /* last_stable_offset (v4+) */
    if (v >= 5)
        kc_rd_i64(r); /* log_start_offset */
    int32_t n = kc_rd_array(r, 17); /* aborted_transactions (v4+) */
    for (int32_t i = 0; i < n && !r->err; i++) {
        kc_rd_i64(r); /* producer_id */
        kc_rd_i64(r); /* first_offset */
        kc_rd_tags_skip(r);
    }
    if (v >= 11)
        kc_rd_i32(r); /* preferred_read_replica */
    const uint8_t *records;
    kc_rd_bytes(r, &records);
    kc_rd_tags_skip(r); /* diverging_epoch, current_leader (ids only), snapshot_id */
}

int kc_fetch_response_rewrite(kc_rd_t *r, int16_t v, const kc_addr_map_t *map, kc_pool_t *pool,
                              kc_splice_t *sp)
{
    if (v < 16)
        return 0;
    kc_rd_i32(r); /* throttle_time_ms */
    kc_rd_i16(r); /* error_code */
    kc_rd_i32(r); /* session_id */
    int32_t ntopics = kc_rd_array(r, 18);
    for (int32_t t = 0; t < ntopics && !r->err; t++) {
        kc_rd_raw(r, 16); /* topic_id (v13+) */
        int32_t nparts = kc_rd_array(r, 32);
        for (int32_t i = 0; i < nparts && !r->err; i++)
            skip_partition(r, v);
        kc_rd_tags_skip(r);
    }
    if (r->err)
        return r->err;
    return kc_endpoint_tags_rewrite(r, 0, map, pool, sp); /* tag 0: node_endpoints */
}
