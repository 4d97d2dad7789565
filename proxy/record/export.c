/* A recording as a scenario: see export.h. The rules are built first (kc_record_rules), as the
 * fault engine would hold them, then written (kc_scenario_yaml): the same writer serves the
 * round trip (export, load, write again: the same rules). */
#define _GNU_SOURCE /* vasprintf */
#include "record/export.h"
#include "record/export_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka/api.h"
#include "fault/action.h"
#include "kafka/errors.h"
#include "util/sb.h"

#define MS 1000000ull

/* What "noticeably above the baseline" means for a window's mean Produce latency: twice the
 * baseline (the median of the windows' means) and at least 5 ms more. */
#define SLOW_FACTOR 2.0
#define SLOW_MIN_NS (5 * MS)

/* ---- options ---- */

int kc_export_topic_map(kc_export_opts_t *o, const char *spec)
{
    const char *eq = strchr(spec, '=');
    if (!eq || eq == spec || !eq[1] || o->ntopic_maps >= KC_EXPORT_MAPS)
        return -1;
    char *from = strndup(spec, (size_t)(eq - spec));
    if (!from)
        return -1;
    o->topic_from[o->ntopic_maps] = from; /* lives as long as the process: a CLI option */
    o->topic_to[o->ntopic_maps++] = eq + 1;
    return 0;
}

int kc_export_broker_map(kc_export_opts_t *o, const char *spec)
{
    char *end;
    long from = strtol(spec, &end, 10);
    if (end == spec || *end != '=' || o->nbroker_maps >= KC_EXPORT_MAPS)
        return -1;
    const char *rest = end + 1;
    long to = strtol(rest, &end, 10);
    if (end == rest || *end || from < 0 || to < 0 || from > INT32_MAX || to > INT32_MAX)
        return -1;
    o->broker_from[o->nbroker_maps] = (int32_t)from;
    o->broker_to[o->nbroker_maps++] = (int32_t)to;
    return 0;
}

const char *kc_xr_topic(const kc_export_opts_t *o, const char *t)
{
    for (int i = 0; o && i < o->ntopic_maps; i++)
        if (!strcmp(o->topic_from[i], t))
            return o->topic_to[i];
    return t;
}

int32_t kc_xr_broker(const kc_export_opts_t *o, int32_t n)
{
    for (int i = 0; o && i < o->nbroker_maps; i++)
        if (o->broker_from[i] == n)
            return o->broker_to[i];
    return n;
}

bool kc_xr_range(const kc_record_data_t *d, const kc_export_opts_t *o, uint32_t *from,
                 uint32_t *to)
{
    *from = o ? o->from : 0;
    *to = o && o->to && o->to < d->nwindows ? o->to : d->nwindows;
    return o && (o->from || o->to);
}

/* ---- the rules ---- */

/* A topic or client id matched exactly: fnmatch's special characters escaped. A byte that is
 * not UTF-8 (a client id may hold any) cannot be written in YAML: '?' matches it (kchaos runs
 * in the C locale, where fnmatch's '?' is one byte). */
char *kc_xr_glob_exact(const char *s)
{
    char *out = malloc(strlen(s) * 2 + 1), *p = out;
    if (!out)
        return NULL;
    for (; *s; s++) {
        uint32_t c;
        int n = kc_export_utf8(s, &c);
        if (!n) {
            *p++ = '?';
            continue;
        }
        if (strchr("*?[]\\", *s))
            *p++ = '\\';
        memcpy(p, s, (size_t)n);
        p += n, s += n - 1;
    }
    *p = 0;
    return out;
}

int32_t *kc_xr_one(int32_t v)
{
    int32_t *p = malloc(sizeof(*p));
    if (p)
        *p = v;
    return p;
}

