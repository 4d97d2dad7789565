/* The export's error rules: see export_int.h and export.h. Produce errors summed over the
 * brokers per topic, partition, code and window, in runs of consecutive windows. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fault/action.h"
#include "kafka/api.h"
#include "kafka/errors.h"
#include "record/export_int.h"

/* Produce errors, summed over brokers per (topic, partition, code, window). */
typedef struct agg {
    const char *topic;
    int32_t partition;
    int16_t code;
    uint32_t window;
    uint64_t n;
    int32_t node; /* one broker that answered it (the first seen), for the comment */
} agg_t;

/* Partition, then code: the order within a topic of both the partitions' and the clients'. */
static int part_code_cmp(int32_t pa, int16_t ca, int32_t pb, int16_t cb)
{
    if (pa != pb)
        return pa < pb ? -1 : 1;
    return ca < cb ? -1 : ca > cb;
}

static int agg_cmp(const void *x, const void *y)
{
    const agg_t *a = x, *b = y;
    int c = strcmp(a->topic, b->topic);
    if (!c)
        c = part_code_cmp(a->partition, a->code, b->partition, b->code);
    return c ? c : (a->window > b->window) - (a->window < b->window);
}

static uint64_t results_at(const agg_t *v, size_t n, const agg_t *e, uint32_t w)
{
    agg_t key = {e->topic, e->partition, 0, w, 0, 0};
    const agg_t *f = bsearch(&key, v, n, sizeof(*v), agg_cmp);
    return f ? f->n : 0;
}

/* What every error rule of a run holds: its topic (mapped), its partition, its code. */
static void partition_error(kc_fault_rule_t *r, const kc_export_opts_t *o, const agg_t *run)
{
    r->match.topic = kc_xr_glob_exact(kc_xr_topic(o, run->topic));
    r->match.partitions = kc_xr_one(run->partition), r->match.npartitions = 1;
    r->action.error = run->code;
    r->action.when = KC_WHEN_BEFORE;
}

/* ---- who met the errors ---- */

/* A client's errors on a partition in a window (KC_REC_CLIENT_ERROR). */
typedef struct cerr {
    const char *topic; /* the series' name, up to tlen; then the client id */
    size_t tlen;
    const char *client;
    int32_t partition;
    int16_t code;
    uint32_t window;
    uint64_t n;
} cerr_t;

typedef struct cerrs {
    cerr_t *v;
    size_t n;
} cerrs_t;

/* (topic, partition, code) of c against a run's. */
static int cerr_key(const cerr_t *c, const char *topic, int32_t partition, int16_t code)
{
    int t = strncmp(c->topic, topic, c->tlen);
    if (!t && topic[c->tlen])
        t = -1; /* c's topic is a prefix of the run's */
    return t ? t : part_code_cmp(c->partition, c->code, partition, code);
}

static int cerr_cmp(const void *x, const void *y)
{
    const cerr_t *a = x, *b = y;
    size_t n = a->tlen < b->tlen ? a->tlen : b->tlen;
    int t = memcmp(a->topic, b->topic, n);
    if (!t && a->tlen != b->tlen)
        t = a->tlen < b->tlen ? -1 : 1;
    if (!t)
        t = part_code_cmp(a->partition, a->code, b->partition, b->code);
    if (!t)
        t = strcmp(a->client, b->client);
    return t ? t : (a->window > b->window) - (a->window < b->window);
}

/* The recording's client error cells, sorted; v NULL: no memory. */
static cerrs_t cerrs(const kc_record_data_t *d)
{
    cerrs_t cs = {malloc(((size_t)d->ncells + 1) * sizeof(*cs.v)), 0};
    for (uint32_t i = 0; cs.v && i < d->ncells; i++) {
        const kc_rec_cell_t *c = &d->cells[i];
        const kc_rec_series_t *s = &d->series[c->series];
        const char *sep = s->kind == KC_REC_CLIENT_ERROR ? strchr(s->name, KC_REC_SEP) : NULL;
        if (sep)
            cs.v[cs.n++] = (cerr_t){s->name, (size_t)(sep - s->name), sep + 1, s->partition,
                                    c->code, c->window, c->a};
    }
    if (cs.n)
        qsort(cs.v, cs.n, sizeof(*cs.v), cerr_cmp);
    return cs;
}

/* A run's errors as rules per client, when the recording knows who met each of them (every
 * window's client counts add up to the partition's: no series was dropped at the caps) and
 * they were few (KC_XR_MAX_CLIENTS): each client's consecutive windows one rule, its first N
 * requests to the partition there meeting the error (N = what it met: the brokers answer a
 * producer the same until it learns where to go). False: the partition's rule instead. */
