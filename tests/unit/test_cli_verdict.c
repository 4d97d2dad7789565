/* proxy/cli/verdict.c: kchaos health's rules on canned clients. Critical is a delivery failure
 * only (delivery_failures when kchaos serves it, fatal requests otherwise); a retry that cured
 * an error is not; latency, retries, throttle and a short runway warn. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cli/verdict.h"

static kc_cli_client_t healthy(void)
{
    kc_cli_client_t c;
    memset(&c, 0, sizeof(c));
    strcpy(c.client_id, "orders");
    strcpy(c.host, "127.0.0.1");
    c.req_ok = 1000;
    c.records = 50000;
    c.records_per_s = 500;
    c.lat_count = 1000;
    c.lat_mean = 3;
    c.lat_p50 = 2;
    c.lat_p99 = 15;
    c.thr_responses = 1000;
    return c;
}

static kc_verdict_t judge(const kc_cli_client_t *c, const kc_health_opts_t *o, char *why)
{
    return kc_health_judge(c, o, why, 512);
}

static void test_ok(void **state)
{
    (void)state;
    kc_health_opts_t o;
    kc_health_opts_default(&o);
    char why[512];
    kc_cli_client_t c = healthy();
    assert_int_equal(judge(&c, &o, why), KC_OK);
    assert_non_null(strstr(why, "50000 records"));
    /* retriable errors a retry cured (a leader move): still OK */
    c.req_retriable = 4;
    c.errors = 4;
    c.retries = 80;
    c.retries_per_s = 2;
    c.errors_per_s = 0.2;
    assert_int_equal(judge(&c, &o, why), KC_OK);
    /* a risky configuration is named, and is no failure */
    c = healthy();
    strcpy(c.risks[0], "acks_1");
    strcpy(c.risks[1], "reordering_retries");
    c.nrisks = 2;
    assert_int_equal(judge(&c, &o, why), KC_OK);
    assert_non_null(strstr(why, "; risk: acks_1, reordering_retries"));
    /* no answer measured yet: no latency verdict */
    c = healthy();
    c.lat_count = 0;
    c.lat_mean = 999;
    assert_int_equal(judge(&c, &o, why), KC_OK);
}

static void test_critical(void **state)
{
    (void)state;
    kc_health_opts_t o;
    kc_health_opts_default(&o);
    char why[512];
    kc_cli_client_t c = healthy();
    c.req_fatal = 3; /* older kchaos: fatal requests stand for delivery failures */
    assert_int_equal(judge(&c, &o, why), KC_CRITICAL);
    assert_non_null(strstr(why, "3 requests failed with a non-retriable error"));
    c.has_delivery_failures = true; /* newer kchaos: its count decides */
    c.delivery_failures = 0;
    assert_int_equal(judge(&c, &o, why), KC_OK);
    c.delivery_failures = 2;
    c.lat_mean = 500; /* a warning besides: critical wins, both reasons given */
    assert_int_equal(judge(&c, &o, why), KC_CRITICAL);
    assert_non_null(strstr(why, "2 delivery failures"));
    assert_non_null(strstr(why, "latency mean 500.0 ms > 200 ms"));
}

static void test_warnings(void **state)
{
    (void)state;
    kc_health_opts_t o;
    kc_health_opts_default(&o);
    char why[512];
    kc_cli_client_t c = healthy();
    c.lat_mean = 201;
    assert_int_equal(judge(&c, &o, why), KC_WARNING);
    assert_non_null(strstr(why, "latency mean 201.0 ms > 200 ms"));
    o.max_latency_ms = 0; /* a threshold below what is measured */
    c = healthy();
    assert_int_equal(judge(&c, &o, why), KC_WARNING);

    kc_health_opts_default(&o);
    c = healthy();
    c.retries_per_s = 10.5;
    assert_int_equal(judge(&c, &o, why), KC_WARNING);
    assert_non_null(strstr(why, "retries 10.50/s > 10/s"));
    o.max_retry_rate = 20;
    assert_int_equal(judge(&c, &o, why), KC_OK);

    kc_health_opts_default(&o);
    c = healthy();
    c.errors_per_s = 0.5; /* errors/s not checked unless asked */
    assert_int_equal(judge(&c, &o, why), KC_OK);
    o.max_error_rate = 0.1;
    assert_int_equal(judge(&c, &o, why), KC_WARNING);
    assert_non_null(strstr(why, "errors 0.50/s > 0.1/s"));
}

