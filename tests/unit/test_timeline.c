/* proxy/record/timeline.c: a synthetic recording as the timeline JSON (lanes summed over brokers,
 * percentiles of merged histograms, throttle means), its bounds (a range, and windows merged into
 * at most KC_TL_MAX_COLUMNS columns), and the rule bands: the recording's own export and running
 * scenarios placed on its windows (before or after its start, periodic, cut at max_duration and
 * at KC_TL_MAX_BANDS). */
#include <stdlib.h>
#include <string.h>

#include "record/export.h"
#include "record/recorder.h"
#include "record/timeline.h"

#include "kc_test.h"

#define S 1000000000ll
#define MSEC 1000000ull

/* orders[3]: 10 results a window on broker 1 in windows 0-4, NOT_LEADER_OR_FOLLOWER on 4 of them
 * in windows 2 and 3, and broker 2 answering 2 more (both errors) in window 3; broker 1's latency
 * 1 ms but 100 ms in window 3; client c"1 throttled twice (500 ms) in window 1; orders[3]
 * leaderless in window 4; broker 2 reset one connection in window 2; orders[3]'s leader moved
 * from 1 to 2 in window 3, and to 1 (from a leader not known) in window 4. */
static void incident(kc_record_data_t *d)
{
    memset(d, 0, sizeof(*d));
    for (uint32_t w = 0; w < 5; w++) {
        kc_record_data_add(d, w, KC_REC_PRODUCE, 1, 3, "orders", 0, 10, 0);
        for (int i = 0; i < 10; i++)
            kc_record_data_latency(d, w, 1, w == 3 ? 100 * MSEC : 1 * MSEC);
    }
    kc_record_data_add(d, 2, KC_REC_PRODUCE, 1, 3, "orders", 6, 4, 0);
    kc_record_data_add(d, 3, KC_REC_PRODUCE, 1, 3, "orders", 6, 4, 0);
    kc_record_data_add(d, 3, KC_REC_PRODUCE, 2, 3, "orders", 0, 2, 0);
    kc_record_data_add(d, 3, KC_REC_PRODUCE, 2, 3, "orders", 6, 2, 0);
    kc_record_data_add(d, 1, KC_REC_THROTTLE, -1, -1, "c\"1", 0, 2, 500);
    kc_record_data_add(d, 4, KC_REC_LEADERLESS, -1, 3, "orders", 0, 1, 0);
    kc_record_data_add(d, 2, KC_REC_CONNECT, 2, -1, "", KC_REC_CONN_RESET, 1, 0);
    kc_record_data_add(d, 3, KC_REC_LEADER, 2, 3, "orders", 1, 1, 0); /* 1 -> 2 */
    kc_record_data_add(d, 4, KC_REC_LEADER, 1, 3, "orders", -1, 1, 0); /* ? -> 1 */
    d->nwindows = 5;
    kc_record_data_seal(d);
}

static char *timeline(const kc_record_data_t *d, uint32_t from, uint32_t to,
                      const kc_tl_bands_t *running)
{
    size_t len = 0;
    char *json = kc_record_timeline_json(d, from, to, running, "{\"state\":\"done\"}\n", &len);
    assert_non_null(json);
    assert_int_equal(strlen(json), len);
    return json;
}

#define HAS(json, s)                                                                               \
    do {                                                                                           \
        if (!strstr(json, s)) fail_msg("%s\nholds no\n%s", json, s);                               \
    } while (0)

