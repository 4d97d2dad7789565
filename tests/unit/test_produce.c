/* proxy/kafka/produce.c: ProduceRequest head and partitions (v0-13), and the KIP-951
 * node_endpoints of ProduceResponse v10+. */
#include "kafka/produce.h"
#include "kafka/records.h"

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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
