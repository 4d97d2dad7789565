/* proxy/metrics/hist.c: buckets, quantiles, merging. */
#include "metrics/hist.h"

#include "kc_test.h"

static void test_bounds_are_edges(void **state)
{
    (void)state;
    /* Ascending, and every threshold people name is an edge (exact counts at it). */
    for (int i = 1; i < KC_HIST_BOUNDS; i++)
        assert_true(kc_hist_bound_ns[i] > kc_hist_bound_ns[i - 1]);
    const uint64_t named_ms[] = {1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000};
    for (size_t k = 0; k < sizeof(named_ms) / sizeof(named_ms[0]); k++) {
        int found = 0;
        for (int i = 0; i < KC_HIST_BOUNDS; i++)
            found |= kc_hist_bound_ns[i] == named_ms[k] * 1000000;
        assert_true(found);
    }
}

static void test_add_and_cumulative(void **state)
{
    (void)state;
    kc_hist_t h = {0};
    kc_hist_add(&h, 0);          /* an unthrottled response: the first bucket */
    kc_hist_add(&h, 10000);      /* exactly on the first bound: that bucket */
    kc_hist_add(&h, 10001);      /* just above: the next */
    kc_hist_add(&h, 50000000);   /* 50 ms exactly */
    kc_hist_add(&h, 500000000000ull); /* beyond the last bound */
    assert_int_equal(h.count, 5);
    assert_int_equal(h.bucket[0], 2);
    assert_int_equal(h.bucket[1], 1);
    assert_int_equal(h.bucket[KC_HIST_BOUNDS], 1);
    int at50 = -1;
    for (int i = 0; i < KC_HIST_BOUNDS; i++)
        if (kc_hist_bound_ns[i] == 50000000)
            at50 = i;
    assert_int_equal(kc_hist_cumulative(&h, at50), 4);
    assert_int_equal(h.max_ns, 500000000000ull);
    assert_int_equal(h.sum_ns, 10000 + 10001 + 50000000 + 500000000000ull);
}

static void test_quantiles(void **state)
{
    (void)state;
    kc_hist_t h = {0};
    for (int i = 1; i <= 1000; i++)
        kc_hist_add(&h, (uint64_t)i * 1000000); /* 1..1000 ms, uniform */
    /* Within the resolution of the buckets (at most 50% wide, interpolated inside). */
    double p50 = (double)kc_hist_quantile(&h, 0.50) / 1e6;
    double p99 = (double)kc_hist_quantile(&h, 0.99) / 1e6;
    assert_true(p50 > 450 && p50 < 550);
    assert_true(p99 > 960 && p99 <= 1000);
    assert_int_equal(kc_hist_quantile(&h, 1.0), 1000000000);
    kc_hist_t empty = {0};
    assert_int_equal(kc_hist_quantile(&empty, 0.5), 0);
}

static void test_merge(void **state)
{
    (void)state;
    kc_hist_t a = {0}, b = {0};
    kc_hist_add(&a, 1000000);
    kc_hist_add(&b, 3000000);
    kc_hist_add(&b, 7000000);
    kc_hist_merge(&a, &b);
    assert_int_equal(a.count, 3);
    assert_int_equal(a.sum_ns, 11000000);
    assert_int_equal(a.max_ns, 7000000);
    assert_int_equal(kc_hist_cumulative(&a, KC_HIST_BOUNDS), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bounds_are_edges),
        cmocka_unit_test(test_add_and_cumulative),
        cmocka_unit_test(test_quantiles),
        cmocka_unit_test(test_merge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
