/* proxy/record/: the recorder's windows and caps, a 6 h recording on a fake clock staying
 * within its memory bound (its own accounting and the heap's), the feed from a Produce response,
 * the export of a synthetic recording as a scenario, its round trip through kc_scenario_parse,
 * a mangled export refused with FILE:LINE, and leader moves fed from Metadata. */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "kafka/api.h"
#include "kafka/produce.h"
#include "kafka/wire.h"
#include "record/export.h"
#include "record/recorder.h"
#include "record/timeline.h"

#include "kc_test.h"

#define S 1000000000ull
#define MSEC 1000000ull

static void test_windows_and_stop(void **state)
{
    (void)state;
    kc_recorder_t *r = kc_recorder_new();
    kc_record_data_t d;
    assert_int_equal(kc_recorder_snapshot(r, 0, &d), -ENOENT); /* nothing yet */
    kc_record_conn(r, 5 * S, 1, KC_REC_CONN_FAILED);            /* not recording: ignored */
    kc_record_opts_t o = {.for_ns = 3 * S};
    uint64_t t0 = 100 * S;
    assert_int_equal(kc_recorder_start(r, &o, t0), 0);
    assert_int_equal(kc_recorder_start(r, &o, t0), -EBUSY);
    kc_record_conn(r, t0 + S / 2, 1, KC_REC_CONN_FAILED);
    kc_record_conn(r, t0 + S * 3 / 2, 1, KC_REC_CONN_FAILED);
    kc_record_conn(r, t0 + S * 3 / 2, 1, KC_REC_CONN_RESET);
    kc_record_conn(r, t0 + S * 3 / 2, -1, KC_REC_CONN_RESET); /* bootstrap: no broker to blame */
    assert_true(kc_recorder_on(r));
    kc_record_conn(r, t0 + S * 7 / 2, 1, KC_REC_CONN_FAILED); /* past `for`: stops itself */
    assert_false(kc_recorder_on(r));
    assert_int_equal(kc_recorder_stop(r, t0 + 4 * S), -ENOENT);
    assert_int_equal(kc_recorder_snapshot(r, t0 + 4 * S, &d), 0);
    assert_int_equal(d.nwindows, 3);
    assert_int_equal(d.nseries, 1);
    assert_int_equal(d.ncells, 3); /* failed in windows 0 and 1, reset in window 1 */
    assert_int_equal(d.cells[0].window, 0);
    assert_int_equal(d.cells[1].window, 1);
    assert_int_equal(d.cells[2].code, KC_REC_CONN_RESET);
    kc_record_data_free(&d);
    size_t len;
    char *json = kc_recorder_json(r, t0 + 4 * S, &len);
    assert_non_null(strstr(json, "\"state\":\"done\""));
    free(json);
    kc_recorder_free(r);
}

static void test_caps(void **state)
{
    (void)state;
    kc_record_data_t d = {0};
    char name[32];
    for (uint32_t i = 0; i < KC_REC_MAX_SERIES + 10; i++) {
        snprintf(name, sizeof(name), "client-%u", i);
        kc_record_data_add(&d, 0, KC_REC_THROTTLE, -1, -1, name, 0, 1, 10);
    }
    assert_int_equal(d.nseries, KC_REC_MAX_SERIES);
    assert_int_equal(d.dropped_series, 10);
    /* What is kept goes on counting. */
    assert_non_null(kc_record_data_add(&d, 0, KC_REC_THROTTLE, -1, -1, "client-0", 0, 1, 10));
    kc_record_data_free(&d);
    for (uint32_t w = 0; w < KC_REC_MAX_CELLS + 5; w++)
        kc_record_data_add(&d, w, KC_REC_CONNECT, 1, -1, "", 0, 1, 0);
    assert_int_equal(d.ncells, KC_REC_MAX_CELLS);
    assert_int_equal(d.dropped_cells, 5);
    assert_true(d.cells_cap <= KC_REC_MAX_CELLS);
    assert_true(kc_record_data_bytes(&d) <= KC_REC_MAX_BYTES);
    kc_record_data_free(&d);
    /* Client ids may be 32 KiB long: the names have a cap of their own. */
    size_t long_len = 30000;
    char *id = malloc(long_len + 1);
    memset(id, 'x', long_len);
    id[long_len] = 0;
    uint32_t fit = KC_REC_MAX_NAME_BYTES / (long_len + 1);
    for (uint32_t i = 0; i < fit + 3; i++) {
        snprintf(id, 16, "%015u", i);
        id[15] = 'x';
        kc_record_data_add(&d, 0, KC_REC_THROTTLE, -1, -1, id, 0, 1, 10);
    }
    assert_int_equal(d.nseries, fit);
    assert_int_equal(d.dropped_series, 3);
    assert_true(d.name_bytes <= KC_REC_MAX_NAME_BYTES);
    free(id);
    kc_record_data_free(&d);
}

