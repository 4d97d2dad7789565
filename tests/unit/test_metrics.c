/* proxy/metrics/produce.c, table.c, batches.c and expose.c: what a Produce request and its
 * response add to the series, retries and duplicates from batch identities, caps, expiry, and
 * the exposition of all of it. */
#include "metrics/expose.h"
#include "metrics/metrics.h"

#include "kafka/api.h"
#include "kc_test.h"

typedef struct fx {
    kc_pool_t pool;
    kc_topics_shared_t shared;
    kc_topics_t ids;
    kc_metrics_t m;
    kc_intern_t strings;
    const char *client, *host;
} fx_t;

static fx_t *fx_new(uint32_t max_clients, uint32_t max_series, uint64_t expire_ns)
{
    fx_t *f = calloc(1, sizeof(*f));
    kc_buf_pool_init(&f->pool, 1 << 22);
    assert_int_equal(kc_topics_shared_init(&f->shared), 0);
    assert_int_equal(kc_topics_init(&f->ids, &f->shared), 0);
    kc_metrics_cfg_t cfg = {max_clients, max_series, expire_ns, 1000000000};
    assert_int_equal(kc_metrics_init(&f->m, &cfg, &f->pool, &f->ids), 0);
    assert_int_equal(kc_intern_init(&f->strings, 1024), 0);
    f->client = kc_intern(&f->strings, "app-1", 5);
    f->host = kc_intern(&f->strings, "10.0.0.7", 8);
    return f;
}

static void fx_free(fx_t *f)
{
    kc_metrics_free(&f->m);
    kc_topics_free(&f->ids);
    kc_topics_shared_free(&f->shared);
    kc_intern_free(&f->strings);
    assert_int_equal(f->pool.live_bytes, 0);
    kc_buf_pool_free(&f->pool);
    free(f);
}

/* A magic 2 batch of `count` records (the header is all kchaos reads). */
static void batch(tb_t *t, int64_t pid, int32_t seq, int32_t count, uint32_t crc)
{
    tb_i64(t, 0);
    tb_i32(t, 49 + 10);
    tb_i32(t, -1);
    tb_i8(t, 2);
    tb_i32(t, (int32_t)crc);
    tb_i16(t, 0);
    tb_i32(t, count - 1);
    tb_i64(t, 1700000000000);
    tb_i64(t, 1700000000000);
    tb_i64(t, pid);
    tb_i16(t, pid >= 0 ? 0 : -1);
    tb_i32(t, seq);
    tb_i32(t, count);
    for (int i = 0; i < 10; i++)
        tb_u8(t, 0);
}

/* A Produce v7 body: one topic, partitions 0..nparts-1, one batch each. */
static void produce_v7(tb_t *t, int16_t acks, const char *topic, int nparts, int64_t pid,
                       int32_t seq, int32_t count, uint32_t crc)
{
    tb_str(t, false, NULL);
    tb_i16(t, acks);
    tb_i32(t, 30000);
    tb_arr(t, false, 1);
    tb_str(t, false, topic);
    tb_arr(t, false, nparts);
    for (int p = 0; p < nparts; p++) {
        tb_i32(t, p);
        tb_t b = {0};
        batch(&b, pid, seq, count, crc + (uint32_t)p);
        tb_bytes(t, false, b.b, b.n);
    }
}

/* The response: header v0 (corr 1), one topic, error and offset per partition, throttle. */
static void response_v7(tb_t *t, const char *topic, int nparts, const int16_t *err,
                        const int64_t *offset, int32_t throttle)
{
    tb_i32(t, 1);
    tb_arr(t, false, 1);
    tb_str(t, false, topic);
    tb_arr(t, false, nparts);
    for (int p = 0; p < nparts; p++) {
        tb_i32(t, p);
        tb_i16(t, err[p]);
        tb_i64(t, offset[p]);
        tb_i64(t, -1);
        tb_i64(t, 0);
    }
    tb_i32(t, throttle);
}

static kc_buf_t *request(fx_t *f, const tb_t *body, uint64_t now, uint32_t inflight)
{
    kc_rd_t r;
    kc_rd_init(&r, body->b, body->n, false);
    kc_produce_who_t who = {f->client, f->host, "librdkafka/2.0.2", "", inflight};
    kc_buf_t *sum = NULL;
    assert_int_equal(kc_metrics_produce_request(&f->m, &who, 7, &r, now, &sum), 0);
    return sum;
}

