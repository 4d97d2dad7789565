/* proxy/kafka/metadata.c: MetadataResponse brokers rewrite (v0-13), discovery's request. */
#include "kafka/metadata.h"

#include "kc_test.h"

#define FLEX_FROM 9

typedef struct md {
    int v;
    bool mapped;
    int32_t extra_node; /* a third broker with this id, -1 for none */
} md_t;

/* MetadataResponse.json body, every field of version v. */
static void md_body(tb_t *t, const md_t *m)
{
    int v = m->v;
    bool flex = v >= FLEX_FROM;
    if (v >= 3) tb_i32(t, 25); /* throttle_time_ms */
    int nb = m->extra_node >= 0 ? 3 : 2;
    tb_arr(t, flex, nb);
    for (int i = 0; i < nb; i++) {
        int32_t node = i < 2 ? i + 1 : m->extra_node;
        tb_endpoint(t, flex, m->mapped, node, test_broker_host(node), 9092 + i);
        if (v >= 1) tb_str(t, flex, i == 0 ? "us-east-1a" : NULL); /* rack */
        if (flex && i == 1) {
            tb_uv(t, 1);
            tb_tag(t, 5, "xyz", 3); /* unknown to kchaos: kept */
        } else {
            tb_tags0(t, flex);
        }
    }
    if (v >= 2) tb_str(t, flex, "cluster-abc");
    if (v >= 1) tb_i32(t, 1); /* controller_id */
    tb_arr(t, flex, 1);       /* topics */
    tb_i16(t, 0);
    tb_str(t, flex, "orders");
    if (v >= 10) tb_uuid(t, 0x40);
    if (v >= 1) tb_i8(t, 0); /* is_internal */
    tb_arr(t, flex, 1);      /* partitions */
    tb_i16(t, 0);
    tb_i32(t, 0);
    tb_i32(t, 1); /* leader */
    if (v >= 7) tb_i32(t, 4);
    tb_arr(t, flex, 2);
    tb_i32(t, 1);
    tb_i32(t, 2);
    tb_arr(t, flex, 1);
    tb_i32(t, 1);
    if (v >= 5) tb_arr(t, flex, 0);
    tb_tags0(t, flex);
    if (v >= 8) tb_i32(t, INT32_MIN); /* topic_authorized_operations */
    tb_tags0(t, flex);
    if (v >= 8 && v <= 10) tb_i32(t, INT32_MIN); /* cluster_authorized_operations */
    if (v >= 13) tb_i16(t, 0);                   /* error_code */
    if (flex) {
        tb_uv(t, 1);
        tb_tag(t, 9, "\x00\x01", 2);
    }
}

static void test_every_version(void **state)
{
    (void)state;
    for (int v = 0; v <= 13; v++) {
        tb_t in = {0}, want = {0};
        md_body(&in, &(md_t){v, false, -1});
        md_body(&want, &(md_t){v, true, -1});
        assert_int_equal(
            rw_check(kc_metadata_response_rewrite, (int16_t)v, v >= FLEX_FROM, &in, &want), 2);
    }
}

static void test_first_and_last_exact(void **state)
{
    (void)state;
    /* v0, spelled out byte by byte: brokers [1 "h1" 9092] and nothing else. */
    rw_check_hex(kc_metadata_response_rewrite, 0, false,
                 "00000001 00000001 0002 6831 00002384 00000000",
                 "00000001 00000001 000a 70726f78792e74657374 00007531 00000000");

    /* v13: throttle, one broker with a rack and an unknown tag, then cluster id etc. */
    rw_check_hex(kc_metadata_response_rewrite, 13, true,
                 "00000000 02 00000007 03 6837 00002384 02 72 01 0203 616263"
                 "00 00000007 01 0000 01 0102 6666",
                 "00000000 02 00000007 0b 70726f78792e74657374 00007537 02 72 01 0203 616263"
                 "00 00000007 01 0000 01 0102 6666");
}

static void test_unmappable(void **state)
{
    (void)state;
    tb_t in = {0};
    md_body(&in, &(md_t){1, false, 40000});
    rw_check_unmappable(kc_metadata_response_rewrite, 1, false, &in, 40000);
    tb_t in13 = {0};
    md_body(&in13, &(md_t){13, false, 2});
    rw_check_unmappable(kc_metadata_response_rewrite, 13, true, &in13, 2);
}

static void test_already_mapped(void **state)
{
    (void)state;
    /* A response that already names kchaos's addresses needs no splice. */
    tb_t in = {0};
    md_body(&in, &(md_t){12, true, -1});
    assert_int_equal(rw_check(kc_metadata_response_rewrite, 12, true, &in, &in), 2);
}

