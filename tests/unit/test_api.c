/* proxy/kafka/api.c: the API table and the header version rule. */
#include "kafka/api.h"

#include "kc_test.h"

/* The table itself is held against Kafka's own ApiKeys at test time, from the pinned
 * kafka-clients jar (tests/unit/test_rewrite_vectors.c, "API" lines): not copied here. */

static void test_decode_max(void **state)
{
    (void)state;
    /* kchaos reads exactly these: responses carrying addresses, ApiVersions, Produce requests,
     * SaslHandshake. Each can be decoded up to the newest known version. */
    static const int16_t decoded[] = {0, 1, 3, 10, 17, 18, 60, 78, 79};
    int count;
    const kc_api_t *t = kc_api_table(&count);
    for (int k = 0; k < count; k++) {
        if (!t[k].name) continue;
        bool want = false;
        for (size_t i = 0; i < sizeof(decoded) / sizeof(decoded[0]); i++)
            want |= decoded[i] == k;
        if (want)
            assert_int_equal(t[k].decode_max, t[k].max_known);
        else
            assert_int_equal(t[k].decode_max, -1);
    }
}

static void test_get_and_name(void **state)
{
    (void)state;
    assert_null(kc_api_get(-1));
    assert_null(kc_api_get(INT16_MIN));
    assert_null(kc_api_get(95));
    assert_null(kc_api_get(KC_API_MAX_KEY + 1));
    assert_null(kc_api_get(INT16_MAX));
    assert_int_equal(kc_api_get(KC_API_API_VERSIONS)->key, 18);
    assert_string_equal(kc_api_name(0), "Produce");
    assert_string_equal(kc_api_name(79), "ShareAcknowledge");
    assert_string_equal(kc_api_name(1234), "api-1234");
    assert_string_equal(kc_api_name(-7), "api--7");
    assert_false(kc_api_flexible(NULL, 100));
    assert_false(kc_api_flexible(kc_api_get(17), INT16_MAX - 1)); /* SaslHandshake: never */
}

static void test_request_header_version(void **state)
{
    (void)state;
    assert_int_equal(kc_api_request_header_version(0, 8), 1);
    assert_int_equal(kc_api_request_header_version(0, 9), 2);
    assert_int_equal(kc_api_request_header_version(1, 11), 1);
    assert_int_equal(kc_api_request_header_version(1, 12), 2);
    assert_int_equal(kc_api_request_header_version(60, 0), 2); /* flexible from v0 */
    assert_int_equal(kc_api_request_header_version(7, 0), 0);  /* ControlledShutdown v0 */
    assert_int_equal(kc_api_request_header_version(7, 1), 1);
    assert_int_equal(kc_api_request_header_version(7, 3), 2);
    assert_int_equal(kc_api_request_header_version(17, 1), 1); /* SaslHandshake */
    assert_int_equal(kc_api_request_header_version(18, 2), 1);
    assert_int_equal(kc_api_request_header_version(18, 3), 2);  /* ApiVersions request: rule */
    assert_int_equal(kc_api_request_header_version(500, 9), 1); /* unknown key */
}

static void test_response_header_version(void **state)
{
    (void)state;
    assert_int_equal(kc_api_response_header_version(3, 8), 0);
    assert_int_equal(kc_api_response_header_version(3, 9), 1);
    assert_int_equal(kc_api_response_header_version(60, 0), 1);
    /* KIP-511: ApiVersions responses always use header v0. */
    for (int16_t v = 0; v <= 5; v++)
        assert_int_equal(kc_api_response_header_version(18, v), 0);
    assert_int_equal(kc_api_response_header_version(17, 1), 0);
    assert_int_equal(kc_api_response_header_version(36, 2), 1); /* SaslAuthenticate v2 */
    assert_int_equal(kc_api_response_header_version(500, 9), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_max),
        cmocka_unit_test(test_get_and_name),
        cmocka_unit_test(test_request_header_version),
        cmocka_unit_test(test_response_header_version),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
