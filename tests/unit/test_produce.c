/* proxy/kafka/produce.c: ProduceRequest head and partitions (v0-13), and the KIP-951
 * node_endpoints of ProduceResponse v10+. */
#include "kafka/produce.h"
#include "kafka/records.h"

#include <errno.h>

#include "kc_test.h"

#define FLEX_FROM 9

/* ---- requests ---- */

/* A magic 2 batch of `count` records (header only plus filler), as the records walk sees it. */
static void batch(tb_t *t, int32_t count, size_t filler)
{
    tb_i64(t, 0);
    tb_i32(t, (int64_t)(49 + filler));
    tb_i32(t, -1);
    tb_i8(t, 2);
    tb_i32(t, 0);
    tb_i16(t, 0);
    tb_i32(t, count - 1);
    tb_i64(t, 0);
    tb_i64(t, 0);
    tb_i64(t, 77);
    tb_i16(t, 1);
    tb_i32(t, 0);
    tb_i32(t, count);
    for (size_t i = 0; i < filler; i++)
        tb_u8(t, 0xab);
}

/* ProduceRequest.json body: topics "a" (partitions 0, 1) and "b" (partition 7, null records). */
static void req_body(tb_t *t, int v, const char *txn, int acks, size_t *records_at)
{
    bool flex = v >= FLEX_FROM;
    if (v >= 3) tb_str(t, flex, txn);
    tb_i16(t, acks);
    tb_i32(t, 30000);
    tb_arr(t, flex, 2);
    for (int topic = 0; topic < 2; topic++) {
        if (v >= 13)
            tb_uuid(t, (uint8_t)(topic ? 0xb0 : 0xa0));
        else
            tb_str(t, flex, topic ? "b" : "a");
        int np = topic ? 1 : 2;
        tb_arr(t, flex, np);
        for (int p = 0; p < np; p++) {
            tb_i32(t, topic ? 7 : p);
            if (topic) {
                tb_bytes(t, flex, NULL, 0);
            } else {
                tb_t rec = {0};
                batch(&rec, 3 + p, 10);
                if (p) batch(&rec, 1, 0);
                tb_bytes(t, flex, rec.b, rec.n);
                if (records_at) records_at[p] = t->n - rec.n;
            }
            if (flex && p == 0) {
                tb_uv(t, 1);
                tb_tag(t, 42, "?", 1); /* unknown partition tag: skipped */
            } else {
                tb_tags0(t, flex);
            }
        }
        tb_tags0(t, flex);
    }
    tb_tags0(t, flex);
}

typedef struct parts {
    int n;
    kc_produce_part_t p[8];
    int batches[8], records[8];
} parts_t;

static void count_batch(void *ctx, const kc_batch_t *b)
{
    int *records = ctx;
    *records += b->records;
}

static void on_part(void *ctx, const kc_produce_part_t *p)
{
    parts_t *s = ctx;
    assert_true(s->n < 8);
    s->p[s->n] = *p;
    s->records[s->n] = 0;
    s->batches[s->n] = kc_records_walk(p->records, p->records_len, count_batch, &s->records[s->n]);
    s->n++;
}

static int parse(const tb_t *t, size_t len, int v, kc_produce_req_t *req, parts_t *s,
                 uint8_t **keep)
{
    uint8_t *m = malloc(len ? len : 1);
    memcpy(m, t->b, len);
    kc_rd_t r;
    kc_rd_init(&r, m, len, v >= FLEX_FROM);
    *s = (parts_t){0};
    int rc = kc_produce_request_head(&r, (int16_t)v, req);
    if (rc == 0) rc = kc_produce_request_parts(&r, (int16_t)v, on_part, s);
    if (rc == 0) assert_int_equal(kc_rd_left(&r), 0);
    if (keep)
        *keep = m;
    else
        free(m);
    return rc;
}