static void test_lanes(void **state)
{
    (void)state;
    kc_record_data_t d;
    incident(&d);
    char *j = timeline(&d, 0, 0, NULL);
    HAS(j, "\"windows\":5,\"from\":0,\"to\":5,\"step\":1,\"columns\":5,");
    HAS(j, "\"recording\":{\"state\":\"done\"},\"partitions\":[");
    /* Summed over the brokers that answered for the partition. */
    HAS(j, "{\"topic\":\"orders\",\"partition\":3,\"results\":[[0,10],[1,10],[2,10],[3,12],[4,10]],"
           "\"errors\":[{\"code\":6,\"name\":\"NOT_LEADER_OR_FOLLOWER\",\"cells\":[[2,4],[3,6]]}],"
           "\"leaderless\":[[4,1]],\"leaders\":[[3,1,2],[4,-1,1]]}");
    /* Broker 1's window 3: the percentiles of its own histogram. */
    kc_hist_t h = {0};
    for (int i = 0; i < 10; i++)
        kc_hist_add(&h, 100 * MSEC);
    char want[160];
    snprintf(want, sizeof(want), "[3,10,%.3f,%.3f,100.000]", kc_hist_quantile(&h, 0.5) / 1e6,
             kc_hist_quantile(&h, 0.99) / 1e6);
    HAS(j, "{\"node\":1,\"latency\":[[0,10,");
    HAS(j, want);
    HAS(j, "{\"node\":2,\"latency\":[],\"connect_failed\":[],\"resets\":[[2,1]]}");
    HAS(j, "\"clients\":[{\"client_id\":\"c\\\"1\",\"throttle\":[[1,2,250.0]]}]");
    /* The export's rules as bands, with where they came from. */
    HAS(j, "{\"source\":\"recording\",\"scenario\":\"recorded\",\"rule\":\"error-");
    HAS(j, "\"action\":\"error\",\"what\":\"error NOT_LEADER_OR_FOLLOWER topic orders [3]\","
           "\"comment\":\"windows 2-3: broker 1 (and any other leader) answered "
           "NOT_LEADER_OR_FOLLOWER to 10 of 22 partition results of orders[3]\","
           "\"dry_run\":false,\"from\":2,\"to\":4}");
    HAS(j, "\"action\":\"leader\"");
    HAS(j, "\"action\":\"throttle\",\"what\":\"throttle 250 ms enforced client c\\\"1\"");
    HAS(j, "\"bands_cut\":false,\"dropped\":{\"series\":0,\"cells\":0,\"histograms\":0}}\n");
    free(j);

    /* A range: windows [3, 4) only, and bands that overlap it. */
    j = timeline(&d, 3, 4, NULL);
    HAS(j, "\"windows\":5,\"from\":3,\"to\":4,\"step\":1,\"columns\":1,");
    HAS(j, "\"results\":[[3,12]],\"errors\":[{\"code\":6,\"name\":\"NOT_LEADER_OR_FOLLOWER\","
           "\"cells\":[[3,6]]}],\"leaderless\":[]");
    HAS(j, "\"clients\":[],");                       /* its only throttle was in window 1 */
    assert_null(strstr(j, "\"action\":\"leader\"")); /* window 4 only */
    HAS(j, "\"from\":2,\"to\":4}");
    free(j);
    kc_record_data_free(&d);
}

/* Six hours of windows come back in at most KC_TL_MAX_COLUMNS columns, counts summed. */
static void test_columns_bounded(void **state)
{
    (void)state;
    kc_record_data_t d = {0};
    for (uint32_t w = 0; w < KC_REC_MAX_WINDOWS; w++) {
        kc_record_data_add(&d, w, KC_REC_PRODUCE, 1, 0, "t", 0, 2, 0);
        if (w % 1000 == 999) kc_record_data_add(&d, w, KC_REC_PRODUCE, 1, 0, "t", 6, 1, 0);
        if (w == 37 || w == 38) /* two moves in one column: both listed, at the column's start */
            kc_record_data_add(&d, w, KC_REC_LEADER, (int32_t)w % 3, 0, "t", 0, 1, 0);
        kc_record_data_latency(&d, w, 1, (w + 1) * 1000);
    }
    d.nwindows = KC_REC_MAX_WINDOWS;
    kc_record_data_seal(&d);
    char *j = timeline(&d, 0, 0, NULL);
    HAS(j, "\"windows\":21600,\"from\":0,\"to\":21600,\"step\":36,\"columns\":600,");
    HAS(j, "\"results\":[[0,72],[36,72],");
    HAS(j, "[21564,72]],\"errors\":[{\"code\":6,\"name\":\"NOT_LEADER_OR_FOLLOWER\","
           "\"cells\":[[972,1],[1980,1],");
    HAS(j, "{\"node\":1,\"latency\":[[0,36,");
    HAS(j, "\"leaders\":[[36,0,1],[36,0,2]]");
    /* One entry a column at most: 600 results, 600 latency points, 21 error windows. */
    size_t entries = 0;
    for (const char *p = strstr(j, "\"partitions\""); (p = strstr(p, "],[")); p++)
        entries++;
    assert_true(entries <= 2 * KC_TL_MAX_COLUMNS + 21);
    assert_true(strlen(j) < 64 * 1024);
    free(j);
    /* A range of 1,200 windows: step 2. */
    j = timeline(&d, 600, 1800, NULL);
    HAS(j, "\"from\":600,\"to\":1800,\"step\":2,\"columns\":600,");
    HAS(j, "\"results\":[[600,4],[602,4],");
    free(j);
    kc_record_data_free(&d);
}

