/* ProduceRequest/ProduceResponse (ProduceRequest.json, ProduceResponse.json; v0-13, flexible
 * 9+). v3 adds transactional_id, v13 (KIP-516) replaces topic names with topic ids, v10
 * (KIP-951) adds the current_leader / node_endpoints hints to the response. */
#include "produce.h"

int kc_produce_request_head(kc_rd_t *r, int16_t v, kc_produce_req_t *req)
{
    req->transactional_id = v >= 3 ? kc_rd_str(r) : (kc_str_t){NULL, -1};
    req->acks = kc_rd_i16(r);
    req->timeout_ms = kc_rd_i32(r);
    return r->err;
}

int kc_produce_request_parts(kc_rd_t *r, int16_t v, kc_produce_part_fn fn, void *ctx)
{
    int32_t ntopics = kc_rd_array(r, 2);
    for (int32_t t = 0; t < ntopics && !r->err; t++) {
        kc_produce_part_t p = {.topic = {NULL, -1}, .topic_index = t};
        if (v >= 13)
            p.topic_id = kc_rd_raw(r, 16);
        else
            p.topic = kc_rd_str(r);
        int32_t nparts = kc_rd_array(r, 5);
        for (int32_t i = 0; i < nparts && !r->err; i++) {
            p.partition = kc_rd_i32(r);
            p.records_len = kc_rd_bytes(r, &p.records);
            kc_rd_tags_skip(r);
            if (!r->err && fn)
                fn(ctx, &p);
        }
        kc_rd_tags_skip(r);
    }
    kc_rd_tags_skip(r);
    return r->err;
}

static void skip_partition_response(kc_rd_t *r, int16_t v)
{
    kc_rd_i32(r); /* index */
    kc_rd_i16(r); /* error_code */
    kc_rd_i64(r); /* base_offset */
    if (v >= 2)
        kc_rd_i64(r); /* log_append_time_ms */
    if (v >= 5)
        kc_rd_i64(r); /* log_start_offset */
    if (v >= 8) {
        int32_t n = kc_rd_array(r, 5); /* record_errors */
        for (int32_t i = 0; i < n && !r->err; i++) {
            kc_rd_i32(r); /* batch_index */
            kc_rd_str(r); /* batch_index_error_message */
            kc_rd_tags_skip(r);
        }
        kc_rd_str(r); /* error_message */
    }
    kc_rd_tags_skip(r); /* v10+: tag 0 current_leader, ids only */
}

int kc_produce_response_rewrite(kc_rd_t *r, int16_t v, const kc_addr_map_t *map,
                                kc_pool_t *pool, kc_splice_t *sp)
{
    if (v < 10)
        return 0;
    int32_t ntopics = kc_rd_array(r, 2);
    for (int32_t t = 0; t < ntopics && !r->err; t++) {
        if (v >= 13)
            kc_rd_raw(r, 16); /* topic_id */
        else
            kc_rd_str(r); /* name */
        int32_t nparts = kc_rd_array(r, 20);
        for (int32_t i = 0; i < nparts && !r->err; i++)
            skip_partition_response(r, v);
        kc_rd_tags_skip(r);
    }
    kc_rd_i32(r); /* throttle_time_ms */
    if (r->err)
        return r->err;
    return kc_endpoint_tags_rewrite(r, 0, map, pool, sp); /* tag 0: node_endpoints */
}
