/* ShareFetchResponse.json / ShareAcknowledgeResponse.json (v1-2 in Kafka 4.4, flexible in
 * every version). node_endpoints is a plain field after the responses, not a tagged one. */
#include "share.h"

static void skip_current_leader(kc_rd_t *r)
{
    kc_rd_i32(r); /* leader_id */
    kc_rd_i32(r); /* leader_epoch */
    kc_rd_tags_skip(r);
}

static void skip_fetch_partition(kc_rd_t *r)
{
    kc_rd_i32(r); /* partition_index */
    kc_rd_i16(r); /* error_code */
    kc_rd_str(r); /* error_message */
    kc_rd_i16(r); /* acknowledge_error_code */
    kc_rd_str(r); /* acknowledge_error_message */
    skip_current_leader(r);
    const uint8_t *records;
    kc_rd_bytes(r, &records);
    int32_t n = kc_rd_array(r, 19); /* acquired_records */
    for (int32_t i = 0; i < n && !r->err; i++) {
        kc_rd_i64(r); /* first_offset */
        kc_rd_i64(r); /* last_offset */
        kc_rd_i16(r); /* delivery_count */
        kc_rd_tags_skip(r);
    }
    kc_rd_tags_skip(r);
}

static void skip_ack_partition(kc_rd_t *r)
{
    kc_rd_i32(r); /* partition_index */
    kc_rd_i16(r); /* error_code */
    kc_rd_str(r); /* error_message */
    skip_current_leader(r);
    kc_rd_tags_skip(r);
}

/* Both responses: header fields, topics of partitions, then node_endpoints. */
static int rewrite(kc_rd_t *r, bool lock_timeout, void (*skip_part)(kc_rd_t *),
                   const kc_addr_map_t *map, kc_pool_t *pool, kc_splice_t *sp)
{
    kc_rd_i32(r); /* throttle_time_ms */
    kc_rd_i16(r); /* error_code */
    kc_rd_str(r); /* error_message */
    if (lock_timeout)
        kc_rd_i32(r); /* acquisition_lock_timeout_ms */
    int32_t ntopics = kc_rd_array(r, 18);
    for (int32_t t = 0; t < ntopics && !r->err; t++) {
        kc_rd_raw(r, 16); /* topic_id */
        int32_t nparts = kc_rd_array(r, 8);
        for (int32_t i = 0; i < nparts && !r->err; i++)
            skip_part(r);
        kc_rd_tags_skip(r);
    }
    size_t from = kc_rd_off(r);
    kc_wr_t w;
    kc_wr_init(&w, pool, 256, true);
    int rc = kc_endpoint_array_copy(r, &w, 0, kc_endpoint_skip_rack_tags, map);
    return kc_endpoint_finish(r, &w, from, rc, sp);
}

int kc_share_fetch_response_rewrite(kc_rd_t *r, int16_t v, const kc_addr_map_t *map,
                                    kc_pool_t *pool, kc_splice_t *sp)
{
    return rewrite(r, v >= 1, skip_fetch_partition, map, pool, sp);
}

int kc_share_acknowledge_response_rewrite(kc_rd_t *r, int16_t v, const kc_addr_map_t *map,
                                          kc_pool_t *pool, kc_splice_t *sp)
{
    return rewrite(r, v >= 2, skip_ack_partition, map, pool, sp);
}