static kc_scenario_t *scenario(const char *yaml)
{
    kc_scenario_diags_t diags = {0};
    kc_scenario_t *sc = kc_scenario_parse("<test>", yaml, strlen(yaml), &diags);
    if (!sc) fail_msg("%s", diags.n ? diags.v[0] : "?");
    kc_scenario_diags_free(&diags);
    return sc;
}

static void test_scenario_bands(void **state)
{
    (void)state;
    kc_scenario_t *sc = scenario("name: s1\nmax_duration: 20s\nrules:\n"
                                 "  - name: slow\n    match: {topic: orders, partitions: [3]}\n"
                                 "    at: 2s\n    for: 3s\n    latency: {ms: 50}\n"
                                 "  - name: blips\n    at: 1s\n    for: 1s\n    period: 4s\n"
                                 "    error: NOT_LEADER_OR_FOLLOWER\n"
                                 "  - name: forever\n    at: 15s\n"
                                 "    throttle: {ms: 100}\n");
    kc_tl_bands_t b = {0};
    /* Started 1.5 s before the recording, which is 30 windows long. */
    kc_tl_bands_add(&b, sc, NULL, -3 * S / 2, 30, false);
    assert_false(b.oom || b.cut);
    /* slow: 0.5 s to 3.5 s into the recording: windows 0-3. */
    assert_string_equal(b.v[0].rule, "slow");
    assert_string_equal(b.v[0].what, "latency 50 ms topic orders [3]");
    assert_int_equal(b.v[0].from, 0);
    assert_int_equal(b.v[0].to, 4);
    /* blips: -0.5 to 0.5 s, 3.5 to 4.5, ... while the scenario lasts (18.5 s in). */
    int blips = 0;
    for (int i = 0; i < b.n; i++)
        if (!strcmp(b.v[i].rule, "blips")) {
            assert_int_equal(b.v[i].from, blips ? 4 * blips - 1 : 0);
            assert_int_equal(b.v[i].to, 4 * blips + 1);
            blips++;
        }
    assert_int_equal(blips, 5); /* the sixth cycle, 19.5 s, is past max_duration */
    /* forever: from 13.5 s in to the scenario's end, 18.5 s. */
    assert_string_equal(b.v[b.n - 1].rule, "forever");
    assert_int_equal(b.v[b.n - 1].from, 13);
    assert_int_equal(b.v[b.n - 1].to, 19);
    assert_int_equal(b.n, 7);
    /* In the JSON, beside the recording's own. */
    kc_record_data_t d;
    incident(&d);
    char *j = timeline(&d, 0, 0, &b);
    HAS(j, "{\"source\":\"scenario\",\"scenario\":\"s1\",\"rule\":\"slow\",\"action\":\"latency\","
           "\"what\":\"latency 50 ms topic orders [3]\",\"comment\":null,\"dry_run\":false,"
           "\"from\":0,\"to\":4}");
    assert_null(strstr(j, "\"rule\":\"forever\"")); /* after this 5-window recording */
    free(j);
    kc_record_data_free(&d);
    kc_tl_bands_free(&b);

    /* Started after the recording ended: nothing. */
    kc_tl_bands_add(&b, sc, NULL, 40 * S, 30, false);
    assert_int_equal(b.n, 0);
    kc_scenario_free(sc);

    /* A rule open every 2 ms for 1 ms over an hour: cut at KC_TL_MAX_BANDS. */
    sc = scenario("name: s2\nrules:\n  - name: flicker\n    at: 0s\n    for: 1ms\n"
                  "    period: 2ms\n    latency: {ms: 1}\n");
    kc_tl_bands_add(&b, sc, NULL, 0, 3600, false);
    assert_true(b.cut);
    assert_int_equal(b.n, KC_TL_MAX_BANDS);
    kc_tl_bands_free(&b);
    kc_scenario_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lanes),
        cmocka_unit_test(test_columns_bounded),
        cmocka_unit_test(test_scenario_bands),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
