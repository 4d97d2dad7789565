/* proxy/metrics/trend.c: slopes and runways on synthetic snapshot series (flat, rising,
 * falling, noisy, wrapping the ring), snapshots from cumulative figures, merging loops; and the
 * give-up verdicts of proxy/metrics/batches.c that feed delivery_failures. */
#include "metrics/batches.h"
#include "metrics/trend.h"

#include <math.h>

#include "kc_test.h"

#define S 1000000000ull
#define T0 (1000 * S) /* an arbitrary clock: the fit must not depend on it */

/* Slots every 10 s, indicator `ind` following f(k), every slot answered. */
static void series(kc_trend_t *tr, int n, int ind, double (*f)(int))
{
    kc_trend_init(tr, T0);
    for (int k = 0; k < n; k++) {
        float v[KC_INDS] = {0};
        v[ind] = (float)f(k);
        kc_trend_push(tr, T0 + (uint64_t)(k + 1) * 10 * S, v, 100);
    }
}

static double flat(int k) { (void)k; return 50; }
static double rising(int k) { return 20 + 1.5 * k; }       /* 0.15 per s */
static double falling(int k) { return 180 - 2.0 * k; }     /* -0.2 per s */
static double noisy(int k) { return 10 + 0.5 * k + ((k % 2) ? 3 : -3) * (k % 3 == 0 ? 1 : 0.5); }
static double over(int k) { return 250 + k; }

static void test_flat(void **state)
{
    (void)state;
    kc_trend_t tr;
    series(&tr, 20, KC_IND_LATENCY_P99, flat);
    kc_indicator_t ind;
    kc_trend_indicator(&tr, KC_IND_LATENCY_P99, 200, &ind);
    assert_float_equal(ind.now, 50, 1e-9);
    assert_float_equal(ind.slope_per_s, 0, 1e-9);
    assert_false(ind.has_runway); /* flat: never arrives */
    assert_int_equal(ind.points, 20);
}

static void test_rising(void **state)
{
    (void)state;
    kc_trend_t tr;
    series(&tr, 30, KC_IND_LATENCY_P99, rising);
    kc_indicator_t ind;
    kc_trend_indicator(&tr, KC_IND_LATENCY_P99, 200, &ind);
    assert_float_equal(ind.now, 20 + 1.5 * 29, 1e-4);
    assert_float_equal(ind.slope_per_s, 0.15, 1e-6);
    assert_true(ind.has_runway);
    assert_float_equal(ind.runway_s, (200 - 63.5) / 0.15, 1e-2); /* 910 s */
}

static void test_falling(void **state)
{
    (void)state;
    kc_trend_t tr;
    series(&tr, 10, KC_IND_THROTTLE, falling);
    kc_indicator_t ind;
    kc_trend_indicator(&tr, KC_IND_THROTTLE, 100, &ind);
    assert_float_equal(ind.slope_per_s, -0.2, 1e-6);
    assert_float_equal(ind.now, 162, 1e-4);
    assert_true(ind.has_runway); /* already over its threshold: 0, whatever the slope */
    assert_float_equal(ind.runway_s, 0, 0);
    kc_trend_indicator(&tr, KC_IND_THROTTLE, 500, &ind);
    assert_false(ind.has_runway); /* improving: none */
}

static void test_noisy(void **state)
{
    (void)state;
    kc_trend_t tr;
    series(&tr, 60, KC_IND_RETRIES, noisy);
    /* The fit by hand, in double, over the same points. */
    double st = 0, sv = 0, stt = 0, stv = 0;
    for (int k = 0; k < 60; k++)
        st += 10.0 * k, sv += (float)noisy(k);
    double mt = st / 60, mv = sv / 60;
    for (int k = 0; k < 60; k++)
        stt += (10.0 * k - mt) * (10.0 * k - mt), stv += (10.0 * k - mt) * ((float)noisy(k) - mv);
    kc_indicator_t ind;
    kc_trend_indicator(&tr, KC_IND_RETRIES, 1000, &ind);
    assert_float_equal(ind.slope_per_s, stv / stt, 1e-9);
    assert_float_equal(ind.slope_per_s, 0.05, 0.005); /* the underlying trend shows through */
    assert_float_equal(ind.runway_s, (1000 - (float)noisy(59)) / ind.slope_per_s, 1e-6);
}

