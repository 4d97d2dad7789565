/* proxy/route/rewrite.c: the one entry point for response rewriting (header, dispatch by api
 * key and version, the version limit), with the real broker map behind it. */
#include "kafka/api.h"
#include "route/rewrite.h"

#include "kc_test.h"

typedef struct fixture {
    kc_pool_t pool;
    kc_route_t rt;
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));
    kc_buf_pool_init(&f->pool, 1 << 20);
    kc_route_init(&f->rt, "kchaos.test", 29000, 0, NULL, 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(f->pool.live_bytes, 0);
    kc_route_free(&f->rt);
    kc_buf_pool_free(&f->pool);
    free(f);
    return 0;
}

typedef struct result {
    int rc;
    kc_splice_t sp;
    kc_rewrite_info_t info;
    size_t len;
    uint8_t out[4096];
} result_t;

static void run(fixture_t *f, int16_t key, int16_t v, const tb_t *msg, result_t *res)
{
    uint8_t *m = malloc(msg->n ? msg->n : 1);
    memcpy(m, msg->b, msg->n);
    res->rc = kc_rewrite_response(&f->rt, &f->pool, key, v, m, msg->n, &res->sp, &res->info);
    res->len = splice_apply(m, msg->n, &res->sp, res->out, sizeof(res->out));
    kc_splice_release(&f->pool, &res->sp);
    free(m);
}

static void test_wants(void **state)
{
    (void)state;
    for (int16_t v = 0; v <= 5; v++)
        assert_true(kc_rewrite_wants(KC_API_API_VERSIONS, v));
    assert_false(kc_rewrite_wants(KC_API_PRODUCE, 9));
    assert_true(kc_rewrite_wants(KC_API_PRODUCE, 10));
    assert_false(kc_rewrite_wants(KC_API_FETCH, 15));
    assert_true(kc_rewrite_wants(KC_API_FETCH, 16));
    assert_true(kc_rewrite_wants(KC_API_METADATA, 0));
    assert_true(kc_rewrite_wants(KC_API_FIND_COORDINATOR, 0));
    assert_true(kc_rewrite_wants(KC_API_DESCRIBE_CLUSTER, 0));
    assert_true(kc_rewrite_wants(KC_API_SHARE_FETCH, 1));
    assert_true(kc_rewrite_wants(KC_API_SHARE_ACKNOWLEDGE, 1));
    assert_false(kc_rewrite_wants(2, 5)); /* ListOffsets */
    assert_false(kc_rewrite_wants(KC_API_SASL_HANDSHAKE, 1));
    assert_false(kc_rewrite_wants(1000, 0));
}

static void test_metadata_through_route(void **state)
{
    fixture_t *f = *state;
    /* Metadata v1 response: header v0, brokers [{2 "h2" 9092 null}], controller, topics []. */
    tb_t in = {0}, want = {0};
    tb_hex(&in, "00000042 00000001 00000002 0002 6832 00002384 ffff 00000002 00000000");
    tb_hex(&want, "00000042 00000001 00000002 000b 6b6368616f732e74657374 0000714a ffff 00000002"
                  " 00000000");
    result_t *r = malloc(sizeof(*r));
    run(f, KC_API_METADATA, 1, &in, r);
    assert_int_equal(r->rc, 0);
    assert_int_equal(r->len, want.n);
    assert_memory_equal(r->out, want.b, want.n);
    /* One address handed out, and noted for the log. */
    assert_int_equal(r->info.naddrs, 1);
    assert_int_equal(r->info.addrs[0].node_id, 2);
    assert_int_equal(r->info.addrs[0].port, 29002);
    /* The route learned the real address. */
    kc_broker_t *b = kc_route_find(&f->rt, 2);
    assert_non_null(b);
    assert_string_equal(b->host, "h2");
    assert_int_equal(b->port, 9092);
    free(r);
}

static void test_flexible_header_tags(void **state)
{
    fixture_t *f = *state;
    /* Metadata v12: response header v1 with a tagged field, then the body. */
    tb_t in = {0}, want = {0};
    tb_hex(&in, "00000007 01 0002 abcd 00000000 02 00000000 03 6830 00002384 00 00 01"
                "00000000 01 00 80000000 00");
    tb_hex(&want, "00000007 01 0002 abcd 00000000 02 00000000 0c 6b6368616f732e74657374 00007148"
                  " 00 00 01 00000000 01 00 80000000 00");
    result_t *r = malloc(sizeof(*r));
    run(f, KC_API_METADATA, 12, &in, r);
    assert_int_equal(r->rc, 0);
    assert_int_equal(r->len, want.n);
    assert_memory_equal(r->out, want.b, want.n);
    /* The header's tagged section cut short. */
    tb_t cut = {0};
    tb_hex(&cut, "00000007 01 0009 abcd");
    run(f, KC_API_METADATA, 12, &cut, r);
    assert_int_equal(r->rc, -KC_EPROTO);
    free(r);
}

