/* The fault engine: see engine.h. The set of running scenarios, and the decisions. */
#include "fault/engine.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault/note.h"
#include "fault/rule.h"
#include "fault/view.h"
#include "kafka/api.h"
#include "kafka/errors.h"
#include "kafka/metadata.h"
#include "pipeline.h"
#include "util/error.h"
#include "util/log.h"

struct kc_faults {
    uv_rwlock_t lock;
    kc_scenario_t **v; /* running (or finished, still listed), in start order; owned */
    int n, cap;
    _Atomic int count; /* n, read without the lock by the fast path */
};

kc_faults_t *kc_faults_new(void)
{
    kc_faults_t *f = calloc(1, sizeof(*f));
    if (f && uv_rwlock_init(&f->lock)) {
        free(f);
        return NULL;
    }
    return f;
}

void kc_faults_free(kc_faults_t *f)
{
    if (!f)
        return;
    for (int i = 0; i < f->n; i++)
        kc_scenario_free(f->v[i]);
    free(f->v);
    uv_rwlock_destroy(&f->lock);
    free(f);
}

bool kc_faults_any(const kc_faults_t *f) { return f && atomic_load(&f->count) > 0; }

void kc_faults_each(kc_faults_t *f, void (*fn)(void *ctx, const kc_scenario_t *sc), void *ctx)
{
    uv_rwlock_rdlock(&f->lock);
    for (int i = 0; i < f->n; i++)
        fn(ctx, f->v[i]);
    uv_rwlock_rdunlock(&f->lock);
}

static int find(const kc_faults_t *f, const char *name)
{
    for (int i = 0; i < f->n; i++)
        if (!strcmp(f->v[i]->name, name))
            return i;
    return -1;
}

/* Under the write lock. */
static void put_locked(kc_faults_t *f, kc_scenario_t *sc, uint64_t now, bool *replaced)
{
    sc->started_ns = now;
    int i = find(f, sc->name);
    if (replaced)
        *replaced = i >= 0;
    if (i >= 0) {
        kc_scenario_free(f->v[i]);
        f->v[i] = sc;
    } else {
        if (f->n == f->cap) {
            int cap = f->cap ? 2 * f->cap : 8;
            kc_scenario_t **v = realloc(f->v, (size_t)cap * sizeof(*v));
            if (!v) {
                kc_log(KC_LOG_ERROR, "scenario %s: out of memory starting it", sc->name);
                kc_scenario_free(sc);
                return;
            }
            f->v = v, f->cap = cap;
        }
        f->v[f->n++] = sc;
    }
    atomic_store(&f->count, f->n);
    kc_log(KC_LOG_INFO, "scenario %s %s (%d rule%s%s, from %s)", sc->name,
           i >= 0 ? "restarted" : "started", sc->nrules, sc->nrules == 1 ? "" : "s",
           sc->dry_run ? ", dry run: nothing is injected" : "", sc->file ? sc->file : "?");
}

static void remove_locked(kc_faults_t *f, int i)
{
    kc_log(KC_LOG_INFO, "scenario %s removed", f->v[i]->name);
    kc_scenario_free(f->v[i]);
    memmove(&f->v[i], &f->v[i + 1], (size_t)(f->n - i - 1) * sizeof(*f->v));
    f->n--;
    atomic_store(&f->count, f->n);
}

void kc_faults_put(kc_faults_t *f, kc_scenario_t *sc, uint64_t now, bool *replaced)
{
    uv_rwlock_wrlock(&f->lock);
    put_locked(f, sc, now, replaced);
    uv_rwlock_wrunlock(&f->lock);
}

int kc_faults_remove(kc_faults_t *f, const char *name)
{
    uv_rwlock_wrlock(&f->lock);
    int i = find(f, name);
    if (i >= 0)
        remove_locked(f, i);
    uv_rwlock_wrunlock(&f->lock);
    return i >= 0 ? 0 : UV_ENOENT;
}

int kc_faults_off(kc_faults_t *f)
{
    uv_rwlock_wrlock(&f->lock);
    int n = f->n;
    while (f->n)
        remove_locked(f, f->n - 1);
    uv_rwlock_wrunlock(&f->lock);
    if (n)
        kc_log(KC_LOG_INFO, "every fault off: %d scenario%s removed", n, n == 1 ? "" : "s");
    return n;
}