static void test_malformed(void **state)
{
    (void)state;
    rw_env_t *e = rw_env_new();
    /* A broker count far beyond the bytes present. */
    rw_out_t *o = rw_env_run_hex(e, kc_metadata_response_rewrite, 0, false,
                                 "7fffffff 00000001 0002 6831 00002384");
    assert_int_equal(o->rc, -KC_EPROTO);
    /* A host whose length runs past the end. */
    o = rw_env_run_hex(e, kc_metadata_response_rewrite, 0, false,
                       "00000001 00000001 0010 6831 00002384");
    assert_int_equal(o->rc, -KC_EPROTO);
    /* Compact: a broker element's tagged section runs past the end. */
    o = rw_env_run_hex(e, kc_metadata_response_rewrite, 9, true,
                       "00000000 02 00000001 03 6831 00002384 00 01 00 7f 00");
    assert_int_equal(o->rc, -KC_EPROTO);
    assert_int_equal(e->m.calls, 1); /* the map ran before the tags failed, no splice left */
    rw_env_free(e);                  /* (no buffer left in the pool) */
}

/* ---- the topics walk ---- */

typedef struct seen {
    int topics, parts;
    kc_metadata_topic_t t[4];
    kc_metadata_partition_t p[4];
} seen_t;

static void on_topic(void *ctx, const kc_metadata_topic_t *t)
{
    seen_t *s = ctx;
    assert_true(s->topics < 4);
    s->t[s->topics++] = *t;
}

static void on_partition(void *ctx, const kc_metadata_topic_t *t, const kc_metadata_partition_t *p)
{
    seen_t *s = ctx;
    assert_true(s->parts < 4);
    assert_int_equal(t->partition_count, s->t[s->topics - 1].partition_count);
    s->p[s->parts++] = *p;
}

static int walk(const uint8_t *b, size_t n, int v, seen_t *s, size_t *end)
{
    uint8_t *copy = malloc(n ? n : 1);
    if (n) memcpy(copy, b, n);
    kc_rd_t r;
    kc_rd_init(&r, copy, n, v >= FLEX_FROM);
    *s = (seen_t){0};
    kc_metadata_walk_t w = {on_topic, on_partition, s};
    int rc = kc_metadata_response_topics(&r, (int16_t)v, &w);
    *end = kc_rd_off(&r);
    free(copy); /* pointers in s are not looked at past this point */
    return rc;
}

static void test_topics_every_version(void **state)
{
    (void)state;
    for (int v = 0; v <= 13; v++) {
        tb_t in = {0};
        md_body(&in, &(md_t){v, false, 7});
        seen_t s;
        size_t end;
        uint8_t *copy = malloc(in.n);
        memcpy(copy, in.b, in.n);
        kc_rd_t r;
        kc_rd_init(&r, copy, in.n, v >= FLEX_FROM);
        s = (seen_t){0};
        kc_metadata_walk_t w = {on_topic, on_partition, &s};
        assert_int_equal(kc_metadata_response_topics(&r, (int16_t)v, &w), 0);
        assert_int_equal(kc_rd_left(&r), 0); /* read to the end */
        assert_int_equal(s.topics, 1);
        assert_int_equal(s.t[0].error_code, 0);
        assert_int_equal(s.t[0].name.len, 6);
        assert_memory_equal(s.t[0].name.p, "orders", 6);
        assert_false(s.t[0].is_internal);
        assert_int_equal(s.t[0].partition_count, 1);
        if (v >= 10) {
            assert_ptr_not_equal(s.t[0].topic_id, NULL);
            assert_int_equal(s.t[0].topic_id[0], 0x40);
            assert_int_equal(s.t[0].topic_id[15], 0x4f);
        } else {
            assert_null(s.t[0].topic_id);
        }
        assert_int_equal(s.parts, 1);
        assert_int_equal(s.p[0].index, 0);
        assert_int_equal(s.p[0].leader_id, 1);
        assert_int_equal(s.p[0].leader_epoch, v >= 7 ? 4 : -1);
        free(copy);

        for (size_t cut = 0; cut < in.n; cut++) {
            assert_int_equal(walk(in.b, cut, v, &s, &end), -KC_EPROTO);
            assert_true(s.parts <= 1);
        }
    }
}

