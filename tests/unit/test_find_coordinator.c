/* proxy/kafka/find_coordinator.c: FindCoordinatorResponse v0-6 (one node to v3, a
 * coordinators array from v4, KIP-699). */
#include "kafka/find_coordinator.h"

#include "kc_test.h"

#define FLEX_FROM 3

typedef struct fc {
    int v;
    bool mapped;
    int32_t node; /* of the (first) coordinator */
} fc_t;

static void fc_body(tb_t *t, const fc_t *f)
{
    int v = f->v;
    bool flex = v >= FLEX_FROM;
    if (v >= 1) tb_i32(t, 0); /* throttle_time_ms */
    if (v < 4) {
        tb_i16(t, 0);
        if (v >= 1) tb_str(t, flex, NULL); /* error_message */
        tb_endpoint(t, flex, f->mapped, f->node, test_broker_host(f->node), 9092);
    } else {
        tb_arr(t, flex, 3);
        /* A group coordinator, an unknown key (no coordinator: -1, "", -1), a transaction
         * coordinator with an unknown tagged field. */
        tb_str(t, flex, "group-a");
        tb_endpoint(t, flex, f->mapped, f->node, test_broker_host(f->node), 9092);
        tb_i16(t, 0);
        tb_str(t, flex, NULL);
        tb_tags0(t, flex);
        tb_str(t, flex, "group-b");
        tb_endpoint(t, flex, f->mapped, -1, "", -1);
        tb_i16(t, 15); /* COORDINATOR_NOT_AVAILABLE */
        tb_str(t, flex, "The coordinator is not available.");
        tb_tags0(t, flex);
        tb_str(t, flex, "txn-1");
        tb_endpoint(t, flex, f->mapped, 3, test_broker_host(3), 9093);
        tb_i16(t, 0);
        tb_str(t, flex, NULL);
        tb_uv(t, 1);
        tb_tag(t, 2, "\x7f", 1);
    }
    if (flex) {
        tb_uv(t, 1);
        tb_tag(t, 6, "top", 3);
    }
}

static void test_every_version(void **state)
{
    (void)state;
    for (int v = 0; v <= 6; v++) {
        tb_t in = {0}, want = {0};
        fc_body(&in, &(fc_t){v, false, 2});
        fc_body(&want, &(fc_t){v, true, 2});
        int calls =
            rw_check(kc_find_coordinator_response_rewrite, (int16_t)v, v >= FLEX_FROM, &in, &want);
        assert_int_equal(calls, v < 4 ? 1 : 2); /* never for the -1 coordinator */
    }
}

static void test_exact(void **state)
{
    (void)state;
    /* v0: error_code, node_id, host, port. */
    rw_check_hex(kc_find_coordinator_response_rewrite, 0, false,
                 "0000 00000004 0003 683a34 0000238c",
                 "0000 00000004 000a 70726f78792e74657374 00007534");

    /* v6: one coordinator, compact. */
    rw_check_hex(kc_find_coordinator_response_rewrite, 6, true,
                 "00000000 02 02 67 00000004 03 6834 0000238c 0000 00 00 00",
                 "00000000 02 02 67 00000004 0b 70726f78792e74657374 00007534 0000 00 00 00");
}

static void test_no_coordinator(void **state)
{
    (void)state;
    /* v0-3 error answer: node -1, empty host, port -1 passes unchanged, the map is not asked. */
    for (int v = 0; v <= 3; v++) {
        tb_t in = {0};
        fc_body(&in, &(fc_t){v, false, -1});
        assert_int_equal(
            rw_check(kc_find_coordinator_response_rewrite, (int16_t)v, v >= FLEX_FROM, &in, &in),
            0);
    }
}

static void test_smallest_elements(void **state)
{
    (void)state;
    /* v4+: the smallest coordinator is 14 bytes (empty key, node -1, empty host, port, error,
     * null message, tags); an array of them, with nothing after but the top-level tags, is
     * valid and passes as it is. */
    for (int n = 1; n <= 4; n++) {
        tb_t in = {0};
        tb_i32(&in, 0);
        tb_arr(&in, true, n);
        for (int i = 0; i < n; i++) {
            size_t at = in.n;
            tb_str(&in, true, "");
            tb_endpoint(&in, true, false, -1, "", -1);
            tb_i16(&in, 15);
            tb_str(&in, true, NULL);
            tb_tags0(&in, true);
            assert_int_equal(in.n - at, 14);
        }
        tb_tags0(&in, true);
        assert_int_equal(rw_check(kc_find_coordinator_response_rewrite, 6, true, &in, &in), 0);
    }
}

static void test_unmappable(void **state)
{
    (void)state;
    tb_t in = {0};
    fc_body(&in, &(fc_t){2, false, 5});
    rw_check_unmappable(kc_find_coordinator_response_rewrite, 2, false, &in, 5);
    tb_t in6 = {0};
    fc_body(&in6, &(fc_t){6, false, 2});
    rw_check_unmappable(kc_find_coordinator_response_rewrite, 6, true, &in6, 3); /* the last */
}

static void test_malformed(void **state)
{
    (void)state;
    rw_env_t *e = rw_env_new();
    /* v4: a huge coordinators count */
    rw_out_t *o = rw_env_run_hex(e, kc_find_coordinator_response_rewrite, 4, true,
                                 "00000000 ffffff0f");
    assert_int_equal(o->rc, -KC_EPROTO);
    /* v1: host length -2 */
    o = rw_env_run_hex(e, kc_find_coordinator_response_rewrite, 1, false,
                       "00000000 0000 ffff 00000001 fffe");
    assert_int_equal(o->rc, -KC_EPROTO);
    assert_int_equal(e->m.calls, 0);
    rw_env_free(e); /* and no buffer left in the pool */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_version),  cmocka_unit_test(test_exact),
        cmocka_unit_test(test_no_coordinator), cmocka_unit_test(test_smallest_elements),
        cmocka_unit_test(test_unmappable),     cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