/* A new rule over windows [w0, w1] with the match's defaults; the caller sets the rest. */
kc_fault_rule_t *kc_xr_add(kc_xr_rules_t *rs, kc_fault_kind_t kind, int16_t api, uint32_t w0,
                           uint32_t w1, const char *fmt, ...)
{
    if (rs->n == rs->cap) {
        int cap = rs->cap ? rs->cap * 2 : 16;
        kc_xr_rule_t *v = realloc(rs->v, (size_t)cap * sizeof(*v));
        if (!v) {
            rs->oom = 1;
            return NULL;
        }
        rs->v = v, rs->cap = cap;
    }
    kc_xr_rule_t *x = &rs->v[rs->n++];
    memset(x, 0, sizeof(*x));
    kc_fault_rule_t *r = &x->r;
    r->match = (kc_fault_match_t){.api = api, .version_min = KC_ANY, .version_max = KC_ANY,
                                  .acks = KC_ANY, .idempotent = -1, .transactional = -1};
    r->trigger = (kc_fault_trigger_t){.probability = 1, .every = 1};
    r->window = (kc_fault_window_t){.at_ns = w0 * KC_REC_WINDOW_NS,
                                    .for_ns = (uint64_t)(w1 - w0 + 1) * KC_REC_WINDOW_NS};
    r->action.kind = kind;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&x->comment, fmt, ap) < 0)
        x->comment = NULL, rs->oom = 1;
    va_end(ap);
    return r;
}

/* A histogram's standard deviation, each bucket at its middle. */
static double hist_stddev(const kc_hist_t *h, double mean)
{
    double sum = 0;
    for (int i = 0; i <= KC_HIST_BOUNDS; i++) {
        if (!h->bucket[i])
            continue;
        double lo = i ? (double)kc_hist_bound_ns[i - 1] : 0;
        double hi = i < KC_HIST_BOUNDS ? (double)kc_hist_bound_ns[i] : (double)h->max_ns;
        double mid = (lo + hi) / 2 - mean;
        sum += (double)h->bucket[i] * mid * mid;
    }
    return h->count ? sqrt(sum / (double)h->count) : 0;
}