/* Bytes the heap holds for the process, or 0 where it cannot be read. Under AddressSanitizer
 * its own allocator's count (mallinfo2 sees none of it), else glibc's: chunks in use in the
 * arenas plus the large ones it mmapped. */
#if defined(__SANITIZE_ADDRESS__)
#define KC_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KC_TEST_ASAN 1
#endif
#endif
#ifdef KC_TEST_ASAN
size_t __sanitizer_get_current_allocated_bytes(void); /* libasan's (gcc ships no header for it) */
static size_t heap_in_use(void)
{
    return __sanitizer_get_current_allocated_bytes();
}
#else
static size_t heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}
#endif

/* A ProduceResponse v9 from one broker: orders[0..2] answered, one of them with `code`,
 * throttled 100 ms. */
static kc_buf_t *produce_answer(kc_pool_t *pool, int16_t code, size_t *n)
{
    kc_produce_part_result_t parts[3];
    for (int p = 0; p < 3; p++)
        parts[p] = (kc_produce_part_result_t){.index = p, .error_code = p == code % 3 ? code : 0,
                                              .base_offset = 7, .log_append_time_ms = -1,
                                              .log_start_offset = -1};
    kc_produce_topic_result_t topic = {.name = {"orders", 6}, .parts = parts, .part_count = 3};
    kc_produce_resp_t resp = {.topics = &topic, .topic_count = 1, .throttle_time_ms = 100};
    kc_wr_t w;
    kc_wr_init(&w, pool, 64, false);
    assert_int_equal(kc_produce_response_frame(&w, 9, 42, &resp), 0);
    kc_buf_t *b = kc_wr_take(&w, n);
    kc_wr_release(&w);
    assert_non_null(b);
    return b;
}

/* A MetadataResponse v12 (flexible) as a broker sends it, after the size: orders[partition] led
 * by `leader` in `epoch` (a leader of -1: leaderless). */
static void md_v12(tb_t *t, int32_t partition, int32_t leader, int32_t epoch)
{
    t->n = 0;
    tb_i32(t, 7);                   /* correlation id */
    tb_tags0(t, true);              /* response header v1 */
    tb_i32(t, 0);                   /* throttle_time_ms */
    tb_arr(t, true, 0);             /* brokers */
    tb_str(t, true, "c");           /* cluster_id */
    tb_i32(t, 1);                   /* controller_id */
    tb_arr(t, true, 1);             /* topics */
    tb_i16(t, 0);
    tb_str(t, true, "orders");
    tb_raw(t, "0123456789abcdef", 16); /* topic_id */
    tb_i8(t, 0);                    /* is_internal */
    tb_arr(t, true, 1);             /* partitions */
    tb_i16(t, leader < 0 ? 5 : 0);
    tb_i32(t, partition);
    tb_i32(t, leader);
    tb_i32(t, epoch);
    tb_arr(t, true, 0), tb_arr(t, true, 0), tb_arr(t, true, 0); /* replicas, isr, offline */
    tb_tags0(t, true);
    tb_i32(t, INT32_MIN);           /* topic_authorized_operations */
    tb_tags0(t, true);
    tb_tags0(t, true);
}

/* A recording left running for its whole 6 h on a fake clock, fed each 1 s window with a Produce
 * answer (3 brokers in turn, one of 60 error codes, a throttled client id of 6,000) and 16
 * connection events (node ids out of 4,000): it passes the series cap near window 240, the
 * histogram cap at window 8,192 and the cell cap near window 13,000, then stops itself as
 * "full". Every 360 windows: its accounting within KC_REC_MAX_BYTES, and the heap's growth
 * since it started within 512 KiB of that accounting either way (allocator overhead: up to 32
 * bytes a chunk for 4,096 names, page rounding of the large arrays, the decoder's pool; seen:
 * 129 KiB more with glibc, 4 KiB with ASan's allocator). */