static void test_few_samples_and_over(void **state)
{
    (void)state;
    kc_trend_t tr;
    kc_indicator_t ind;
    series(&tr, 2, KC_IND_ERRORS, rising);
    kc_trend_indicator(&tr, KC_IND_ERRORS, 100, &ind);
    assert_true(ind.slope_per_s > 0);
    assert_false(ind.has_runway); /* two samples: no runway yet */
    series(&tr, 2, KC_IND_ERRORS, over);
    kc_trend_indicator(&tr, KC_IND_ERRORS, 100, &ind);
    assert_true(ind.has_runway); /* at or over: 0 at once */
    assert_float_equal(ind.runway_s, 0, 0);
    kc_trend_init(&tr, T0);
    kc_trend_indicator(&tr, KC_IND_ERRORS, 1, &ind);
    assert_float_equal(ind.now, 0, 0);
    assert_false(ind.has_runway);
}

static void test_ring_wraps(void **state)
{
    (void)state;
    /* 100 slots into 60: only the last 60 count, the slope is unchanged, now is the last. */
    kc_trend_t tr;
    series(&tr, 100, KC_IND_LATENCY_P99, rising);
    assert_int_equal(tr.n, KC_TREND_SLOTS);
    kc_indicator_t ind;
    kc_trend_indicator(&tr, KC_IND_LATENCY_P99, 1000, &ind);
    assert_float_equal(ind.now, 20 + 1.5 * 99, 1e-4);
    assert_float_equal(ind.slope_per_s, 0.15, 1e-6);
    assert_int_equal(kc_trend_slot(&tr, KC_TREND_SLOTS - 1)->t_ns, T0 + 41 * 10 * S);
    assert_null(kc_trend_slot(&tr, KC_TREND_SLOTS));
}

static void test_unanswered_intervals_skip_latency(void **state)
{
    (void)state;
    /* Intervals with nothing answered have no p99: they neither pull the slope to 0 nor count. */
    kc_trend_t tr;
    kc_trend_init(&tr, T0);
    for (int k = 0; k < 6; k++) {
        float v[KC_INDS] = {(float)(100 + 10 * k), 0, 0, 0};
        kc_trend_push(&tr, T0 + (uint64_t)(k + 1) * 10 * S, v, k % 2 ? 0 : 5);
    }
    kc_indicator_t ind;
    kc_trend_indicator(&tr, KC_IND_LATENCY_P99, 200, &ind);
    assert_int_equal(ind.points, 3);
    assert_float_equal(ind.slope_per_s, 1.0, 1e-6);
    assert_float_equal(ind.now, 0, 0); /* the last interval answered nothing */
}

static void test_tick_from_cumulative(void **state)
{
    (void)state;
    kc_trend_t tr;
    kc_trend_init(&tr, T0);
    kc_hist_t lat = {0};
    kc_trend_in_t in = {&lat, 0, 0, 0, 0};
    for (int i = 0; i < 100; i++)
        kc_hist_add(&lat, 5 * 1000000); /* 100 requests at 5 ms */
    in.errors = 20, in.retries = 300, in.throttle_sum_ns = 100 * 40 * 1000000ull, in.throttle_n = 100;
    assert_int_equal(kc_trend_tick(&tr, T0 + 9 * S, &in), 0); /* not yet */
    assert_int_equal(kc_trend_tick(&tr, T0 + 10 * S, &in), 1);
    const kc_trend_slot_t *s = kc_trend_slot(&tr, 0);
    assert_float_equal(s->v[KC_IND_LATENCY_P99], 5, 0.02); /* interpolated in its bucket */
    assert_float_equal(s->v[KC_IND_ERRORS], 2, 1e-6);
    assert_float_equal(s->v[KC_IND_RETRIES], 30, 1e-6);
    assert_float_equal(s->v[KC_IND_THROTTLE], 40, 1e-4);
    /* The next interval sees only what came after: 100 requests at 250 ms, no throttle. */
    for (int i = 0; i < 100; i++)
        kc_hist_add(&lat, 250 * 1000000ull);
    in.throttle_n = 200;
    assert_int_equal(kc_trend_tick(&tr, T0 + 20 * S, &in), 1);
    s = kc_trend_slot(&tr, 0);
    assert_float_equal(s->v[KC_IND_LATENCY_P99], 250, 0.6);
    assert_float_equal(s->v[KC_IND_ERRORS], 0, 0);
    assert_float_equal(s->v[KC_IND_THROTTLE], 0, 0);
    assert_int_equal(s->responses, 100);
}