static void test_topics_exact_v12(void **state)
{
    (void)state;
    /* v12: no brokers, null cluster id, controller 1; topics: an unknown id with a null name
     * (UNKNOWN_TOPIC_ID, no partitions), then "t" internal with partition 3 led by 2 at epoch 5
     * (replicas [2], isr [], offline []). */
    tb_t t = {0};
    tb_hex(&t, "00000000 01 00 00000001 03"
               " 0064 00 000102030405060708090a0b0c0d0e0f 00 01 80000000 00"
               " 0000 02 74 101112131415161718191a1b1c1d1e1f 01 02"
               "   0000 00000003 00000002 00000005 02 00000002 01 01 00"
               "   00000000 00"
               " 00");
    seen_t s;
    size_t end;
    assert_int_equal(walk(t.b, t.n, 12, &s, &end), 0);
    assert_int_equal(end, t.n);
    assert_int_equal(s.topics, 2);
    assert_int_equal(s.t[0].error_code, 100);
    assert_int_equal(s.t[0].name.len, -1);
    assert_int_equal(s.t[0].partition_count, 0);
    assert_int_equal(s.t[1].name.len, 1);
    assert_true(s.t[1].is_internal);
    assert_int_equal(s.parts, 1);
    assert_int_equal(s.p[0].index, 3);
    assert_int_equal(s.p[0].leader_id, 2);
    assert_int_equal(s.p[0].leader_epoch, 5);
    /* A null partitions array is refused. */
    tb_t bad = {0};
    tb_hex(&bad, "00000000 01 00 00000001 02 0000 02 74 101112131415161718191a1b1c1d1e1f 00 00"
                 " 00000000 00 00");
    assert_int_equal(walk(bad.b, bad.n, 12, &s, &end), -KC_EPROTO);
}

static void test_request_brokers(void **state)
{
    (void)state;
    kc_pool_t pool;
    kc_buf_pool_init(&pool, 1 << 20);
    kc_wr_t w;
    kc_wr_init(&w, &pool, 64, false);
    assert_int_equal(kc_metadata_request_brokers(&w, 0x6b630001, "kchaos"), 0);
    tb_t want = {0};
    tb_hex(&want, "00000014 0003 0001 6b630001 0006 6b6368616f73 00000000");
    assert_int_equal(w.len, want.n);
    assert_memory_equal(w.buf->data, want.b, want.n);
    kc_wr_release(&w);
    assert_int_equal(pool.live_bytes, 0);
    kc_buf_pool_free(&pool);
}

/* ---- leaderless partitions (a Metadata fault) ---- */

/* A whole MetadataResponse frame (correlation id 9): two brokers, topics "orders" and "audit"
 * of two partitions each (k = topic * 2 + partition), those in `leaderless` answered
 * LEADER_NOT_AVAILABLE with leader -1 (epoch kept). */
static void md_frame(tb_t *t, int v, bool mapped, unsigned leaderless)
{
    bool flex = v >= FLEX_FROM;
    static const char *names[2] = {"orders", "audit"};
    tb_i32(t, 0);
    tb_i32(t, 9);
    tb_tags0(t, flex);
    if (v >= 3) tb_i32(t, 0);
    tb_arr(t, flex, 2);
    for (int i = 0; i < 2; i++) {
        tb_endpoint(t, flex, mapped, i + 1, test_broker_host(i + 1), 9092 + i);
        if (v >= 1) tb_str(t, flex, NULL);
        tb_tags0(t, flex);
    }
    if (v >= 2) tb_str(t, flex, "cluster-abc");
    if (v >= 1) tb_i32(t, 1);
    tb_arr(t, flex, 2);
    for (int topic = 0; topic < 2; topic++) {
        tb_i16(t, 0);
        tb_str(t, flex, names[topic]);
        if (v >= 10) tb_uuid(t, (uint8_t)(0x40 + 0x10 * topic));
        if (v >= 1) tb_i8(t, 0);
        tb_arr(t, flex, 2);
        for (int i = 0; i < 2; i++) {
            bool gone = (leaderless >> (topic * 2 + i)) & 1;
            tb_i16(t, gone ? 5 : 0);
            tb_i32(t, i);
            tb_i32(t, gone ? -1 : 1 + i);
            if (v >= 7) tb_i32(t, 4);
            tb_arr(t, flex, 2);
            tb_i32(t, 1);
            tb_i32(t, 2);
            tb_arr(t, flex, 1);
            tb_i32(t, 1 + i);
            if (v >= 5) tb_arr(t, flex, 0);
            tb_tags0(t, flex);
        }
        if (v >= 8) tb_i32(t, INT32_MIN);
        tb_tags0(t, flex);
    }
    if (v >= 8 && v <= 10) tb_i32(t, INT32_MIN);
    if (v >= 13) tb_i16(t, 0);
    tb_tags0(t, flex);
    tb_size_at(t, 0);
}

