/* Micro-benchmark of the hot path (./dev.sh bench prints it): one histogram update, one Produce
 * request decoded and counted, one Produce response decoded and counted, the same response fed
 * to a running recording (issue 16), and the fault engine's decisions on a Produce request and
 * its response with a scenario that matches nothing (argv[1]: bench/never-matches.yaml), in
 * nanoseconds each, median of 9 runs. Whole-process
 * figures are bench.py's; these say where the per-request cost lies. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "fault/engine.h"
#include "kafka/api.h"
#include "kafka/produce.h"
#include "metrics/metrics.h"
#include "record/recorder.h"

#define RUNS 9

/* A request body with one topic of `parts` partitions, one idempotent batch each. */
static size_t request(uint8_t *b, int parts, int seq)
{
    kc_wr_t w;
    kc_pool_t pool;
    kc_buf_pool_init(&pool, 1 << 20);
    kc_wr_init(&w, &pool, 4096, false);
    kc_wr_str(&w, (kc_str_t){NULL, -1});
    kc_wr_i16(&w, -1);
    kc_wr_i32(&w, 30000);
    kc_wr_array(&w, 1);
    kc_wr_str(&w, (kc_str_t){"orders", 6});
    kc_wr_array(&w, parts);
    for (int p = 0; p < parts; p++) {
        kc_wr_i32(&w, p);
        kc_wr_i32(&w, 61 + 100);             /* RECORDS length */
        kc_wr_i64(&w, 0);                    /* baseOffset */
        kc_wr_i32(&w, 49 + 100);             /* batchLength */
        kc_wr_i32(&w, -1);
        kc_wr_i8(&w, 2);
        kc_wr_i32(&w, 0x12345678 + p);       /* crc */
        kc_wr_i16(&w, 0);
        kc_wr_i32(&w, 9);
        kc_wr_i64(&w, 1700000000000);
        kc_wr_i64(&w, 1700000000000);
        kc_wr_i64(&w, 42);                   /* producer id */
        kc_wr_i16(&w, 0);
        kc_wr_i32(&w, seq * 10);             /* base sequence: every request a new batch */
        kc_wr_i32(&w, 10);
        uint8_t pad[100] = {0};
        kc_wr_raw(&w, pad, sizeof(pad));
    }
    size_t n;
    kc_buf_t *buf = kc_wr_take(&w, &n);
    memcpy(b, buf->data, n);
    kc_buf_unref(&pool, buf);
    kc_buf_pool_free(&pool);
    return n;
}

