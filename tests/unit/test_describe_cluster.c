/* proxy/kafka/describe_cluster.c: DescribeClusterResponse v0-2 (flexible in every version). */
#include "kafka/describe_cluster.h"

#include "kc_test.h"

typedef struct dc {
    int v;
    bool mapped;
    int32_t extra_node; /* -1: none */
} dc_t;

static void dc_body(tb_t *t, const dc_t *d)
{
    int v = d->v;
    tb_i32(t, 0);            /* throttle_time_ms */
    tb_i16(t, 0);            /* error_code */
    tb_str(t, true, NULL);   /* error_message */
    if (v >= 1) tb_i8(t, 1); /* endpoint_type: brokers */
    tb_str(t, true, "cluster-xyz");
    tb_i32(t, 2); /* controller_id */
    int n = d->extra_node >= 0 ? 3 : 2;
    tb_arr(t, true, n);
    for (int i = 0; i < n; i++) {
        int32_t node = i < 2 ? 1 + i : d->extra_node;
        tb_endpoint(t, true, d->mapped, node, test_broker_host(node), 9092);
        tb_str(t, true, i ? "rack-b" : NULL);
        if (v >= 2) tb_i8(t, i == 1); /* is_fenced */
        if (i == 0) {
            tb_uv(t, 2);
            tb_tag(t, 0, "", 0);
            tb_tag(t, 200, "zz", 2);
        } else {
            tb_tags0(t, true);
        }
    }
    tb_i32(t, INT32_MIN); /* cluster_authorized_operations */
    tb_uv(t, 1);
    tb_tag(t, 3, "abc", 3);
}

static void test_every_version(void **state)
{
    (void)state;
    for (int v = 0; v <= 2; v++) {
        tb_t in = {0}, want = {0};
        dc_body(&in, &(dc_t){v, false, -1});
        dc_body(&want, &(dc_t){v, true, -1});
        assert_int_equal(
            rw_check(kc_describe_cluster_response_rewrite, (int16_t)v, true, &in, &want), 2);
    }
}

static void test_exact(void **state)
{
    (void)state;
    /* v0: throttle, error, null message, cluster id "c", controller 1, one broker (1 "h" 9092
     * null rack), authorized ops, tags. */
    rw_check_hex(kc_describe_cluster_response_rewrite, 0, true,
                 "00000000 0000 00 02 63 00000001 02 00000001 02 68 00002384 00 00 80000000 00",
                 "00000000 0000 00 02 63 00000001 02 00000001 0b 70726f78792e74657374 00007531 00"
                 " 00 80000000 00");
    /* v2: endpoint_type and is_fenced. */
    rw_check_hex(kc_describe_cluster_response_rewrite, 2, true,
                 "00000000 0000 00 01 02 63 00000001 02 00000001 02 68 00002384 00 01 00"
                 " 80000000 00",
                 "00000000 0000 00 01 02 63 00000001 02 00000001 0b 70726f78792e74657374 00007531"
                 " 00 01 00 80000000 00");
}

static void test_unmappable(void **state)
{
    (void)state;
    for (int v = 0; v <= 2; v++) {
        tb_t in = {0};
        dc_body(&in, &(dc_t){v, false, 9});
        rw_check_unmappable(kc_describe_cluster_response_rewrite, (int16_t)v, true, &in, 9);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_version),
        cmocka_unit_test(test_exact),
        cmocka_unit_test(test_unmappable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
