/* A recording as a timeline: see timeline.h. The cells are copied into points keyed by lane
 * (partition, broker, client), entity, series and column, sorted, and written lane by lane;
 * points of one column are summed (histograms merged) as they are written. */
#include "record/timeline.h"

#include <stdlib.h>
#include <string.h>

#include "kafka/errors.h"
#include "record/export.h"
#include "util/sb.h"

/* ---- bands ---- */

/* The rule's match and action in a few words, for a band's label. */
static char *describe(const kc_fault_rule_t *r)
{
    kc_sb_t b = {0};
    const kc_fault_action_t *a = &r->action;
    kc_sb_printf(&b, "%s", kc_fault_kind_name(a->kind));
    if (a->kind == KC_FAULT_ERROR)
        kc_sb_printf(&b, " %s", kc_kafka_error_name(a->error));
    else if (a->kind == KC_FAULT_LATENCY && a->dist == KC_DIST_UNIFORM)
        kc_sb_printf(&b, " %.0f-%.0f ms", a->min_ms, a->max_ms);
    else if (a->kind == KC_FAULT_LATENCY)
        kc_sb_printf(&b, " %.0f ms", a->ms);
    else if (a->kind == KC_FAULT_THROTTLE)
        kc_sb_printf(&b, " %u ms%s", a->throttle_ms, a->enforce ? " enforced" : "");
    else if (a->kind == KC_FAULT_BANDWIDTH)
        kc_sb_printf(&b, " %llu B/s", (unsigned long long)a->bytes_per_s);
    const kc_fault_match_t *m = &r->match;
    if (m->topic) kc_sb_printf(&b, " topic %s", m->topic);
    for (int i = 0; i < m->npartitions; i++)
        kc_sb_printf(&b, "%s%d%s", i ? "," : " [", m->partitions[i],
                     i + 1 == m->npartitions ? "]" : "");
    for (int i = 0; i < m->nbrokers; i++)
        kc_sb_printf(&b, "%s%d", i ? "," : " broker ", m->brokers[i]);
    if (m->client_id) kc_sb_printf(&b, " client %s", m->client_id);
    size_t len;
    return kc_sb_done(&b, &len);
}

static void band(kc_tl_bands_t *b, const kc_scenario_t *sc, const kc_fault_rule_t *r,
                 const char *comment, bool recorded, uint32_t from, uint32_t to)
{
    if (b->n >= KC_TL_MAX_BANDS) {
        b->cut = true;
        return;
    }
    if (b->n == b->cap) {
        int cap = b->cap ? b->cap * 2 : 16;
        kc_tl_band_t *v = realloc(b->v, (size_t)cap * sizeof(*v));
        if (!v) {
            b->oom = true;
            return;
        }
        b->v = v, b->cap = cap;
    }
    kc_tl_band_t *x = &b->v[b->n];
    *x = (kc_tl_band_t){.scenario = strdup(sc->name),
                        .rule = strdup(r->name),
                        .what = describe(r),
                        .comment = comment ? strdup(comment) : NULL,
                        .kind = r->action.kind,
                        .recorded = recorded,
                        .dry_run = sc->dry_run,
                        .from = from,
                        .to = to};
    if (!x->scenario || !x->rule || !x->what || (comment && !x->comment)) {
        free(x->scenario), free(x->rule), free(x->what), free(x->comment);
        b->oom = true;
        return;
    }
    b->n++;
}

void kc_tl_bands_add(kc_tl_bands_t *b, const kc_scenario_t *sc, char *const *comments,
                     int64_t zero_ns, uint32_t nwindows, bool recorded)
{
    const int64_t W = (int64_t)KC_REC_WINDOW_NS, span = (int64_t)nwindows * W;
    /* Past max_duration a scenario switches itself off (kc_fault_scenario_over). */
    int64_t sc_end = sc->max_duration_ns ? zero_ns + (int64_t)sc->max_duration_ns : INT64_MAX;
    for (int i = 0; i < sc->nrules && !b->cut && !b->oom; i++) {
        const kc_fault_rule_t *r = &sc->rules[i];
        const kc_fault_window_t *w = &r->window;
        int64_t t0 = zero_ns + (int64_t)w->at_ns, period = (int64_t)w->period_ns;
        if (period && w->for_ns && t0 < 0) /* skip the cycles that ended before the recording */
            t0 += (-t0) / period * period;
        while (t0 < span && t0 < sc_end && !b->cut && !b->oom) {
            int64_t t1 = w->for_ns ? t0 + (int64_t)w->for_ns : INT64_MAX;
            t1 = t1 < sc_end ? t1 : sc_end;
            t1 = t1 < span ? t1 : span;
            if (t1 > 0 && t1 > t0)
                band(b, sc, r, comments ? comments[i] : NULL, recorded,
                     (uint32_t)(t0 > 0 ? t0 / W : 0), (uint32_t)((t1 + W - 1) / W));
            if (!period || !w->for_ns) break; /* a window without an end covers every later cycle */
            t0 += period;
        }
    }
}