static void test_request_every_version(void **state)
{
    (void)state;
    for (int v = 0; v <= 13; v++) {
        tb_t t = {0};
        size_t at[2];
        req_body(&t, v, v == 5 ? NULL : "txn-1", v == 4 ? 0 : -1, at);
        kc_produce_req_t req;
        parts_t s;
        uint8_t *m;
        assert_int_equal(parse(&t, t.n, v, &req, &s, &m), 0);
        assert_int_equal(req.acks, v == 4 ? 0 : -1);
        assert_int_equal(req.timeout_ms, 30000);
        if (v < 3 || v == 5) {
            assert_int_equal(req.transactional_id.len, -1);
        } else {
            assert_int_equal(req.transactional_id.len, 5);
            assert_memory_equal(req.transactional_id.p, "txn-1", 5);
        }
        assert_int_equal(s.n, 3);
        assert_int_equal(s.p[0].partition, 0);
        assert_int_equal(s.p[1].partition, 1);
        assert_int_equal(s.p[2].partition, 7);
        for (int i = 0; i < 3; i++) {
            if (v >= 13) {
                assert_int_equal(s.p[i].topic.len, -1);
                assert_non_null(s.p[i].topic_id);
                assert_int_equal(s.p[i].topic_id[0], i < 2 ? 0xa0 : 0xb0);
            } else {
                assert_null(s.p[i].topic_id);
                assert_int_equal(s.p[i].topic.len, 1);
                assert_int_equal(s.p[i].topic.p[0], i < 2 ? 'a' : 'b');
            }
        }
        /* RECORDS point into the message; the walk sees the batches. */
        assert_ptr_equal(s.p[0].records, m + at[0]);
        assert_ptr_equal(s.p[1].records, m + at[1]);
        assert_int_equal(s.p[0].records_len, 71);
        assert_int_equal(s.p[1].records_len, 71 + 61);
        assert_int_equal(s.batches[0], 1);
        assert_int_equal(s.records[0], 3);
        assert_int_equal(s.batches[1], 2);
        assert_int_equal(s.records[1], 5);
        assert_int_equal(s.p[2].records_len, -1);
        assert_null(s.p[2].records);
        assert_int_equal(s.batches[2], 0);
        free(m);

        /* Every truncation fails, and reports no partition past the cut. */
        for (size_t cut = 0; cut < t.n; cut++) {
            assert_int_equal(parse(&t, cut, v, &req, &s, NULL), -KC_EPROTO);
            assert_true(s.n <= 3);
        }
    }
}

static void test_request_exact_v3_v13(void **state)
{
    (void)state;
    /* v3: null transactional id, acks 1, timeout 1000, topic "t" partition 0 with 0 bytes. */
    tb_t t = {0};
    tb_hex(&t, "ffff 0001 000003e8 00000001 0001 74 00000001 00000000 00000000");
    kc_produce_req_t req;
    parts_t s;
    assert_int_equal(parse(&t, t.n, 3, &req, &s, NULL), 0);
    assert_int_equal(req.acks, 1);
    assert_int_equal(req.timeout_ms, 1000);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.p[0].records_len, 0);
    /* v13: compact null transactional id, a topic id, one partition with null records. */
    tb_t u = {0};
    tb_hex(&u, "00 ffff 00000064 02 000102030405060708090a0b0c0d0e0f 02 00000003 00 00 00 00");
    uint8_t *m;
    assert_int_equal(parse(&u, u.n, 13, &req, &s, &m), 0); /* topic_id points into m */
    assert_int_equal(req.acks, -1);
    assert_int_equal(req.transactional_id.len, -1);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.p[0].partition, 3);
    assert_int_equal(s.p[0].topic_id[15], 0x0f);
    assert_int_equal(s.p[0].records_len, -1);
    free(m);
}

static void test_request_malformed(void **state)
{
    (void)state;
    kc_produce_req_t req;
    parts_t s;
    tb_t t = {0};
    tb_hex(&t, "ffff 0001 000003e8 7fffffff"); /* topic count far too big */
    assert_int_equal(parse(&t, t.n, 3, &req, &s, NULL), -KC_EPROTO);
    tb_t b = {0};
    tb_hex(&b, "ffff 0001 000003e8 00000001 0001 74 00000001 00000000 00000010 0000"); /* records */
    assert_int_equal(parse(&b, b.n, 3, &req, &s, NULL), -KC_EPROTO);
    assert_int_equal(s.n, 0);
}