#define HOUR_WINDOWS 3600u
static void test_long_recording(void **state)
{
    (void)state;
    kc_pool_t pool;
    kc_buf_pool_init(&pool, 1 << 20);
    enum { CODES = 60 };
    kc_buf_t *answers[CODES];
    size_t lens[CODES];
    for (int k = 0; k < CODES; k++)
        answers[k] = produce_answer(&pool, (int16_t)(k + 1), &lens[k]);
    kc_recorder_t *r = kc_recorder_new();
    size_t heap0 = heap_in_use();
    uint64_t t0 = 1000 * S;
    kc_record_opts_t o = {0}; /* no `for`: until the window cap */
    assert_int_equal(kc_recorder_start(r, &o, t0), 0);
    size_t most = 0, margin = 512 * 1024;
    char client[32];
    tb_t t;
    for (uint32_t w = 0; w < KC_REC_MAX_WINDOWS; w++) {
        uint64_t now = t0 + w * S + S / 2;
        int k = (int)(w % CODES);
        snprintf(client, sizeof(client), "client-%u", w % 6000);
        kc_record_response(r, &pool, now, 1 + (int32_t)(w % 3), client, KC_API_PRODUCE, 9,
                           answers[k]->data + 4, (uint32_t)lens[k] - 4, now - (2 + w % 7) * MSEC,
                           NULL);
        for (uint32_t e = 0; e < 16; e++)
            kc_record_conn(r, now, 100 + (int32_t)((w * 16 + e) % 4000),
                           e % 2 ? KC_REC_CONN_RESET : KC_REC_CONN_FAILED);
        md_v12(&t, (int32_t)w, 1, 0); /* a partition more to follow: 21,600 past the cap */
        kc_record_response(r, &pool, now, 1, client, KC_API_METADATA, 12, t.b, (uint32_t)t.n, 0,
                           NULL);
        if (w % 360 == 359) {
            size_t bytes = kc_recorder_bytes(r), heap = heap_in_use() - heap0;
            assert_true(bytes <= KC_REC_MAX_BYTES);
            if (heap > bytes + margin || heap + margin < bytes)
                fail_msg("window %u: the heap grew %zu bytes, the recorder counts %zu", w, heap,
                         bytes);
            most = bytes > most ? bytes : most;
        }
    }
    assert_true(kc_recorder_on(r)); /* the last window is still open */
    kc_record_conn(r, t0 + KC_REC_MAX_WINDOWS * S, 1, KC_REC_CONN_FAILED);
    assert_false(kc_recorder_on(r));
    assert_int_equal(kc_recorder_stop(r, t0 + KC_REC_MAX_WINDOWS * S), -ENOENT);
    size_t len;
    char *json = kc_recorder_json(r, t0 + 7 * HOUR_WINDOWS * S, &len);
    assert_non_null(strstr(json, "\"state\":\"full\""));
    assert_non_null(strstr(json, "\"leaders_followed\":16384,\"leaders_untracked\":5216"));
    free(json);
    kc_record_data_t d;
    assert_int_equal(kc_recorder_snapshot(r, t0 + 7 * HOUR_WINDOWS * S, &d), 0);
    assert_int_equal(d.nwindows, KC_REC_MAX_WINDOWS);
    assert_int_equal(d.nseries, KC_REC_MAX_SERIES);
    assert_int_equal(d.ncells, KC_REC_MAX_CELLS);
    assert_int_equal(d.nhists, KC_REC_MAX_HISTS);
    assert_true(d.dropped_series > 0 && d.dropped_cells > 0 && d.dropped_hists > 0);
    /* the cells kept are the first ones: the last window with any is well before the end */
    uint32_t last = 0;
    for (uint32_t i = 0; i < d.ncells; i++)
        last = d.cells[i].window > last ? d.cells[i].window : last;
    assert_true(last > 2 * HOUR_WINDOWS && last < 5 * HOUR_WINDOWS);
    kc_record_data_free(&d);
    /* At its caps it holds what KC_REC_MAX_BYTES says, within the index's rounding. */
    assert_true(most <= KC_REC_MAX_BYTES && most > KC_REC_MAX_BYTES - KC_REC_MAX_NAME_BYTES);
    print_message("recorder: %zu bytes at most (bound %zu), heap grew %zu\n", most,
                  (size_t)KC_REC_MAX_BYTES, heap_in_use() - heap0);
    kc_recorder_free(r);
    for (int k = 0; k < CODES; k++)
        kc_buf_unref(&pool, answers[k]);
    kc_buf_pool_free(&pool);
}

/* A ProduceResponse v9 from broker 1: orders[3] NOT_LEADER_OR_FOLLOWER, orders[4] fine,
 * throttled 250 ms. */
