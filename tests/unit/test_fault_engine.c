/* proxy/fault/engine.c and note.c through a session without sockets: a scenario decides on
 * real frames (Produce v3, classic; v9, flexible) and the test reads what went each way.
 * Partition-exact errors before the broker (the request rebuilt without the picked partitions,
 * the broker's answer merged back in request order), errors after it (written, the answer
 * replaced), everything picked (answered here), acks=0 (dropped), latency, throttle enforced
 * (KIP-219: the next request waits), disconnect after the broker, drop, and a dry run. */
#include "fault/engine.h"

#include <string.h>

#include "kafka/errors.h"
#include "kafka/produce.h"
#include "kc_test.h"
#include "scenario_fx.h"
#include "session_fx.h"

#define MS 1000000ull
#define NOW (1000ull * 1000 * MS)

/* A request with header v1 (v3) or v2 (v9, flexible): topics a (partitions 0, 1, 2) and b (0),
 * each with a 4-byte stand-in for its records (kchaos never reads records it does not count). */
static void produce(tb_t *t, int16_t ver, int32_t corr, int16_t acks)
{
    bool flex = ver >= 9;
    size_t at = t->n;
    tb_i32(t, 0);
    tb_i16(t, KC_API_PRODUCE);
    tb_i16(t, ver);
    tb_i32(t, corr);
    tb_str(t, false, "test-client");
    tb_tags0(t, flex);
    tb_str(t, flex, NULL);
    tb_i16(t, acks);
    tb_i32(t, 30000);
    tb_arr(t, flex, 2);
    const char *names[] = {"a", "b"};
    int nparts[] = {3, 1};
    for (int k = 0; k < 2; k++) {
        tb_str(t, flex, names[k]);
        tb_arr(t, flex, nparts[k]);
        for (int p = 0; p < nparts[k]; p++) {
            tb_i32(t, p);
            tb_bytes(t, flex, "RECS", 4);
            tb_tags0(t, flex);
        }
        tb_tags0(t, flex);
    }
    tb_tags0(t, flex);
    tb_size_at(t, at);
}

typedef struct part { const char *topic; int32_t partition; int16_t error; } part_t;

/* The broker's answer: every partition listed, its error, offsets 100 + index. */
static void produce_resp(tb_t *t, int16_t ver, int32_t corr, const part_t *parts, int n,
                         int32_t throttle)
{
    bool flex = ver >= 9;
    size_t at = t->n;
    tb_i32(t, 0);
    tb_i32(t, corr);
    tb_tags0(t, flex);
    int ntopics = 0;
    for (int i = 0; i < n; i++)
        ntopics += i == 0 || strcmp(parts[i].topic, parts[i - 1].topic) != 0;
    tb_arr(t, flex, ntopics);
    for (int i = 0; i < n;) {
        int j = i;
        while (j < n && !strcmp(parts[j].topic, parts[i].topic))
            j++;
        tb_str(t, flex, parts[i].topic);
        tb_arr(t, flex, j - i);
        for (int k = i; k < j; k++) {
            tb_i32(t, parts[k].partition);
            tb_i16(t, parts[k].error);
            tb_i64(t, parts[k].error ? -1 : 100 + parts[k].partition);
            tb_i64(t, -1); /* log_append_time_ms */
            if (ver >= 5)
                tb_i64(t, parts[k].error ? -1 : 0); /* log_start_offset */
            if (ver >= 8) {
                tb_arr(t, flex, 0);
                tb_str(t, flex, NULL);
            }
            tb_tags0(t, flex);
        }
        tb_tags0(t, flex);
        i = j;
    }
    tb_i32(t, throttle);
    tb_tags0(t, flex);
    tb_size_at(t, at);
}

typedef struct world {
    fx_t *f;
    kc_faults_t *faults;
} world_t;

static world_t start(const char *yaml)
{
    world_t w;
    w.faults = kc_faults_new();
    w.f = fx_new(kc_fault_decide_request, kc_fault_decide_response, w.faults);
    kc_faults_put(w.faults, scenario_ok(yaml), NOW - 1, NULL);
    return w;
}

static void stop(world_t *w)
{
    fx_free(w->f);
    kc_faults_free(w->faults);
}