/* ---- responses ---- */

typedef struct resp {
    int v;
    bool mapped;
    int nodes; /* node_endpoints entries; 0: no tag */
} resp_t;

static void endpoints_tag(tb_t *t, void *ctx)
{
    const resp_t *r = ctx;
    tb_node_endpoints(t, r->mapped, 1, r->nodes);
}

static void leader_tag(tb_t *t, void *ctx)
{
    (void)ctx;
    tb_i32(t, 2); /* leader_id: an id, not an address */
    tb_i32(t, 9);
    tb_tags0(t, true);
}

/* ProduceResponse.json body. */
static void resp_body(tb_t *t, const resp_t *r)
{
    int v = r->v;
    bool flex = v >= FLEX_FROM;
    tb_arr(t, flex, 1);
    if (v >= 13)
        tb_uuid(t, 0x11);
    else
        tb_str(t, flex, "orders");
    tb_arr(t, flex, 2);
    for (int p = 0; p < 2; p++) {
        tb_i32(t, p);
        tb_i16(t, p ? 6 : 0); /* NOT_LEADER_OR_FOLLOWER on the second */
        tb_i64(t, p ? -1 : 1234);
        if (v >= 2) tb_i64(t, -1);
        if (v >= 5) tb_i64(t, 0);
        if (v >= 8) {
            tb_arr(t, flex, p);
            for (int e = 0; e < p; e++) {
                tb_i32(t, e);
                tb_str(t, flex, "bad record");
                tb_tags0(t, flex);
            }
            tb_str(t, flex, p ? "not the leader" : NULL);
        }
        if (v >= 10 && p) {
            tb_uv(t, 1);
            tb_tag_with(t, 0, leader_tag, NULL); /* current_leader */
        } else {
            tb_tags0(t, flex);
        }
    }
    tb_tags0(t, flex);
    if (v >= 1) tb_i32(t, 0); /* throttle_time_ms */
    if (!flex) return;
    if (v >= 10 && r->nodes) {
        tb_uv(t, 3);
        tb_tag_with(t, 0, endpoints_tag, (void *)r); /* node_endpoints */
        tb_tag(t, 1, "", 0);                         /* unknown to kchaos: kept */
        tb_tag(t, 1000, "later", 5);
    } else {
        tb_uv(t, 1);
        tb_tag(t, 1, "x", 1);
    }
}

static void test_response_every_version(void **state)
{
    (void)state;
    for (int v = 3; v <= 13; v++) {
        tb_t in = {0}, want = {0};
        resp_body(&in, &(resp_t){v, false, 3});
        resp_body(&want, &(resp_t){v, true, 3});
        assert_int_equal(
            rw_check(kc_produce_response_rewrite, (int16_t)v, v >= FLEX_FROM, &in, &want),
            v >= 10 ? 3 : 0);
    }
}

static void test_response_without_endpoints(void **state)
{
    (void)state;
    /* v10+ without the tag: nothing to do, no splice. */
    for (int v = 10; v <= 13; v++) {
        tb_t in = {0};
        resp_body(&in, &(resp_t){v, false, 0});
        assert_int_equal(rw_check(kc_produce_response_rewrite, (int16_t)v, true, &in, &in), 0);
    }
}

static void test_response_exact_v10(void **state)
{
    (void)state;
    /* No topics, throttle 0, tags {0: [1 "h" 9092 null-rack]}. */
    rw_check_hex(kc_produce_response_rewrite, 10, true,
                 "01 00000000 01 00 0d 02 00000001 02 68 00002384 00 00",
                 "01 00000000 01 00 16 02 00000001 0b 70726f78792e74657374 00007531 00 00");
}

static void test_response_old_versions_untouched(void **state)
{
    (void)state;
    /* Before v10 nothing carries an address: not even read. */
    rw_env_t *e = rw_env_new();
    rw_out_t *o = rw_env_run_hex(e, kc_produce_response_rewrite, 9, true, "ffffffff ffff");
    assert_int_equal(o->rc, 0);
    assert_int_equal(o->end, 0);
    rw_env_free(e);
}

