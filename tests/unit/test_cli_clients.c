/* proxy/cli/clients.c: /api/v1/clients into structs, with and without the fields a newer
 * kchaos adds (delivery_failures, indicators); the runway rule. Canned JSON, no sockets. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cli/clients.h"

/* One client as kchaos writes it today (proxy/metrics/expose.c), trimmed of topics. */
#define CLIENT_TODAY                                                                           \
    "{\"client_id\":\"orders\",\"host\":\"127.0.0.1\",\"software\":\"librdkafka/2.0.2\","     \
    "\"age_s\":12.0,\"idle_s\":0.1,"                                                           \
    "\"requests\":{\"ok\":100,\"retriable\":3,\"fatal\":2,\"unanswered\":0},"                  \
    "\"batches\":103,\"bytes\":204800,\"records\":5000,\"retries\":40,\"duplicates\":0,"       \
    "\"possible_duplicates\":0,\"errors\":5,"                                                  \
    "\"rates\":{\"records_per_s\":410.5,\"bytes_per_s\":16800.0,\"requests_per_s\":8.25,"      \
    "\"errors_per_s\":0.50,\"retries_per_s\":3.25},"                                           \
    "\"latency_ms\":{\"client\":{\"count\":105,\"mean\":4.5,\"p50\":2.0,\"p95\":9.0,"          \
    "\"p99\":20.0,\"max\":31.0},\"broker\":{\"count\":105,\"mean\":4.0,\"p50\":1.5,"           \
    "\"p95\":8.0,\"p99\":19.0,\"max\":30.0}},"                                                 \
    "\"throttle_ms\":{\"responses\":105,\"throttled\":7,\"share\":0.0667,\"mean\":12.5,"       \
    "\"max\":250.0},"                                                                          \
    "\"profile\":{\"acks\":[1],\"idempotent\":false,\"transactional\":false,"                 \
    "\"compression\":[\"none\"],\"max_inflight\":5,\"records_per_batch\":48.9,"               \
    "\"bytes_per_batch\":1988.3},"                                                             \
    "\"risks\":[{\"flag\":\"acks_1\",\"reason\":\"r1\"},"                                      \
    "{\"flag\":\"reordering_retries\",\"reason\":\"r2\"}],\"topics\":[]}"

static const char today[] = "{\"loops\":1,\"connections\":2,\"clients\":[" CLIENT_TODAY "]}";

static const char with_indicators[] =
    "{\"clients\":[{\"client_id\":\"pay\",\"host\":\"::1\",\"delivery_failures\":4,"
    "\"indicators\":{\"interval_s\":10,\"samples\":6,"
    "\"latency_p99_ms\":{\"now\":120.0,\"slope_per_s\":2.0,\"runway_s\":40.0,\"threshold\":200},"
    "\"errors_per_s\":{\"now\":0.0,\"slope_per_s\":0.0,\"runway_s\":null,\"threshold\":1},"
    "\"retries_per_s\":{\"now\":12.0,\"slope_per_s\":1.0,\"runway_s\":0,\"threshold\":10},"
    "\"throttle_ms\":{\"now\":5.0,\"slope_per_s\":-0.5,\"runway_s\":null,\"threshold\":100}}}]}";

static void test_parse_today(void **state)
{
    (void)state;
    kc_cli_clients_t cl;
    char err[256];
    assert_int_equal(kc_cli_clients_parse(today, &cl, err, sizeof(err)), 0);
    assert_int_equal(cl.n, 1);
    const kc_cli_client_t *c = &cl.v[0];
    assert_string_equal(c->client_id, "orders");
    assert_string_equal(c->host, "127.0.0.1");
    assert_int_equal(c->req_ok, 100);
    assert_int_equal(c->req_retriable, 3);
    assert_int_equal(c->req_fatal, 2);
    assert_int_equal(c->records, 5000);
    assert_int_equal(c->bytes, 204800);
    assert_int_equal(c->retries, 40);
    assert_true(c->records_per_s == 410.5);
    assert_true(c->bytes_per_s == 16800.0);
    assert_true(c->errors_per_s == 0.5);
    assert_true(c->retries_per_s == 3.25);
    /* the client leg, not the broker's */
    assert_int_equal(c->lat_count, 105);
    assert_true(c->lat_mean == 4.5 && c->lat_p50 == 2.0 && c->lat_p99 == 20.0);
    assert_int_equal(c->thr_throttled, 7);
    assert_true(c->thr_mean == 12.5 && c->thr_max == 250.0);
    assert_int_equal(c->nrisks, 2);
    assert_string_equal(c->risks[0], "acks_1");
    assert_string_equal(c->risks[1], "reordering_retries");
    /* not served yet: absent, not zero */
    assert_false(c->has_delivery_failures);
    assert_false(c->has_indicators);
    kc_cli_clients_free(&cl);
}