static void test_throttle(void **state)
{
    (void)state;
    kc_health_opts_t o;
    kc_health_opts_default(&o);
    char why[512];
    kc_cli_client_t c = healthy();
    c.thr_throttled = 5; /* default: any throttle warns */
    c.thr_mean = 2;
    c.thr_max = 40;
    assert_int_equal(judge(&c, &o, why), KC_WARNING);
    assert_non_null(strstr(why, "throttled: 5 of 1000 responses, max 40 ms"));
    o.max_throttle_ms = 10; /* a tolerance: the mean must exceed it */
    assert_int_equal(judge(&c, &o, why), KC_OK);
    c.thr_mean = 11;
    assert_int_equal(judge(&c, &o, why), KC_WARNING);
    assert_non_null(strstr(why, "throttle mean 11.0 ms > 10 ms"));
}

static void test_runway(void **state)
{
    (void)state;
    kc_health_opts_t o;
    kc_health_opts_default(&o);
    char why[512];
    kc_cli_client_t c = healthy();
    c.has_indicators = true;
    c.ind[KC_CLI_IND_LATENCY_P99] = (kc_cli_trend_t){true, 120, 2, 200, true, 40};
    c.ind[KC_CLI_IND_ERRORS] = (kc_cli_trend_t){true, 0, 0, 1, false, -1};
    c.ind[KC_CLI_IND_RETRIES] = (kc_cli_trend_t){true, 1, -0.1, 10, false, -1};
    c.ind[KC_CLI_IND_THROTTLE] = (kc_cli_trend_t){true, 0, 0, 100, false, -1};
    /* no --runway: trends do not judge */
    assert_int_equal(judge(&c, &o, why), KC_OK);
    o.runway_s = 30; /* 40 s to go: not yet */
    assert_int_equal(judge(&c, &o, why), KC_OK);
    o.runway_s = 60;
    assert_int_equal(judge(&c, &o, why), KC_WARNING);
    assert_non_null(strstr(why, "latency_p99_ms 120 rising +2/s: reaches 200 in 40 s"));
    /* health's own threshold, not kchaos's: 160 ms is 20 s away */
    o.max_latency_ms = 160;
    o.runway_s = 30;
    assert_int_equal(judge(&c, &o, why), KC_WARNING);
    assert_non_null(strstr(why, "reaches 160 in 20 s"));
    /* throttle rising from zero with "any throttle" (0): due now */
    kc_health_opts_default(&o);
    o.runway_s = 60;
    c.ind[KC_CLI_IND_LATENCY_P99].slope_per_s = 0;
    c.ind[KC_CLI_IND_THROTTLE].slope_per_s = 0.5;
    assert_int_equal(judge(&c, &o, why), KC_WARNING);
    assert_non_null(strstr(why, "throttle_ms"));
    c.ind[KC_CLI_IND_THROTTLE].slope_per_s = 0;
    assert_int_equal(judge(&c, &o, why), KC_OK);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(kc_verdict_name(KC_OK), "OK");
    assert_string_equal(kc_verdict_name(KC_WARNING), "WARNING");
    assert_string_equal(kc_verdict_name(KC_CRITICAL), "CRITICAL");
    assert_string_equal(kc_verdict_name(KC_UNKNOWN), "UNKNOWN");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ok),       cmocka_unit_test(test_critical),
        cmocka_unit_test(test_warnings), cmocka_unit_test(test_throttle),
        cmocka_unit_test(test_runway),   cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