static void test_response_unmappable(void **state)
{
    (void)state;
    tb_t in = {0};
    resp_body(&in, &(resp_t){13, false, 3});
    rw_check_unmappable(kc_produce_response_rewrite, 13, true, &in, 2);
}

/* ---- responses decoded and encoded back ---- */

typedef struct codec {
    kc_pool_t pool;
    kc_arena_t arena;
    kc_produce_resp_t resp;
    uint8_t *copy; /* the decoded frame: the struct points into it */
} codec_t;

static codec_t *codec_new(void)
{
    codec_t *c = calloc(1, sizeof(*c));
    assert_non_null(c);
    kc_buf_pool_init(&c->pool, 1 << 20);
    kc_arena_init(&c->arena, &c->pool);
    return c;
}

static int codec_decode(codec_t *c, int v, const uint8_t *b, size_t n)
{
    free(c->copy);
    kc_arena_reset(&c->arena);
    c->copy = malloc(n ? n : 1); /* exactly n bytes: the sanitizer sees any read past them */
    assert_non_null(c->copy);
    if (n) memcpy(c->copy, b, n);
    kc_rd_t r;
    kc_rd_init(&r, c->copy, n, v >= FLEX_FROM);
    return kc_produce_response_decode(&r, (int16_t)v, &c->arena, &c->resp);
}

/* Encode c->resp at v and compare with want. */
static void codec_expect(codec_t *c, int v, const uint8_t *want, size_t n)
{
    kc_wr_t w;
    kc_wr_init(&w, &c->pool, 64, false);
    assert_int_equal(kc_produce_response_encode(&w, (int16_t)v, &c->resp), 0);
    assert_false(w.flex); /* restored */
    assert_int_equal(w.len, n);
    assert_memory_equal(w.buf->data, want, n);
    kc_wr_release(&w);
}

static void codec_free(codec_t *c)
{
    kc_arena_reset(&c->arena);
    assert_int_equal(c->pool.live_bytes, 0);
    kc_buf_pool_free(&c->pool);
    free(c->copy);
    free(c);
}

static void test_codec_every_version(void **state)
{
    (void)state;
    for (int v = 0; v <= 13; v++) {
        tb_t in = {0};
        resp_body(&in, &(resp_t){v, false, 3});
        codec_t *c = codec_new();
        assert_int_equal(codec_decode(c, v, in.b, in.n), 0);
        const kc_produce_resp_t *r = &c->resp;
        assert_int_equal(r->topic_count, 1);
        const kc_produce_topic_result_t *t = &r->topics[0];
        if (v >= 13) {
            assert_int_equal(t->name.len, -1);
            assert_int_equal(t->topic_id[0], 0x11);
            assert_int_equal(t->topic_id[15], 0x11 + 15);
        } else {
            assert_null(t->topic_id);
            assert_int_equal(t->name.len, 6);
            assert_memory_equal(t->name.p, "orders", 6);
        }
        assert_int_equal(t->part_count, 2);
        const kc_produce_part_result_t *p0 = &t->parts[0], *p1 = &t->parts[1];
        assert_int_equal(p0->index, 0);
        assert_int_equal(p0->error_code, 0);
        assert_int_equal(p0->base_offset, 1234);
        assert_int_equal(p1->index, 1);
        assert_int_equal(p1->error_code, 6);
        assert_int_equal(p1->base_offset, -1);
        assert_int_equal(p1->log_append_time_ms, -1);
        assert_int_equal(p1->log_start_offset, v >= 5 ? 0 : -1);
        assert_int_equal(p1->record_error_count, v >= 8 ? 1 : 0);
        if (v >= 8) {
            assert_int_equal(p1->record_errors[0].batch_index, 0);
            assert_int_equal(p1->record_errors[0].message.len, 10);
            assert_memory_equal(p1->error_message.p, "not the leader", 14);
            assert_int_equal(p0->error_message.len, -1);
        } else {
            assert_int_equal(p1->error_message.len, -1);
        }
        assert_int_equal(p1->has_current_leader, v >= 10);
        assert_false(p0->has_current_leader);
        if (v >= 10) {
            assert_int_equal(p1->leader_id, 2);
            assert_int_equal(p1->leader_epoch, 9);
        }
        assert_int_equal(r->throttle_time_ms, 0);
        assert_int_equal(r->has_node_endpoints, v >= 10);
        if (v >= 10) {
            assert_int_equal(r->node_endpoint_count, 3);
            assert_int_equal(r->node_endpoints[2].node_id, 3);
            assert_int_equal(r->node_endpoints[2].port, 9095);
            assert_string_equal(test_broker_host(3), "broker-3.kafka.cluster.internal");
            assert_memory_equal(r->node_endpoints[2].host.p, test_broker_host(3),
                                (size_t)r->node_endpoints[2].host.len);
            assert_int_equal(r->node_endpoints[0].rack.len, 6); /* odd node: rack-a */
            assert_int_equal(r->node_endpoints[1].rack.len, -1);
            assert_int_equal(r->tags.count, 2); /* tags 1 and 1000 */
        } else {
            assert_int_equal(r->tags.count, v >= FLEX_FROM ? 1 : 0);
        }
        codec_expect(c, v, in.b, in.n);

        /* Every truncation fails cleanly. */
        for (size_t cut = 0; cut < in.n; cut++)
            assert_int_equal(codec_decode(c, v, in.b, cut), -KC_EPROTO);
        /* So do trailing bytes: they would not come back. */
        in.b[in.n] = 0;
        assert_int_equal(codec_decode(c, v, in.b, in.n + 1), -KC_EPROTO);
        codec_free(c);
    }
}

