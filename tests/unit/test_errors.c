/* proxy/kafka/errors.c: the Kafka error table. The table's content is held against Kafka's own
 * Errors enum at test time (tests/unit/test_codec_vectors.c, "ERR" lines); this checks the
 * lookups and the table's shape. */
#include "kafka/errors.h"

#include <errno.h>

#include "kc_test.h"

static void test_table_shape(void **state)
{
    (void)state;
    size_t n;
    const kc_kafka_error_t *t = kc_kafka_error_table(&n);
    assert_true(n > 130);
    for (size_t i = 0; i < n; i++) {
        /* kc_kafka_error_get indexes by code + 1: the codes must run without gaps. */
        assert_int_equal(t[i].code, (int)i - 1);
        assert_ptr_equal(kc_kafka_error_get(t[i].code), &t[i]);
        assert_non_null(t[i].name);
        for (const char *c = t[i].name; *c; c++)
            assert_true((*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '_');
        int16_t code;
        assert_int_equal(kc_kafka_error_by_name(t[i].name, strlen(t[i].name), &code), 0);
        assert_int_equal(code, t[i].code);
    }
}

static void test_known(void **state)
{
    (void)state;
    assert_string_equal(kc_kafka_error_name(KC_KERR_NONE), "NONE");
    assert_string_equal(kc_kafka_error_name(-1), "UNKNOWN_SERVER_ERROR");
    assert_string_equal(kc_kafka_error_name(6), "NOT_LEADER_OR_FOLLOWER");
    assert_string_equal(kc_kafka_error_name(87), "INVALID_RECORD");
    assert_true(kc_kafka_error_retriable(KC_KERR_NOT_LEADER_OR_FOLLOWER));
    assert_true(kc_kafka_error_retriable(KC_KERR_NOT_ENOUGH_REPLICAS));
    assert_true(kc_kafka_error_retriable(KC_KERR_REQUEST_TIMED_OUT));
    assert_true(kc_kafka_error_retriable(KC_KERR_UNKNOWN_TOPIC_ID));
    assert_false(kc_kafka_error_retriable(KC_KERR_NONE));
    assert_false(kc_kafka_error_retriable(KC_KERR_UNKNOWN_SERVER_ERROR));
    assert_false(kc_kafka_error_retriable(10)); /* MESSAGE_TOO_LARGE */
    assert_false(kc_kafka_error_retriable(29)); /* TOPIC_AUTHORIZATION_FAILED */
    assert_int_equal(kc_kafka_error_get(19)->code, 19);
}

static void test_unknown(void **state)
{
    (void)state;
    assert_null(kc_kafka_error_get(-2));
    assert_null(kc_kafka_error_get(INT16_MIN));
    assert_null(kc_kafka_error_get(INT16_MAX));
    assert_null(kc_kafka_error_get(1234));
    assert_string_equal(kc_kafka_error_name(1234), "UNKNOWN_ERROR_CODE_1234");
    assert_string_equal(kc_kafka_error_name(-2), "UNKNOWN_ERROR_CODE_-2");
    assert_string_equal(kc_kafka_error_name(INT16_MIN), "UNKNOWN_ERROR_CODE_-32768");
    assert_false(kc_kafka_error_retriable(1234));
    assert_false(kc_kafka_error_retriable(-2));
}

static void test_by_name(void **state)
{
    (void)state;
    int16_t code = 99;
    assert_int_equal(kc_kafka_error_by_name("not_leader_or_follower", 22, &code), 0);
    assert_int_equal(code, 6);
    assert_int_equal(kc_kafka_error_by_name("Request_Timed_Out!", 17, &code), 0);
    assert_int_equal(code, 7);
    /* Not NUL-terminated: only len bytes count. */
    assert_int_equal(kc_kafka_error_by_name("NONEXYZ", 4, &code), 0);
    assert_int_equal(code, 0);
    code = 99;
    assert_int_equal(kc_kafka_error_by_name("NON", 3, &code), -ENOENT);
    assert_int_equal(kc_kafka_error_by_name("NONE_", 5, &code), -ENOENT);
    assert_int_equal(kc_kafka_error_by_name("", 0, &code), -ENOENT);
    assert_int_equal(kc_kafka_error_by_name("NONE\0XYZ", 8, &code), -ENOENT);
    assert_int_equal(code, 99);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_shape),
        cmocka_unit_test(test_known),
        cmocka_unit_test(test_unknown),
        cmocka_unit_test(test_by_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