static int dbl_cmp(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

/* A run of slow windows of one broker: responses, and the sums (weighted by responses) of the
 * latency added to the baseline and of its second moment, for the pooled spread. */
typedef struct lat_run {
    uint32_t w0, w1;
    uint64_t n;
    double sum, sq, p99;
} lat_run_t;

/* The run as a normally distributed latency rule on the response path; -1: out of memory. */
static int latency_rule(kc_xr_rules_t *rs, const kc_export_opts_t *o, int32_t node, const lat_run_t *run,
                        double base, uint32_t first)
{
    double mean = run->sum / (double)run->n, var = run->sq / (double)run->n - mean * mean;
    /* The broker's first window: often new connections warming up (the first requests of a
     * client, a broker's cold path), not the incident; said, for whoever edits the file. */
    kc_fault_rule_t *r = kc_xr_add(rs, KC_FAULT_LATENCY, KC_API_PRODUCE, run->w0, run->w1,
                             "windows %u-%u: broker %d's Produce latency averaged %.1f ms over "
                             "%llu responses (p99 %.1f ms), baseline %.1f ms%s",
                             run->w0, run->w1, node, (mean + base) / MS,
                             (unsigned long long)run->n, run->p99 / MS, base / MS,
                             run->w0 == first ? "; its first window in the recording: warm-up "
                                                "of new connections, perhaps"
                                              : "");
    if (!r)
        return -1;
    double ms = round(mean / MS);
    r->match.brokers = kc_xr_one(kc_xr_broker(o, node)), r->match.nbrokers = 1;
    r->action.dist = KC_DIST_NORMAL;
    r->action.path = KC_PATH_RESPONSE;
    r->action.ms = ms < 1 ? 1 : ms;
    r->action.stddev_ms = round(sqrt(var > 0 ? var : 0) / MS);
    return 0;
}

/* One broker's latency cells (contiguous, by window): the slow windows as rules. */
static void latency_rules(kc_xr_rules_t *rs, const kc_record_data_t *d, const kc_export_opts_t *o,
                          uint32_t from, uint32_t to)
{
    const kc_rec_series_t *s = &d->series[d->cells[from].series];
    double *means = malloc((to - from) * sizeof(double));
    uint32_t n = 0;
    if (!means) {
        rs->oom = 1;
        return;
    }
    for (uint32_t i = from; i < to; i++)
        if (d->cells[i].hist >= 0 && d->hists[d->cells[i].hist].count)
            means[n++] = (double)d->hists[d->cells[i].hist].sum_ns /
                         (double)d->hists[d->cells[i].hist].count;
    qsort(means, n, sizeof(*means), dbl_cmp);
    double base = n ? means[n / 2] : 0;
    free(means);
    lat_run_t run = {0};
    uint32_t first = UINT32_MAX; /* the broker's first window with a response */
    for (uint32_t i = from; i < to; i++) {
        const kc_rec_cell_t *c = &d->cells[i];
        const kc_hist_t *h = c->hist >= 0 ? &d->hists[c->hist] : NULL;
        if (!h || !h->count)
            continue;
        if (first == UINT32_MAX)
            first = c->window;
        double mean = (double)h->sum_ns / (double)h->count;
        if (mean < base * SLOW_FACTOR || mean - base < SLOW_MIN_NS)
            continue;
        double added = mean - base, sd = hist_stddev(h, mean);
        /* Consecutive slow windows within a factor of 1.5 of the run so far are one rule. */
        double avg = run.n ? run.sum / (double)run.n : 0;
        if (run.n && (c->window != run.w1 + 1 || added > avg * 1.5 || added < avg / 1.5)) {
            if (latency_rule(rs, o, s->node, &run, base, first))
                return;
            run = (lat_run_t){0};
        }
        if (!run.n)
            run.w0 = c->window;
        run.w1 = c->window;
        run.n += h->count;
        run.sum += (double)h->count * added;
        run.sq += (double)h->count * (sd * sd + added * added);
        double p99 = (double)kc_hist_quantile(h, 0.99);
        run.p99 = p99 > run.p99 ? p99 : run.p99;
    }
    if (run.n)
        (void)latency_rule(rs, o, s->node, &run, base, first);
}

/* Runs of consecutive windows of one series and code, as one rule each. */
static void run_rules(kc_xr_rules_t *rs, const kc_record_data_t *d, const kc_export_opts_t *o,
                      uint32_t from, uint32_t to)
{
    const kc_rec_series_t *s = &d->series[d->cells[from].series];
    for (uint32_t i = from; i < to;) {
        const kc_rec_cell_t *c = &d->cells[i];
        uint32_t j = i;
        uint64_t a = 0, b = 0;
        /* Throttle: one run per throttle time (rounded to whole ms) */
        uint64_t ms = s->kind == KC_REC_THROTTLE ? (c->b + c->a / 2) / (c->a ? c->a : 1) : 0;
        for (; j < to && d->cells[j].code == c->code && d->cells[j].window == c->window + (j - i);
             j++) {
            const kc_rec_cell_t *x = &d->cells[j];
            if (s->kind == KC_REC_THROTTLE && (x->b + x->a / 2) / (x->a ? x->a : 1) != ms)
                break;
            a += x->a, b += x->b;
        }
        uint32_t w0 = c->window, w1 = d->cells[j - 1].window;
        kc_fault_rule_t *r = NULL;
        switch (s->kind) {
        case KC_REC_THROTTLE:
            r = kc_xr_add(rs, KC_FAULT_THROTTLE, KC_API_PRODUCE, w0, w1,
                    "windows %u-%u: %llu Produce responses to client %s throttled, %llu ms on "
                    "average", w0, w1, (unsigned long long)a, s->name, (unsigned long long)ms);
            if (r) {
                r->match.client_id = kc_xr_glob_exact(s->name);
                r->action.throttle_ms = (uint32_t)(ms ? ms : 1);
                r->action.enforce = true;
            }
            break;
        case KC_REC_LEADERLESS:
            r = kc_xr_add(rs, KC_FAULT_LEADER, KC_API_METADATA, w0, w1,
                    "windows %u-%u: %llu Metadata responses showed %s[%d] without a leader", w0,
                    w1, (unsigned long long)a, s->name, s->partition);
            if (r) {
                r->match.topic = kc_xr_glob_exact(kc_xr_topic(o, s->name));
                r->match.partitions = kc_xr_one(s->partition), r->match.npartitions = 1;
            }
            break;
        case KC_REC_CONNECT:
            if (c->code == KC_REC_CONN_FAILED) {
                r = kc_xr_add(rs, KC_FAULT_REFUSE, KC_ANY, w0, w1,
                        "windows %u-%u: %llu connects to broker %d failed", w0, w1,
                        (unsigned long long)a, s->node);
            } else {
                r = kc_xr_add(rs, KC_FAULT_DISCONNECT, KC_API_PRODUCE, w0, w1,
                        "windows %u-%u: broker %d reset or closed %llu connections", w0, w1,
                        s->node, (unsigned long long)a);
                if (r) {
                    r->trigger.max = a;
                    r->action.when = KC_WHEN_BEFORE, r->action.reset = true;
                }
            }
            if (r)
                r->match.brokers = kc_xr_one(kc_xr_broker(o, s->node)), r->match.nbrokers = 1;
            break;
        default:
            break;
        }
        i = j;
    }
}

/* ---- the leaders that moved: said, not replayed ---- */

typedef struct move {
    uint32_t window;
    int32_t from, to, partition;
    const char *topic;
} move_t;

static int move_cmp(const void *x, const void *y)
{
    const move_t *a = x, *b = y;
    if (a->window != b->window)
        return a->window < b->window ? -1 : 1;
    int c = strcmp(a->topic, b->topic);
    return c ? c : (a->partition > b->partition) - (a->partition < b->partition);
}

char *kc_record_leader_moves(const kc_record_data_t *d, const kc_export_opts_t *o, int max)
{
    move_t *v = malloc(((size_t)d->ncells + 1) * sizeof(*v));
    if (!v)
        return NULL;
    size_t n = 0;
    uint32_t from, to;
    kc_xr_range(d, o, &from, &to);
    for (uint32_t i = 0; i < d->ncells; i++) {
        const kc_rec_cell_t *c = &d->cells[i];
        const kc_rec_series_t *s = &d->series[c->series];
        if (s->kind == KC_REC_LEADER && c->window >= from && c->window < to)
            v[n++] = (move_t){c->window, c->code, s->node, s->partition, s->name};
    }
    qsort(v, n, sizeof(*v), move_cmp);
    kc_sb_t b = {0};
    for (size_t i = 0; i < n && (int)i < max; i++) {
        char was[16] = "?";
        if (v[i].from >= 0)
            snprintf(was, sizeof(was), "%d", kc_xr_broker(o, v[i].from));
        kc_sb_printf(&b, "window %u: %s[%d] led by broker %s, then %d\n", v[i].window,
                     kc_xr_topic(o, v[i].topic), v[i].partition, was, kc_xr_broker(o, v[i].to));
    }
    if (n > (size_t)max)
        kc_sb_printf(&b, "and %zu more\n", n - (size_t)max);
    free(v);
    size_t len;
    char *text = kc_sb_done(&b, &len);
    if (text && len && text[len - 1] == '\n')
        text[len - 1] = 0;
    return text;
}

/* The scenario's name as a scenario may have one ([A-Za-z0-9._-], 1 to 64: it goes into URLs
 * and metric labels): any other character becomes '-'; none given (or empty), "recorded". */
static char *scenario_name(const char *given)
{
    char *out = given && given[0] ? strndup(given, 64) : strdup("recorded");
    for (char *p = out; p && *p; p++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", *p))
            *p = '-';
    return out;
}

static int xrule_cmp(const void *x, const void *y)
{
    const kc_xr_rule_t *a = x, *b = y;
    if (a->r.window.at_ns != b->r.window.at_ns)
        return a->r.window.at_ns < b->r.window.at_ns ? -1 : 1;
    if (a->r.action.kind != b->r.action.kind)
        return a->r.action.kind < b->r.action.kind ? -1 : 1;
    return strcmp(a->comment ? a->comment : "", b->comment ? b->comment : "");
}

/* What a rule being built holds: its comment and its match. */
static void xrule_free(kc_xr_rule_t *x)
{
    free(x->comment);
    kc_scenario_match_free(&x->r.match);
}

/* Rules cut to windows [w0, w1) and moved to start at w0; those outside dropped. */
static void cut_to_range(kc_xr_rules_t *rs, uint32_t w0, uint32_t w1)
{
    const uint64_t from = (uint64_t)w0 * KC_REC_WINDOW_NS, to = (uint64_t)w1 * KC_REC_WINDOW_NS;
    int n = 0;
    for (int i = 0; i < rs->n; i++) {
        kc_fault_rule_t *r = &rs->v[i].r;
        uint64_t a = r->window.at_ns, b = a + r->window.for_ns;
        a = a > from ? a : from, b = b < to ? b : to;
        if (a >= b) {
            xrule_free(&rs->v[i]);
            continue;
        }
        r->window.at_ns = a - from, r->window.for_ns = b - a;
        rs->v[n++] = rs->v[i];
    }
    rs->n = n;
}

kc_scenario_t *kc_record_rules(const kc_record_data_t *d, const kc_export_opts_t *o,
                               char ***comments)
{
    kc_xr_rules_t rs = {0};
    kc_xr_error_rules(&rs, d, o);
    for (uint32_t i = 0, j; i < d->ncells; i = j) {
        const kc_rec_series_t *s = &d->series[d->cells[i].series];
        for (j = i; j < d->ncells && d->cells[j].series == d->cells[i].series; j++)
            ;
        if (s->kind == KC_REC_LATENCY && s->node >= 0)
            latency_rules(&rs, d, o, i, j);
        else if (s->kind != KC_REC_PRODUCE && s->kind != KC_REC_LATENCY &&
                 s->kind != KC_REC_LEADER && /* said in the header: a replay moves no leader */
                 (s->kind != KC_REC_CONNECT || s->node >= 0) &&
                 (s->kind != KC_REC_LEADERLESS || s->partition >= 0))
            run_rules(&rs, d, o, i, j);
    }
    uint32_t from, to;
    if (kc_xr_range(d, o, &from, &to))
        cut_to_range(&rs, from, to);
    if (rs.n)
        qsort(rs.v, (size_t)rs.n, sizeof(*rs.v), xrule_cmp);
    kc_scenario_t *sc = calloc(1, sizeof(*sc));
    char **cm = calloc((size_t)rs.n + 1, sizeof(*cm));
    if (sc) {
        sc->name = scenario_name(o ? o->name : NULL);
        sc->description = strdup("recorded by kchaos: what the brokers answered, window by window");
        sc->max_duration_ns = (uint64_t)(to > from ? to - from : 1) * KC_REC_WINDOW_NS;
        sc->rules = calloc((size_t)rs.n + 1, sizeof(*sc->rules));
    }
    if (!sc || !cm || !sc->rules || !sc->name || !sc->description)
        rs.oom = 1;
    for (int i = 0; i < rs.n; i++) {
        if (!rs.oom) {
            char name[64];
            snprintf(name, sizeof(name), "%s-%d", kc_fault_kind_name(rs.v[i].r.action.kind), i + 1);
            rs.v[i].r.name = strdup(name);
            memcpy(&sc->rules[sc->nrules++], &rs.v[i].r, sizeof(rs.v[i].r));
            cm[i] = rs.v[i].comment;
        } else {
            xrule_free(&rs.v[i]);
        }
    }
    free(rs.v);
    if (rs.oom) {
        kc_scenario_free(sc);
        free(cm);
        return NULL;
    }
    if (comments)
        *comments = cm;
    else {
        for (int i = 0; i < sc->nrules; i++)
            free(cm[i]);
        free(cm);
    }
    return sc;
}