/* Fault injection's use: change a partition's result, encode, and read back the change. */
static void test_codec_edit(void **state)
{
    (void)state;
    for (int v = 0; v <= 13; v++) {
        tb_t in = {0}, want = {0};
        resp_body(&in, &(resp_t){v, false, 2});
        codec_t *c = codec_new();
        assert_int_equal(codec_decode(c, v, in.b, in.n), 0);
        kc_produce_part_result_t *p0 = &c->resp.topics[0].parts[0];
        p0->error_code = 6; /* NOT_LEADER_OR_FOLLOWER */
        p0->base_offset = -1;
        p0->has_current_leader = true; /* ignored before v10 */
        p0->leader_id = 2;
        p0->leader_epoch = 9;
        c->resp.throttle_time_ms = 250; /* ignored in v0 */
        kc_wr_t w;
        kc_wr_init(&w, &c->pool, 64, false);
        assert_int_equal(kc_produce_response_encode(&w, (int16_t)v, &c->resp), 0);
        tb_raw(&want, w.buf->data, w.len);
        kc_wr_release(&w);
        assert_int_equal(codec_decode(c, v, want.b, want.n), 0);
        p0 = &c->resp.topics[0].parts[0];
        assert_int_equal(p0->error_code, 6);
        assert_int_equal(p0->base_offset, -1);
        assert_int_equal(p0->has_current_leader, v >= 10);
        if (v >= 10) {
            assert_int_equal(p0->leader_id, 2);
            assert_int_equal(p0->leader_epoch, 9);
            /* An empty tag section (1 byte) became count, tag, size, 8 bytes, empty tags. */
            assert_int_equal(want.n, in.n + 12 - 1);
        }
        assert_int_equal(c->resp.throttle_time_ms, v >= 1 ? 250 : 0);
        codec_free(c);
    }
}