static void test_feed_produce(void **state)
{
    (void)state;
    kc_pool_t pool;
    kc_buf_pool_init(&pool, 1 << 20);
    kc_produce_part_result_t parts[2] = {
        {.index = 3, .error_code = 6, .base_offset = -1, .log_append_time_ms = -1, .log_start_offset = -1},
        {.index = 4, .base_offset = 7, .log_append_time_ms = -1, .log_start_offset = -1}};
    kc_produce_topic_result_t topic = {.name = {"orders", 6}, .parts = parts, .part_count = 2};
    kc_produce_resp_t resp = {.topics = &topic, .topic_count = 1, .throttle_time_ms = 250};
    kc_wr_t w;
    kc_wr_init(&w, &pool, 64, false);
    assert_int_equal(kc_produce_response_frame(&w, 9, 42, &resp), 0);
    size_t n;
    kc_buf_t *b = kc_wr_take(&w, &n);
    kc_wr_release(&w);
    assert_non_null(b);
    kc_recorder_t *r = kc_recorder_new();
    kc_record_opts_t o = {.client = "app-*"};
    assert_int_equal(kc_recorder_start(r, &o, S), 0);
    kc_record_response(r, &pool, S + S / 2, 1, "app-1", KC_API_PRODUCE, 9, b->data + 4,
                       (uint32_t)n - 4, S + S / 2 - 3 * MSEC, NULL);
    kc_record_response(r, &pool, S + S / 2, 1, "other", KC_API_PRODUCE, 9, b->data + 4,
                       (uint32_t)n - 4, S, NULL); /* not the client asked for */
    kc_record_data_t d;
    assert_int_equal(kc_recorder_snapshot(r, 2 * S, &d), 0);
    uint64_t results = 0, errors = 0, throttled = 0, hists = 0;
    for (uint32_t i = 0; i < d.ncells; i++) {
        const kc_rec_cell_t *c = &d.cells[i];
        const kc_rec_series_t *s = &d.series[c->series];
        if (s->kind == KC_REC_PRODUCE && !c->code)
            results += c->a;
        if (s->kind == KC_REC_PRODUCE && c->code == 6 && s->partition == 3 && s->node == 1)
            errors += c->a;
        if (s->kind == KC_REC_THROTTLE && !strcmp(s->name, "app-1"))
            throttled += c->a, assert_int_equal(c->b, 250);
        if (s->kind == KC_REC_LATENCY)
            hists++, assert_int_equal(d.hists[c->hist].sum_ns, 3 * MSEC);
    }
    assert_int_equal(results, 2);
    assert_int_equal(errors, 1);
    assert_int_equal(throttled, 1);
    assert_int_equal(hists, 1);
    kc_record_data_free(&d);
    kc_recorder_free(r);
    kc_buf_unref(&pool, b);
    kc_buf_pool_free(&pool);
}

/* An incident by hand: orders[3] NOT_LEADER_OR_FOLLOWER half the time in windows 2-4 (brokers 1
 * then 2), leaderless in window 2; broker 1 slow in windows 5-6; client app-1 throttled in
 * window 7; broker 2 refusing in windows 8-9. */
static void synthetic(kc_record_data_t *d)
{
    memset(d, 0, sizeof(*d));
    for (uint32_t w = 0; w < 10; w++) {
        kc_record_data_add(d, w, KC_REC_PRODUCE, w < 3 ? 1 : 2, 3, "orders", 0, 10, 0);
        for (int i = 0; i < 20; i++)
            kc_record_data_latency(d, w, 1, (w == 5 || w == 6 ? 102 : 2) * MSEC);
    }
    for (uint32_t w = 2; w <= 4; w++)
        kc_record_data_add(d, w, KC_REC_PRODUCE, w < 3 ? 1 : 2, 3, "orders", 6, 5, 0);
    kc_record_data_add(d, 2, KC_REC_LEADERLESS, -1, 3, "orders", 0, 2, 0);
    kc_record_data_add(d, 7, KC_REC_THROTTLE, -1, -1, "app-1", 0, 2, 1000);
    kc_record_data_add(d, 8, KC_REC_CONNECT, 2, -1, "", KC_REC_CONN_FAILED, 3, 0);
    kc_record_data_add(d, 9, KC_REC_CONNECT, 2, -1, "", KC_REC_CONN_FAILED, 1, 0);
    kc_record_data_add(d, 9, KC_REC_CONNECT, 2, -1, "", KC_REC_CONN_RESET, 4, 0);
    kc_record_data_seal(d);
}