void kc_tl_bands_free(kc_tl_bands_t *b)
{
    for (int i = 0; i < b->n; i++)
        free(b->v[i].scenario), free(b->v[i].rule), free(b->v[i].what), free(b->v[i].comment);
    free(b->v);
    memset(b, 0, sizeof(*b));
}

/* ---- points ---- */

enum { LANE_PART, LANE_BROKER, LANE_CLIENT };
/* What a point counts, by lane; the order they are written in. */
enum { P_RESULTS, P_ERROR, P_LEADERLESS, P_LEADER };   /* partition */
enum { B_LATENCY, B_CONNECT_FAILED, B_CONNECT_RESET }; /* broker */
enum { C_THROTTLE };                                   /* client */

typedef struct pt {
    uint8_t lane, what;
    int16_t code;     /* P_ERROR: the Kafka error code */
    int32_t key;      /* partition or node; -1 */
    const char *name; /* topic or client id (the snapshot's); "" */
    uint32_t col, window; /* window: orders the points of one column (moves: as they came) */
    uint64_t a, b;  /* P_LEADER: a = the leader before + 1 (0: not known), b = the new one */
    int32_t hist; /* B_LATENCY: into the snapshot's hists; else -1 */
} pt_t;

static int pt_key_cmp(const pt_t *x, const pt_t *y) /* lane and entity */
{
    if (x->lane != y->lane) return x->lane < y->lane ? -1 : 1;
    int c = strcmp(x->name, y->name);
    if (c) return c;
    return x->key < y->key ? -1 : x->key > y->key;
}

static int pt_series_cmp(const pt_t *x, const pt_t *y) /* ... and series */
{
    int c = pt_key_cmp(x, y);
    if (c) return c;
    if (x->what != y->what) return x->what < y->what ? -1 : 1;
    return x->code < y->code ? -1 : x->code > y->code;
}

static int pt_cmp(const void *a, const void *b) /* ... and column */
{
    const pt_t *x = a, *y = b;
    int c = pt_series_cmp(x, y);
    if (c) return c;
    if (x->col != y->col) return x->col < y->col ? -1 : 1;
    return x->window < y->window ? -1 : x->window > y->window;
}

/* The cells of [from, to) as points, in columns of `step` windows. */
static pt_t *points(const kc_record_data_t *d, uint32_t from, uint32_t to, uint32_t step, size_t *n)
{
    pt_t *v = malloc(((size_t)d->ncells + 1) * sizeof(*v));
    *n = 0;
    for (uint32_t i = 0; v && i < d->ncells; i++) {
        const kc_rec_cell_t *c = &d->cells[i];
        const kc_rec_series_t *s = &d->series[c->series];
        if (c->window < from || c->window >= to) continue;
        pt_t p = {.key = s->partition,
                  .name = s->name,
                  .col = (c->window - from) / step,
                  .window = c->window,
                  .a = c->a,
                  .b = c->b,
                  .hist = -1};
        switch (s->kind) {
        case KC_REC_PRODUCE: /* summed over the brokers that answered for the partition */
            p.lane = LANE_PART, p.what = c->code ? P_ERROR : P_RESULTS, p.code = c->code;
            break;
        case KC_REC_LEADERLESS:
            p.lane = LANE_PART, p.what = P_LEADERLESS;
            break;
        case KC_REC_LEADER: /* one point a move: written one by one, never summed */
            p.lane = LANE_PART, p.what = P_LEADER;
            p.a = c->code >= 0 ? (uint64_t)c->code + 1 : 0, p.b = (uint64_t)(uint32_t)s->node;
            break;
        case KC_REC_LATENCY:
            p.lane = LANE_BROKER, p.what = B_LATENCY, p.key = s->node, p.hist = c->hist;
            break;
        case KC_REC_CONNECT:
            p.lane = LANE_BROKER, p.key = s->node;
            p.what = c->code == KC_REC_CONN_RESET ? B_CONNECT_RESET : B_CONNECT_FAILED;
            break;
        case KC_REC_THROTTLE:
            p.lane = LANE_CLIENT, p.what = C_THROTTLE;
            break;
        default:
            continue;
        }
        v[(*n)++] = p;
    }
    if (v && *n) qsort(v, *n, sizeof(*v), pt_cmp);
    return v;
}

/* ---- writing ---- */

typedef struct out {
    kc_sb_t b;
    const kc_record_data_t *d;
    const pt_t *v;
    uint32_t from, step;
} out_t;