/* Decode the n-th frame sent to the client and compare its partitions with want, in order. */
static void check_client_got(world_t *w, int16_t ver, size_t off, const part_t *want, int n,
                             int32_t throttle)
{
    const uint8_t *p = w->f->rec.bytes[1].b + off;
    uint32_t len = kc_be32(p);
    kc_rd_t r;
    kc_rd_init(&r, p + 4, len, ver >= 9);
    r.p += 4; /* correlation id */
    if (ver >= 9)
        kc_rd_tags_skip(&r);
    kc_arena_t a;
    kc_arena_init(&a, &w->f->pool);
    kc_produce_resp_t resp;
    assert_int_equal(kc_produce_response_decode(&r, ver, &a, &resp), 0);
    int k = 0;
    for (int i = 0; i < resp.topic_count; i++)
        for (int j = 0; j < resp.topics[i].part_count; j++, k++) {
            assert_true(k < n);
            const kc_produce_part_result_t *pr = &resp.topics[i].parts[j];
            assert_int_equal(resp.topics[i].name.len, (int)strlen(want[k].topic));
            assert_memory_equal(resp.topics[i].name.p, want[k].topic, strlen(want[k].topic));
            assert_int_equal(pr->index, want[k].partition);
            assert_int_equal(pr->error_code, want[k].error);
            if (want[k].error)
                assert_int_equal(pr->base_offset, -1);
        }
    assert_int_equal(k, n);
    assert_int_equal(resp.throttle_time_ms, throttle);
    kc_arena_reset(&a);
}

static int16_t code(const char *name)
{
    int16_t c;
    assert_int_equal(kc_kafka_error_by_name(name, strlen(name), &c), 0);
    return c;
}

static void error_before_partition_exact(int16_t ver)
{
    world_t w = start("name: s\nrules:\n  - match: {topic: a, partitions: [1]}\n"
                      "    error: NOT_LEADER_OR_FOLLOWER\n");
    tb_t in = {0}, out = {0};
    produce(&in, ver, 7, -1);
    assert_int_equal(feed(w.f, true, &in, NOW), 0);
    /* Forwarded: the same request without a-1, byte for byte as a client would write it. */
    assert_int_equal(w.f->rec.n[0], 1);
    assert_true(w.f->rec.bytes[0].n < in.n);
    part_t kept[] = {{"a", 0, 0}, {"a", 2, 0}, {"b", 0, 0}};
    produce_resp(&out, ver, 7, kept, 3, 0);
    assert_int_equal(feed(w.f, false, &out, NOW + MS), 0);
    assert_int_equal(w.f->rec.n[1], 1);
    part_t merged[] = {{"a", 0, 0}, {"a", 1, code("NOT_LEADER_OR_FOLLOWER")}, {"a", 2, 0},
                       {"b", 0, 0}};
    check_client_got(&w, ver, 0, merged, 4, 0);
    assert_false(w.f->rec.closed);
    stop(&w);
}

static void test_error_before_v3(void **state) { (void)state; error_before_partition_exact(3); }
static void test_error_before_v9(void **state) { (void)state; error_before_partition_exact(9); }

static void test_error_after(void **state)
{
    (void)state;
    world_t w = start("name: s\nrules:\n  - match: {topic: b}\n"
                      "    error: {code: NOT_ENOUGH_REPLICAS_AFTER_APPEND, when: after}\n");
    tb_t in = {0}, out = {0};
    produce(&in, 9, 3, -1);
    assert_int_equal(feed(w.f, true, &in, NOW), 0);
    assert_int_equal(w.f->rec.bytes[0].n, in.n); /* forwarded whole: it is written */
    assert_memory_equal(w.f->rec.bytes[0].b, in.b, in.n);
    part_t all[] = {{"a", 0, 0}, {"a", 1, 0}, {"a", 2, 0}, {"b", 0, 0}};
    produce_resp(&out, 9, 3, all, 4, 0);
    assert_int_equal(feed(w.f, false, &out, NOW + MS), 0);
    part_t told[] = {{"a", 0, 0}, {"a", 1, 0}, {"a", 2, 0},
                     {"b", 0, code("NOT_ENOUGH_REPLICAS_AFTER_APPEND")}};
    check_client_got(&w, 9, 0, told, 4, 0);
    stop(&w);
}

static void test_error_everything_and_acks0(void **state)
{
    (void)state;
    world_t w = start("name: s\nrules:\n  - error: KAFKA_STORAGE_ERROR\n");
    tb_t in = {0}, zero = {0};
    produce(&in, 3, 1, 1);
    assert_int_equal(feed(w.f, true, &in, NOW), 0);
    assert_int_equal(w.f->rec.n[0], 0); /* nothing reached the broker */
    part_t all[] = {{"a", 0, 0}, {"a", 1, 0}, {"a", 2, 0}, {"b", 0, 0}};
    for (int i = 0; i < 4; i++)
        all[i].error = code("KAFKA_STORAGE_ERROR");
    check_client_got(&w, 3, 0, all, 4, 0);
    /* acks=0: neither forwarded nor answered. */
    produce(&zero, 3, 2, 0);
    assert_int_equal(feed(w.f, true, &zero, NOW + MS), 0);
    assert_int_equal(w.f->rec.n[0], 0);
    assert_int_equal(w.f->rec.n[1], 1);
    assert_int_equal(kc_session_pending(&w.f->s), 0);
    stop(&w);
}

