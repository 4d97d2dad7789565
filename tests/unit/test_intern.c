/* proxy/util/intern.c: interned client ids, with a cap on distinct strings. */
#include "util/intern.h"

#include "kc_test.h"

static void test_same_pointer(void **state)
{
    (void)state;
    kc_intern_t t;
    assert_int_equal(kc_intern_init(&t, 100), 0);
    char buf[] = "rdkafka-producer";
    const char *a = kc_intern(&t, buf, 7);
    assert_string_equal(a, "rdkafka");
    assert_ptr_not_equal(a, buf); /* a copy, NUL-terminated */
    buf[0] = 'X';                 /* the caller's bytes can change afterwards */
    assert_ptr_equal(kc_intern(&t, "rdkafka", 7), a);
    assert_string_equal(a, "rdkafka");
    const char *b = kc_intern(&t, "rdkafka-producer", 16);
    assert_ptr_not_equal(a, b);
    const char *e = kc_intern(&t, "", 0);
    assert_string_equal(e, "");
    assert_ptr_equal(kc_intern(&t, "x", 0), e);
    assert_int_equal(t.count, 3);
    kc_intern_free(&t);
}

static void test_growth(void **state)
{
    (void)state;
    kc_intern_t t;
    assert_int_equal(kc_intern_init(&t, 10000), 0);
    const char *p[500];
    char s[32];
    for (int i = 0; i < 500; i++) {
        int n = snprintf(s, sizeof(s), "client-%d", i);
        p[i] = kc_intern(&t, s, (size_t)n);
        assert_non_null(p[i]);
    }
    assert_int_equal(t.count, 500);
    assert_true(t.mask + 1 >= 1000); /* kept under half full */
    for (int i = 0; i < 500; i++) {
        int n = snprintf(s, sizeof(s), "client-%d", i);
        assert_ptr_equal(kc_intern(&t, s, (size_t)n), p[i]); /* still found after rehashing */
    }
    assert_int_equal(t.count, 500);
    kc_intern_free(&t);
}

static void test_cap(void **state)
{
    (void)state;
    kc_intern_t t;
    assert_int_equal(kc_intern_init(&t, 2), 0);
    const char *a = kc_intern(&t, "a", 1);
    const char *b = kc_intern(&t, "b", 1);
    assert_string_equal(a, "a");
    assert_string_equal(b, "b");
    assert_string_equal(kc_intern(&t, "c", 1), KC_INTERN_OVERFLOW);
    assert_string_equal(kc_intern(&t, "d", 1), KC_INTERN_OVERFLOW);
    assert_ptr_equal(kc_intern(&t, "a", 1), a); /* known strings still resolve */
    assert_int_equal(t.count, 2);
    kc_intern_free(&t);
}

static void test_embedded_nul(void **state)
{
    (void)state;
    /* A client id is any INT16-length string from the network: it may hold a NUL. The stored
     * copy is a C string, so it stands for the text before the NUL, and asking again must
     * find it rather than add a new slot every time (which would use up the cap). */
    kc_intern_t t;
    assert_int_equal(kc_intern_init(&t, 1000), 0);
    const char *a = kc_intern(&t, "ab\0cd", 5);
    assert_non_null(a);
    for (int i = 0; i < 100; i++)
        assert_ptr_equal(kc_intern(&t, "ab\0cd", 5), a);
    assert_int_equal(t.count, 1);
    assert_ptr_equal(kc_intern(&t, "ab", 2), a);
    kc_intern_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_pointer),
        cmocka_unit_test(test_growth),
        cmocka_unit_test(test_cap),
        cmocka_unit_test(test_embedded_nul),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
