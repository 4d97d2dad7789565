/* proxy/net/limits.c: connection admission for the whole process. */
#include "net/limits.h"

#include <stdio.h>

#include "kc_test.h"

static void test_total_and_per_host(void **state)
{
    (void)state;
    kc_conn_limits_t l;
    uint32_t open;
    assert_int_equal(kc_limits_init(&l, 4, 2), 0);
    assert_int_equal(kc_limits_admit(&l, "10.0.0.1", &open), KC_ADMIT_OK);
    assert_int_equal(kc_limits_admit(&l, "10.0.0.1", &open), KC_ADMIT_OK);
    assert_int_equal(kc_limits_admit(&l, "10.0.0.1", &open), KC_ADMIT_HOST);
    assert_int_equal(open, 2);
    assert_int_equal(kc_limits_admit(&l, "10.0.0.2", &open), KC_ADMIT_OK);
    assert_int_equal(kc_limits_admit(&l, "10.0.0.3", &open), KC_ADMIT_OK);
    assert_int_equal(kc_limits_admit(&l, "10.0.0.4", &open), KC_ADMIT_TOTAL);
    assert_int_equal(open, 4);
    kc_limits_release(&l, "10.0.0.1");
    assert_int_equal(kc_limits_admit(&l, "10.0.0.1", &open), KC_ADMIT_OK); /* its place again */
    assert_int_equal(l.total, 4);
    kc_limits_free(&l);
}

static void test_no_host_limit_no_table(void **state)
{
    (void)state;
    kc_conn_limits_t l;
    uint32_t open;
    assert_int_equal(kc_limits_init(&l, 3, 0), 0);
    assert_null(l.hosts);
    for (int i = 0; i < 3; i++)
        assert_int_equal(kc_limits_admit(&l, "10.0.0.1", &open), KC_ADMIT_OK);
    assert_int_equal(kc_limits_admit(&l, "10.0.0.1", &open), KC_ADMIT_TOTAL);
    kc_limits_free(&l);
}

static void test_many_hosts_come_and_go(void **state)
{
    (void)state;
    /* 100,000 hosts one after another: the table is rebuilt without the gone ones, so it
     * stays small and every lookup ends. */
    kc_conn_limits_t l;
    uint32_t open;
    assert_int_equal(kc_limits_init(&l, 1000, 1), 0);
    char ip[48];
    for (int i = 0; i < 100000; i++) {
        snprintf(ip, sizeof(ip), "10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
        assert_int_equal(kc_limits_admit(&l, ip, &open), KC_ADMIT_OK);
        assert_int_equal(kc_limits_admit(&l, ip, &open), KC_ADMIT_HOST);
        kc_limits_release(&l, ip);
    }
    assert_int_equal(l.total, 0);
    assert_true(l.mask + 1 <= 1024);
    kc_limits_free(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_total_and_per_host),
        cmocka_unit_test(test_no_host_limit_no_table),
        cmocka_unit_test(test_many_hosts_come_and_go),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
