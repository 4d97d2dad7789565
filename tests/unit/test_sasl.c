/* proxy/kafka/sasl.c: the SaslHandshake response error code. */
#include "kafka/sasl.h"

#include "kc_test.h"

static void test_error_code(void **state)
{
    (void)state;
    tb_t ok = {0};
    tb_hex(&ok, "0000 00000001 0005 504c41494e"); /* NONE, ["PLAIN"] */
    kc_rd_t r;
    kc_rd_init(&r, ok.b, ok.n, false);
    assert_int_equal(kc_sasl_handshake_response_error(&r), 0);
    tb_t bad = {0};
    tb_hex(&bad, "0021 00000000"); /* UNSUPPORTED_SASL_MECHANISM */
    kc_rd_init(&r, bad.b, bad.n, false);
    assert_int_equal(kc_sasl_handshake_response_error(&r), 33);
    tb_t neg = {0};
    tb_hex(&neg, "ffff");
    kc_rd_init(&r, neg.b, neg.n, false);
    assert_int_equal(kc_sasl_handshake_response_error(&r), -1); /* UNKNOWN_SERVER_ERROR */
    for (size_t n = 0; n < 2; n++) {
        kc_rd_init(&r, ok.b, n, false);
        assert_int_equal(kc_sasl_handshake_response_error(&r), -1);
        assert_int_equal(r.err, -KC_EPROTO);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error_code),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
