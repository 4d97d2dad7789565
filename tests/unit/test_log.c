/* proxy/util/log.c: one line per event, text or JSON, whatever the fields hold. */
#include "util/log.h"

#include "kc_test.h"

static char out[8192];

/* Run fn with the log going to a temporary file, and read back what it wrote. */
static const char *capture(bool json, void (*fn)(void))
{
    FILE *f = tmpfile();
    assert_non_null(f);
    kc_log_init(KC_LOG_DEBUG, json, f);
    fn();
    rewind(f);
    size_t n = fread(out, 1, sizeof(out) - 1, f);
    out[n] = 0;
    fclose(f);
    kc_log_init(KC_LOG_INFO, false, NULL);
    return out;
}

static int lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static void hostile(void)
{
    /* client_id comes off the wire: a client may put anything in it. */
    kc_log_ctx_t ctx = {.conn = 7, .listener = "bootstrap", .client_id = "evil\n2026 error FAKE"};
    kc_log_c(KC_LOG_WARN, &ctx, "closing: %s", "reason\r\nwith breaks");
}

static void test_one_line_text(void **state)
{
    (void)state;
    const char *s = capture(false, hostile);
    assert_int_equal(lines(s), 1);
    assert_non_null(strstr(s, "conn=7 [bootstrap] "));
    assert_non_null(strstr(s, "client_id=evil?2026 error FAKE "));
    assert_non_null(strstr(s, "closing: reason??with breaks\n"));
    assert_non_null(strstr(s, " warn "));
}

static void test_one_line_json(void **state)
{
    (void)state;
    const char *s = capture(true, hostile);
    assert_int_equal(lines(s), 1);
    assert_non_null(strstr(s, "\"client_id\":\"evil\\u000a2026 error FAKE\""));
    assert_non_null(strstr(s, "\"msg\":\"closing: reason\\u000d\\u000awith breaks\""));
    assert_non_null(strstr(s, "\"level\":\"warn\""));
    assert_non_null(strstr(s, "\"conn\":7"));
}

static void long_line(void)
{
    static char big[6000];
    memset(big, 'x', sizeof(big) - 1);
    kc_log(KC_LOG_INFO, "%s", big);
    kc_log(KC_LOG_DEBUG, "second");
}

static void test_truncated_still_a_line(void **state)
{
    (void)state;
    const char *s = capture(false, long_line);
    assert_int_equal(lines(s), 2);
    assert_non_null(strstr(s, "second\n"));
}

static void test_levels(void **state)
{
    (void)state;
    kc_log_level_t l;
    assert_int_equal(kc_log_parse_level("error", &l), 0);
    assert_int_equal(l, KC_LOG_ERROR);
    assert_int_equal(kc_log_parse_level("warning", &l), 0);
    assert_int_equal(l, KC_LOG_WARN);
    assert_int_equal(kc_log_parse_level("debug", &l), 0);
    assert_int_equal(l, KC_LOG_DEBUG);
    assert_int_equal(kc_log_parse_level("DEBUG", &l), -1);
    assert_int_equal(kc_log_parse_level("", &l), -1);
    kc_log_init(KC_LOG_WARN, false, NULL);
    assert_true(kc_log_enabled(KC_LOG_ERROR));
    assert_true(kc_log_enabled(KC_LOG_WARN));
    assert_false(kc_log_enabled(KC_LOG_INFO));
    kc_log_init(KC_LOG_INFO, false, NULL);
}

static void test_json_escape(void **state)
{
    (void)state;
    char b[16];
    assert_int_equal(kc_log_json_escape(b, sizeof(b), "a\"b\\c\x01", -1), 13);
    assert_string_equal(b, "a\\\"b\\\\c\\u0001");
    /* Truncation never splits an escape and always terminates. */
    assert_int_equal(kc_log_json_escape(b, 6, "ab\"cd", -1), 5);
    assert_string_equal(b, "ab\\\"c");
    assert_int_equal(kc_log_json_escape(b, 4, "ab\"", -1), 2); /* no room for the escape */
    assert_string_equal(b, "ab");
    assert_int_equal(kc_log_json_escape(b, 4, "\x02", -1), 0);
    assert_string_equal(b, "");
    assert_int_equal(kc_log_json_escape(b, sizeof(b), "xyz", 2), 2);
    assert_string_equal(b, "xy");
    assert_int_equal(kc_log_json_escape(b, sizeof(b), NULL, -1), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_line_text),
        cmocka_unit_test(test_one_line_json),
        cmocka_unit_test(test_truncated_still_a_line),
        cmocka_unit_test(test_levels),
        cmocka_unit_test(test_json_escape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