int kc_faults_load_files(kc_faults_t *f, char *const *paths, int n, uint64_t now,
                         kc_scenario_diags_t *diags)
{
    kc_scenario_t **v = calloc((size_t)(n ? n : 1), sizeof(*v));
    if (!v)
        return -KC_ENOMEM;
    int bad = 0;
    for (int i = 0; i < n; i++)
        if (!(v[i] = kc_scenario_load(paths[i], diags)))
            bad++;
    for (int i = 0; i < n && !bad; i++)
        for (int j = 0; j < i; j++)
            if (!strcmp(v[i]->name, v[j]->name)) {
                kc_log(KC_LOG_ERROR, "%s: scenario name %s is also %s's", paths[i], v[i]->name,
                       paths[j]);
                bad++;
            }
    if (bad) {
        for (int i = 0; i < n; i++)
            kc_scenario_free(v[i]);
        free(v);
        return -KC_EPROTO;
    }
    uv_rwlock_wrlock(&f->lock);
    /* The file scenarios now are exactly these: others from files go, API ones stay. */
    for (int i = f->n - 1; i >= 0; i--) {
        bool from_file = f->v[i]->file && strcmp(f->v[i]->file, "<api>") != 0;
        if (from_file)
            remove_locked(f, i);
    }
    for (int i = 0; i < n; i++)
        put_locked(f, v[i], now, NULL);
    uv_rwlock_wrunlock(&f->lock);
    free(v);
    return 0;
}

/* ---- decisions ---- */

/* What the rules that fired want done with one request. */
typedef struct plan {
    bool close, reset, drop;
    uint64_t hold;             /* 0: none */
    kc_fault_note_t *note;     /* what the response will need; its error, the request's */
} plan_t;

static kc_fault_conn_t conn_of(const kc_session_t *s)
{
    return (kc_fault_conn_t){.client_id = s->log.client_id ? s->log.client_id : "",
                             .host = s->host ? s->host : "", .software = s->software,
                             .principal = s->principal, .node_id = s->node_id};
}

static void log_fault(const kc_session_t *s, const kc_scenario_t *sc, const kc_fault_rule_t *r,
                      int16_t api, int16_t version, const kc_fault_req_t *q)
{
    if (!kc_log_enabled(KC_LOG_INFO))
        return;
    char what[96] = "", where[160] = "";
    const kc_fault_action_t *a = &r->action;
    if (a->kind == KC_FAULT_ERROR)
        snprintf(what, sizeof(what), " %s %s the broker", kc_kafka_error_name(a->error),
                 a->when == KC_WHEN_AFTER ? "after" : "before");
    else if (a->kind == KC_FAULT_DISCONNECT)
        snprintf(what, sizeof(what), " %s%s", kc_fault_when_name(a->when),
                 a->reset ? " (reset)" : "");
    int k = 0, shown = 0;
    for (int i = 0; q && i < q->nparts && k < (int)sizeof(where) - 40; i++)
        if (kc_fault_match_part(&r->match, &q->parts[i])) {
            if (shown++ < 3)
                k += snprintf(where + k, sizeof(where) - (size_t)k, "%s%s-%d", shown > 1 ? ", " : ": ",
                              q->parts[i].topic, q->parts[i].partition);
        }
    if (shown > 3)
        snprintf(where + k, sizeof(where) - (size_t)k, " (+%d)", shown - 3);
    kc_log_c(KC_LOG_INFO, &s->log, "fault%s: scenario %s rule %s: %s%s on %s v%d%s",
             sc->dry_run ? " (dry run, not injected)" : "", sc->name, r->name,
             kc_fault_kind_name(a->kind), what, kc_api_name(api), version, where);
}

/* The parts of q a rule picks, recorded on the note (copied: the request goes away). */
static int pick_parts(kc_fault_note_t *nt, const kc_fault_rule_t *r, const kc_fault_req_t *q)
{
    for (int i = 0; i < q->nparts; i++)
        if (kc_fault_match_part(&r->match, &q->parts[i]) && kc_fault_note_pick(nt, &q->parts[i]))
            return -KC_ENOMEM;
    return 0;
}

static kc_fault_note_t *note_of(plan_t *pl, kc_session_t *s)
{
    if (!pl->note)
        pl->note = kc_fault_note_new(s->env->pool);
    return pl->note;
}