static void test_latency_and_drop(void **state)
{
    (void)state;
    world_t w = start("name: s\nrules:\n  - {match: {api: produce}, max: 1, latency: 250ms}\n"
                      "  - {match: {api: list_offsets}, drop: true}\n");
    tb_t in = {0};
    produce(&in, 3, 1, 1);
    list_offsets(&in, 2);
    produce(&in, 3, 3, 1);
    assert_int_equal(feed(w.f, true, &in, NOW), 0);
    /* Held 250 ms, and everything behind it too (a broker works in order). */
    assert_int_equal(w.f->rec.n[0], 0);
    assert_int_equal(w.f->rec.wake, NOW + 250 * MS);
    kc_session_tick(&w.f->s, NOW + 250 * MS);
    /* The ListOffsets was dropped: never forwarded; the second Produce went. */
    check_corrs(&w.f->rec, 0, (int32_t[]){1, 3}, 2);
    stop(&w);
}

static void test_throttle_enforced(void **state)
{
    (void)state;
    world_t w = start("name: s\nrules:\n  - {max: 1, throttle: {ms: 400, enforce: true}}\n");
    tb_t in = {0}, out = {0}, next = {0};
    produce(&in, 9, 1, -1);
    assert_int_equal(feed(w.f, true, &in, NOW), 0);
    part_t all[] = {{"a", 0, 0}, {"a", 1, 0}, {"a", 2, 0}, {"b", 0, 0}};
    produce_resp(&out, 9, 1, all, 4, 0);
    assert_int_equal(feed(w.f, false, &out, NOW + MS), 0);
    /* KIP-219 (v6+): answered at once, saying 400 ms ... */
    check_client_got(&w, 9, 0, all, 4, 400);
    /* ... and the connection's next request waits them out. */
    produce(&next, 9, 2, -1);
    assert_int_equal(feed(w.f, true, &next, NOW + 2 * MS), 0);
    assert_int_equal(w.f->rec.n[0], 1);
    kc_session_tick(&w.f->s, NOW + 401 * MS);
    assert_int_equal(w.f->rec.n[0], 2);
    stop(&w);
}

static void test_disconnect_after(void **state)
{
    (void)state;
    world_t w = start("name: s\nrules:\n  - {disconnect: {when: after, reset: true}}\n");
    tb_t in = {0}, out = {0};
    produce(&in, 3, 1, -1);
    assert_int_equal(feed(w.f, true, &in, NOW), 0);
    assert_int_equal(w.f->rec.n[0], 1); /* written */
    part_t all[] = {{"a", 0, 0}, {"a", 1, 0}, {"a", 2, 0}, {"b", 0, 0}};
    produce_resp(&out, 3, 1, all, 4, 0);
    assert_int_equal(feed(w.f, false, &out, NOW + MS), -KC_ECLOSED);
    assert_true(w.f->rec.closed && w.f->rec.reset);
    assert_int_equal(w.f->rec.n[1], 0); /* its acknowledgement lost */
    assert_non_null(strstr(w.f->rec.why, "disconnect after the broker"));
    stop(&w);
}

static void test_dry_run(void **state)
{
    (void)state;
    world_t w = start("name: s\ndry_run: true\nrules:\n  - error: KAFKA_STORAGE_ERROR\n");
    tb_t in = {0}, out = {0};
    produce(&in, 3, 1, -1);
    assert_int_equal(feed(w.f, true, &in, NOW), 0);
    assert_memory_equal(w.f->rec.bytes[0].b, in.b, in.n);
    part_t all[] = {{"a", 0, 0}, {"a", 1, 0}, {"a", 2, 0}, {"b", 0, 0}};
    produce_resp(&out, 3, 1, all, 4, 0);
    assert_int_equal(feed(w.f, false, &out, NOW + MS), 0);
    assert_memory_equal(w.f->rec.bytes[1].b, out.b, out.n);
    size_t len;
    char *prom = kc_faults_prometheus(w.faults, NOW, &len);
    assert_non_null(strstr(prom, "kchaos_faults_injected_total{scenario=\"s\",rule=\"rule-1\","
                                 "action=\"error\"} 1\n"));
    assert_non_null(strstr(prom, "kchaos_scenario_running{scenario=\"s\",dry_run=\"true\"} 1\n"));
    free(prom);
    stop(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error_before_v3),
        cmocka_unit_test(test_error_before_v9),
        cmocka_unit_test(test_error_after),
        cmocka_unit_test(test_error_everything_and_acks0),
        cmocka_unit_test(test_latency_and_drop),
        cmocka_unit_test(test_throttle_enforced),
        cmocka_unit_test(test_disconnect_after),
        cmocka_unit_test(test_dry_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
