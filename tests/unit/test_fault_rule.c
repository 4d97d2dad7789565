/* proxy/fault/rule.c: windows (at, for, period, max_duration), matchers, triggers (skip, every,
 * max, seeded probability: the same seed gives the same decisions, across threads too) and the
 * latency draws of each distribution. */
#include "fault/rule.h"

#include <math.h>
#include <pthread.h>
#include <string.h>

#include "kc_test.h"
#include "scenario_fx.h"

#define MS 1000000ull
#define S 1000000000ull
#define T0 (500 * S)

static kc_scenario_t *parse(const char *yaml)
{
    kc_scenario_t *sc = scenario_ok(yaml);
    sc->started_ns = T0;
    return sc;
}

static void test_windows(void **state)
{
    (void)state;
    kc_scenario_t *sc = parse("name: w\nmax_duration: 60s\nrules:\n"
                              "  - {at: 5s, for: 3s, drop: true}\n"
                              "  - {at: 10s, for: 2s, period: 10s, drop: true}\n"
                              "  - {drop: true}\n");
    uint64_t closes;
    kc_fault_rule_t *r0 = &sc->rules[0], *r1 = &sc->rules[1], *r2 = &sc->rules[2];
    assert_false(kc_fault_window_open(sc, r0, T0 + 4999 * MS, &closes));
    assert_true(kc_fault_window_open(sc, r0, T0 + 5 * S, &closes));
    assert_int_equal(closes, T0 + 8 * S);
    assert_true(kc_fault_window_open(sc, r0, T0 + 7999 * MS, NULL));
    assert_false(kc_fault_window_open(sc, r0, T0 + 8 * S, NULL));
    /* Periodic: open [10, 12), [20, 22), ... */
    assert_false(kc_fault_window_open(sc, r1, T0 + 9 * S, NULL));
    assert_true(kc_fault_window_open(sc, r1, T0 + 21 * S, &closes));
    assert_int_equal(closes, T0 + 22 * S);
    assert_false(kc_fault_window_open(sc, r1, T0 + 25 * S, NULL));
    assert_true(kc_fault_window_open(sc, r1, T0 + 50500 * MS, NULL));
    /* No window of its own: until the scenario's max_duration. */
    assert_true(kc_fault_window_open(sc, r2, T0 + 59 * S, &closes));
    assert_int_equal(closes, T0 + 60 * S);
    assert_false(kc_fault_window_open(sc, r2, T0 + 60 * S, NULL));
    assert_false(kc_fault_window_open(sc, r1, T0 + 60500 * MS, NULL));
    assert_true(kc_fault_scenario_over(sc, T0 + 60 * S));
    assert_false(kc_fault_window_open(sc, r2, T0 - 1, NULL)); /* before it started */
    kc_scenario_free(sc);
}

static void test_matchers(void **state)
{
    (void)state;
    kc_scenario_t *sc = parse(
        "name: m\nrules:\n"
        "  - match: {api: produce, versions: 3-9, client_id: 'orders-*', client_host: '10.0.*',\n"
        "            client_software: 'librdkafka/*', principal: 'svc-*', topic: 'ord*',\n"
        "            partitions: [0, 2],\n"
        "            brokers: [2], acks: all, idempotent: true}\n"
        "    error: NOT_LEADER_OR_FOLLOWER\n");
    const kc_fault_match_t *m = &sc->rules[0].match;
    kc_fault_conn_t c = {"orders-svc", "10.0.3.4", "librdkafka/2.3.0", "svc-orders", 2};
    assert_true(kc_fault_match_conn(m, &c));
    kc_fault_conn_t other[] = {{"audit", "10.0.3.4", "librdkafka/2.3.0", "svc-orders", 2},
                               {"orders-svc", "10.1.3.4", "librdkafka/2.3.0", "svc-orders", 2},
                               {"orders-svc", "10.0.3.4", "apache-kafka-java/4.4.0", "svc-orders", 2},
                               {"orders-svc", "10.0.3.4", "librdkafka/2.3.0", "alice", 2},
                               {"orders-svc", "10.0.3.4", "librdkafka/2.3.0", "", 2},
                               {"orders-svc", "10.0.3.4", "librdkafka/2.3.0", "svc-orders", 1},
                               {"orders-svc", "10.0.3.4", "librdkafka/2.3.0", "svc-orders", -1}};
    for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++)
        assert_false(kc_fault_match_conn(m, &other[i]));
    kc_fault_part_t parts[] = {{"audit", NULL, 0}, {"orders", NULL, 1}, {"orders", NULL, 2}};
    kc_fault_req_t q = {.api_key = 0, .api_version = 9, .acks = -1, .idempotent = 1,
                        .transactional = 0, .parts = parts, .nparts = 3};
    assert_true(kc_fault_match_req(m, &q));
    assert_false(kc_fault_match_part(m, &parts[0]));
    assert_false(kc_fault_match_part(m, &parts[1]));
    assert_true(kc_fault_match_part(m, &parts[2]));
    kc_fault_req_t v10 = q, acks1 = q, plain = q, some = q, meta = q;
    v10.api_version = 10;
    acks1.acks = 1;
    plain.idempotent = 0;
    some.nparts = 2; /* audit-0, orders-1: no partition matches */
    meta.api_key = 3;
    assert_false(kc_fault_match_req(m, &v10));
    assert_false(kc_fault_match_req(m, &acks1));
    assert_false(kc_fault_match_req(m, &plain));
    assert_false(kc_fault_match_req(m, &some));
    assert_false(kc_fault_match_req(m, &meta));
    kc_scenario_free(sc);
}