/* One rule that fired: what it adds to the plan. */
static void apply(plan_t *pl, kc_session_t *s, const kc_scenario_t *sc, const kc_fault_rule_t *r,
                  int ri, uint64_t n, const kc_fault_req_t *q, uint64_t closes)
{
    const kc_fault_action_t *a = &r->action;
    uint64_t now = s->now;
    kc_fault_note_t *nt;
    switch (a->kind) {
    case KC_FAULT_ERROR: {
        if (!(nt = note_of(pl, s)) || pick_parts(nt, r, q))
            return;
        nt->error = a->error;
        nt->error_after = a->when == KC_WHEN_AFTER;
        return;
    }
    case KC_FAULT_LATENCY: {
        uint64_t at = now + kc_fault_latency_ns(sc, r, ri, n);
        if (a->path == KC_PATH_RESPONSE) {
            if ((nt = note_of(pl, s)) && at - now > nt->delay_ns)
                nt->delay_ns = at - now;
        } else if (at > pl->hold) {
            pl->hold = at;
        }
        return;
    }
    case KC_FAULT_THROTTLE:
        if ((nt = note_of(pl, s)) && a->throttle_ms > nt->throttle_ms) {
            nt->throttle_ms = a->throttle_ms;
            nt->enforce = a->enforce;
        }
        return;
    case KC_FAULT_DISCONNECT:
        if (a->when == KC_WHEN_BEFORE) {
            pl->close = true;
            pl->reset = a->reset;
            snprintf(s->fault_why, sizeof(s->fault_why),
                     "scenario %s rule %s: disconnect before the broker", sc->name, r->name);
        } else if ((nt = note_of(pl, s))) {
            nt->disconnect = (int8_t)a->when;
            nt->reset = a->reset;
            snprintf(nt->label, sizeof(nt->label), "%s rule %s", sc->name, r->name);
        }
        return;
    case KC_FAULT_STALL: {
        uint64_t until = closes == UINT64_MAX ? now + KC_FAULT_STALL_MAX_NS : closes;
        if (until > pl->hold)
            pl->hold = until;
        if ((nt = note_of(pl, s)) && until > nt->stall_until)
            nt->stall_until = until;
        return;
    }
    case KC_FAULT_DROP:
        pl->drop = true;
        return;
    default:
        return;
    }
}

/* Bandwidth, as a link of that rate would carry it: a frame is through once the frames before
 * it and its own bytes have had their time at the cap (store and forward), so the bytes passed
 * never run ahead of rate x time, whatever the frames' sizes. Each frame it holds is counted. */
static void pace_frame(kc_fault_rule_t *r, uint64_t *next, uint64_t now, uint32_t bytes,
                       uint64_t *hold)
{
    uint64_t start = *next > now ? *next : now;
    uint64_t at = start + (uint64_t)((double)bytes * 1e9 / (double)r->action.bytes_per_s);
    *next = at;
    atomic_fetch_add(&r->injected, 1);
    if (at > *hold)
        *hold = at;
}

/* Walk the rules that apply to a request; fill the plan. Under the read lock. */
static void walk_rules(kc_faults_t *F, kc_session_t *s, kc_inflight_t *e, kc_frame_t *f,
                       plan_t *pl, kc_fault_view_t *v)
{
    kc_fault_conn_t c = conn_of(s);
    kc_fault_rule_t *bw = NULL; /* the tightest bandwidth cap that applies */
    v->q = (kc_fault_req_t){.api_key = e->api_key, .api_version = e->api_version,
                            .acks = KC_ANY, .idempotent = -1, .transactional = -1};
    v->topics = s->env->topics;
    for (int i = 0; i < F->n; i++) {
        kc_scenario_t *sc = F->v[i];
        for (int ri = 0; ri < sc->nrules; ri++) {
            kc_fault_rule_t *r = &sc->rules[ri];
            kc_fault_kind_t k = r->action.kind;
            uint64_t closes;
            if (k == KC_FAULT_REFUSE || k == KC_FAULT_LEADER)
                continue;
            /* One error per request: once a rule has given it one, later error rules do not
             * see it (nor count it, nor spend their budget on it). */
            if (k == KC_FAULT_ERROR && pl->note && pl->note->error)
                continue;
            if (!kc_fault_window_open(sc, r, s->now, &closes) || !kc_fault_match_conn(&r->match, &c))
                continue;
            if (e->api_key == KC_API_PRODUCE && !v->built && kc_fault_needs_view(r))
                kc_fault_view_build(v, f, e->api_version);
            if (!kc_fault_match_req(&r->match, &v->q))
                continue;
            if (k == KC_FAULT_BANDWIDTH) {
                atomic_fetch_add(&r->matches, 1);
                if (!sc->dry_run && (!bw || r->action.bytes_per_s < bw->action.bytes_per_s))
                    bw = r;
                continue;
            }
            uint64_t n;
            if (!kc_fault_trigger(sc, r, ri, &n))
                continue;
            log_fault(s, sc, r, e->api_key, e->api_version, &v->q);
            if (!sc->dry_run)
                apply(pl, s, sc, r, ri, n, &v->q, closes);
        }
    }
    if (bw)
        pace_frame(bw, &s->fault_bw_up, s->now, kc_frame_wire_len(f), &pl->hold);
}