static void test_codec_exact_v0_v13(void **state)
{
    (void)state;
    codec_t *c = codec_new();
    /* v0: [ "t" [ 5, error 7, base 10 ] ] */
    tb_t v0 = {0};
    tb_hex(&v0, "00000001 0001 74 00000001 00000005 0007 000000000000000a");
    assert_int_equal(codec_decode(c, 0, v0.b, v0.n), 0);
    assert_int_equal(c->resp.topics[0].parts[0].index, 5);
    assert_int_equal(c->resp.topics[0].parts[0].error_code, 7);
    assert_int_equal(c->resp.topics[0].parts[0].base_offset, 10);
    codec_expect(c, 0, v0.b, v0.n);
    /* v13: [ id [ 0, 0, base 1, lat -1, lso 0, [], null, tags{0: leader 3/4 + tags{}} ] ]
     * throttle 5, tags {0: [1 "h" 9092 null {}]} */
    tb_t v13 = {0};
    tb_hex(&v13, "02 000102030405060708090a0b0c0d0e0f 02 00000000 0000 0000000000000001"
                 " ffffffffffffffff 0000000000000000 01 00 01 00 09 00000003 00000004 00 00"
                 " 00000005 01 00 0d 02 00000001 02 68 00002384 00 00");
    assert_int_equal(codec_decode(c, 13, v13.b, v13.n), 0);
    assert_int_equal(c->resp.topics[0].parts[0].leader_id, 3);
    assert_int_equal(c->resp.topics[0].parts[0].leader_epoch, 4);
    assert_int_equal(c->resp.throttle_time_ms, 5);
    assert_int_equal(c->resp.node_endpoint_count, 1);
    assert_int_equal(c->resp.node_endpoints[0].port, 9092);
    codec_expect(c, 13, v13.b, v13.n);
    codec_free(c);
}

static void test_codec_keeps_tag_order(void **state)
{
    (void)state;
    /* v10, no topics, throttle 0; top-level tags out of the usual order: 7, then 0 (endpoints,
     * empty), then 3. All come back where they were. */
    tb_t t = {0};
    tb_hex(&t, "01 00000000 03 07 01 aa 00 01 01 03 00");
    codec_t *c = codec_new();
    assert_int_equal(codec_decode(c, 10, t.b, t.n), 0);
    assert_true(c->resp.has_node_endpoints);
    assert_int_equal(c->resp.node_endpoint_count, 0);
    assert_int_equal(c->resp.tags.count, 2);
    assert_int_equal(c->resp.tags.before.len, 3);
    assert_int_equal(c->resp.tags.after.len, 2);
    codec_expect(c, 10, t.b, t.n);
    /* At v9 tag 0 is nobody's: kept as an unknown tag, not decoded. */
    assert_int_equal(codec_decode(c, 9, t.b, t.n), 0);
    assert_false(c->resp.has_node_endpoints);
    assert_int_equal(c->resp.tags.count, 3);
    codec_expect(c, 9, t.b, t.n);
    codec_free(c);
}

static void test_codec_refuses_what_cannot_round_trip(void **state)
{
    (void)state;
    static const struct {
        int v;
        const char *hex;
    } bad[] = {
        {10, "8100 00000000 00"},                /* over-long topic count */
        {10, "01 00000000 8000"},                /* over-long tag count */
        {10, "01 00000000 01 00 01 01 00 00"},   /* endpoints value with a byte left over */
        {10, "01 00000000 02 00 01 01 00 01 01"}, /* tag 0 twice */
        {10, "00 00000000 00"},                  /* null topics array */
        {3, "ffffffff 00000000"},                /* null topics array, classic */
        {3, "00000001 ffff 00000000 00000000"},  /* null topic name */
        {10, "01 00000000 01 00 01 00"},         /* null node_endpoints */
        {-1, "00000000"},
        {14, "00000000"},
    };
    codec_t *c = codec_new();
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        tb_t t = {0};
        tb_hex(&t, bad[i].hex);
        int rc = codec_decode(c, bad[i].v, t.b, t.n);
        assert_int_equal(rc, bad[i].v < 0 || bad[i].v > 13 ? -ENOTSUP : -KC_EPROTO);
    }
    codec_free(c);
}

static int16_t error_for(void *ctx, const kc_produce_part_t *p)
{
    (void)ctx;
    return p->partition == 7 ? 3 : 6; /* UNKNOWN_TOPIC_OR_PARTITION, NOT_LEADER_OR_FOLLOWER */
}