static void respond(fx_t *f, kc_buf_t *sum, const tb_t *resp, uint64_t t0, uint64_t now)
{
    kc_metrics_produce_response(&f->m, sum, 7, resp->b, resp->n, t0, t0 + 1000, now - 1000, now,
                                NULL);
    kc_buf_unref(&f->pool, sum);
}

static const kc_mclient_t *client0(fx_t *f)
{
    assert_int_equal(f->m.t.nclients, 1);
    return &f->m.t.clients[0];
}

static void test_idempotent_retry_no_duplicate(void **state)
{
    (void)state;
    fx_t *f = fx_new(0, 0, 0);
    tb_t req = {0}, ok = {0};
    produce_v7(&req, -1, "orders", 2, 7, 0, 10, 100);
    kc_buf_t *s1 = request(f, &req, 1000, 1);
    /* The first send goes unanswered (the connection drops), the producer resends it. */
    kc_buf_t *s2 = request(f, &req, 2000, 1);
    response_v7(&ok, "orders", 2, (int16_t[]){0, 0}, (int64_t[]){500, 600}, 0);
    respond(f, s2, &ok, 2000, 5000000);
    kc_buf_unref(&f->pool, s1);
    const kc_mclient_t *c = client0(f);
    assert_int_equal(c->records, 20);  /* each record once */
    assert_int_equal(c->retries, 20);  /* and each resent record once more */
    assert_int_equal(c->batches, 4);
    assert_int_equal(c->duplicates, 0);
    assert_int_equal(c->possible_duplicates, 0); /* idempotence: the broker dedupes */
    assert_int_equal(c->requests[KC_OUT_OK], 1);
    assert_true(c->idempotent);
    assert_int_equal(c->acks_seen, 4);
    assert_string_equal(c->software, "librdkafka/2.0.2");
    assert_int_equal(c->latency[KC_LEG_CLIENT][KC_OUT_OK].count, 1);
    assert_int_equal(c->latency[KC_LEG_CLIENT][KC_OUT_OK].sum_ns, 5000000 - 2000);
    assert_int_equal(c->latency[KC_LEG_BROKER][KC_OUT_OK].sum_ns, 5000000 - 1000 - 3000);
    assert_int_equal(c->throttle.count, 1);
    assert_int_equal(c->throttled, 0);
    fx_free(f);
}

static void test_plain_duplicates(void **state)
{
    (void)state;
    fx_t *f = fx_new(0, 0, 0);
    tb_t req = {0}, ok1 = {0}, ok2 = {0}, timeout = {0};
    produce_v7(&req, 1, "pay", 1, -1, -1, 5, 7000);
    /* Acknowledged at 100, resent anyway, acknowledged at 101: written twice. */
    kc_buf_t *s = request(f, &req, 1, 2);
    response_v7(&ok1, "pay", 1, (int16_t[]){0}, (int64_t[]){100}, 0);
    respond(f, s, &ok1, 1, 10);
    s = request(f, &req, 20, 2);
    response_v7(&ok2, "pay", 1, (int16_t[]){0}, (int64_t[]){101}, 0);
    respond(f, s, &ok2, 20, 30);
    const kc_mclient_t *c = client0(f);
    assert_int_equal(c->records, 5);
    assert_int_equal(c->retries, 5);
    assert_int_equal(c->duplicates, 5);
    assert_int_equal(c->possible_duplicates, 0);
    /* Another batch: REQUEST_TIMED_OUT (may have been written), resent, then acknowledged. */
    tb_t req2 = {0};
    produce_v7(&req2, 1, "pay", 1, -1, -1, 3, 9000);
    s = request(f, &req2, 40, 1);
    response_v7(&timeout, "pay", 1, (int16_t[]){7}, (int64_t[]){-1}, 250);
    respond(f, s, &timeout, 40, 50);
    s = request(f, &req2, 60, 1);
    respond(f, s, &ok1, 60, 70);
    c = client0(f);
    assert_int_equal(c->possible_duplicates, 3);
    assert_int_equal(c->duplicates, 5);
    assert_int_equal(c->requests[KC_OUT_RETRIABLE], 1);
    assert_int_equal(c->errors, 1);
    assert_int_equal(c->throttled, 1);
    assert_int_equal(c->throttle.max_ns, 250000000);
    assert_true(c->plain && !c->idempotent);
    assert_true(kc_risk_flags(c) & (1u << 1)); /* acks=1 */
    assert_true(kc_risk_flags(c) & (1u << 2)); /* 2 in flight without idempotence */
    const kc_mpart_t *p = &f->m.t.parts[0];
    assert_int_equal(p->err_code[0], 7);
    assert_int_equal(p->err_n[0], 1);
    fx_free(f);
}

