/* Exposition: see expose.h. Prometheus text format 0.0.4: one HELP and TYPE per family, its
 * samples together, label values escaped; histograms cumulative with le="+Inf" equal to
 * _count. */
#include "expose.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../kafka/errors.h"
#include "../util/sb.h"

/* ---- risks ---- */

const kc_risk_t kc_risks[KC_RISK_FLAGS] = {
    {"acks_0", "acks=0: the producer never learns whether a record was written; a broker failure "
               "loses records silently. Use acks=all."},
    {"acks_1", "acks=1: a record acknowledged by the leader alone is lost if the leader fails "
               "before a follower copies it. Use acks=all."},
    {"reordering_retries", "no idempotence with more than one request in flight: a retried batch "
                           "can land after a later one. Enable idempotence."},
    {"idempotence_without_acks_all", "idempotent batches sent with acks other than all: Kafka "
                                     "requires acks=all for idempotence; check the client."},
    {"tiny_batches", "many requests a second with about one record a batch: linger.ms is likely "
                     "0; a few ms of linger cuts requests and broker load."},
    {"uncompressed_large_batches", "large batches sent uncompressed: compression (lz4, zstd) "
                                   "would cut bytes on the wire and on disk."},
    {"known_bug", "librdkafka before 2.3.0 raises fatal idempotent-producer errors after a "
                  "possibly persisted message (librdkafka #4438). Upgrade."},
};

/* "librdkafka/2.0.2", "confluent-kafka-python/2.3.0-rdkafka-2.3.0": the librdkafka version. */
static int rdkafka_before(const char *sw, int major, int minor)
{
    const char *v = strstr(sw, "rdkafka-");
    if (v)
        v += 8;
    else if (!strncmp(sw, "librdkafka/", 11))
        v = sw + 11;
    else
        return 0;
    int a = 0, b = 0;
    if (sscanf(v, "%d.%d", &a, &b) != 2)
        return 0;
    return a < major || (a == major && b < minor);
}

uint32_t kc_risk_flags(const kc_mclient_t *c)
{
    uint32_t f = 0;
    uint64_t batches = c->batches ? c->batches : 1;
    double per_batch = (double)(c->records + c->retries) / (double)batches;
    if (c->acks_seen & 1)
        f |= 1u << 0;
    if (c->acks_seen & 2)
        f |= 1u << 1;
    if (c->plain && !c->idempotent && c->max_inflight > 1 && (c->acks_seen & 6))
        f |= 1u << 2;
    if (c->idempotent && (c->acks_seen & 3))
        f |= 1u << 3;
    if (c->batches >= 100 && per_batch < 2 && c->rate[2] >= 50)
        f |= 1u << 4;
    if (c->codecs == 1 && c->batches && c->bytes / batches >= 64 * 1024)
        f |= 1u << 5;
    if (c->idempotent && rdkafka_before(c->software, 2, 3))
        f |= 1u << 6;
    return f;
}

/* ---- Prometheus ---- */

static const char *const outcome_names[KC_OUTCOMES] = {"ok", "retriable", "fatal"};
static const char *const leg_names[KC_LEGS] = {"client", "broker"};
/* Exported bucket bounds, seconds (each one a kc_hist_bound_ns): the SLO thresholds among them. */
static const double le_s[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                              0.25,   0.5,   1,      2.5,   5,    10,   30};
#define NLE (sizeof(le_s) / sizeof(le_s[0]))

static int bound_index(double s)
{
    uint64_t ns = (uint64_t)(s * 1e9 + 0.5);
    for (int i = 0; i < KC_HIST_BOUNDS; i++)
        if (kc_hist_bound_ns[i] == ns)
            return i;
    abort(); /* an exported bound that is no bucket edge would make its count wrong */
}