/* The end of the run of points in [i, n) equal to v[i] under cmp. */
static size_t run_end(const pt_t *v, size_t i, size_t n, int (*cmp)(const pt_t *, const pt_t *))
{
    size_t j = i + 1;
    while (j < n && !cmp(&v[i], &v[j]))
        j++;
    return j;
}

static double ms(uint64_t ns)
{
    return (double)ns / 1e6;
}

/* One series' columns [i, j): [window, a] each, or for latency [window, count, p50, p99, max]
 * (ms), for throttle [window, responses, mean ms]. */
static void columns(out_t *o, size_t i, size_t j)
{
    kc_sb_printf(&o->b, "[");
    for (size_t k = i, first = 1; k < j; first = 0) {
        size_t e = k + 1;
        uint64_t a = o->v[k].a, b = o->v[k].b;
        kc_hist_t h = {0};
        if (o->v[k].hist >= 0) kc_hist_merge(&h, &o->d->hists[o->v[k].hist]);
        for (; e < j && o->v[e].col == o->v[k].col; e++) {
            a += o->v[e].a, b += o->v[e].b;
            if (o->v[e].hist >= 0) kc_hist_merge(&h, &o->d->hists[o->v[e].hist]);
        }
        uint32_t w = o->from + o->v[k].col * o->step;
        const pt_t *p = &o->v[k];
        if (p->lane == LANE_BROKER && p->what == B_LATENCY)
            kc_sb_printf(&o->b, "%s[%u,%llu,%.3f,%.3f,%.3f]", first ? "" : ",", w,
                         (unsigned long long)h.count, ms(kc_hist_quantile(&h, 0.50)),
                         ms(kc_hist_quantile(&h, 0.99)), ms(h.max_ns));
        else if (p->lane == LANE_CLIENT)
            kc_sb_printf(&o->b, "%s[%u,%llu,%.1f]", first ? "" : ",", w, (unsigned long long)a,
                         a ? (double)b / (double)a : 0.0);
        else
            kc_sb_printf(&o->b, "%s[%u,%llu]", first ? "" : ",", w, (unsigned long long)a);
        k = e;
    }
    kc_sb_printf(&o->b, "]");
}

/* Within one entity's points [i, j): the series of kind `what` as "key":[...] (errors: one
 * object per code). */
static void series(out_t *o, size_t i, size_t j, uint8_t lane, uint8_t what, const char *key)
{
    while (i < j && o->v[i].what < what)
        i++;
    size_t e = i;
    while (e < j && o->v[e].what == what)
        e++;
    kc_sb_printf(&o->b, ",\"%s\":", key);
    if (lane == LANE_PART && what == P_LEADER) { /* [window, from (-1: not known), to] */
        kc_sb_printf(&o->b, "[");
        for (size_t k = i; k < e; k++)
            kc_sb_printf(&o->b, "%s[%u,%lld,%d]", k == i ? "" : ",",
                         o->from + o->v[k].col * o->step, (long long)o->v[k].a - 1,
                         (int32_t)(uint32_t)o->v[k].b);
        kc_sb_printf(&o->b, "]");
        return;
    }
    if (lane != LANE_PART || what != P_ERROR) {
        columns(o, i, e);
        return;
    }
    kc_sb_printf(&o->b, "[");
    for (size_t k = i; k < e;) {
        size_t r = run_end(o->v, k, e, pt_series_cmp);
        kc_sb_printf(&o->b, "%s{\"code\":%d,\"name\":\"%s\",\"cells\":", k == i ? "" : ",",
                     o->v[k].code, kc_kafka_error_name(o->v[k].code));
        columns(o, k, r);
        kc_sb_printf(&o->b, "}");
        k = r;
    }
    kc_sb_printf(&o->b, "]");
}

static void write_lane(out_t *o, size_t n, uint8_t lane, const char *key)
{
    kc_sb_printf(&o->b, ",\"%s\":[", key);
    size_t i = 0;
    while (i < n && o->v[i].lane < lane)
        i++;
    for (int first = 1; i < n && o->v[i].lane == lane; first = 0) {
        size_t j = run_end(o->v, i, n, pt_key_cmp);
        const pt_t *p = &o->v[i];
        kc_sb_printf(&o->b, "%s{", first ? "" : ",");
        if (lane == LANE_PART) {
            kc_sb_printf(&o->b, "\"topic\":\"");
            kc_sb_str(&o->b, p->name, 1);
            kc_sb_printf(&o->b, "\",\"partition\":%d", p->key);
            series(o, i, j, LANE_PART, P_RESULTS, "results");
            series(o, i, j, LANE_PART, P_ERROR, "errors");
            series(o, i, j, LANE_PART, P_LEADERLESS, "leaderless");
            series(o, i, j, LANE_PART, P_LEADER, "leaders");
        } else if (lane == LANE_BROKER) {
            kc_sb_printf(&o->b, "\"node\":%d", p->key);
            series(o, i, j, LANE_BROKER, B_LATENCY, "latency");
            series(o, i, j, LANE_BROKER, B_CONNECT_FAILED, "connect_failed");
            series(o, i, j, LANE_BROKER, B_CONNECT_RESET, "resets");
        } else {
            kc_sb_printf(&o->b, "\"client_id\":\"");
            kc_sb_str(&o->b, p->name, 1);
            kc_sb_printf(&o->b, "\"");
            series(o, i, j, LANE_CLIENT, C_THROTTLE, "throttle");
        }
        kc_sb_printf(&o->b, "}");
        i = j;
    }
    kc_sb_printf(&o->b, "]");
}

