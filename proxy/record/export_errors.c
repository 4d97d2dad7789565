/* The export's error rules: see export_int.h and export.h. Produce errors summed over the
 * brokers per topic, partition, code and window, in runs of consecutive windows. */
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

static int agg_cmp(const void *x, const void *y)
{
    const agg_t *a = x, *b = y;
    int c = strcmp(a->topic, b->topic);
    if (c)
        return c;
    if (a->partition != b->partition)
        return a->partition < b->partition ? -1 : 1;
    if (a->code != b->code)
        return a->code < b->code ? -1 : 1;
    return a->window < b->window ? -1 : a->window > b->window;
}

static uint64_t results_at(const agg_t *v, size_t n, const agg_t *e, uint32_t w)
{
    agg_t key = {e->topic, e->partition, 0, w, 0, 0};
    const agg_t *f = bsearch(&key, v, n, sizeof(*v), agg_cmp);
    return f ? f->n : 0;
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
        kc_fault_rule_t *r = kc_xr_add(rs, KC_FAULT_ERROR, KC_API_PRODUCE, v[i].window, v[j - 1].window,
                                 "windows %u-%u: broker %d (and any other leader) answered %s to "
                                 "%llu of %llu partition results of %s[%d]",
                                 v[i].window, v[j - 1].window, v[i].node, ename,
                                 (unsigned long long)errs, (unsigned long long)total, v[i].topic,
                                 v[i].partition);
        if (r) {
            r->match.topic = kc_xr_glob_exact(kc_xr_topic(o, v[i].topic));
            r->match.partitions = kc_xr_one(v[i].partition), r->match.npartitions = 1;
            r->trigger.every = every;
            r->action.error = v[i].code;
            r->action.when = KC_WHEN_BEFORE;
        }
        i = j;
    }
    free(v);
}