void kc_fault_decide_request(void *ctx, kc_session_t *s, kc_inflight_t *e, kc_frame_t *f,
                             kc_decision_t *d)
{
    kc_faults_t *F = ctx;
    uint64_t now = s->now;
    plan_t pl = {0};
    /* KIP-219, enforced: the connection is muted while the throttle it was told runs. */
    if (s->fault_mute_until > now)
        pl.hold = s->fault_mute_until;
    kc_fault_view_t v = {0};
    if (atomic_load(&F->count)) {
        uv_rwlock_rdlock(&F->lock);
        walk_rules(F, s, e, f, &pl, &v);
        uv_rwlock_rdunlock(&F->lock);
    }
    if (pl.close) {
        kc_fault_note_free(pl.note);
        kc_fault_view_free(&v);
        d->verdict = KC_CLOSE;
        d->reset = pl.reset;
        d->why = s->fault_why; /* written by the rule that asked for the close */
        return;
    }
    if (pl.drop) {
        kc_fault_note_free(pl.note);
        kc_fault_view_free(&v);
        d->verdict = KC_DROP;
        return;
    }
    kc_fault_note_t *nt = pl.note;
    if (nt && nt->error && !nt->error_after) {
        /* Before the broker: the picked partitions are answered here, the rest go on. */
        int rc = kc_fault_note_split(nt, s, e, &v.q);
        if (rc == KC_FAULT_ANSWERED || rc < 0) {
            kc_fault_note_free(nt);
            kc_fault_view_free(&v);
            if (rc < 0) {
                d->verdict = KC_CLOSE;
                d->why = "a fault could not be applied (see the log)";
                kc_log_c(KC_LOG_ERROR, &s->log, "fault: cannot answer %s v%d here: %s",
                         kc_api_name(e->api_key), e->api_version, kc_strerror(rc));
            }
            return;
        }
    }
    kc_fault_view_free(&v);
    if (nt && kc_fault_note_empty(nt)) {
        kc_fault_note_free(nt);
        nt = NULL;
    }
    if (nt)
        d->merge = kc_fault_note_merge(nt);
    if (pl.hold > now) {
        d->verdict = KC_HOLD;
        d->until = pl.hold;
    }
}

/* Metadata: leaderless partitions for the leader rules that fire on this response. Stall and
 * bandwidth rules hold the response. Under the read lock. */
static void walk_response_rules(kc_faults_t *F, kc_session_t *s, kc_inflight_t *e, kc_frame_t *f,
                                uint64_t *hold)
{
    kc_fault_rule_t *bw = NULL;
    kc_fault_conn_t c = conn_of(s);
    kc_fault_req_t q = {.api_key = e->api_key, .api_version = e->api_version, .acks = KC_ANY,
                        .idempotent = -1, .transactional = -1};
    for (int i = 0; i < F->n; i++) {
        kc_scenario_t *sc = F->v[i];
        for (int ri = 0; ri < sc->nrules; ri++) {
            kc_fault_rule_t *r = &sc->rules[ri];
            kc_fault_kind_t k = r->action.kind;
            uint64_t closes, n;
            if (k != KC_FAULT_LEADER && k != KC_FAULT_STALL && k != KC_FAULT_BANDWIDTH)
                continue;
            if (!kc_fault_window_open(sc, r, s->now, &closes) || !kc_fault_match_conn(&r->match, &c))
                continue;
            kc_fault_match_t m = r->match;
            m.topic = NULL, m.partitions = NULL; /* parts are the response's, below */
            if (!kc_fault_match_req(&m, &q))
                continue;
            if (k == KC_FAULT_STALL) {
                uint64_t until = closes == UINT64_MAX ? s->now + KC_FAULT_STALL_MAX_NS : closes;
                if (!sc->dry_run && until > *hold)
                    *hold = until;
            } else if (k == KC_FAULT_BANDWIDTH) {
                if (!sc->dry_run && (!bw || r->action.bytes_per_s < bw->action.bytes_per_s))
                    bw = r;
            } else if (e->api_key == KC_API_METADATA && kc_fault_trigger(sc, r, ri, &n)) {
                int count = 0;
                if (!sc->dry_run)
                    kc_fault_note_leaderless(s, e, f, &r->match, &count);
                if (kc_log_enabled(KC_LOG_INFO))
                    kc_log_c(KC_LOG_INFO, &s->log,
                             "fault%s: scenario %s rule %s: leader none on Metadata v%d: %d "
                             "partition%s leaderless", sc->dry_run ? " (dry run)" : "", sc->name,
                             r->name, e->api_version, count, count == 1 ? "" : "s");
            }
        }
    }
    if (bw)
        pace_frame(bw, &s->fault_bw_down, s->now, kc_frame_wire_len(f), hold);
}