static int fires(kc_scenario_t *sc, int rule, int n, char *pattern)
{
    int k = 0;
    for (int i = 0; i < n; i++) {
        uint64_t num;
        bool f = kc_fault_trigger(sc, &sc->rules[rule], rule, &num);
        assert_int_equal(num, (uint64_t)i + 1);
        if (pattern)
            pattern[i] = f ? 'x' : '.';
        k += f;
    }
    if (pattern)
        pattern[n] = 0;
    return k;
}

static void test_triggers(void **state)
{
    (void)state;
    kc_scenario_t *sc = parse("name: t\nseed: 42\nrules:\n"
                              "  - {skip: 2, every: 3, max: 3, drop: true}\n"
                              "  - {probability: 0.25, drop: true}\n");
    char p[64];
    assert_int_equal(fires(sc, 0, 16, p), 3);
    assert_string_equal(p, "..x..x..x.......");
    /* Seeded: the same seed gives the same pattern; the share is near p. */
    char a[2001], b[2001];
    int k = fires(sc, 1, 2000, a);
    assert_true(k > 420 && k < 580);
    kc_scenario_t *again = parse("name: t\nseed: 42\nrules:\n"
                                 "  - {skip: 2, every: 3, max: 3, drop: true}\n"
                                 "  - {probability: 0.25, drop: true}\n");
    fires(again, 1, 2000, b);
    assert_string_equal(a, b);
    kc_scenario_t *other = parse("name: t\nseed: 43\nrules:\n"
                                 "  - {skip: 2, every: 3, max: 3, drop: true}\n"
                                 "  - {probability: 0.25, drop: true}\n");
    fires(other, 1, 2000, b);
    assert_string_not_equal(a, b);
    kc_scenario_free(sc);
    kc_scenario_free(again);
    kc_scenario_free(other);
}

/* "At most N" and "every Nth" hold exactly when several loops count into one rule at once. */
typedef struct race {
    kc_scenario_t *sc;
    int fired;
} race_t;

static void *racer(void *arg)
{
    race_t *r = arg;
    for (int i = 0; i < 50000; i++) {
        uint64_t n;
        r->fired += kc_fault_trigger(r->sc, &r->sc->rules[0], 0, &n);
    }
    return NULL;
}

static void test_triggers_across_threads(void **state)
{
    (void)state;
    kc_scenario_t *sc = parse("name: r\nrules:\n  - {every: 7, max: 1000, drop: true}\n");
    pthread_t t[4];
    race_t r[4];
    for (int i = 0; i < 4; i++) {
        r[i] = (race_t){sc, 0};
        pthread_create(&t[i], NULL, racer, &r[i]);
    }
    int total = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        total += r[i].fired;
    }
    assert_int_equal(total, 1000);
    assert_int_equal(atomic_load(&sc->rules[0].matches), 200000);
    assert_int_equal(atomic_load(&sc->rules[0].injected), 1000);
    kc_scenario_t *every = parse("name: r\nrules:\n  - {every: 7, drop: true}\n");
    for (int i = 0; i < 4; i++) {
        r[i] = (race_t){every, 0};
        pthread_create(&t[i], NULL, racer, &r[i]);
    }
    total = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        total += r[i].fired;
    }
    assert_int_equal(total, (200000 + 6) / 7); /* the 1st, 8th, 15th ... match */
    kc_scenario_free(sc);
    kc_scenario_free(every);
}

static void test_latency_draws(void **state)
{
    (void)state;
    kc_scenario_t *sc = parse(
        "name: l\nseed: 9\nrules:\n"
        "  - latency: 100ms\n"
        "  - latency: {ms: 100, jitter_ms: 20}\n"
        "  - latency: {distribution: uniform, min_ms: 10, max_ms: 30}\n"
        "  - latency: {distribution: normal, ms: 50, stddev_ms: 10}\n"
        "  - latency: {distribution: exponential, ms: 40}\n");
    assert_int_equal(kc_fault_latency_ns(sc, &sc->rules[0], 0, 1), 100 * MS);
    double sum[5] = {0}, sq[5] = {0}, lo[5], hi[5];
    const int n = 20000;
    for (int r = 0; r < 5; r++) {
        lo[r] = 1e18, hi[r] = 0;
        for (int i = 1; i <= n; i++) {
            double ms = (double)kc_fault_latency_ns(sc, &sc->rules[r], r, (uint64_t)i) / 1e6;
            sum[r] += ms, sq[r] += ms * ms;
            lo[r] = ms < lo[r] ? ms : lo[r];
            hi[r] = ms > hi[r] ? ms : hi[r];
        }
    }
    assert_true(lo[1] >= 80 && hi[1] <= 120 && fabs(sum[1] / n - 100) < 1);
    assert_true(lo[2] >= 10 && hi[2] <= 30 && fabs(sum[2] / n - 20) < 0.5);
    double mean = sum[3] / n, sd = sqrt(sq[3] / n - mean * mean);
    assert_true(fabs(mean - 50) < 0.5 && fabs(sd - 10) < 0.5);
    assert_true(lo[4] >= 0 && fabs(sum[4] / n - 40) < 1.5);
    /* Seeded: the same match number, the same delay. */
    assert_int_equal(kc_fault_latency_ns(sc, &sc->rules[3], 3, 77),
                     kc_fault_latency_ns(sc, &sc->rules[3], 3, 77));
    kc_scenario_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_windows),
        cmocka_unit_test(test_matchers),
        cmocka_unit_test(test_triggers),
        cmocka_unit_test(test_triggers_across_threads),
        cmocka_unit_test(test_latency_draws),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