static size_t response(uint8_t *b, int parts)
{
    size_t n = 0;
#define PUT32(v) (b[n] = (uint8_t)((v) >> 24), b[n + 1] = (uint8_t)((v) >> 16), b[n + 2] = (uint8_t)((v) >> 8), b[n + 3] = (uint8_t)(v), n += 4)
#define PUT16(v) (b[n] = (uint8_t)((v) >> 8), b[n + 1] = (uint8_t)(v), n += 2)
#define PUT64(v) (PUT32((uint32_t)((uint64_t)(v) >> 32)), PUT32((uint32_t)(v)))
    PUT32(7);   /* correlation id */
    PUT32(1);   /* topics */
    PUT16(6);
    memcpy(b + n, "orders", 6), n += 6;
    PUT32((uint32_t)parts);
    for (int p = 0; p < parts; p++) {
        PUT32((uint32_t)p);
        PUT16(0);
        PUT64(1000 + p);
        PUT64(-1);
        PUT64(0);
    }
    PUT32(0);   /* throttle */
    return n;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* kc_record_response on one Produce v7 response of `parts` partitions (the header's correlation
 * id, then the body), a recording running: ns per call, median of RUNS. */
static double record_feed(kc_pool_t *pool, kc_topics_t *ids, int parts, int n)
{
    static uint8_t msg[4096];
    size_t len = response(msg, parts);
    kc_recorder_t *r = kc_recorder_new();
    kc_record_opts_t o = {0};
    uint64_t t0 = uv_hrtime();
    if (!r || kc_recorder_start(r, &o, t0))
        exit(1);
    double ns[RUNS];
    for (int run = 0; run < RUNS; run++) {
        uint64_t a = uv_hrtime();
        for (int i = 0; i < n; i++)
            kc_record_response(r, pool, uv_hrtime(), 1 + i % 3, "bench", KC_API_PRODUCE, 7, msg,
                               (uint32_t)len, a, ids);
        ns[run] = (double)(uv_hrtime() - a) / n;
    }
    if (!kc_recorder_on(r) || kc_recorder_bytes(r) == 0)
        exit(2); /* it recorded nothing: not the benchmark it claims to be */
    kc_recorder_free(r);
    qsort(ns, RUNS, sizeof(double), cmp);
    return ns[RUNS / 2];
}

/* The fault engine's two decisions on one Produce v7 request and its answer, with the scenario
 * at path running: ns per pair, median of RUNS. */
static double fault_decisions(kc_pool_t *pool, kc_topics_t *ids, const char *path, int n)
{
    kc_scenario_diags_t d = {0};
    kc_scenario_t *sc = kc_scenario_load(path, &d);
    if (!sc) {
        for (int i = 0; i < d.n; i++)
            fprintf(stderr, "%s\n", d.v[i]);
        exit(1);
    }
    kc_scenario_diags_free(&d);
    kc_faults_t *f = kc_faults_new();
    kc_faults_put(f, sc, uv_hrtime(), NULL);
    kc_pipe_env_t env = {.pool = pool, .topics = ids};
    kc_session_t s = {.env = &env, .log = {.client_id = "bench"}, .host = "127.0.0.1",
                      .software = "bench/1.0", .principal_id = "", .node_id = 1};
    static uint8_t msg[4096], resp[4096];
    /* Request header v1 (api key, version, correlation id, client id), then the body. */
    size_t h = 0;
    memcpy(msg + 4, (uint8_t[]){0, 0, 0, 7, 0, 0, 0, 7, 0, 5, 'b', 'e', 'n', 'c', 'h'}, 15);
    h = 4 + 15;
    size_t len = h + request(msg + h, 3, 1);
    msg[0] = (uint8_t)((len - 4) >> 24), msg[1] = (uint8_t)((len - 4) >> 16);
    msg[2] = (uint8_t)((len - 4) >> 8), msg[3] = (uint8_t)(len - 4);
    size_t rlen = response(resp + 4, 3) + 4;
    resp[0] = resp[1] = 0, resp[2] = (uint8_t)((rlen - 4) >> 8), resp[3] = (uint8_t)(rlen - 4);
    double ns[RUNS];
    for (int run = 0; run < RUNS; run++) {
        uint64_t t0 = uv_hrtime();
        for (int i = 0; i < n; i++) {
            kc_frame_t fr = {.data = msg, .len = (uint32_t)len}, fa = {.data = resp, .len = (uint32_t)rlen};
            kc_inflight_t e = {.api_key = KC_API_PRODUCE, .api_version = 7, .expect_response = true};
            kc_decision_t dq = {.verdict = KC_PASS}, da = {.verdict = KC_PASS};
            s.now = uv_hrtime();
            kc_fault_decide_request(f, &s, &e, &fr, &dq);
            kc_fault_decide_response(f, &s, &e, &fa, &da);
            if (dq.verdict != KC_PASS || da.verdict != KC_PASS || dq.merge.fn)
                exit(2); /* it matched: not the benchmark it claims to be */
        }
        ns[run] = (double)(uv_hrtime() - t0) / n;
    }
    kc_faults_free(f);
    qsort(ns, RUNS, sizeof(double), cmp);
    return ns[RUNS / 2];
}

int main(int argc, char **argv)
{
    enum { N = 200000, PARTS = 3 };
    kc_pool_t pool;
    kc_buf_pool_init(&pool, 64u << 20);
    kc_topics_shared_t shared;
    kc_topics_t ids;
    kc_topics_shared_init(&shared);
    kc_topics_init(&ids, &shared);
    kc_metrics_t m;
    kc_metrics_cfg_t cfg = {0};
    kc_metrics_init(&m, &cfg, &pool, &ids);
    kc_intern_t strings;
    kc_intern_init(&strings, 64);
    kc_produce_who_t who = {kc_intern(&strings, "bench", 5), kc_intern(&strings, "127.0.0.1", 9),
                            "bench/1.0", "", 1};
    static uint8_t req[4096], resp[4096];
    size_t rlen = response(resp, PARTS);
    double hist_ns[RUNS], req_ns[RUNS], resp_ns[RUNS];
    kc_hist_t h = {0};
    for (int run = 0; run < RUNS; run++) {
        uint64_t t0 = uv_hrtime();
        for (int i = 0; i < N; i++)
            kc_hist_add(&h, (uint64_t)i * 7919 % 100000000);
        hist_ns[run] = (double)(uv_hrtime() - t0) / N;
        double rq = 0, rs = 0;
        for (int i = 0; i < N / 10; i++) {
            size_t qlen = request(req, PARTS, run * N + i);
            kc_rd_t r;
            kc_rd_init(&r, req, qlen, false);
            kc_buf_t *sum = NULL;
            uint64_t a = uv_hrtime();
            kc_metrics_produce_request(&m, &who, 7, &r, a, &sum);
            uint64_t b = uv_hrtime();
            kc_metrics_produce_response(&m, sum, 7, resp, rlen, a, a, b, b, NULL);
            uint64_t c = uv_hrtime();
            rq += (double)(b - a), rs += (double)(c - b);
            kc_buf_unref(&pool, sum);
        }
        req_ns[run] = rq / (N / 10);
        resp_ns[run] = rs / (N / 10);
    }
    qsort(hist_ns, RUNS, sizeof(double), cmp);
    qsort(req_ns, RUNS, sizeof(double), cmp);
    qsort(resp_ns, RUNS, sizeof(double), cmp);
    printf("| operation | ns (median of %d runs) |\n|---|--:|\n", RUNS);
    printf("| one histogram update | %.1f |\n", hist_ns[RUNS / 2]);
    printf("| Produce request decoded and counted (%d partitions, one batch each) | %.0f |\n",
           PARTS, req_ns[RUNS / 2]);
    printf("| its response decoded and counted | %.0f |\n", resp_ns[RUNS / 2]);
    printf("| its response fed to a running recording (kc_record_response) | %.0f |\n",
           record_feed(&pool, &ids, PARTS, N / 10));
    if (argc > 1)
        printf("| the fault engine's decisions on both, a scenario matching nothing (%s) | %.0f |\n",
               argv[1], fault_decisions(&pool, &ids, argv[1], N / 10));
    kc_metrics_free(&m);
    kc_topics_free(&ids);
    kc_topics_shared_free(&shared);
    kc_intern_free(&strings);
    kc_buf_pool_free(&pool);
    return 0;
}