void kc_fault_decide_response(void *ctx, kc_session_t *s, kc_inflight_t *e, kc_frame_t *f,
                              kc_decision_t *d)
{
    kc_faults_t *F = ctx;
    uint64_t now = s->now, hold = 0;
    kc_fault_note_t *nt = kc_fault_note_of(e);
    if (nt) {
        if (nt->disconnect >= 0) {
            kc_fault_note_disconnect(nt, s, e, f, d);
            return;
        }
        int rc = kc_fault_note_after(nt, s, e, f);
        if (rc) {
            kc_log_c(KC_LOG_ERROR, &s->log, "fault: cannot set errors in %s v%d: %s",
                     kc_api_name(e->api_key), e->api_version, kc_strerror(rc));
            d->verdict = KC_CLOSE;
            d->why = "a fault could not be applied (see the log)";
            return;
        }
        hold = nt->delay_ns ? now + nt->delay_ns : 0;
        if (nt->stall_until > hold)
            hold = nt->stall_until;
    }
    /* A muted connection (KIP-219, enforced) gets no answer either: a broker would not have
     * read the request behind the throttled one until the throttle ran out. */
    if (s->fault_mute_until > hold)
        hold = s->fault_mute_until;
    if (atomic_load(&F->count)) {
        uv_rwlock_rdlock(&F->lock);
        walk_response_rules(F, s, e, f, &hold);
        uv_rwlock_rdunlock(&F->lock);
    }
    if (nt && nt->throttle_ms && nt->enforce) {
        /* The throttle runs from when the client is told it. From Produce v6 the broker answers
         * at once and then mutes the connection; before, it held the response. */
        uint64_t told = hold > now ? hold : now;
        uint64_t until = told + (uint64_t)nt->throttle_ms * 1000000;
        if (e->api_version >= 6) {
            if (until > s->fault_mute_until)
                s->fault_mute_until = until;
        } else {
            hold = until;
        }
    }
    if (hold > now) {
        d->verdict = KC_HOLD;
        d->until = hold;
    }
}

bool kc_fault_refuse(kc_faults_t *F, int32_t node_id, const char *host, uint64_t now,
                     const char **why)
{
    static _Thread_local char buf[160];
    if (!F || !atomic_load(&F->count))
        return false;
    bool refuse = false;
    kc_fault_conn_t c = {.client_id = "", .host = host ? host : "", .software = "",
                         .principal = "", .node_id = node_id};
    uv_rwlock_rdlock(&F->lock);
    for (int i = 0; i < F->n && !refuse; i++) {
        kc_scenario_t *sc = F->v[i];
        for (int ri = 0; ri < sc->nrules && !refuse; ri++) {
            kc_fault_rule_t *r = &sc->rules[ri];
            uint64_t n;
            if (r->action.kind != KC_FAULT_REFUSE || !kc_fault_window_open(sc, r, now, NULL) ||
                !kc_fault_match_conn(&r->match, &c) || !kc_fault_trigger(sc, r, ri, &n))
                continue;
            snprintf(buf, sizeof(buf), "scenario %s rule %s%s", sc->name, r->name,
                     sc->dry_run ? " (dry run, not refused)" : "");
            *why = buf;
            if (sc->dry_run)
                kc_log(KC_LOG_INFO, "fault (dry run, not injected): %s: refuse", buf);
            else
                refuse = true;
        }
    }
    uv_rwlock_rdunlock(&F->lock);
    return refuse;
}