static void test_local_answer_every_version(void **state)
{
    (void)state;
    for (int v = 0; v <= 13; v++) {
        tb_t req = {0};
        req_body(&req, v, "txn", -1, NULL);
        codec_t *c = codec_new();
        kc_rd_t r;
        kc_rd_init(&r, req.b, req.n, v >= FLEX_FROM);
        kc_produce_req_t head;
        assert_int_equal(kc_produce_request_head(&r, (int16_t)v, &head), 0);
        assert_int_equal(kc_produce_response_local(&r, (int16_t)v, error_for, NULL, &c->arena,
                                                   &c->resp), 0);
        assert_int_equal(kc_rd_left(&r), 0);

        /* The same answer spelled out field by field. */
        tb_t want = {0};
        bool flex = v >= FLEX_FROM;
        tb_arr(&want, flex, 2);
        for (int topic = 0; topic < 2; topic++) {
            if (v >= 13)
                tb_uuid(&want, (uint8_t)(topic ? 0xb0 : 0xa0));
            else
                tb_str(&want, flex, topic ? "b" : "a");
            int np = topic ? 1 : 2;
            tb_arr(&want, flex, np);
            for (int p = 0; p < np; p++) {
                tb_i32(&want, topic ? 7 : p);
                tb_i16(&want, topic ? 3 : 6);
                tb_i64(&want, -1);
                if (v >= 2) tb_i64(&want, -1);
                if (v >= 5) tb_i64(&want, -1);
                if (v >= 8) {
                    tb_arr(&want, flex, 0);
                    tb_str(&want, flex, NULL);
                }
                tb_tags0(&want, flex);
            }
            tb_tags0(&want, flex);
        }
        if (v >= 1) tb_i32(&want, 0);
        tb_tags0(&want, flex);
        codec_expect(c, v, want.b, want.n);

        /* And as a frame: size, correlation id, header tags when flexible. */
        kc_wr_t w;
        kc_wr_init(&w, &c->pool, 64, false);
        assert_int_equal(kc_produce_response_frame(&w, (int16_t)v, 0x01020304, &c->resp), 0);
        size_t hdr = 4 + 4 + (flex ? 1 : 0);
        assert_int_equal(w.len, hdr + want.n);
        assert_int_equal(kc_be32(w.buf->data), w.len - 4);
        assert_int_equal(kc_be32(w.buf->data + 4), 0x01020304);
        if (flex) assert_int_equal(w.buf->data[8], 0);
        assert_memory_equal(w.buf->data + hdr, want.b, want.n);
        kc_wr_release(&w);
        codec_free(c);
    }
}

static void test_local_answer_malformed(void **state)
{
    (void)state;
    tb_t req = {0};
    req_body(&req, 3, "txn", -1, NULL);
    codec_t *c = codec_new();
    for (size_t cut = 0; cut < req.n; cut++) {
        kc_rd_t r;
        kc_rd_init(&r, req.b, cut, false);
        kc_produce_req_t head;
        if (kc_produce_request_head(&r, 3, &head))
            continue;
        assert_int_equal(
            kc_produce_response_local(&r, 3, error_for, NULL, &c->arena, &c->resp), -KC_EPROTO);
    }
    /* A topic named null: Kafka would not accept it, and no answer could name it back. */
    tb_t null_name = {0};
    tb_hex(&null_name, "00000001 ffff 00000001 00000000 ffffffff");
    kc_rd_t r;
    kc_rd_init(&r, null_name.b, null_name.n, false);
    assert_int_equal(kc_produce_response_local(&r, 3, error_for, NULL, &c->arena, &c->resp),
                     -KC_EPROTO);
    codec_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_every_version),
        cmocka_unit_test(test_request_exact_v3_v13),
        cmocka_unit_test(test_request_malformed),
        cmocka_unit_test(test_response_every_version),
        cmocka_unit_test(test_response_without_endpoints),
        cmocka_unit_test(test_response_exact_v10),
        cmocka_unit_test(test_response_old_versions_untouched),
        cmocka_unit_test(test_response_unmappable),
        cmocka_unit_test(test_codec_every_version),
        cmocka_unit_test(test_codec_edit),
        cmocka_unit_test(test_codec_exact_v0_v13),
        cmocka_unit_test(test_codec_keeps_tag_order),
        cmocka_unit_test(test_codec_refuses_what_cannot_round_trip),
        cmocka_unit_test(test_local_answer_every_version),
        cmocka_unit_test(test_local_answer_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