static void bands(out_t *o, const kc_tl_bands_t *b, uint32_t from, uint32_t to, int *first)
{
    for (int i = 0; b && i < b->n; i++) {
        const kc_tl_band_t *x = &b->v[i];
        if (x->to <= from || x->from >= to) continue;
        kc_sb_printf(&o->b, "%s{\"source\":\"%s\",\"scenario\":\"", *first ? "" : ",",
                     x->recorded ? "recording" : "scenario");
        *first = 0;
        kc_sb_str(&o->b, x->scenario, 1);
        kc_sb_printf(&o->b, "\",\"rule\":\"");
        kc_sb_str(&o->b, x->rule, 1);
        kc_sb_printf(&o->b, "\",\"action\":\"%s\",\"what\":\"", kc_fault_kind_name(x->kind));
        kc_sb_str(&o->b, x->what, 1);
        kc_sb_printf(&o->b, "\",\"comment\":");
        if (x->comment) {
            kc_sb_printf(&o->b, "\"");
            kc_sb_str(&o->b, x->comment, 1);
            kc_sb_printf(&o->b, "\"");
        } else {
            kc_sb_printf(&o->b, "null");
        }
        kc_sb_printf(&o->b, ",\"dry_run\":%s,\"from\":%u,\"to\":%u}", x->dry_run ? "true" : "false",
                     x->from, x->to);
    }
}

/* The recording's own rules, as the export makes them, as bands. */
static void recorded_bands(const kc_record_data_t *d, kc_tl_bands_t *b)
{
    char **comments = NULL;
    kc_scenario_t *sc = kc_record_rules(d, NULL, &comments);
    if (!sc) {
        b->oom = true;
        return;
    }
    kc_tl_bands_add(b, sc, comments, 0, d->nwindows, true);
    for (int i = 0; comments && i < sc->nrules; i++)
        free(comments[i]);
    free(comments);
    kc_scenario_free(sc);
}

char *kc_record_timeline_json(const kc_record_data_t *d, uint32_t from, uint32_t to,
                              const kc_tl_bands_t *running, const char *state, size_t *len)
{
    if (!to || to > d->nwindows) to = d->nwindows;
    if (from > to) from = to;
    uint32_t span = to - from;
    uint32_t step =
        span > KC_TL_MAX_COLUMNS ? (span + KC_TL_MAX_COLUMNS - 1) / KC_TL_MAX_COLUMNS : 1;
    size_t n = 0;
    pt_t *v = points(d, from, to, step, &n);
    kc_tl_bands_t rec = {0};
    recorded_bands(d, &rec);
    if (!v || rec.oom) {
        free(v);
        kc_tl_bands_free(&rec);
        return NULL;
    }
    out_t o = {.d = d, .v = v, .from = from, .step = step};
    kc_sb_printf(&o.b,
                 "{\"window_s\":1,\"windows\":%u,\"from\":%u,\"to\":%u,\"step\":%u,"
                 "\"columns\":%u,\"max_columns\":%u,\"recording\":%s",
                 d->nwindows, from, to, step, (span + step - 1) / step, KC_TL_MAX_COLUMNS,
                 state ? state : "null");
    /* kc_recorder_json ends its object with a newline: take it out of ours. */
    if (o.b.n && o.b.p[o.b.n - 1] == '\n') o.b.p[--o.b.n] = 0;
    write_lane(&o, n, LANE_PART, "partitions");
    write_lane(&o, n, LANE_BROKER, "brokers");
    write_lane(&o, n, LANE_CLIENT, "clients");
    kc_sb_printf(&o.b, ",\"rules\":[");
    int first = 1;
    bands(&o, &rec, from, to, &first);
    bands(&o, running, from, to, &first);
    kc_sb_printf(&o.b,
                 "],\"bands_cut\":%s,\"dropped\":{\"series\":%llu,\"cells\":%llu,"
                 "\"histograms\":%llu}}\n",
                 rec.cut || (running && running->cut) ? "true" : "false",
                 (unsigned long long)d->dropped_series, (unsigned long long)d->dropped_cells,
                 (unsigned long long)d->dropped_hists);
    free(v);
    kc_tl_bands_free(&rec);
    return kc_sb_done(&o.b, len);
}