typedef struct pick_md {
    unsigned mask;
    int v, calls;
} pick_md_t;

static bool pick_md(void *arg, kc_str_t topic, const uint8_t *topic_id, int32_t partition)
{
    pick_md_t *c = arg;
    int t = topic.len == 5; /* "audit" */
    if (c->v >= 10)
        assert_int_equal(topic_id[0], 0x40 + 0x10 * t);
    else
        assert_null(topic_id);
    c->calls++;
    return (c->mask >> (t * 2 + partition)) & 1;
}

static void assert_frame(const kc_frame_t *f, const tb_t *want)
{
    uint32_t n = kc_frame_wire_len(f);
    assert_int_equal(n, want->n);
    assert_int_equal(kc_be32(f->data), n - 4);
    uint8_t *out = malloc(n);
    assert_non_null(out);
    memcpy(out, f->data, 4);
    kc_frame_flatten(f, out + 4);
    assert_memory_equal(out, want->b, n);
    free(out);
}

static void test_leaderless_every_version(void **state)
{
    (void)state;
    static const unsigned masks[] = {0, 1, 012, 017};
    kc_pool_t pool;
    kc_buf_pool_init(&pool, 1 << 20);
    for (int v = 0; v <= 13; v++)
        for (int rewrite = 0; rewrite < 2; rewrite++)
            for (size_t m = 0; m < sizeof(masks) / sizeof(masks[0]); m++) {
                tb_t in = {0}, want = {0};
                md_frame(&in, v, false, 0);
                kc_buf_t *b = kc_buf_get(&pool, in.n);
                memcpy(b->data, in.b, in.n);
                kc_frame_t f = kc_frame_of(b, (uint32_t)in.n);
                if (rewrite) {
                    /* The address rewrite first, as the pipeline does: a splice over brokers. */
                    test_map_t tm;
                    kc_addr_map_t map = test_map(&tm);
                    kc_rd_t r;
                    kc_rd_init(&r, kc_frame_msg(&f), kc_frame_msg_len(&f), v >= FLEX_FROM);
                    r.p += v >= FLEX_FROM ? 5 : 4;
                    kc_splice_t sp = {0};
                    assert_int_equal(kc_metadata_response_rewrite(&r, (int16_t)v, &map, &pool, &sp), 0);
                    assert_int_equal(kc_frame_edit(&pool, &f, &sp), 0);
                }
                pick_md_t c = {.mask = masks[m], .v = v};
                int count = -1;
                assert_int_equal(
                    kc_metadata_response_leaderless(&pool, &f, (int16_t)v, pick_md, &c, &count), 0);
                assert_int_equal(c.calls, 4);
                assert_int_equal(count, __builtin_popcount(masks[m]));
                md_frame(&want, v, rewrite, masks[m]);
                assert_frame(&f, &want);
                /* A second time over the same partitions: the patches would overlap. */
                if (masks[m]) {
                    assert_int_equal(
                        kc_metadata_response_leaderless(&pool, &f, (int16_t)v, pick_md, &c, &count),
                        -KC_EPROTO);
                    assert_int_equal(count, 0);
                    assert_frame(&f, &want);
                }
                kc_frame_release(&pool, &f);
            }
    /* A cut response is refused. */
    tb_t in = {0};
    md_frame(&in, 12, false, 0);
    in.n -= 1;
    tb_size_at(&in, 0);
    kc_buf_t *b = kc_buf_get(&pool, in.n);
    memcpy(b->data, in.b, in.n);
    kc_frame_t f = kc_frame_of(b, (uint32_t)in.n);
    pick_md_t c = {.mask = 0, .v = 12};
    int count;
    assert_int_equal(kc_metadata_response_leaderless(&pool, &f, 12, pick_md, &c, &count),
                     -KC_EPROTO);
    kc_frame_release(&pool, &f);
    assert_int_equal(pool.live_bytes, 0);
    kc_buf_pool_free(&pool);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_version), cmocka_unit_test(test_first_and_last_exact),
        cmocka_unit_test(test_unmappable),    cmocka_unit_test(test_already_mapped),
        cmocka_unit_test(test_malformed),     cmocka_unit_test(test_request_brokers),
        cmocka_unit_test(test_topics_every_version), cmocka_unit_test(test_topics_exact_v12),
        cmocka_unit_test(test_leaderless_every_version),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