#define KC_XR_MAX_CLIENTS 8
static bool client_rules(kc_xr_rules_t *rs, const kc_export_opts_t *o, const cerrs_t *cs,
                         const agg_t *run, size_t len, uint64_t errs, uint64_t total)
{
    uint32_t w0 = run[0].window, w1 = run[len - 1].window;
    size_t lo = 0, hi = cs->n; /* the first entry of the run's (topic, partition, code) */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cerr_key(&cs->v[mid], run[0].topic, run[0].partition, run[0].code) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    uint64_t *sum = calloc(len, sizeof(*sum));
    size_t end = lo, clients = 0;
    const char *last = NULL; /* the client last counted: the entries are by client */
    bool ok = sum != NULL;
    for (; end < cs->n && !cerr_key(&cs->v[end], run[0].topic, run[0].partition, run[0].code);
         end++) {
        const cerr_t *c = &cs->v[end];
        if (c->window < w0 || c->window > w1)
            continue;
        if (ok)
            sum[c->window - w0] += c->n;
        if (!last || strcmp(c->client, last))
            clients++, last = c->client;
        ok = ok && strlen(c->client) < KC_REC_CLIENT_MAX; /* one cut short matches no one */
    }
    for (size_t k = 0; ok && k < len; k++)
        ok = sum[k] == run[k].n;
    free(sum);
    if (!ok || !clients || clients > KC_XR_MAX_CLIENTS)
        return false;
    const char *ename = kc_kafka_error_name(run[0].code);
    for (size_t i = lo; i < end;) {
        const cerr_t *c = &cs->v[i];
        if (c->window < w0 || c->window > w1) {
            i++;
            continue;
        }
        size_t j = i + 1;
        uint64_t n = c->n;
        for (; j < end && !strcmp(cs->v[j].client, c->client) &&
               cs->v[j].window == cs->v[j - 1].window + 1 && cs->v[j].window <= w1;
             j++)
            n += cs->v[j].n;
        kc_fault_rule_t *r = kc_xr_add(
            rs, KC_FAULT_ERROR, KC_API_PRODUCE, c->window, cs->v[j - 1].window,
            "windows %u-%u: client %s met %s %llu time%s on %s[%d] (broker %d answered; all "
            "clients: %s on %llu of %llu partition results in windows %u-%u)",
            c->window, cs->v[j - 1].window, c->client, ename, (unsigned long long)n,
            n == 1 ? "" : "s", run[0].topic,
            run[0].partition, run[0].node, ename, (unsigned long long)errs, (unsigned long long)total,
            w0, w1);
        if (r) {
            partition_error(r, o, run);
            r->match.client_id = kc_xr_glob_exact(c->client);
            r->trigger.max = n;
        }
        i = j;
    }
    return true;
}

void kc_xr_error_rules(kc_xr_rules_t *rs, const kc_record_data_t *d, const kc_export_opts_t *o)
{
    agg_t *v = malloc(((size_t)d->ncells + 1) * sizeof(*v));
    size_t n = 0;
    if (!v) {
        rs->oom = 1;
        return;
    }
    for (uint32_t i = 0; i < d->ncells; i++) {
        const kc_rec_cell_t *c = &d->cells[i];
        const kc_rec_series_t *s = &d->series[c->series];
        if (s->kind == KC_REC_PRODUCE && s->partition >= 0) /* a broker's nonsense: no rule */
            v[n++] = (agg_t){s->name, s->partition, c->code, c->window, c->a, s->node};
    }
    qsort(v, n, sizeof(*v), agg_cmp);
    cerrs_t cs = cerrs(d);
    if (!cs.v) {
        free(v);
        rs->oom = 1;
        return;
    }
    size_t m = 0; /* sum what several brokers answered for one window */
    for (size_t i = 0; i < n; i++) {
        if (m && !agg_cmp(&v[m - 1], &v[i]))
            v[m - 1].n += v[i].n;
        else
            v[m++] = v[i];
    }
    for (size_t i = 0; i < m;) {
        if (!v[i].code) {
            i++;
            continue;
        }
        size_t j = i;
        uint64_t errs = 0, total = 0;
        for (; j < m && v[j].code == v[i].code && v[j].partition == v[i].partition &&
               !strcmp(v[j].topic, v[i].topic) && v[j].window == v[i].window + (j - i);
             j++) {
            errs += v[j].n;
            total += results_at(v, m, &v[j], v[j].window);
        }
        /* Every Nth match, N the recorded ratio: deterministic, the rate the brokers answered
         * with, and the first request of the run always meets the error, so a replaying
         * producer that sends fewer requests than the recorded one (which retried) still
         * meets it. A probability of errs/total would miss a rare error half the time. */
        uint64_t every = errs && total > errs ? (total + errs / 2) / errs : 1;
        const char *ename = kc_kafka_error_name(v[i].code);
        if (!kc_fault_produce_error_ok(v[i].code)) {
            i = j;
            continue; /* not an error a scenario can give (the comment of the header says) */
        }
        if (client_rules(rs, o, &cs, v + i, j - i, errs, total)) {
            i = j;
            continue;
        }
        kc_fault_rule_t *r = kc_xr_add(rs, KC_FAULT_ERROR, KC_API_PRODUCE, v[i].window, v[j - 1].window,
                                 "windows %u-%u: broker %d (and any other leader) answered %s to "
                                 "%llu of %llu partition results of %s[%d]",
                                 v[i].window, v[j - 1].window, v[i].node, ename,
                                 (unsigned long long)errs, (unsigned long long)total, v[i].topic,
                                 v[i].partition);
        if (r) {
            partition_error(r, o, &v[i]);
            r->trigger.every = every;
        }
        i = j;
    }
    free(v);
    free(cs.v);
}