static void test_export_text(void **state)
{
    (void)state;
    kc_record_data_t d;
    synthetic(&d);
    kc_export_opts_t o = {0};
    assert_int_equal(kc_export_topic_map(&o, "orders=orders-replay"), 0);
    assert_int_equal(kc_export_broker_map(&o, "2=5"), 0);
    assert_int_equal(kc_export_broker_map(&o, "x=5"), -1);
    size_t len;
    char *text = kc_record_export(&d, &o, &len, NULL);
    assert_non_null(text);
    const char *want[] = {
        "  - name: \"error-", "      topic: \"orders-replay\"\n      partitions: [3]\n    at: 2s\n"
        "    for: 3s\n    every: 2\n    error: NOT_LEADER_OR_FOLLOWER\n",
        "    leader: none\n",
        "      brokers: [1]\n    at: 5s\n    for: 2s\n    latency: {distribution: normal, ms: 100,",
        "path: response}\n",
        "      client_id: \"app-1\"\n    at: 7s\n    for: 1s\n    throttle: {ms: 500, enforce: true}\n",
        "    match:\n      brokers: [5]\n    at: 8s\n    for: 2s\n    refuse: true\n",
        "      brokers: [5]\n    at: 9s\n    for: 1s\n    max: 4\n    disconnect: {when: before, reset: true}\n",
        "# windows 2-4: broker 1 (and any other leader) answered NOT_LEADER_OR_FOLLOWER to 15 of 30",
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        if (!strstr(text, want[i]))
            fail_msg("missing:\n%s\nin:\n%s", want[i], text);
    kc_scenario_diags_t diags = {0};
    kc_scenario_t *sc = kc_scenario_parse("rec.yaml", text, len, &diags);
    if (!sc)
        fail_msg("%s\n%s", diags.n ? diags.v[0] : "?", text);
    assert_int_equal(sc->nrules, 6);
    kc_scenario_free(sc);
    free(text);
    free((char *)o.topic_from[0]);
    kc_record_data_free(&d);
}

static void test_round_trip(void **state)
{
    (void)state;
    kc_record_data_t d;
    synthetic(&d);
    kc_scenario_t *sc = kc_record_rules(&d, NULL, NULL);
    size_t n1, n2, n3;
    char *first = kc_scenario_yaml(sc, NULL, NULL, &n1);
    char *exported = kc_record_export(&d, NULL, &n3, NULL); /* with its comments */
    kc_scenario_diags_t diags = {0};
    kc_scenario_t *back = kc_scenario_parse("rec.yaml", exported, n3, &diags);
    assert_non_null(back);
    char *second = kc_scenario_yaml(back, NULL, NULL, &n2);
    assert_string_equal(first, second);
    kc_scenario_free(sc), kc_scenario_free(back);
    free(first), free(second), free(exported);
    kc_record_data_free(&d);
}

/* The export, then kc_scenario_parse, then the writer again: the same text, and the scenario. */
static kc_scenario_t *export_parsed(const kc_record_data_t *d, const kc_export_opts_t *o,
                                    char **text)
{
    size_t len, n1, n2;
    int nrules;
    *text = kc_record_export(d, o, &len, &nrules);
    assert_non_null(*text);
    kc_scenario_diags_t diags = {0};
    kc_scenario_t *back = kc_scenario_parse("rec.yaml", *text, len, &diags);
    if (!back)
        fail_msg("%s\n%s", diags.n ? diags.v[0] : "?", *text);
    assert_int_equal(back->nrules, nrules);
    kc_scenario_t *sc = kc_record_rules(d, o, NULL);
    char *first = kc_scenario_yaml(sc, NULL, NULL, &n1);
    char *second = kc_scenario_yaml(back, NULL, NULL, &n2);
    assert_string_equal(first, second);
    free(first), free(second);
    kc_scenario_free(sc);
    return back;
}

/* Found by fuzz_record: names as a client or broker sent them (a carriage return, DEL, U+2028,
 * bytes that are not UTF-8) made an export libyaml refused, or read back as another name; a
 * partition below 0 made a rule the parser refused; so did a --name that is no scenario name. */
static void test_export_odd_values(void **state)
{
    (void)state;
    kc_record_data_t d = {0};
    const char *topic = "caf\xc3\xa9\xe2\x80\xa8\x7f\"\\*";
    const char *client = "app\r- x: \xff";
    kc_record_data_add(&d, 0, KC_REC_PRODUCE, 1, 2, topic, 0, 4, 0);
    kc_record_data_add(&d, 0, KC_REC_PRODUCE, 1, 2, topic, 6, 2, 0);
    kc_record_data_add(&d, 1, KC_REC_THROTTLE, -1, -1, client, 0, 1, 300);
    kc_record_data_add(&d, 1, KC_REC_PRODUCE, 1, -7, "t", 0, 4, 0); /* no partition: no rule */
    kc_record_data_add(&d, 1, KC_REC_PRODUCE, 1, -7, "t", 6, 4, 0);
    kc_record_data_add(&d, 2, KC_REC_LEADERLESS, -1, -1, "t", 0, 1, 0);
    kc_record_data_seal(&d);
    kc_export_opts_t o = {.name = "incident at 10:30!"};
    char *text;
    kc_scenario_t *back = export_parsed(&d, &o, &text);
    assert_int_equal(back->nrules, 2);
    assert_string_equal(back->name, "incident-at-10-30-");
    assert_string_equal(back->rules[0].match.topic, "caf\xc3\xa9\xe2\x80\xa8\x7f\"\\\\\\*");
    assert_string_equal(back->rules[1].match.client_id, "app\r- x: ?"); /* '?': that byte */
    assert_non_null(strstr(text, "topic: \"caf\xc3\xa9\\u2028\\x7f\\\"\\\\\\\\\\\\*\"\n"));
    assert_non_null(strstr(text, "client app\\x0d- x: \\xff throttled"));
    kc_scenario_free(back);
    free(text);
    o.name = "";
    back = export_parsed(&d, &o, &text);
    assert_string_equal(back->name, "recorded");
    kc_scenario_free(back);
    free(text);
    kc_record_data_free(&d);
}

/* Consecutive slow windows of a broker whose added latency stays within a factor of 1.5 are
 * one rule (the mean weighted by responses); a window three times slower starts another. */
static void test_latency_runs(void **state)
{
    (void)state;
    kc_record_data_t d;
    memset(&d, 0, sizeof(d));
    for (uint32_t w = 0; w < 10; w++)
        for (int i = 0; i < 10; i++)
            kc_record_data_latency(&d, w, 3, (w == 3 ? 52 : w == 4 ? 62 : w == 5 ? 302 : 2) * MSEC);
    kc_record_data_seal(&d);
    size_t len;
    int nrules;
    char *text = kc_record_export(&d, NULL, &len, &nrules);
    assert_non_null(text);
    assert_int_equal(nrules, 2);
    const char *want[] = {
        "# windows 3-4: broker 3's Produce latency averaged 57.0 ms over 20 responses",
        "    at: 3s\n    for: 2s\n    latency: {distribution: normal, ms: 55, stddev_ms: ",
        "    at: 5s\n    for: 1s\n    latency: {distribution: normal, ms: 300, stddev_ms: ",
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        if (!strstr(text, want[i]))
            fail_msg("missing:\n%s\nin:\n%s", want[i], text);
    assert_null(strstr(text, "warm-up")); /* window 3 is not the broker's first */
    free(text);
    kc_record_data_free(&d);
    /* A broker slow in its first window: said to be warm-up, perhaps (and still a rule). */
    memset(&d, 0, sizeof(d));
    for (uint32_t w = 2; w < 10; w++)
        for (int i = 0; i < 10; i++)
            kc_record_data_latency(&d, w, 1, (w == 2 ? 40 : 2) * MSEC);
    kc_record_data_seal(&d);
    text = kc_record_export(&d, NULL, &len, &nrules);
    assert_int_equal(nrules, 1);
    assert_non_null(strstr(text, "# windows 2-2: broker 1's Produce latency averaged 40.0 ms over "
                                 "10 responses (p99 "));
    assert_non_null(strstr(text, "; its first window in the recording: warm-up of new "
                                 "connections, perhaps\n"));
    free(text);
    kc_record_data_free(&d);
}

/* An export cut short or edited into nonsense is refused like any scenario: FILE:LINE. */
static void test_mangled_refused(void **state)
{
    (void)state;
    kc_record_data_t d;
    synthetic(&d);
    size_t len;
    char *text = kc_record_export(&d, NULL, &len, NULL);
    char *cut = strstr(text, "    error: NOT_LEADER");
    assert_non_null(cut);
    kc_scenario_diags_t diags = {0};
    assert_null(kc_scenario_parse("rec.yaml", text, (size_t)(cut - text) + 12, &diags));
    assert_true(diags.n >= 1);
    assert_non_null(strstr(diags.v[0], "rec.yaml:"));
    kc_scenario_diags_free(&diags);
    memcpy(strstr(text, "every: 2"), "every: x", 8);
    assert_null(kc_scenario_parse("rec.yaml", text, len, &diags));
    assert_non_null(strstr(diags.v[0], "rec.yaml:"));
    kc_scenario_diags_free(&diags);
    free(text);
    kc_record_data_free(&d);
}

/* Leader moves from Metadata: each once, when first seen (not when other clients' Metadata names
 * the new leader again, nor when a broker behind answers with the older epoch); in the export's
 * header and the timeline, not as a rule (a replay moves no leader). */
static void test_leader_moves(void **state)
{
    (void)state;
    kc_pool_t pool;
    kc_buf_pool_init(&pool, 1 << 20);
    kc_recorder_t *r = kc_recorder_new();
    kc_record_opts_t o = {0};
    assert_int_equal(kc_recorder_start(r, &o, S), 0);
    static const struct { uint32_t w; int32_t leader, epoch; } seen[] = {
        {0, 1, 4}, {0, 1, 4}, /* where it starts: no move */
        {2, 2, 5}, {2, 2, 5}, /* moved to 2: once */
        {2, 1, 4},            /* a broker behind, the older epoch: no move back */
        {3, -1, 5},           /* leaderless (an election) */
        {5, 3, 6}, {6, 3, 6}, /* then 3 */
    };
    tb_t t;
    for (size_t i = 0; i < sizeof(seen) / sizeof(seen[0]); i++) {
        md_v12(&t, 0, seen[i].leader, seen[i].epoch);
        kc_record_response(r, &pool, S + seen[i].w * S + S / 2, 1, "app", KC_API_METADATA, 12,
                           t.b, (uint32_t)t.n, 0, NULL);
    }
    assert_true(kc_recorder_bytes(r) <= KC_REC_MAX_BYTES);
    kc_record_data_t d;
    assert_int_equal(kc_recorder_snapshot(r, 8 * S, &d), 0);
    int moves = 0, leaderless = 0;
    for (uint32_t i = 0; i < d.ncells; i++) {
        const kc_rec_cell_t *c = &d.cells[i];
        const kc_rec_series_t *s = &d.series[c->series];
        if (s->kind == KC_REC_LEADER) {
            moves++;
            assert_int_equal(c->a, 1);
            assert_true((c->window == 2 && c->code == 1 && s->node == 2) ||
                        (c->window == 5 && c->code == 2 && s->node == 3));
        }
        leaderless += s->kind == KC_REC_LEADERLESS;
    }
    assert_int_equal(moves, 2);
    assert_int_equal(leaderless, 1);

    kc_export_opts_t xo = {0};
    assert_int_equal(kc_export_topic_map(&xo, "orders=replayed"), 0);
    assert_int_equal(kc_export_broker_map(&xo, "3=30"), 0);
    size_t len;
    int nrules;
    char *text = kc_record_export(&d, &xo, &len, &nrules);
    assert_non_null(text);
    assert_non_null(strstr(text, "# window 2: replayed[0] led by broker 1, then 2\n"
                                 "# window 5: replayed[0] led by broker 2, then 30\n"));
    assert_int_equal(nrules, 1); /* the leaderless window's rule alone */
    kc_scenario_diags_t diags = {0};
    kc_scenario_t *back = kc_scenario_parse("rec.yaml", text, len, &diags);
    assert_non_null(back);
    kc_scenario_free(back);
    free(text);
    char *few = kc_record_leader_moves(&d, NULL, 1);
    assert_string_equal(few, "window 2: orders[0] led by broker 1, then 2\nand 1 more");
    free(few);
    char *json = kc_record_timeline_json(&d, 0, 0, NULL, NULL, &len);
    assert_non_null(strstr(json, "\"leaders\":[[2,1,2],[5,2,3]]"));
    free(json);
    free((char *)xo.topic_from[0]);
    kc_record_data_free(&d);
    kc_recorder_free(r);
    kc_buf_pool_free(&pool);
}

/* A range of the recording (windows [4, 8) of the synthetic one): its rules cut to it and moved
 * to start at 0, the rest dropped; the comments keep the recording's own window numbers. */
static void test_export_range(void **state)
{
    (void)state;
    kc_record_data_t d;
    synthetic(&d);
    kc_export_opts_t o = {.from = 4, .to = 8};
    char *text;
    kc_scenario_t *sc = export_parsed(&d, &o, &text);
    assert_int_equal(sc->nrules, 3);
    assert_int_equal(sc->max_duration_ns, 4 * S);
    static const struct { kc_fault_kind_t kind; uint64_t at, len; } want[] = {
        {KC_FAULT_ERROR, 0, 1}, {KC_FAULT_LATENCY, 1, 2}, {KC_FAULT_THROTTLE, 3, 1}};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(sc->rules[i].action.kind, want[i].kind);
        assert_int_equal(sc->rules[i].window.at_ns, want[i].at * S);
        assert_int_equal(sc->rules[i].window.for_ns, want[i].len * S);
    }
    assert_non_null(strstr(text, "# Windows 4-7 of the recording only, moved to start at 0"));
    assert_non_null(strstr(text, "# windows 2-4: broker 1 (and any other leader) answered"));
    kc_scenario_free(sc);
    free(text);
    /* Past the end: to the end. Nothing in range: no rules. */
    o = (kc_export_opts_t){.from = 8, .to = 100};
    sc = export_parsed(&d, &o, &text);
    assert_int_equal(sc->nrules, 2); /* refuse 8-9, disconnect 9 */
    assert_int_equal(sc->max_duration_ns, 2 * S);
    kc_scenario_free(sc);
    free(text);
    o = (kc_export_opts_t){.from = 1, .to = 2};
    size_t len;
    int nrules = -1;
    text = kc_record_export(&d, &o, &len, &nrules);
    assert_non_null(text);
    assert_int_equal(nrules, 0);
    free(text);
    kc_record_data_free(&d);
}

/* orders[3]: 10 results a window, 5 of them NOT_LEADER_OR_FOLLOWER in windows 2-4, met by app-a
 * and app-b as MET says; the first `skip` of MET left out (as if dropped at a cap). */
static const struct {
    uint32_t w;
    const char *client;
    uint64_t n;
} MET[] = {{2, "app-a", 3}, {2, "app-b", 2}, {3, "app-a", 5}, {4, "app-b", 5}};

static void clients_met(kc_record_data_t *d, size_t skip)
{
    memset(d, 0, sizeof(*d));
    for (uint32_t w = 0; w < 6; w++)
        kc_record_data_add(d, w, KC_REC_PRODUCE, 1, 3, "orders", 0, 10, 0);
    for (uint32_t w = 2; w <= 4; w++)
        kc_record_data_add(d, w, KC_REC_PRODUCE, 1, 3, "orders", 6, 5, 0);
    for (size_t i = skip; i < sizeof(MET) / sizeof(MET[0]); i++) {
        char name[64];
        snprintf(name, sizeof(name), "orders%c%s", KC_REC_SEP, MET[i].client);
        kc_record_data_add(d, MET[i].w, KC_REC_CLIENT_ERROR, -1, 3, name, 6, MET[i].n, 0);
    }
    kc_record_data_seal(d);
}

/* Who met the errors: when every window's client counts add up to the partition's, each client
 * gets its own rules (its first N requests there, N what it met); when they do not (a series
 * dropped at the caps), the partition's every-Nth rule as before. */
static void test_client_rules(void **state)
{
    (void)state;
    char name[64];
    kc_record_data_t d;
    clients_met(&d, 0);
    char *text;
    kc_scenario_t *sc = export_parsed(&d, NULL, &text);
    assert_int_equal(sc->nrules, 3);
    static const struct { const char *client; uint64_t at, len, max; } want[] = {
        {"app-b", 2, 1, 2}, {"app-a", 2, 2, 8}, {"app-b", 4, 1, 5}}; /* at, then comment */
    for (int i = 0; i < 3; i++) {
        const kc_fault_rule_t *r = &sc->rules[i];
        assert_string_equal(r->match.client_id, want[i].client);
        assert_string_equal(r->match.topic, "orders");
        assert_int_equal(r->match.partitions[0], 3);
        assert_int_equal(r->window.at_ns, want[i].at * S);
        assert_int_equal(r->window.for_ns, want[i].len * S);
        assert_int_equal(r->trigger.max, want[i].max);
        assert_int_equal(r->trigger.every, 1);
        assert_int_equal(r->action.error, 6);
    }
    assert_non_null(strstr(text, "# windows 2-3: client app-a met NOT_LEADER_OR_FOLLOWER 8 times "
                                 "on orders[3] (broker 1 answered; all clients: "
                                 "NOT_LEADER_OR_FOLLOWER on 15 of 30 partition results in "
                                 "windows 2-4)"));
    kc_scenario_free(sc);
    free(text);
    kc_record_data_free(&d);

    /* One client in two runs of one partition (windows 0 and 2, none in 1): both its own. */
    memset(&d, 0, sizeof(d));
    snprintf(name, sizeof(name), "orders%capp-a", KC_REC_SEP);
    for (uint32_t w = 0; w < 3; w++)
        kc_record_data_add(&d, w, KC_REC_PRODUCE, 1, 3, "orders", 0, 10, 0);
    for (uint32_t w = 0; w < 3; w += 2) {
        kc_record_data_add(&d, w, KC_REC_PRODUCE, 1, 3, "orders", 6, 2, 0);
        kc_record_data_add(&d, w, KC_REC_CLIENT_ERROR, -1, 3, name, 6, 2, 0);
    }
    kc_record_data_seal(&d);
    sc = export_parsed(&d, NULL, &text);
    assert_int_equal(sc->nrules, 2);
    for (int i = 0; i < 2; i++) {
        assert_non_null(sc->rules[i].match.client_id);
        assert_string_equal(sc->rules[i].match.client_id, "app-a");
        assert_int_equal(sc->rules[i].window.at_ns, (uint64_t)(2 * i) * S);
        assert_int_equal(sc->rules[i].trigger.max, 2);
    }
    kc_scenario_free(sc);
    free(text);
    kc_record_data_free(&d);

    clients_met(&d, 1); /* app-a's 3 in window 2 missing: the partition's rule */
    sc = export_parsed(&d, NULL, &text);
    assert_int_equal(sc->nrules, 1);
    assert_null(sc->rules[0].match.client_id);
    assert_int_equal(sc->rules[0].trigger.every, 2);
    kc_scenario_free(sc);
    free(text);
    kc_record_data_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_windows_and_stop), cmocka_unit_test(test_caps),
        cmocka_unit_test(test_long_recording),    cmocka_unit_test(test_feed_produce),
        cmocka_unit_test(test_export_text),       cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_export_odd_values), cmocka_unit_test(test_mangled_refused),
        cmocka_unit_test(test_latency_runs),      cmocka_unit_test(test_leader_moves),
        cmocka_unit_test(test_export_range),      cmocka_unit_test(test_client_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