static void test_merge(void **state)
{
    (void)state;
    /* Two loops: rates add, p99 is the larger, throttle is weighted by responses; slots are
     * matched newest with newest, the longer ring keeps its older slots. */
    kc_trend_t a, b;
    kc_trend_init(&a, T0);
    kc_trend_init(&b, T0);
    for (int k = 0; k < 5; k++) {
        float va[KC_INDS] = {10, 1, 2, 30};
        kc_trend_push(&a, T0 + (uint64_t)(k + 1) * 10 * S, va, 30);
    }
    for (int k = 0; k < 3; k++) {
        float vb[KC_INDS] = {40, 0.5f, 1, 90};
        kc_trend_push(&b, T0 + (uint64_t)(k + 3) * 10 * S + S / 2, vb, 10);
    }
    kc_trend_merge(&a, &b);
    assert_int_equal(a.n, 5);
    const kc_trend_slot_t *s = kc_trend_slot(&a, 0);
    assert_float_equal(s->v[KC_IND_LATENCY_P99], 40, 0);
    assert_float_equal(s->v[KC_IND_ERRORS], 1.5, 1e-6);
    assert_float_equal(s->v[KC_IND_RETRIES], 3, 1e-6);
    assert_float_equal(s->v[KC_IND_THROTTLE], (30.0 * 30 + 90.0 * 10) / 40, 1e-4);
    assert_int_equal(s->responses, 40);
    s = kc_trend_slot(&a, 4);
    assert_float_equal(s->v[KC_IND_LATENCY_P99], 10, 0); /* a's alone */
    /* Into an empty view: a copy. */
    kc_trend_t v;
    kc_trend_init(&v, 0);
    kc_trend_merge(&v, &b);
    assert_int_equal(v.n, 3);
    assert_memory_equal(kc_trend_slot(&v, 0), kc_trend_slot(&b, 0), sizeof(kc_trend_slot_t));
}

static int given_up;
static void on_gave_up(void *ctx, const char *client_id, const char *host)
{
    (void)host;
    assert_string_equal(client_id, ctx);
    given_up++;
}

static void test_batches_given_up(void **state)
{
    (void)state;
    kc_batches_t b = {0};
    bool found;
    kc_bid_t *cured = kc_batches_get(&b, 11, &found);
    kc_bid_t *lost = kc_batches_get(&b, 22, &found);
    kc_batches_watch(&b, cured, 1 * S, "p", "h");
    kc_batches_watch(&b, lost, 2 * S, "p", "h");
    kc_batches_watch(&b, lost, 3 * S, "p", "h"); /* failing again: still one verdict */
    cured->ok_offset = 7;                         /* a retry succeeded */
    given_up = 0;
    kc_batches_given_up(&b, 100 * S, 120 * S, on_gave_up, "p");
    assert_int_equal(given_up, 0); /* not yet judged */
    kc_batches_given_up(&b, 122 * S, 120 * S, on_gave_up, "p");
    assert_int_equal(given_up, 1); /* only the one never cured */
    assert_int_equal(b.wn, 0);
    kc_batches_given_up(&b, 500 * S, 120 * S, on_gave_up, "p");
    assert_int_equal(given_up, 1);
    kc_batches_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flat),
        cmocka_unit_test(test_rising),
        cmocka_unit_test(test_falling),
        cmocka_unit_test(test_noisy),
        cmocka_unit_test(test_few_samples_and_over),
        cmocka_unit_test(test_ring_wraps),
        cmocka_unit_test(test_unanswered_intervals_skip_latency),
        cmocka_unit_test(test_tick_from_cumulative),
        cmocka_unit_test(test_merge),
        cmocka_unit_test(test_batches_given_up),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
