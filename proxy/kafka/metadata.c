/* MetadataResponse (MetadataResponse.json, v0-13, flexible 9+): brokers come second, after
 * throttle_time_ms (v3+), so the rewrite touches only the front of the message. The topics walk
 * reads the rest: who leads each partition, and topic ids (v10+) with their names. */
#include "metadata.h"

#include <string.h>

#include "api.h"
#include "errors.h"
#include "header.h"

static void broker_rest(kc_rd_t *r, int16_t v)
{
    if (v >= 1)
        kc_rd_str(r); /* rack */
    kc_rd_tags_skip(r);
}

int kc_metadata_response_rewrite(kc_rd_t *r, int16_t v, const kc_addr_map_t *map,
                                 kc_pool_t *pool, kc_splice_t *sp)
{
    if (v >= 3)
        kc_rd_i32(r); /* throttle_time_ms */
    size_t from = kc_rd_off(r);
    kc_wr_t w;
    kc_wr_init(&w, pool, 1024, r->flex);
    int rc = kc_endpoint_array_copy(r, &w, v, broker_rest, map);
    return kc_endpoint_finish(r, &w, from, rc, sp);
}

static void skip_int32_array(kc_rd_t *r)
{
    int32_t n = kc_rd_array(r, 4);
    kc_rd_raw(r, n > 0 ? (size_t)n * 4 : 0);
}

static void walk_partitions(kc_rd_t *r, int16_t v, const kc_metadata_topic_t *t,
                            const kc_metadata_walk_t *walk)
{
    for (int32_t i = 0; i < t->partition_count && !r->err; i++) {
        kc_metadata_partition_t p;
        p.off = (uint32_t)kc_rd_off(r);
        p.error_code = kc_rd_i16(r);
        p.index = kc_rd_i32(r);
        p.leader_id = kc_rd_i32(r);
        p.leader_epoch = v >= 7 ? kc_rd_i32(r) : -1;
        skip_int32_array(r); /* replica_nodes */
        skip_int32_array(r); /* isr_nodes */
        if (v >= 5)
            skip_int32_array(r); /* offline_replicas */
        kc_rd_tags_skip(r);
        if (!r->err && walk->partition)
            walk->partition(walk->ctx, t, &p);
    }
}

int kc_metadata_response_topics(kc_rd_t *r, int16_t v, const kc_metadata_walk_t *walk)
{
    if (v >= 3)
        kc_rd_i32(r); /* throttle_time_ms */
    int32_t nb = kc_rd_array(r, 9);
    for (int32_t i = 0; i < nb && !r->err; i++) {
        kc_rd_i32(r); /* node_id */
        kc_rd_str(r); /* host */
        kc_rd_i32(r); /* port */
        broker_rest(r, v);
    }
    if (v >= 2)
        kc_rd_str(r); /* cluster_id */
    if (v >= 1)
        kc_rd_i32(r); /* controller_id */
    int32_t nt = kc_rd_array(r, 4);
    for (int32_t i = 0; i < nt && !r->err; i++) {
        kc_metadata_topic_t t = {.topic_id = NULL};
        t.error_code = kc_rd_i16(r);
        t.name = kc_rd_str(r);
        if (v >= 10)
            t.topic_id = kc_rd_raw(r, 16);
        if (v >= 1)
            t.is_internal = kc_rd_i8(r) != 0;
        t.partition_count = kc_rd_array(r, 14);
        if (t.partition_count < 0)
            kc_rd_fail(r); /* not nullable */
        if (r->err)
            break;
        if (walk->topic)
            walk->topic(walk->ctx, &t);
        walk_partitions(r, v, &t, walk);
        if (v >= 8)
            kc_rd_i32(r); /* topic_authorized_operations */
        kc_rd_tags_skip(r);
    }
    if (v >= 8 && v <= 10)
        kc_rd_i32(r); /* cluster_authorized_operations */
    if (v >= 13)
        kc_rd_i16(r); /* error_code */
    kc_rd_tags_skip(r);
    return r->err;
}

typedef struct leaderless {
    kc_pool_t *pool;
    kc_frame_t *f;
    kc_metadata_pick_fn pick;
    void *ctx;
    int count;
    int rc;
} leaderless_t;

static void on_partition(void *arg, const kc_metadata_topic_t *t, const kc_metadata_partition_t *p)
{
    leaderless_t *l = arg;
    if (l->rc || !l->pick(l->ctx, t->name, t->topic_id, p->index))
        return;
    /* error_code INT16, partition_index INT32, leader_id INT32: one 10-byte patch */
    kc_splice_t sp = {.off = p->off, .len = 10, .buf = kc_buf_get(l->pool, 10), .buf_len = 10};
    if (!sp.buf) {
        l->rc = -KC_ENOMEM;
        return;
    }
    kc_put_be16(sp.buf->data, (uint16_t)KC_KERR_LEADER_NOT_AVAILABLE);
    kc_put_be32(sp.buf->data + 2, (uint32_t)p->index);
    kc_put_be32(sp.buf->data + 6, (uint32_t)-1);
    if (!(l->rc = kc_frame_edit(l->pool, l->f, &sp)))
        l->count++;
}

int kc_metadata_response_leaderless(kc_pool_t *pool, kc_frame_t *f, int16_t v,
                                    kc_metadata_pick_fn pick, void *ctx, int *count)
{
    *count = 0;
    const uint8_t *msg = kc_frame_msg(f);
    uint32_t len = kc_frame_msg_len(f);
    int32_t corr;
    uint32_t body_off;
    if (kc_resp_header_parse(msg, len, KC_API_METADATA, v, &corr, &body_off))
        return -KC_EPROTO;
    /* The original bytes: edits made so far (broker addresses) are ranges of them, so the
     * offsets found here are the ones kc_frame_edit wants. */
    kc_rd_t r;
    kc_rd_init(&r, msg, len, kc_api_flexible(kc_api_get(KC_API_METADATA), v));
    r.p += body_off;
    leaderless_t l = {.pool = pool, .f = f, .pick = pick, .ctx = ctx};
    kc_metadata_walk_t walk = {.partition = on_partition, .ctx = &l};
    int rc = kc_metadata_response_topics(&r, v, &walk);
    *count = l.count;
    return rc ? rc : l.rc;
}

int kc_metadata_request_brokers(kc_wr_t *w, int32_t correlation_id, const char *client_id)
{
    size_t at = w->len;
    kc_wr_i32(w, 0); /* size, patched below */
    kc_wr_i16(w, 3); /* Metadata */
    kc_wr_i16(w, 1);
    kc_wr_i32(w, correlation_id);
    kc_wr_str(w, (kc_str_t){client_id, (int32_t)strlen(client_id)});
    kc_wr_array(w, 0); /* v1+: an empty array asks for no topics */
    if (!w->err)
        kc_put_be32(w->buf->data + at, (uint32_t)(w->len - at - 4));
    return w->err;
}