static void test_acks0_and_fatal(void **state)
{
    (void)state;
    fx_t *f = fx_new(0, 0, 0);
    tb_t req = {0}, bad = {0};
    produce_v7(&req, 0, "logs", 1, -1, -1, 4, 1);
    assert_null(request(f, &req, 1, 1)); /* no response will come: no summary */
    tb_t req2 = {0};
    produce_v7(&req2, -1, "logs", 2, -1, -1, 4, 50);
    kc_buf_t *s = request(f, &req2, 2, 1);
    /* NOT_LEADER_OR_FOLLOWER (retriable) and RECORD_LIST_TOO_LARGE (18, fatal). */
    response_v7(&bad, "logs", 2, (int16_t[]){6, 18}, (int64_t[]){-1, -1}, 0);
    respond(f, s, &bad, 2, 3);
    const kc_mclient_t *c = client0(f);
    assert_int_equal(c->unanswered, 1);
    assert_int_equal(c->requests[KC_OUT_FATAL], 1); /* fatal wins over retriable */
    assert_true(kc_risk_flags(c) & 1u);             /* acks=0 */
    fx_free(f);
}

static void test_cap_folds_and_expiry(void **state)
{
    (void)state;
    fx_t *f = fx_new(2, 3, 5000);
    tb_t req = {0};
    produce_v7(&req, 0, "t", 2, -1, -1, 1, 1);
    const char *names[] = {"a", "b", "c", "d"};
    for (int i = 0; i < 4; i++) {
        f->client = kc_intern(&f->strings, names[i], 1);
        request(f, &req, 100, 1);
    }
    /* Two clients kept, the others folded into "(other)": 3 records of clients c and d... */
    assert_int_equal(f->m.t.nclients, 3);
    assert_ptr_equal(f->m.t.clients[2].client_id, kc_metrics_other);
    assert_int_equal(f->m.t.clients[2].records, 4); /* 2 clients x 2 partitions */
    /* ...and partitions past 3 folded into the client's "(other)" topic. */
    assert_true(f->m.t.folded >= 2);
    /* The same series sending again fold again, but are not counted again. */
    uint64_t folded = f->m.t.folded;
    for (int i = 0; i < 4; i++) {
        f->client = kc_intern(&f->strings, names[i], 1);
        request(f, &req, 100, 1);
    }
    assert_int_equal(f->m.t.folded, folded);
    uint64_t total = 0;
    for (uint32_t i = 0; i < f->m.t.nparts; i++)
        total += f->m.t.parts[i].records;
    assert_int_equal(total, 8); /* nothing lost by folding (the resends count as retries) */
    /* Idle past 5 µs: every series goes. */
    kc_metrics_tick(&f->m, 100 + 5000);
    assert_int_equal(f->m.t.nclients, 0);
    assert_int_equal(f->m.t.nparts, 0);
    assert_true(f->m.t.expired >= 3);
    fx_free(f);
}

static void test_topic_ids(void **state)
{
    (void)state;
    fx_t *f = fx_new(0, 0, 0);
    uint8_t id[16];
    for (int i = 0; i < 16; i++)
        id[i] = (uint8_t)(i * 7 + 1);
    tb_t req = {0};
    tb_str(&req, true, NULL);
    tb_i16(&req, 0);
    tb_i32(&req, 30000);
    tb_arr(&req, true, 1);
    tb_raw(&req, id, 16); /* v13: a topic id, no name */
    tb_arr(&req, true, 1);
    tb_i32(&req, 0);
    tb_t b = {0};
    batch(&b, -1, -1, 2, 5);
    tb_bytes(&req, true, b.b, b.n);
    tb_tags0(&req, true);
    tb_tags0(&req, true);
    tb_tags0(&req, true);
    kc_produce_who_t who = {f->client, f->host, "", "", 1};
    kc_rd_t r;
    kc_buf_t *sum;
    kc_rd_init(&r, req.b, req.n, true);
    assert_int_equal(kc_metrics_produce_request(&f->m, &who, 13, &r, 1, &sum), 0);
    char text[23];
    kc_topics_id_text(id, text);
    assert_int_equal(strlen(text), 22);
    assert_string_equal(f->m.t.parts[0].topic, text); /* unknown: reported as the id */
    kc_topics_learn(&f->ids, id, (kc_str_t){"orders", 6});
    kc_rd_init(&r, req.b, req.n, true);
    assert_int_equal(kc_metrics_produce_request(&f->m, &who, 13, &r, 2, &sum), 0);
    assert_string_equal(f->m.t.parts[1].topic, "orders");
    /* A second loop's cache finds it through the shared map. */
    kc_topics_t other;
    assert_int_equal(kc_topics_init(&other, &f->shared), 0);
    assert_string_equal(kc_topics_name(&other, id), "orders");
    kc_topics_free(&other);
    fx_free(f);
}

