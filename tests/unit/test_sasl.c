/* proxy/kafka/sasl.c: the SaslHandshake response error code, and the user name each mechanism's
 * first message shows (PLAIN, SCRAM with its escapes, an OAUTHBEARER token's sub), never any
 * of the secret that follows it. */
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

static void test_users(void **state)
{
    (void)state;
    char u[64];
    static const uint8_t plain[] = "\0alice\0alice-secret";
    assert_int_equal(kc_sasl_user("PLAIN", plain, sizeof(plain) - 1, u, sizeof(u)), 0);
    assert_string_equal(u, "alice");
    static const uint8_t plain_authz[] = "admin\0bob\0pw";
    assert_int_equal(kc_sasl_user("PLAIN", plain_authz, sizeof(plain_authz) - 1, u, sizeof(u)), 0);
    assert_string_equal(u, "bob");
    static const uint8_t no_nul[] = "alice";
    assert_int_equal(kc_sasl_user("PLAIN", no_nul, 5, u, sizeof(u)), -1);
    const char *scram = "n,,n=we=2Cird=3Dname,r=fyko+d2lbbFgONRv9qkxdawL";
    assert_int_equal(kc_sasl_user("SCRAM-SHA-256", (const uint8_t *)scram, strlen(scram), u,
                                  sizeof(u)), 0);
    assert_string_equal(u, "we,ird=name");
    const char *scram_authz = "y,a=other,n=carol,r=abc";
    assert_int_equal(kc_sasl_user("SCRAM-SHA-512", (const uint8_t *)scram_authz,
                                  strlen(scram_authz), u, sizeof(u)), 0);
    assert_string_equal(u, "carol");
    const char *scram_bad = "n,,n=bad=2X,r=abc"; /* '=' must be =2C or =3D */
    assert_int_equal(kc_sasl_user("SCRAM-SHA-256", (const uint8_t *)scram_bad, strlen(scram_bad),
                                  u, sizeof(u)), -1);
    /* {"alg":"none"} . {"sub":"svc-orders","exp":1} . (unsigned) */
    const char *oauth = "n,,\001auth=Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJzdmMtb3JkZXJzIiwiZXhwIjoxfQ."
                        "\001\001";
    assert_int_equal(kc_sasl_user("OAUTHBEARER", (const uint8_t *)oauth, strlen(oauth), u,
                                  sizeof(u)), 0);
    assert_string_equal(u, "svc-orders");
    assert_int_equal(kc_sasl_user("GSSAPI", plain, sizeof(plain) - 1, u, sizeof(u)), -1);
    assert_int_equal(kc_sasl_rounds("SCRAM-SHA-512"), 2);
    assert_int_equal(kc_sasl_rounds("PLAIN"), 1);
    /* Every prefix of each message is refused or names only the user. */
    for (size_t n = 0; n < strlen(scram); n++)
        if (kc_sasl_user("SCRAM-SHA-256", (const uint8_t *)scram, n, u, sizeof(u)) == 0)
            assert_null(strstr(u, "r="));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error_code),
        cmocka_unit_test(test_users),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
