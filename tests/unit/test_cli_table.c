/* proxy/cli/table.c: kchaos top's rows fit 80 columns whatever the figures, long ids are cut,
 * risk flags abbreviated, arrows follow the indicators, and sorting and filtering pick the
 * right rows in the right order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cli/table.h"

/* Display columns of a UTF-8 string (one per code point: the table uses no wide glyph). */
static int width(const char *s)
{
    int w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xc0) != 0x80;
    return w;
}

static kc_cli_client_t client(const char *id, double rps, double p99)
{
    kc_cli_client_t c;
    memset(&c, 0, sizeof(c));
    snprintf(c.client_id, sizeof(c.client_id), "%s", id);
    strcpy(c.host, "127.0.0.1");
    c.records_per_s = rps;
    c.bytes_per_s = rps * 100;
    c.lat_p50 = p99 / 4;
    c.lat_p99 = p99;
    return c;
}

static void test_header_and_row(void **state)
{
    (void)state;
    char h[KC_ROW_MAX], r[KC_ROW_MAX];
    kc_table_header(h, sizeof(h));
    assert_true(width(h) <= KC_ROW_WIDTH);
    assert_int_equal(strncmp(h, "CLIENT", 6), 0);
    kc_cli_client_t c = client("orders", 1234.5, 12.25);
    c.thr_mean = 3;
    strcpy(c.risks[0], "acks_1");
    strcpy(c.risks[1], "reordering_retries");
    c.nrisks = 2;
    kc_table_row(&c, false, r, sizeof(r));
    assert_true(width(r) <= KC_ROW_WIDTH);
    assert_int_equal(strncmp(r, "orders ", 7), 0);
    assert_non_null(strstr(r, " 127.0.0.1 "));
    assert_non_null(strstr(r, " 1234.5 "));
    assert_non_null(strstr(r, " 12.25 "));
    assert_non_null(strstr(r, "A1,RR"));
    /* each figure sits under its title: the right edge of REC/S */
    const char *t = strstr(h, "REC/S"), *v = strstr(r, "1234.5");
    assert_int_equal((t - h) + 5, (v - r) + 6);
}

static void test_fits_whatever_the_figures(void **state)
{
    (void)state;
    char r[KC_ROW_MAX];
    kc_cli_client_t c = client("a-very-long-client-id-that-goes-on-and-on", 123456789.0, 99999.9);
    strcpy(c.host, "fe80::1234:5678:9abc:def0");
    c.errors_per_s = 1e9;
    c.retries_per_s = 12345.678;
    c.thr_mean = 100000;
    for (int i = 0; i < 7; i++)
        strcpy(c.risks[i], "known_bug");
    c.nrisks = 7;
    kc_table_row(&c, true, r, sizeof(r));
    assert_true(width(r) <= KC_ROW_WIDTH);
    assert_int_equal(strncmp(r, "a-very-long-~ ", 14), 0); /* cut, marked */
    assert_non_null(strstr(r, "fe80::12~"));
}

static void test_arrows(void **state)
{
    (void)state;
    char r[KC_ROW_MAX];
    kc_cli_client_t c = client("x", 10, 150);
    kc_table_row(&c, true, r, sizeof(r));
    assert_null(strstr(r, "\xe2\x86\x91")); /* no indicators: no arrow */
    c.has_indicators = true;
    c.ind[KC_CLI_IND_LATENCY_P99] = (kc_cli_trend_t){true, 150, 1.5, 200, true, 33};
    c.ind[KC_CLI_IND_RETRIES] = (kc_cli_trend_t){true, 5, -0.5, 10, false, -1};
    c.ind[KC_CLI_IND_ERRORS] = (kc_cli_trend_t){true, 0, 0, 1, false, -1};
    kc_table_row(&c, true, r, sizeof(r));
    assert_non_null(strstr(r, "150.0\xe2\x86\x91"));
    assert_non_null(strstr(r, "\xe2\x86\x93")); /* retries falling */
    assert_true(width(r) <= KC_ROW_WIDTH);
    kc_table_row(&c, false, r, sizeof(r));
    assert_non_null(strstr(r, "150.0^"));
}

static void test_sort_and_filter(void **state)
{
    (void)state;
    kc_cli_client_t v[4] = {client("b-slow", 10, 300), client("a-fast", 900, 2),
                            client("c-mid", 400, 40), client("a-other", 50, 5)};
    strcpy(v[2].risks[0], "acks_1");
    v[2].nrisks = 1;
    kc_cli_clients_t cl = {4, v};
    size_t idx[4];
    assert_int_equal(kc_table_select(&cl, NULL, KC_COL_RECORDS, idx), 4);
    assert_true(idx[0] == 1 && idx[1] == 2 && idx[2] == 3 && idx[3] == 0); /* highest first */
    kc_table_select(&cl, "", KC_COL_P99, idx);
    assert_true(idx[0] == 0 && idx[1] == 2);
    kc_table_select(&cl, NULL, KC_COL_CLIENT, idx);
    assert_true(idx[0] == 1 && idx[1] == 3 && idx[2] == 0 && idx[3] == 2); /* by name */
    kc_table_select(&cl, NULL, KC_COL_RISK, idx);
    assert_int_equal(idx[0], 2);
    assert_int_equal(kc_table_select(&cl, "a-*", KC_COL_RECORDS, idx), 2);
    assert_true(idx[0] == 1 && idx[1] == 3);
    assert_int_equal(kc_table_select(&cl, "nomatch", KC_COL_RECORDS, idx), 0);
}

static void test_columns_by_name_and_key(void **state)
{
    (void)state;
    assert_int_equal(kc_col_by_name("p99"), KC_COL_P99);
    assert_int_equal(kc_col_by_name("records"), KC_COL_RECORDS);
    assert_int_equal(kc_col_by_name("l"), KC_COL_P99);
    assert_int_equal(kc_col_by_name("nope"), -1);
    assert_int_equal(kc_col_by_key('t'), KC_COL_THROTTLE);
    assert_int_equal(kc_col_by_key('z'), -1);
    assert_string_equal(kc_risk_abbrev("acks_0"), "A0");
    assert_string_equal(kc_risk_abbrev("a_flag_from_the_future"), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_and_row),  cmocka_unit_test(test_fits_whatever_the_figures),
        cmocka_unit_test(test_arrows),          cmocka_unit_test(test_sort_and_filter),
        cmocka_unit_test(test_columns_by_name_and_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