static void test_expose(void **state)
{
    (void)state;
    fx_t *f = fx_new(0, 0, 0);
    tb_t req = {0}, ok = {0};
    produce_v7(&req, -1, "orders", 2, 9, 0, 3, 1);
    kc_buf_t *s = request(f, &req, 1000, 1);
    response_v7(&ok, "orders", 2, (int16_t[]){0, 6}, (int64_t[]){1, -1}, 0);
    respond(f, s, &ok, 1000, 60000000);
    /* A view merged from two shards counts both. */
    kc_mtable_t view;
    kc_intern_t strings;
    assert_int_equal(kc_mtable_init(&view, 0, 0), 0);
    assert_int_equal(kc_intern_init(&strings, 64), 0);
    assert_int_equal(kc_mtable_merge(&view, &f->m.t, &strings), 0);
    assert_int_equal(kc_mtable_merge(&view, &f->m.t, &strings), 0);
    assert_int_equal(view.nclients, 1);
    assert_int_equal(view.clients[0].records, 12);
    kc_proxy_stats_t st = {.connections = 3, .loops = 2};
    size_t len;
    char *prom = kc_expose_prometheus(&view, &st, 70000000, &len);
    assert_non_null(prom);
    assert_int_equal(strlen(prom), len);
    assert_non_null(strstr(prom, "kchaos_produce_records_total{client_id=\"app-1\",host=\"10.0.0.7\","
                                 "topic=\"orders\"} 12\n"));
    assert_non_null(strstr(prom, "kchaos_produce_errors_total{client_id=\"app-1\",host=\"10.0.0.7\","
                                 "topic=\"orders\",error=\"NOT_LEADER_OR_FOLLOWER\",retriable=\"true\","
                                 "source=\"broker\"} 2\n"));
    assert_non_null(strstr(prom, "kchaos_produce_requests_total{client_id=\"app-1\",host=\"10.0.0.7\","
                                 "outcome=\"retriable\"} 2\n"));
    /* 60 ms: above le=0.05, within le=0.1. */
    assert_non_null(strstr(prom, "leg=\"client\",outcome=\"retriable\",le=\"0.05\"} 0\n"));
    assert_non_null(strstr(prom, "leg=\"client\",outcome=\"retriable\",le=\"0.1\"} 2\n"));
    assert_non_null(strstr(prom, "kchaos_produce_throttle_seconds_bucket{client_id=\"app-1\","
                                 "host=\"10.0.0.7\",le=\"0.0005\"} 2\n"));
    assert_non_null(strstr(prom, "kchaos_connections 3\n"));
    free(prom);
    char *json = kc_expose_json(&view, &st, 70000000, &len);
    assert_non_null(json);
    assert_non_null(strstr(json, "\"client_id\":\"app-1\",\"host\":\"10.0.0.7\""));
    assert_non_null(strstr(json, "\"errors\":{\"NOT_LEADER_OR_FOLLOWER\":2}"));
    assert_non_null(strstr(json, "\"risks\":[{\"flag\":\"known_bug\""));
    free(json);
    kc_mtable_free(&view);
    kc_intern_free(&strings);
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_idempotent_retry_no_duplicate),
        cmocka_unit_test(test_plain_duplicates),
        cmocka_unit_test(test_acks0_and_fatal),
        cmocka_unit_test(test_cap_folds_and_expiry),
        cmocka_unit_test(test_topic_ids),
        cmocka_unit_test(test_expose),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
