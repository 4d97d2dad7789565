/* proxy/kafka/fetch.c: FetchResponse v4-18; only the KIP-951 node_endpoints (v16+) change. */
#include "kafka/fetch.h"

#include "kc_test.h"

#define FLEX_FROM 12

typedef struct fr {
    int v;
    bool mapped;
    int nodes; /* node_endpoints entries; 0: no tag */
} fr_t;

static void endpoints_tag(tb_t *t, void *ctx)
{
    const fr_t *f = ctx;
    tb_node_endpoints(t, f->mapped, 4, f->nodes);
}

static void current_leader(tb_t *t, void *ctx)
{
    (void)ctx;
    tb_i32(t, 5);
    tb_i32(t, 12);
    tb_tags0(t, true);
}

/* FetchResponse.json body: one topic with a partition holding records and one without. */
static void fr_body(tb_t *t, const fr_t *f)
{
    int v = f->v;
    bool flex = v >= FLEX_FROM;
    if (v >= 1) tb_i32(t, 0); /* throttle_time_ms */
    if (v >= 7) {
        tb_i16(t, 0);      /* error_code */
        tb_i32(t, 123456); /* session_id */
    }
    tb_arr(t, flex, 1);
    if (v >= 13)
        tb_uuid(t, 0x20);
    else
        tb_str(t, flex, "events");
    tb_arr(t, flex, 2);
    for (int p = 0; p < 2; p++) {
        tb_i32(t, p);
        tb_i16(t, p ? 6 : 0);
        tb_i64(t, 100);
        tb_i64(t, 100); /* last_stable_offset, v4+ */
        if (v >= 5) tb_i64(t, 0);
        if (p) {
            tb_arr(t, flex, -1); /* aborted_transactions: null */
        } else {
            tb_arr(t, flex, 1);
            tb_i64(t, 9);
            tb_i64(t, 50);
            tb_tags0(t, flex);
        }
        if (v >= 11) tb_i32(t, -1); /* preferred_read_replica */
        if (p) {
            tb_bytes(t, flex, NULL, 0);
        } else {
            uint8_t rec[300];
            for (size_t i = 0; i < sizeof(rec); i++)
                rec[i] = (uint8_t)i;
            tb_bytes(t, flex, rec, sizeof(rec)); /* opaque to the rewriter */
        }
        if (flex && p) {
            tb_uv(t, 2);
            tb_tag_with(t, 1, current_leader, NULL);
            tb_tag(t, 77, "??", 2);
        } else {
            tb_tags0(t, flex);
        }
    }
    tb_tags0(t, flex);
    if (!flex) return;
    if (v >= 16 && f->nodes) {
        tb_uv(t, 2);
        tb_tag_with(t, 0, endpoints_tag, (void *)f);
        tb_tag(t, 5, "tail", 4);
    } else {
        tb_tags0(t, true);
    }
}

static void test_every_version(void **state)
{
    (void)state;
    for (int v = 4; v <= 18; v++) {
        tb_t in = {0}, want = {0};
        fr_body(&in, &(fr_t){v, false, 2});
        fr_body(&want, &(fr_t){v, true, 2});
        assert_int_equal(
            rw_check(kc_fetch_response_rewrite, (int16_t)v, v >= FLEX_FROM, &in, &want),
            v >= 16 ? 2 : 0);
    }
}

static void test_no_endpoints(void **state)
{
    (void)state;
    for (int v = 16; v <= 18; v++) {
        tb_t in = {0};
        fr_body(&in, &(fr_t){v, false, 0});
        assert_int_equal(rw_check(kc_fetch_response_rewrite, (int16_t)v, true, &in, &in), 0);
    }
}

static void test_exact_v18(void **state)
{
    (void)state;
    /* throttle, error, session, no topics, tags {0: [7 "h" 9092 "r"]}. */
    rw_check_hex(kc_fetch_response_rewrite, 18, true,
                 "00000000 0000 00000000 01 01 00 0e 02 00000007 02 68 00002384 02 72 00",
                 "00000000 0000 00000000 01 01 00 17 02 00000007 0b 70726f78792e74657374 00007537"
                 " 02 72 00");
}

static void test_splice_is_the_tail(void **state)
{
    (void)state;
    /* The records are never copied: the splice starts after the last topic. */
    rw_env_t *e = rw_env_new();
    tb_t in = {0};
    fr_body(&in, &(fr_t){16, false, 1});
    rw_out_t *o = rw_env_run(e, kc_fetch_response_rewrite, 16, true, &in);
    assert_int_equal(o->rc, 0);
    assert_true(o->spliced);
    assert_true(o->sp.off > 300);
    assert_int_equal(o->sp.off + o->sp.len, in.n);
    rw_env_free(e);
}

static void test_unmappable(void **state)
{
    (void)state;
    tb_t in = {0};
    fr_body(&in, &(fr_t){17, false, 2});
    rw_check_unmappable(kc_fetch_response_rewrite, 17, true, &in, 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_version), cmocka_unit_test(test_no_endpoints),
        cmocka_unit_test(test_exact_v18),     cmocka_unit_test(test_splice_is_the_tail),
        cmocka_unit_test(test_unmappable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