static void test_parse_indicators(void **state)
{
    (void)state;
    kc_cli_clients_t cl;
    char err[256];
    assert_int_equal(kc_cli_clients_parse(with_indicators, &cl, err, sizeof(err)), 0);
    assert_int_equal(cl.n, 1);
    const kc_cli_client_t *c = &cl.v[0];
    assert_true(c->has_delivery_failures);
    assert_int_equal(c->delivery_failures, 4);
    assert_true(c->has_indicators);
    assert_true(c->ind_interval_s == 10);
    const kc_cli_trend_t *l = &c->ind[KC_CLI_IND_LATENCY_P99];
    assert_true(l->present && l->now == 120 && l->slope_per_s == 2 && l->threshold == 200);
    assert_true(l->has_runway && l->runway_s == 40);
    assert_false(c->ind[KC_CLI_IND_ERRORS].has_runway); /* null: flat */
    assert_true(c->ind[KC_CLI_IND_RETRIES].has_runway && c->ind[KC_CLI_IND_RETRIES].runway_s == 0);
    assert_true(c->ind[KC_CLI_IND_THROTTLE].slope_per_s == -0.5);
    /* missing blocks read as zero */
    assert_int_equal(c->records, 0);
    assert_int_equal(c->nrisks, 0);
    kc_cli_clients_free(&cl);
}

static void test_parse_errors(void **state)
{
    (void)state;
    kc_cli_clients_t cl;
    char err[256];
    assert_int_equal(kc_cli_clients_parse("<html>", &cl, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "not JSON"));
    assert_int_equal(kc_cli_clients_parse("{\"loops\":1}", &cl, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "clients"));
    /* no clients yet: parsed, empty */
    assert_int_equal(kc_cli_clients_parse("{\"clients\":[]}", &cl, err, sizeof(err)), 0);
    assert_int_equal(cl.n, 0);
    kc_cli_clients_free(&cl);
    /* a wrongly typed field reads as zero, the rest still parses */
    assert_int_equal(kc_cli_clients_parse("{\"clients\":[{\"client_id\":\"x\",\"records\":\"7\","
                                          "\"rates\":{\"records_per_s\":3}}]}",
                                          &cl, err, sizeof(err)),
                     0);
    assert_int_equal(cl.v[0].records, 0);
    assert_true(cl.v[0].records_per_s == 3);
    kc_cli_clients_free(&cl);
}

static void test_runway(void **state)
{
    (void)state;
    assert_true(kc_cli_runway(120, 2, 200) == 40);       /* rising */
    assert_true(kc_cli_runway(120, 0, 200) == -1);       /* flat */
    assert_true(kc_cli_runway(120, -1, 200) == -1);      /* improving */
    assert_true(kc_cli_runway(250, -1, 200) == 0);       /* over, whatever the slope */
    assert_true(kc_cli_runway(200, 0, 200) == 0);        /* at */
    assert_true(kc_cli_runway(0, 0, 0) == -1);           /* "any throttle": none yet */
    assert_true(kc_cli_runway(0, 0.5, 0) == 0);          /* rising from zero at zero: now */
    assert_true(kc_cli_runway(0.1, 0, 0) == 0);          /* any throttle: over */
    assert_true(fabs(kc_cli_runway(1, 3, 10) - 3) < 1e-9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_today),
        cmocka_unit_test(test_parse_indicators),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_runway),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
