/* kchaos health's rules (verdict.h). Critical is a delivery failure only: a record the client
 * gave up on. Retriable errors a retry cured (a leader move) show as retries, not failures. */
#include "verdict.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void kc_health_opts_default(kc_health_opts_t *o)
{
    o->max_latency_ms = 200;
    o->max_error_rate = -1;
    o->max_retry_rate = 10;
    o->max_throttle_ms = 0;
    o->runway_s = 0;
}

const char *kc_verdict_name(kc_verdict_t v)
{
    static const char *const names[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};
    return v <= KC_UNKNOWN ? names[v] : "UNKNOWN";
}

typedef struct why {
    char *p;
    size_t n, len;
} why_t;

static void add(why_t *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(why_t *w, const char *fmt, ...)
{
    if (w->len + 3 >= w->n)
        return;
    if (w->len)
        w->len += (size_t)snprintf(w->p + w->len, w->n - w->len, "; ");
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(w->p + w->len, w->n - w->len, fmt, ap);
    va_end(ap);
    if (k > 0)
        w->len = w->len + (size_t)k < w->n ? w->len + (size_t)k : w->n - 1;
}

/* The threshold health holds indicator k to: the user's, where health has one. */
static double ind_threshold(int k, const kc_health_opts_t *o, const kc_cli_trend_t *t)
{
    switch (k) {
    case KC_CLI_IND_LATENCY_P99:
        return o->max_latency_ms;
    case KC_CLI_IND_ERRORS:
        return o->max_error_rate >= 0 ? o->max_error_rate : t->threshold;
    case KC_CLI_IND_RETRIES:
        return o->max_retry_rate;
    default:
        return o->max_throttle_ms;
    }
}

static void runways(const kc_cli_client_t *c, const kc_health_opts_t *o, why_t *w, int *warn)
{
    if (!c->has_indicators || o->runway_s <= 0)
        return;
    for (int k = 0; k < KC_CLI_INDS; k++) {
        const kc_cli_trend_t *t = &c->ind[k];
        if (!t->present)
            continue;
        double thr = ind_threshold(k, o, t);
        double r = kc_cli_runway(t->now, t->slope_per_s, thr);
        if (r < 0 || r >= o->runway_s)
            continue;
        *warn = 1;
        if (r == 0)
            add(w, "%s %.3g at or over %g", kc_cli_ind_names[k], t->now, thr);
        else
            add(w, "%s %.3g rising %+.3g/s: reaches %g in %.0f s", kc_cli_ind_names[k], t->now,
                t->slope_per_s, thr, r);
    }
}

kc_verdict_t kc_health_judge(const kc_cli_client_t *c, const kc_health_opts_t *o, char *reason,
                             size_t n)
{
    why_t w = {reason, n, 0};
    reason[0] = 0;
    int crit = 0, warn = 0;
    if (c->has_delivery_failures ? c->delivery_failures > 0 : c->req_fatal > 0) {
        crit = 1;
        uint64_t k = c->has_delivery_failures ? c->delivery_failures : c->req_fatal;
        if (c->has_delivery_failures)
            add(&w, "%llu delivery failure%s", (unsigned long long)k, k == 1 ? "" : "s");
        else
            add(&w, "%llu request%s failed with a non-retriable error", (unsigned long long)k,
                k == 1 ? "" : "s");
    }
    if (c->lat_count && c->lat_mean > o->max_latency_ms) {
        warn = 1;
        add(&w, "latency mean %.1f ms > %g ms", c->lat_mean, o->max_latency_ms);
    }
    if (o->max_error_rate >= 0 && c->errors_per_s > o->max_error_rate) {
        warn = 1;
        add(&w, "errors %.2f/s > %g/s", c->errors_per_s, o->max_error_rate);
    }
    if (c->retries_per_s > o->max_retry_rate) {
        warn = 1;
        add(&w, "retries %.2f/s > %g/s", c->retries_per_s, o->max_retry_rate);
    }
    if (o->max_throttle_ms <= 0 && c->thr_throttled > 0) {
        warn = 1;
        add(&w, "throttled: %llu of %llu responses, max %.0f ms",
            (unsigned long long)c->thr_throttled, (unsigned long long)c->thr_responses,
            c->thr_max);
    } else if (o->max_throttle_ms > 0 && c->thr_mean > o->max_throttle_ms) {
        warn = 1;
        add(&w, "throttle mean %.1f ms > %g ms", c->thr_mean, o->max_throttle_ms);
    }
    runways(c, o, &w, &warn);
    if (!crit && !warn)
        add(&w, "%llu records, latency mean %.1f ms p99 %.1f ms, %.2f retries/s, no delivery "
                "failure",
            (unsigned long long)c->records, c->lat_mean, c->lat_p99, c->retries_per_s);
    /* A risky configuration is no failure yet: named, so it is seen, without changing the
     * verdict (the RISK column of top, kchaos_producer_risk in Prometheus). */
    char risks[KC_CLI_RISKS_MAX * 42] = "";
    for (int i = 0, k = 0; i < c->nrisks && k < (int)sizeof(risks); i++)
        k += snprintf(risks + k, sizeof(risks) - (size_t)k, "%s%s", i ? ", " : "", c->risks[i]);
    if (risks[0])
        add(&w, "risk: %s", risks);
    return crit ? KC_CRITICAL : warn ? KC_WARNING : KC_OK;
}
