/* proxy/kafka/share.c: ShareFetchResponse and ShareAcknowledgeResponse (KIP-932), whose
 * node_endpoints is a plain field after the responses. */
#include "kafka/share.h"

#include "kc_test.h"

typedef struct sh {
    int v;
    bool fetch;
    bool mapped;
    int nodes;
} sh_t;

static void leader(tb_t *t)
{
    tb_i32(t, 3);
    tb_i32(t, 8);
    tb_tags0(t, true);
}

static void sh_body(tb_t *t, const sh_t *s)
{
    int v = s->v;
    tb_i32(t, 0);                                     /* throttle_time_ms */
    tb_i16(t, 0);                                     /* error_code */
    tb_str(t, true, NULL);                            /* error_message */
    if (s->fetch ? v >= 1 : v >= 2) tb_i32(t, 30000); /* acquisition_lock_timeout_ms */
    tb_arr(t, true, 2);
    for (int topic = 0; topic < 2; topic++) {
        tb_uuid(t, (uint8_t)(0x30 + topic));
        tb_arr(t, true, 1);
        tb_i32(t, topic);
        tb_i16(t, topic ? 6 : 0);
        tb_str(t, true, topic ? "not leader" : NULL);
        if (s->fetch) {
            tb_i16(t, 0); /* acknowledge_error_code */
            tb_str(t, true, NULL);
        }
        leader(t);
        if (s->fetch) {
            tb_bytes(t, true, "RECORDS-RECORDS", 15);
            tb_arr(t, true, 1); /* acquired_records */
            tb_i64(t, 0);
            tb_i64(t, 9);
            tb_i16(t, 1);
            tb_tags0(t, true);
        }
        tb_uv(t, 1);
        tb_tag(t, 11, "p", 1); /* unknown partition tag */
        tb_tags0(t, true);     /* topic */
    }
    tb_node_endpoints(t, s->mapped, 1, s->nodes);
    tb_uv(t, 1);
    tb_tag(t, 3, "top", 3);
}

static test_rw_fn fn(bool fetch)
{
    return fetch ? kc_share_fetch_response_rewrite : kc_share_acknowledge_response_rewrite;
}

static void test_every_version(void **state)
{
    (void)state;
    for (int fetch = 0; fetch <= 1; fetch++) {
        for (int v = 0; v <= 2; v++) {
            tb_t in = {0}, want = {0};
            sh_body(&in, &(sh_t){v, fetch, false, 3});
            sh_body(&want, &(sh_t){v, fetch, true, 3});
            assert_int_equal(rw_check(fn(fetch), (int16_t)v, true, &in, &want), 3);
            /* No endpoints: an empty array, no splice. */
            tb_t none = {0};
            sh_body(&none, &(sh_t){v, fetch, false, 0});
            assert_int_equal(rw_check(fn(fetch), (int16_t)v, true, &none, &none), 0);
        }
    }
}

static void test_exact(void **state)
{
    (void)state;
    /* ShareFetch v2 and ShareAcknowledge v2: no topics, one endpoint, empty tags. */
    static const char in[] = "00000000 0000 00 00007530 01 02 00000002 02 68 00002384 00 00 00";
    static const char want[] =
        "00000000 0000 00 00007530 01 02 00000002 0b 70726f78792e74657374 00007532 00 00 00";
    rw_check_hex(kc_share_fetch_response_rewrite, 2, true, in, want);
    rw_check_hex(kc_share_acknowledge_response_rewrite, 2, true, in, want);
    /* ShareFetch v1 has the lock timeout, ShareAcknowledge v1 does not. */
    rw_check_hex(kc_share_acknowledge_response_rewrite, 1, true,
                 "00000000 0000 00 01 02 00000002 02 68 00002384 00 00 00",
                 "00000000 0000 00 01 02 00000002 0b 70726f78792e74657374 00007532 00 00 00");
}

static void test_unmappable(void **state)
{
    (void)state;
    for (int fetch = 0; fetch <= 1; fetch++) {
        tb_t in = {0};
        sh_body(&in, &(sh_t){2, fetch, false, 3});
        rw_check_unmappable(fn(fetch), 2, true, &in, 3);
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