static void family(kc_sb_t *b, const char *name, const char *type, const char *help)
{
    kc_sb_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* client_id and host, and principal once SASL authenticated one (a label left out is the
 * empty one to Prometheus, so series of clients without SASL keep their label sets). */
static void client_labels(kc_sb_t *b, const kc_mclient_t *c)
{
    kc_sb_printf(b, "client_id=\"");
    kc_sb_str(b, c->client_id, 0);
    kc_sb_printf(b, "\",host=\"");
    kc_sb_str(b, c->host, 0);
    if (c->principal && c->principal[0]) {
        kc_sb_printf(b, "\",principal=\"");
        kc_sb_str(b, c->principal, 0);
    }
    kc_sb_printf(b, "\"");
}

static void hist(kc_sb_t *b, const char *name, const kc_mclient_t *c, const char *extra,
                 const kc_hist_t *h)
{
    uint64_t cum = 0;
    int prev = -1;
    for (size_t i = 0; i < NLE; i++) {
        int bi = bound_index(le_s[i]);
        for (int k = prev + 1; k <= bi; k++)
            cum += h->bucket[k];
        prev = bi;
        kc_sb_printf(b, "%s_bucket{", name);
        client_labels(b, c);
        kc_sb_printf(b, "%s,le=\"%g\"} %llu\n", extra, le_s[i], (unsigned long long)cum);
    }
    kc_sb_printf(b, "%s_bucket{", name);
    client_labels(b, c);
    kc_sb_printf(b, "%s,le=\"+Inf\"} %llu\n", extra, (unsigned long long)h->count);
    kc_sb_printf(b, "%s_sum{", name);
    client_labels(b, c);
    kc_sb_printf(b, "%s} %.9f\n", extra, (double)h->sum_ns / 1e9);
    kc_sb_printf(b, "%s_count{", name);
    client_labels(b, c);
    kc_sb_printf(b, "%s} %llu\n", extra, (unsigned long long)h->count);
}

/* Partitions grouped by client and topic: the order render() walks them in. */
static int by_client_topic(const void *x, const void *y)
{
    const kc_mpart_t *a = *(const kc_mpart_t *const *)x, *b = *(const kc_mpart_t *const *)y;
    if (a->client != b->client)
        return a->client < b->client ? -1 : 1;
    int t = strcmp(a->topic, b->topic);
    if (t)
        return t;
    return a->partition < b->partition ? -1 : a->partition > b->partition;
}

static const kc_mpart_t **sorted_parts(const kc_mtable_t *t)
{
    const kc_mpart_t **v = malloc((t->nparts ? t->nparts : 1) * sizeof(*v));
    if (!v)
        return NULL;
    for (uint32_t i = 0; i < t->nparts; i++)
        v[i] = &t->parts[i];
    qsort(v, t->nparts, sizeof(*v), by_client_topic);
    return v;
}

/* A topic's sum over its partitions. */
typedef struct topic_sum {
    uint64_t v[7]; /* batches, bytes, records, retries, duplicates, possible, record_errors */
} topic_sum_t;

static uint32_t topic_run(const kc_mpart_t **v, uint32_t i, uint32_t n, topic_sum_t *s)
{
    uint32_t j = i;
    memset(s, 0, sizeof(*s));
    for (; j < n && v[j]->client == v[i]->client && !strcmp(v[j]->topic, v[i]->topic); j++) {
        const kc_mpart_t *p = v[j];
        uint64_t add[7] = {p->batches, p->bytes, p->records, p->retries, p->duplicates,
                           p->possible_duplicates, p->record_errors};
        for (int k = 0; k < 7; k++)
            s->v[k] += add[k];
    }
    return j;
}

static void topic_counters(kc_sb_t *b, const kc_mtable_t *t, const kc_mpart_t **v)
{
    static const struct {
        const char *name, *help;
    } fams[6] = {
        {"kchaos_produce_batches_total", "Record batches sent, retries included."},
        {"kchaos_produce_bytes_total", "Record batch bytes on the wire, retries included."},
        {"kchaos_produce_records_total", "Records sent, each counted once, on its first send."},
        {"kchaos_produce_retries_total", "Records sent again (a batch seen before)."},
        {"kchaos_produce_duplicates_total",
         "Records of retried batches the broker acknowledged at two different offsets."},
        {"kchaos_produce_possible_duplicates_total",
         "Records of retried batches whose earlier send may have been written unseen "
         "(producers without idempotence)."},
    };
    for (int f = 0; f < 6; f++) {
        family(b, fams[f].name, "counter", fams[f].help);
        for (uint32_t i = 0; i < t->nparts;) {
            topic_sum_t s;
            uint32_t j = topic_run(v, i, t->nparts, &s);
            kc_sb_printf(b, "%s{", fams[f].name);
            client_labels(b, &t->clients[v[i]->client]);
            kc_sb_printf(b, ",topic=\"");
            kc_sb_str(b, v[i]->topic, 0);
            kc_sb_printf(b, "\"} %llu\n", (unsigned long long)s.v[f]);
            i = j;
        }
    }
}

static void error_counters(kc_sb_t *b, const kc_mtable_t *t, const kc_mpart_t **v)
{
    family(b, "kchaos_produce_errors_total", "counter",
           "Partition results carrying an error, by error name; source=\"kchaos\" for the errors "
           "a fault scenario injected, \"broker\" for the broker's own.");
    for (uint32_t i = 0; i < t->nparts;) {
        topic_sum_t s;
        uint32_t j = topic_run(v, i, t->nparts, &s);
        /* The run's distinct codes, summed over its partitions. */
        int16_t code[64];
        uint64_t n[64];
        int nc = 0;
        for (uint32_t k = i; k < j; k++)
            for (int e = 0; e < KC_MPART_ERRORS; e++) {
                if (!v[k]->err_n[e])
                    continue;
                int x = 0;
                while (x < nc && code[x] != v[k]->err_code[e])
                    x++;
                if (x == nc && nc < 64)
                    code[nc] = v[k]->err_code[e], n[nc++] = 0;
                if (x < nc)
                    n[x] += v[k]->err_n[e];
            }
        for (int x = 0; x < nc; x++) {
            kc_sb_printf(b, "kchaos_produce_errors_total{");
            client_labels(b, &t->clients[v[i]->client]);
            kc_sb_printf(b, ",topic=\"");
            kc_sb_str(b, v[i]->topic, 0);
            int16_t c = (int16_t)(code[x] & ~KC_MERR_INJECTED); /* when not OTHER */
            kc_sb_printf(b, "\",error=\"%s\",retriable=\"%s\",source=\"%s\"} %llu\n",
                         code[x] == KC_MERR_OTHER ? "OTHER" : kc_kafka_error_name(c),
                         code[x] != KC_MERR_OTHER && kc_kafka_error_retriable(c) ? "true" : "false",
                         code[x] != KC_MERR_OTHER && (code[x] & KC_MERR_INJECTED) ? "kchaos"
                                                                                  : "broker",
                         (unsigned long long)n[x]);
        }
        i = j;
    }
}

/* The leading indicators (trend.h): value over the last 10 s, slope, and runway (absent while
 * there is none: flat or improving, or too few snapshots). */
static void indicator_gauges(kc_sb_t *b, const kc_mtable_t *t)
{
    static const char *const fam[3][2] = {
        {"kchaos_producer_indicator", "Leading indicator over the last 10 s snapshot interval "
                                      "(latency_p99_ms, errors_per_s, retries_per_s, throttle_ms)."},
        {"kchaos_producer_indicator_slope_per_second", "Least-squares slope of the indicator "
                                                       "over the last 10 minutes, per second."},
        {"kchaos_producer_runway_seconds", "Seconds until the indicator reaches its threshold "
                                           "at its current slope (0: there already; absent: "
                                           "flat, improving or under 3 snapshots)."}};
    for (int f = 0; f < 3; f++) {
        family(b, fam[f][0], "gauge", fam[f][1]);
        for (uint32_t i = 0; i < t->nclients; i++)
            for (int k = 0; k < KC_INDS; k++) {
                kc_indicator_t ind;
                kc_trend_indicator(&t->clients[i].trend, k, kc_ind_threshold[k], &ind);
                if (f == 2 && !ind.has_runway)
                    continue;
                kc_sb_printf(b, "%s{", fam[f][0]);
                client_labels(b, &t->clients[i]);
                kc_sb_printf(b, ",indicator=\"%s\"} %.6g\n", kc_ind_names[k],
                          f == 0 ? ind.now : f == 1 ? ind.slope_per_s : ind.runway_s);
            }
    }
}

static void gauge(kc_sb_t *b, const char *name, const char *help, const char *type, uint64_t v)
{
    family(b, name, type, help);
    kc_sb_printf(b, "%s %llu\n", name, (unsigned long long)v);
}

/* Only when TLS is on for a side: a plaintext kchaos exports no TLS families. */
static void tls_figures(kc_sb_t *b, const kc_proxy_stats_t *st)
{
    static const char *const cert_names[KC_TLS_SIDES] = {"server", "upstream-client"};
    if (!st->tls_on[0] && !st->tls_on[1])
        return;
    family(b, "kchaos_tls_handshake_failures_total", "counter",
           "TLS handshakes that failed, by side (client: kchaos as server; upstream: to a "
           "broker) and reason (protocol, certificate, truncated, other).");
    for (int s = 0; s < KC_TLS_SIDES; s++)
        for (int k = 0; st->tls_on[s] && k < KC_TLS_FAIL_KINDS; k++)
            kc_sb_printf(b, "kchaos_tls_handshake_failures_total{side=\"%s\",reason=\"%s\"} %llu\n",
                         kc_tls_side_names[s], kc_tls_fail_names[k],
                         (unsigned long long)st->tls.failures[s][k]);
    family(b, "kchaos_tls_cert_expiry_seconds", "gauge",
           "Seconds until a certificate kchaos shows expires (negative: expired); server: to "
           "clients, upstream-client: to brokers (mutual TLS).");
    for (int s = 0; s < KC_TLS_SIDES; s++)
        if (st->cert_known[s])
            kc_sb_printf(b, "kchaos_tls_cert_expiry_seconds{cert=\"%s\"} %lld\n", cert_names[s],
                         (long long)st->cert_expiry[s]);
}

char *kc_expose_prometheus(const kc_mtable_t *t, const kc_proxy_stats_t *st, uint64_t now,
                           size_t *len)
{
    (void)now;
    kc_sb_t b = {0};
    const kc_mpart_t **v = sorted_parts(t);
    if (!v)
        return NULL;
    family(&b, "kchaos_produce_requests_total", "counter",
           "Produce requests answered, retries included, by outcome (ok: every partition "
           "succeeded; retriable: a retriable error and no fatal one; fatal).");
    for (uint32_t i = 0; i < t->nclients; i++)
        for (int o = 0; o < KC_OUTCOMES; o++) {
            kc_sb_printf(&b, "kchaos_produce_requests_total{");
            client_labels(&b, &t->clients[i]);
            kc_sb_printf(&b, ",outcome=\"%s\"} %llu\n", outcome_names[o],
                      (unsigned long long)t->clients[i].requests[o]);
        }
    family(&b, "kchaos_produce_unanswered_requests_total", "counter",
           "Produce requests with acks=0: no response comes.");
    for (uint32_t i = 0; i < t->nclients; i++) {
        kc_sb_printf(&b, "kchaos_produce_unanswered_requests_total{");
        client_labels(&b, &t->clients[i]);
        kc_sb_printf(&b, "} %llu\n", (unsigned long long)t->clients[i].unanswered);
    }
    topic_counters(&b, t, v);
    error_counters(&b, t, v);
    family(&b, "kchaos_produce_latency_seconds", "histogram",
           "Produce latency per request: leg client is request read to response written to "
           "the client, leg broker is request forwarded to response read.");
    for (uint32_t i = 0; i < t->nclients; i++)
        for (int l = 0; l < KC_LEGS; l++)
            for (int o = 0; o < KC_OUTCOMES; o++) {
                char extra[64];
                snprintf(extra, sizeof(extra), ",leg=\"%s\",outcome=\"%s\"", leg_names[l],
                         outcome_names[o]);
                hist(&b, "kchaos_produce_latency_seconds", &t->clients[i], extra,
                     &t->clients[i].latency[l][o]);
            }
    family(&b, "kchaos_produce_throttle_seconds", "histogram",
           "throttle_time_ms of every Produce response, zeros included (the first bucket, "
           "le=0.0005, holds exactly the unthrottled ones).");
    for (uint32_t i = 0; i < t->nclients; i++)
        hist(&b, "kchaos_produce_throttle_seconds", &t->clients[i], "", &t->clients[i].throttle);
    family(&b, "kchaos_produce_throttled_responses_total", "counter",
           "Produce responses with throttle_time_ms > 0.");
    for (uint32_t i = 0; i < t->nclients; i++) {
        kc_sb_printf(&b, "kchaos_produce_throttled_responses_total{");
        client_labels(&b, &t->clients[i]);
        kc_sb_printf(&b, "} %llu\n", (unsigned long long)t->clients[i].throttled);
    }
    family(&b, "kchaos_producer_risk", "gauge",
           "1 when the wire proves the producer configuration risky (flag; reasons in "
           "/api/v1/clients), else 0.");
    for (uint32_t i = 0; i < t->nclients; i++) {
        uint32_t f = kc_risk_flags(&t->clients[i]);
        for (int k = 0; k < KC_RISK_FLAGS; k++) {
            kc_sb_printf(&b, "kchaos_producer_risk{");
            client_labels(&b, &t->clients[i]);
            kc_sb_printf(&b, ",flag=\"%s\"} %d\n", kc_risks[k].flag, (f >> k) & 1);
        }
    }
    family(&b, "kchaos_produce_delivery_failures_total", "counter",
           "Delivery failures: partition results with an error the client does not retry, and "
           "batches given up (a retriable error and no success within 120 s).");
    for (uint32_t i = 0; i < t->nclients; i++) {
        kc_sb_printf(&b, "kchaos_produce_delivery_failures_total{");
        client_labels(&b, &t->clients[i]);
        kc_sb_printf(&b, "} %llu\n", (unsigned long long)t->clients[i].delivery_failures);
    }
    indicator_gauges(&b, t);
    family(&b, "kchaos_producer_info", "gauge",
           "The producer as the wire shows it: client software, acks, idempotence, "
           "transactions, most requests in flight on one connection.");
    for (uint32_t i = 0; i < t->nclients; i++) {
        const kc_mclient_t *c = &t->clients[i];
        kc_sb_printf(&b, "kchaos_producer_info{");
        client_labels(&b, c);
        kc_sb_printf(&b, ",software=\"");
        kc_sb_str(&b, c->software, 0);
        kc_sb_printf(&b, "\",acks=\"%s%s%s\",idempotent=\"%s\",transactional=\"%s\","
                      "max_inflight=\"%u\"} 1\n",
                  c->acks_seen & 1 ? "0" : "", c->acks_seen & 2 ? "1" : "",
                  c->acks_seen & 4 ? "all" : "", c->idempotent ? "true" : "false",
                  c->transactional ? "true" : "false", c->max_inflight);
    }
    gauge(&b, "kchaos_connections", "Open client connections (each paired with one to a broker).",
          "gauge", st->connections);
    gauge(&b, "kchaos_inflight_requests", "Requests awaiting their response.", "gauge", st->inflight);
    gauge(&b, "kchaos_buffered_bytes", "Bytes held in partial, held and queued frames.", "gauge",
          st->buffered_bytes);
    gauge(&b, "kchaos_buffered_bytes_cap", "--max-buffered-bytes.", "gauge", st->buffer_cap);
    gauge(&b, "kchaos_memory_pauses_total",
          "Times the buffered-bytes cap was reached and reading paused.", "counter",
          st->memory_pauses);
    gauge(&b, "kchaos_connections_refused_total", "Connections refused over a limit.", "counter",
          st->refused);
    gauge(&b, "kchaos_produce_malformed_batches_total",
          "Record batches kchaos could not read (passed on as they were).", "counter",
          st->malformed_batches);
    gauge(&b, "kchaos_produce_batches_forgotten_total",
          "Batch identities forgotten before a retry could match them.", "counter",
          st->batches_forgotten);
    tls_figures(&b, st);
    gauge(&b, "kchaos_metrics_series", "Client and partition series kept.", "gauge",
          (uint64_t)t->nclients + t->nparts);
    gauge(&b, "kchaos_metrics_folded_series_total",
          "New series folded into \"(other)\" over the cardinality caps.", "counter", t->folded);
    gauge(&b, "kchaos_metrics_expired_series_total", "Series removed for idleness.", "counter",
          t->expired);
    free(v);
    return kc_sb_done(&b, len);
}

/* ---- JSON ---- */

static void json_hist_ms(kc_sb_t *b, const char *key, const kc_hist_t *h)
{
    kc_sb_printf(b, "\"%s\":{\"count\":%llu,\"mean\":%.3f,\"p50\":%.3f,\"p95\":%.3f,\"p99\":%.3f,"
                 "\"max\":%.3f}",
              key, (unsigned long long)h->count,
              h->count ? (double)h->sum_ns / (double)h->count / 1e6 : 0.0,
              (double)kc_hist_quantile(h, 0.50) / 1e6, (double)kc_hist_quantile(h, 0.95) / 1e6,
              (double)kc_hist_quantile(h, 0.99) / 1e6, (double)h->max_ns / 1e6);
}

static void json_counts(kc_sb_t *b, const topic_sum_t *s)
{
    kc_sb_printf(b, "\"batches\":%llu,\"bytes\":%llu,\"records\":%llu,\"retries\":%llu,"
                 "\"duplicates\":%llu,\"possible_duplicates\":%llu,\"record_errors\":%llu",
              (unsigned long long)s->v[0], (unsigned long long)s->v[1],
              (unsigned long long)s->v[2], (unsigned long long)s->v[3],
              (unsigned long long)s->v[4], (unsigned long long)s->v[5],
              (unsigned long long)s->v[6]);
}

/* "errors" (the broker's) or "injected_errors" (a fault's), by name. */
static void json_errors(kc_sb_t *b, const kc_mpart_t *const *v, uint32_t i, uint32_t j,
                        bool injected)
{
    kc_sb_printf(b, "\"%s\":{", injected ? "injected_errors" : "errors");
    int first = 1;
    for (uint32_t k = i; k < j; k++)
        for (int e = 0; e < KC_MPART_ERRORS; e++) {
            if (!v[k]->err_n[e] ||
                (v[k]->err_code[e] != KC_MERR_OTHER &&
                 !!(v[k]->err_code[e] & KC_MERR_INJECTED) != injected) ||
                (v[k]->err_code[e] == KC_MERR_OTHER && injected))
                continue;
            /* Summed over the run's partitions: write a code the first time it appears. */
            int seen = 0;
            for (uint32_t q = i; q < k && !seen; q++)
                for (int x = 0; x < KC_MPART_ERRORS; x++)
                    seen |= v[q]->err_n[x] && v[q]->err_code[x] == v[k]->err_code[e];
            for (int x = 0; x < e && !seen; x++)
                seen |= v[k]->err_n[x] && v[k]->err_code[x] == v[k]->err_code[e];
            if (seen)
                continue;
            uint64_t n = 0;
            for (uint32_t q = k; q < j; q++)
                for (int x = 0; x < KC_MPART_ERRORS; x++)
                    if (v[q]->err_n[x] && v[q]->err_code[x] == v[k]->err_code[e])
                        n += v[q]->err_n[x];
            int16_t c = v[k]->err_code[e];
            kc_sb_printf(b, "%s\"%s\":%llu", first ? "" : ",",
                         c == KC_MERR_OTHER ? "OTHER"
                                            : kc_kafka_error_name((int16_t)(c & ~KC_MERR_INJECTED)),
                         (unsigned long long)n);
            first = 0;
        }
    kc_sb_printf(b, "}");
}

static void json_indicators(kc_sb_t *b, const kc_mclient_t *c)
{
    kc_sb_printf(b, "\"delivery_failures\":%llu,\"indicators\":{\"interval_s\":%llu,\"samples\":%u",
              (unsigned long long)c->delivery_failures,
              (unsigned long long)(KC_TREND_INTERVAL_NS / 1000000000ull), c->trend.n);
    for (int k = 0; k < KC_INDS; k++) {
        kc_indicator_t ind;
        kc_trend_indicator(&c->trend, k, kc_ind_threshold[k], &ind);
        kc_sb_printf(b, ",\"%s\":{\"now\":%.3f,\"slope_per_s\":%.6f,\"runway_s\":", kc_ind_names[k],
                  ind.now, ind.slope_per_s);
        if (ind.has_runway)
            kc_sb_printf(b, "%.1f", ind.runway_s);
        else
            kc_sb_printf(b, "null");
        kc_sb_printf(b, ",\"threshold\":%g}", kc_ind_threshold[k]);
    }
    kc_sb_printf(b, "},");
}

static void json_client(kc_sb_t *b, const kc_mtable_t *t, uint32_t ci, const kc_mpart_t **v,
                        uint32_t *pi, uint64_t now)
{
    const kc_mclient_t *c = &t->clients[ci];
    static const char *const codec[8] = {"none", "gzip", "snappy", "lz4", "zstd", "5", "6", "7"};
    kc_sb_printf(b, "{\"client_id\":\"");
    kc_sb_str(b, c->client_id, 1);
    kc_sb_printf(b, "\",\"host\":\"");
    kc_sb_str(b, c->host, 1);
    kc_sb_printf(b, "\",\"principal\":\"");
    kc_sb_str(b, c->principal ? c->principal : "", 1);
    kc_sb_printf(b, "\",\"software\":\"");
    kc_sb_str(b, c->software, 1);
    kc_sb_printf(b, "\",\"age_s\":%.1f,\"idle_s\":%.1f,", (double)(now - c->first_ns) / 1e9,
              (double)(now - c->last_ns) / 1e9);
    kc_sb_printf(b, "\"requests\":{\"ok\":%llu,\"retriable\":%llu,\"fatal\":%llu,\"unanswered\":%llu},",
              (unsigned long long)c->requests[0], (unsigned long long)c->requests[1],
              (unsigned long long)c->requests[2], (unsigned long long)c->unanswered);
    kc_sb_printf(b, "\"batches\":%llu,\"bytes\":%llu,\"records\":%llu,\"retries\":%llu,"
                 "\"duplicates\":%llu,\"possible_duplicates\":%llu,\"errors\":%llu,",
              (unsigned long long)c->batches, (unsigned long long)c->bytes,
              (unsigned long long)c->records, (unsigned long long)c->retries,
              (unsigned long long)c->duplicates, (unsigned long long)c->possible_duplicates,
              (unsigned long long)c->errors);
    kc_sb_printf(b, "\"rates\":{\"records_per_s\":%.2f,\"bytes_per_s\":%.1f,\"requests_per_s\":%.2f,"
                 "\"errors_per_s\":%.2f,\"retries_per_s\":%.2f},",
              c->rate[0], c->rate[1], c->rate[2], c->rate[3], c->rate[4]);
    json_indicators(b, c);
    kc_hist_t all[KC_LEGS] = {{{0}}};
    for (int l = 0; l < KC_LEGS; l++)
        for (int o = 0; o < KC_OUTCOMES; o++)
            kc_hist_merge(&all[l], &c->latency[l][o]);
    kc_sb_printf(b, "\"latency_ms\":{");
    json_hist_ms(b, "client", &all[KC_LEG_CLIENT]);
    kc_sb_printf(b, ",");
    json_hist_ms(b, "broker", &all[KC_LEG_BROKER]);
    kc_sb_printf(b, "},\"throttle_ms\":{\"responses\":%llu,\"throttled\":%llu,\"share\":%.4f,"
                 "\"mean\":%.3f,\"max\":%.3f},",
              (unsigned long long)c->throttle.count, (unsigned long long)c->throttled,
              c->throttle.count ? (double)c->throttled / (double)c->throttle.count : 0.0,
              c->throttle.count ? (double)c->throttle.sum_ns / (double)c->throttle.count / 1e6 : 0.0,
              (double)c->throttle.max_ns / 1e6);
    uint64_t nb = c->batches ? c->batches : 1;
    kc_sb_printf(b, "\"profile\":{\"acks\":[%s%s%s%s%s],\"idempotent\":%s,\"transactional\":%s,"
                 "\"compression\":[",
              c->acks_seen & 1 ? "0" : "", (c->acks_seen & 1) && (c->acks_seen & 6) ? "," : "",
              c->acks_seen & 2 ? "1" : "", (c->acks_seen & 2) && (c->acks_seen & 4) ? "," : "",
              c->acks_seen & 4 ? "\"all\"" : "", c->idempotent ? "true" : "false",
              c->transactional ? "true" : "false");
    for (int k = 0, first = 1; k < 8; k++)
        if (c->codecs & (1u << k)) {
            kc_sb_printf(b, "%s\"%s\"", first ? "" : ",", codec[k]);
            first = 0;
        }
    kc_sb_printf(b, "],\"max_inflight\":%u,\"records_per_batch\":%.2f,\"bytes_per_batch\":%.1f},",
              c->max_inflight, (double)(c->records + c->retries) / (double)nb,
              (double)c->bytes / (double)nb);
    kc_sb_printf(b, "\"risks\":[");
    uint32_t f = kc_risk_flags(c);
    for (int k = 0, first = 1; k < KC_RISK_FLAGS; k++)
        if (f & (1u << k)) {
            kc_sb_printf(b, "%s{\"flag\":\"%s\",\"reason\":\"", first ? "" : ",", kc_risks[k].flag);
            kc_sb_str(b, kc_risks[k].reason, 1);
            kc_sb_printf(b, "\"}");
            first = 0;
        }
    kc_sb_printf(b, "],\"topics\":[");
    uint32_t i = *pi;
    for (int first = 1; i < t->nparts && v[i]->client == ci; first = 0) {
        topic_sum_t s;
        uint32_t j = topic_run(v, i, t->nparts, &s);
        kc_sb_printf(b, "%s{\"topic\":\"", first ? "" : ",");
        kc_sb_str(b, v[i]->topic, 1);
        kc_sb_printf(b, "\",");
        json_counts(b, &s);
        kc_sb_printf(b, ",");
        json_errors(b, v, i, j, false);
        kc_sb_printf(b, ",");
        json_errors(b, v, i, j, true);
        kc_sb_printf(b, ",\"partitions\":[");
        for (uint32_t k = i; k < j; k++) {
            topic_sum_t one;
            topic_run(v, k, k + 1, &one);
            kc_sb_printf(b, "%s{\"partition\":%d,", k == i ? "" : ",", v[k]->partition);
            json_counts(b, &one);
            kc_sb_printf(b, ",");
            json_errors(b, v, k, k + 1, false);
            kc_sb_printf(b, ",");
            json_errors(b, v, k, k + 1, true);
            kc_sb_printf(b, ",\"batch_records_max\":%llu,\"batch_bytes_max\":%llu}",
                      (unsigned long long)v[k]->batch_records_max,
                      (unsigned long long)v[k]->batch_bytes_max);
        }
        kc_sb_printf(b, "]}");
        i = j;
    }
    *pi = i;
    kc_sb_printf(b, "]}");
}

char *kc_expose_json(const kc_mtable_t *t, const kc_proxy_stats_t *st, uint64_t now, size_t *len)
{
    kc_sb_t b = {0};
    const kc_mpart_t **v = sorted_parts(t);
    if (!v)
        return NULL;
    kc_sb_printf(&b, "{\"loops\":%u,\"connections\":%llu,\"inflight_requests\":%llu,"
                  "\"buffered_bytes\":%llu,\"folded_series\":%llu,\"expired_series\":%llu,"
                  "\"clients\":[",
              st->loops, (unsigned long long)st->connections, (unsigned long long)st->inflight,
              (unsigned long long)st->buffered_bytes, (unsigned long long)t->folded,
              (unsigned long long)t->expired);
    uint32_t pi = 0;
    for (uint32_t ci = 0; ci < t->nclients; ci++) {
        if (ci)
            kc_sb_printf(&b, ",");
        while (pi < t->nparts && v[pi]->client < ci)
            pi++;
        json_client(&b, t, ci, v, &pi, now);
    }
    kc_sb_printf(&b, "]}\n");
    free(v);
    return kc_sb_done(&b, len);
}