static void test_api_versions_header_v0(void **state)
{
    fixture_t *f = *state;
    /* ApiVersions v3: flexible body, but header v0 (KIP-511). Were a header tagged section
     * read, the error code's first byte (0x00) would be taken for it and the body misread. */
    tb_t in = {0}, want = {0};
    tb_hex(&in, "00000009 0000 02 0000 0000 000e 00 00000000 00");
    tb_hex(&want, "00000009 0000 02 0000 0000 000d 00 00000000 00");
    result_t *r = malloc(sizeof(*r));
    run(f, KC_API_API_VERSIONS, 3, &in, r);
    assert_int_equal(r->rc, 0);
    assert_int_equal(r->info.api_versions.nclamped, 1);
    assert_int_equal(r->len, want.n);
    assert_memory_equal(r->out, want.b, want.n);
    free(r);
}

static void test_untouched(void **state)
{
    fixture_t *f = *state;
    tb_t in = {0};
    tb_hex(&in, "00000001 ffffffff"); /* garbage: never read */
    result_t *r = malloc(sizeof(*r));
    run(f, 2 /* ListOffsets */, 5, &in, r);
    assert_int_equal(r->rc, 0);
    assert_null(r->sp.buf);
    assert_memory_equal(r->out, in.b, in.n);
    run(f, KC_API_PRODUCE, 9, &in, r);
    assert_int_equal(r->rc, 0);
    run(f, 4000, 0, &in, r);
    assert_int_equal(r->rc, 0);
    assert_int_equal(f->rt.nbrokers, 0);
    free(r);
}

static void test_too_new(void **state)
{
    fixture_t *f = *state;
    tb_t in = {0};
    tb_hex(&in, "00000001 00000000");
    result_t *r = malloc(sizeof(*r));
    run(f, KC_API_METADATA, 14, &in, r);
    assert_int_equal(r->rc, -KC_EPROTO);
    run(f, KC_API_API_VERSIONS, 6, &in, r);
    assert_int_equal(r->rc, -KC_EPROTO);
    free(r);
}

static void test_unmappable_node(void **state)
{
    fixture_t *f = *state;
    /* Node 40000 would need port 69000. */
    tb_t in = {0};
    tb_hex(&in, "00000001 00000001 00009c40 0002 6832 00002384 00000000");
    result_t *r = malloc(sizeof(*r));
    run(f, KC_API_METADATA, 0, &in, r);
    assert_int_equal(r->rc, -KC_ENOPORT);
    assert_null(r->sp.buf);
    assert_int_equal(r->info.naddrs, 0);
    free(r);
}

static void test_many_addresses_noted(void **state)
{
    fixture_t *f = *state;
    /* Metadata v0 with 10 brokers: all counted, the first KC_REWRITE_ADDRS named. */
    tb_t in = {0};
    tb_i32(&in, 1);
    tb_arr(&in, false, 10);
    for (int i = 0; i < 10; i++)
        tb_endpoint(&in, false, false, 20 + i, "h", 9092);
    tb_arr(&in, false, 0);
    result_t *r = malloc(sizeof(*r));
    run(f, KC_API_METADATA, 0, &in, r);
    assert_int_equal(r->rc, 0);
    assert_int_equal(r->info.naddrs, 10);
    for (int i = 0; i < KC_REWRITE_ADDRS; i++) {
        assert_int_equal(r->info.addrs[i].node_id, 20 + i);
        assert_int_equal(r->info.addrs[i].port, 29020 + i);
    }
    assert_int_equal(f->rt.nbrokers, 10);
    /* ApiVersions hands out no address. */
    tb_t av = {0};
    tb_hex(&av, "00000009 0000 00000001 0000 0000 000e");
    run(f, KC_API_API_VERSIONS, 0, &av, r);
    assert_int_equal(r->rc, 0);
    assert_int_equal(r->info.naddrs, 0);
    free(r);
}

static void test_short_header(void **state)
{
    fixture_t *f = *state;
    tb_t in = {0};
    tb_hex(&in, "000000");
    result_t *r = malloc(sizeof(*r));
    run(f, KC_API_METADATA, 0, &in, r);
    assert_int_equal(r->rc, -KC_EPROTO);
    run(f, KC_API_API_VERSIONS, 0, &in, r);
    assert_int_equal(r->rc, -KC_EPROTO);
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wants),
        cmocka_unit_test_setup_teardown(test_metadata_through_route, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flexible_header_tags, setup, teardown),
        cmocka_unit_test_setup_teardown(test_api_versions_header_v0, setup, teardown),
        cmocka_unit_test_setup_teardown(test_untouched, setup, teardown),
        cmocka_unit_test_setup_teardown(test_too_new, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unmappable_node, setup, teardown),
        cmocka_unit_test_setup_teardown(test_short_header, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_addresses_noted, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
