/* The recorder: see recorder.h. The store (series, cells, histograms and their indexes) first,
 * then the process-wide recording around it, then the feeds that decode what the brokers said. */
#include "record/recorder.h"

#include <errno.h>
#include <fnmatch.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka/api.h"
#include "kafka/header.h"
#include "kafka/metadata.h"
#include "kafka/produce.h"
#include "util/arena.h"
#include "util/sb.h"

/* ---- the store ---- */

static uint32_t mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return (uint32_t)h;
}

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ull;
    return h;
}

static uint32_t series_hash(kc_rec_kind_t kind, int32_t node, int32_t partition, const char *name)
{
    return mix(hash_str(name) ^ ((uint64_t)kind << 56) ^ ((uint64_t)(uint32_t)node << 24) ^
               (uint64_t)(uint32_t)partition);
}

static uint32_t cell_hash(uint32_t window, uint32_t series, int16_t code)
{
    return mix(((uint64_t)window << 32) ^ ((uint64_t)series << 16) ^ (uint16_t)code);
}

/* Grow an index to hold twice n entries; rehash what it holds. 0 or -ENOMEM. Not past twice
 * its array's cap: a full array takes no new entry (KC_REC_MAX_BYTES counts on that). */
static int index_grow(kc_record_data_t *d, bool cells)
{
    uint32_t n = cells ? d->ncells : d->nseries;
    uint32_t cap = cells ? d->cidx_cap : d->sidx_cap;
    if (cap && ((n + 1) * 2 <= cap || n >= (cells ? KC_REC_MAX_CELLS : KC_REC_MAX_SERIES)))
        return 0;
    uint32_t ncap = cap ? cap * 2 : 1024;
    uint32_t *idx = calloc(ncap, sizeof(*idx));
    if (!idx)
        return -ENOMEM;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t h;
        if (cells)
            h = cell_hash(d->cells[i].window, d->cells[i].series, d->cells[i].code);
        else
            h = series_hash(d->series[i].kind, d->series[i].node, d->series[i].partition,
                            d->series[i].name);
        while (idx[h & (ncap - 1)])
            h++;
        idx[h & (ncap - 1)] = i + 1;
    }
    free(cells ? d->cidx : d->sidx);
    if (cells)
        d->cidx = idx, d->cidx_cap = ncap;
    else
        d->sidx = idx, d->sidx_cap = ncap;
    return 0;
}

/* Grow an array of `size`-byte elements to hold one more, up to max. */
static int room(void **v, uint32_t n, uint32_t *cap, size_t size, uint32_t max)
{
    if (n < *cap)
        return 0;
    if (n >= max)
        return -ENOSPC;
    uint32_t ncap = *cap ? *cap * 2 : 256;
    ncap = ncap > max ? max : ncap;
    void *p = realloc(*v, (size_t)ncap * size);
    if (!p)
        return -ENOMEM;
    *v = p, *cap = ncap;
    return 0;
}

static int64_t series_of(kc_record_data_t *d, kc_rec_kind_t kind, int32_t node, int32_t partition,
                         const char *name)
{
    if (index_grow(d, false))
        return -1;
    uint32_t h = series_hash(kind, node, partition, name);
    for (;; h++) {
        uint32_t at = d->sidx[h & (d->sidx_cap - 1)];
        if (!at)
            break;
        const kc_rec_series_t *s = &d->series[at - 1];
        if (s->kind == kind && s->node == node && s->partition == partition && !strcmp(s->name, name))
            return at - 1;
    }
    char *copy = NULL;
    size_t len = strlen(name) + 1;
    if (d->name_bytes + len > KC_REC_MAX_NAME_BYTES ||
        room((void **)&d->series, d->nseries, &d->series_cap, sizeof(*d->series),
             KC_REC_MAX_SERIES) ||
        !(copy = malloc(len))) {
        d->dropped_series++;
        return -1;
    }
    memcpy(copy, name, len);
    d->name_bytes += len;
    d->series[d->nseries] = (kc_rec_series_t){kind, node, partition, copy};
    d->sidx[h & (d->sidx_cap - 1)] = ++d->nseries;
    return d->nseries - 1;
}

static kc_rec_cell_t *cell_of(kc_record_data_t *d, uint32_t window, uint32_t series, int16_t code)
{
    if (index_grow(d, true))
        return NULL;
    uint32_t h = cell_hash(window, series, code);
    for (;; h++) {
        uint32_t at = d->cidx[h & (d->cidx_cap - 1)];
        if (!at)
            break;
        kc_rec_cell_t *c = &d->cells[at - 1];
        if (c->window == window && c->series == series && c->code == code)
            return c;
    }
    if (room((void **)&d->cells, d->ncells, &d->cells_cap, sizeof(*d->cells), KC_REC_MAX_CELLS)) {
        d->dropped_cells++;
        return NULL;
    }
    kc_rec_cell_t *c = &d->cells[d->ncells];
    *c = (kc_rec_cell_t){.window = window, .series = series, .code = code, .hist = -1};
    d->cidx[h & (d->cidx_cap - 1)] = ++d->ncells;
    if (window + 1 > d->nwindows)
        d->nwindows = window + 1;
    return c;
}

kc_rec_cell_t *kc_record_data_add(kc_record_data_t *d, uint32_t window, kc_rec_kind_t kind,
                                  int32_t node, int32_t partition, const char *name, int16_t code,
                                  uint64_t a, uint64_t b)
{
    int64_t s = series_of(d, kind, node, partition, name ? name : "");
    kc_rec_cell_t *c = s < 0 ? NULL : cell_of(d, window, (uint32_t)s, code);
    if (c)
        c->a += a, c->b += b;
    return c;
}

void kc_record_data_latency(kc_record_data_t *d, uint32_t window, int32_t node, uint64_t ns)
{
    kc_rec_cell_t *c = kc_record_data_add(d, window, KC_REC_LATENCY, node, -1, "", 0, 1, 0);
    if (!c)
        return;
    if (c->hist < 0) {
        if (room((void **)&d->hists, d->nhists, &d->hists_cap, sizeof(*d->hists),
                 KC_REC_MAX_HISTS)) {
            d->dropped_hists++;
            return;
        }
        memset(&d->hists[d->nhists], 0, sizeof(*d->hists));
        c->hist = (int32_t)d->nhists++;
    }
    kc_hist_add(&d->hists[c->hist], ns);
}

static int cell_cmp(const void *x, const void *y)
{
    const kc_rec_cell_t *a = x, *b = y;
    if (a->series != b->series)
        return a->series < b->series ? -1 : 1;
    if (a->code != b->code)
        return a->code < b->code ? -1 : 1;
    return a->window < b->window ? -1 : a->window > b->window;
}

size_t kc_record_data_bytes(const kc_record_data_t *d)
{
    return (size_t)d->series_cap * sizeof(*d->series) + d->name_bytes +
           (size_t)d->cells_cap * sizeof(*d->cells) + (size_t)d->hists_cap * sizeof(*d->hists) +
           ((size_t)d->cidx_cap + d->sidx_cap) * sizeof(uint32_t);
}

void kc_record_data_seal(kc_record_data_t *d)
{
    if (d->ncells)
        qsort(d->cells, d->ncells, sizeof(*d->cells), cell_cmp);
    free(d->cidx), free(d->sidx);
    d->cidx = d->sidx = NULL;
    d->cidx_cap = d->sidx_cap = 0;
}

void kc_record_data_free(kc_record_data_t *d)
{
    for (uint32_t i = 0; i < d->nseries; i++)
        free(d->series[i].name);
    free(d->series), free(d->cells), free(d->hists), free(d->cidx), free(d->sidx);
    memset(d, 0, sizeof(*d));
}

/* ---- the recording ---- */

struct kc_recorder {
    atomic_bool on;        /* the hot path's only look while no recording runs */
    pthread_mutex_t mu;    /* everything below */
    kc_rec_state_t state;
    kc_record_opts_t opts;
    uint64_t started, stopped;
    kc_record_data_t data;
    kc_rec_leaders_t leaders; /* not part of the figures: what makes a move a move */
};

kc_recorder_t *kc_recorder_new(void)
{
    kc_recorder_t *r = calloc(1, sizeof(*r));
    if (r)
        pthread_mutex_init(&r->mu, NULL);
    return r;
}

void kc_recorder_free(kc_recorder_t *r)
{
    if (!r)
        return;
    kc_record_data_free(&r->data);
    kc_rec_leaders_free(&r->leaders);
    pthread_mutex_destroy(&r->mu);
    free(r);
}

bool kc_recorder_on(const kc_recorder_t *r)
{
    return r && atomic_load_explicit(&r->on, memory_order_relaxed);
}

int kc_recorder_start(kc_recorder_t *r, const kc_record_opts_t *o, uint64_t now)
{
    pthread_mutex_lock(&r->mu);
    if (r->state == KC_REC_RUNNING) {
        pthread_mutex_unlock(&r->mu);
        return -EBUSY;
    }
    kc_record_data_free(&r->data);
    kc_rec_leaders_reset(&r->leaders);
    r->opts = *o;
    uint64_t cap = (uint64_t)KC_REC_MAX_WINDOWS * KC_REC_WINDOW_NS;
    if (!r->opts.for_ns || r->opts.for_ns > cap)
        r->opts.for_ns = cap;
    r->started = now, r->stopped = 0;
    r->state = KC_REC_RUNNING;
    atomic_store(&r->on, true);
    pthread_mutex_unlock(&r->mu);
    return 0;
}

/* Under the lock: a recording past its time stops itself (no timer: the next feed or look). */
static void expire(kc_recorder_t *r, uint64_t now)
{
    if (r->state != KC_REC_RUNNING || now < r->started || now - r->started < r->opts.for_ns)
        return;
    r->state = r->opts.for_ns == (uint64_t)KC_REC_MAX_WINDOWS * KC_REC_WINDOW_NS ? KC_REC_FULL
                                                                                : KC_REC_DONE;
    r->stopped = r->started + r->opts.for_ns;
    atomic_store(&r->on, false);
}

int kc_recorder_stop(kc_recorder_t *r, uint64_t now)
{
    pthread_mutex_lock(&r->mu);
    expire(r, now);
    int rc = r->state == KC_REC_RUNNING ? 0 : -ENOENT;
    if (!rc) {
        r->state = KC_REC_DONE;
        r->stopped = now;
        atomic_store(&r->on, false);
    }
    pthread_mutex_unlock(&r->mu);
    return rc;
}

static uint32_t covered(const kc_recorder_t *r, uint64_t now)
{
    uint64_t end = r->state == KC_REC_RUNNING ? now : r->stopped;
    uint64_t w = end > r->started ? (end - r->started + KC_REC_WINDOW_NS - 1) / KC_REC_WINDOW_NS : 0;
    return (uint32_t)(w > KC_REC_MAX_WINDOWS ? KC_REC_MAX_WINDOWS : w);
}

char *kc_recorder_json(kc_recorder_t *r, uint64_t now, size_t *len)
{
    static const char *const names[] = {"idle", "running", "done", "full"};
    pthread_mutex_lock(&r->mu);
    expire(r, now);
    kc_sb_t b = {0};
    const kc_record_data_t *d = &r->data;
    kc_sb_printf(&b, "{\"state\":\"%s\",\"window_s\":1,\"windows\":%u,\"max_windows\":%u,",
                 names[r->state], r->state == KC_REC_IDLE ? 0 : covered(r, now), KC_REC_MAX_WINDOWS);
    kc_sb_printf(&b, "\"for_s\":%.3f,\"client\":\"", (double)r->opts.for_ns / 1e9);
    kc_sb_str(&b, r->opts.client, 1);
    kc_sb_printf(&b, "\",\"topic\":\"");
    kc_sb_str(&b, r->opts.topic, 1);
    kc_sb_printf(&b, "\",\"series\":%u,\"cells\":%u,\"histograms\":%u,\"dropped_series\":%llu,"
                     "\"dropped_cells\":%llu,\"dropped_histograms\":%llu,"
                     "\"leaders_followed\":%u,\"leaders_untracked\":%llu,\"bytes\":%zu}\n",
                 d->nseries, d->ncells, d->nhists, (unsigned long long)d->dropped_series,
                 (unsigned long long)d->dropped_cells, (unsigned long long)d->dropped_hists,
                 r->leaders.n, (unsigned long long)r->leaders.untracked,
                 kc_record_data_bytes(d) + kc_rec_leaders_bytes(&r->leaders));
    pthread_mutex_unlock(&r->mu);
    return kc_sb_done(&b, len);
}

size_t kc_recorder_bytes(kc_recorder_t *r)
{
    pthread_mutex_lock(&r->mu);
    size_t n = kc_record_data_bytes(&r->data) + kc_rec_leaders_bytes(&r->leaders);
    pthread_mutex_unlock(&r->mu);
    return n;
}

int kc_recorder_snapshot(kc_recorder_t *r, uint64_t now, kc_record_data_t *out)
{
    memset(out, 0, sizeof(*out));
    pthread_mutex_lock(&r->mu);
    expire(r, now);
    int rc = r->state == KC_REC_IDLE ? -ENOENT : 0;
    const kc_record_data_t *d = &r->data;
    if (!rc) {
        *out = *d;
        out->sidx = out->cidx = NULL, out->sidx_cap = out->cidx_cap = 0;
        out->nwindows = covered(r, now);
        out->series = malloc(((size_t)d->nseries + 1) * sizeof(*d->series));
        out->cells = malloc(((size_t)d->ncells + 1) * sizeof(*d->cells));
        out->hists = malloc(((size_t)d->nhists + 1) * sizeof(*d->hists));
        if (!out->series || !out->cells || !out->hists)
            rc = -ENOMEM;
        out->nseries = 0;
        for (uint32_t i = 0; !rc && i < d->nseries; i++, out->nseries++) {
            out->series[i] = d->series[i];
            if (!(out->series[i].name = strdup(d->series[i].name)))
                rc = -ENOMEM;
        }
        if (!rc && d->ncells) /* memcpy's source may not be NULL, even for 0 bytes */
            memcpy(out->cells, d->cells, (size_t)d->ncells * sizeof(*d->cells));
        if (!rc && d->nhists)
            memcpy(out->hists, d->hists, (size_t)d->nhists * sizeof(*d->hists));
    }
    pthread_mutex_unlock(&r->mu);
    if (rc)
        kc_record_data_free(out);
    else
        kc_record_data_seal(out);
    return rc;
}

int kc_recorder_started(kc_recorder_t *r, uint64_t *started)
{
    pthread_mutex_lock(&r->mu);
    int rc = r->state == KC_REC_IDLE ? -ENOENT : 0;
    *started = r->started;
    pthread_mutex_unlock(&r->mu);
    return rc;
}

/* ---- the feeds ---- */

/* Under the lock: the window `now` falls in, or -1 when no recording takes it. */
static int64_t window_of(kc_recorder_t *r, uint64_t now)
{
    expire(r, now);
    if (r->state != KC_REC_RUNNING)
        return -1;
    return now > r->started ? (int64_t)((now - r->started) / KC_REC_WINDOW_NS) : 0;
}

void kc_record_conn(kc_recorder_t *r, uint64_t now, int32_t node, kc_rec_conn_t what)
{
    if (!kc_recorder_on(r) || node < 0)
        return;
    pthread_mutex_lock(&r->mu);
    int64_t w = window_of(r, now);
    if (w >= 0)
        kc_record_data_add(&r->data, (uint32_t)w, KC_REC_CONNECT, node, -1, "", (int16_t)what, 1, 0);
    pthread_mutex_unlock(&r->mu);
}

static bool wanted(const char *glob, const char *s)
{
    return !glob[0] || fnmatch(glob, s ? s : "", 0) == 0;
}

/* A topic's name as a string: v13 names topics by id (KIP-516), learned from Metadata. */
static void topic_name(const kc_str_t *name, const uint8_t *id, kc_topics_t *topics, char *out,
                       size_t n)
{
    const char *known = id && topics ? kc_topics_name(topics, id) : NULL;
    if (known)
        snprintf(out, n, "%s", known);
    else if (id)
        kc_topics_id_text(id, out);
    else
        snprintf(out, n, "%.*s", name->len > 0 ? name->len : 0, name->p ? name->p : "");
}

static void record_produce(kc_recorder_t *r, kc_pool_t *pool, uint64_t now, int32_t node, const char *client,
                           int16_t version, kc_rd_t *rd, uint64_t t_sent, kc_topics_t *topics)
{
    kc_arena_t arena;
    kc_arena_init(&arena, pool);
    kc_produce_resp_t resp;
    if (kc_produce_response_decode(rd, version, &arena, &resp) == 0) {
        pthread_mutex_lock(&r->mu);
        int64_t w = window_of(r, now);
        kc_record_data_t *d = &r->data;
        for (int32_t t = 0; w >= 0 && t < resp.topic_count; t++) {
            const kc_produce_topic_result_t *tr = &resp.topics[t];
            char name[256];
            topic_name(&tr->name, tr->topic_id, topics, name, sizeof(name));
            if (!wanted(r->opts.topic, name))
                continue;
            char who[sizeof(name) + 1 + KC_REC_CLIENT_MAX + 1]; /* topic, client: see below */
            who[0] = 0;
            for (int32_t p = 0; p < tr->part_count; p++) {
                const kc_produce_part_result_t *pr = &tr->parts[p];
                kc_record_data_add(d, (uint32_t)w, KC_REC_PRODUCE, node, pr->index, name, 0, 1, 0);
                if (!pr->error_code)
                    continue;
                kc_record_data_add(d, (uint32_t)w, KC_REC_PRODUCE, node, pr->index, name,
                                   pr->error_code, 1, 0);
                /* Who met it, so that the export can give each producer its own errors. */
                if (!who[0])
                    snprintf(who, sizeof(who), "%s%c%.*s", name, KC_REC_SEP, KC_REC_CLIENT_MAX,
                             client);
                kc_record_data_add(d, (uint32_t)w, KC_REC_CLIENT_ERROR, -1, pr->index, who,
                                   pr->error_code, 1, 0);
            }
        }
        if (w >= 0 && resp.throttle_time_ms > 0)
            kc_record_data_add(d, (uint32_t)w, KC_REC_THROTTLE, -1, -1, client, 0, 1,
                               (uint64_t)resp.throttle_time_ms);
        if (w >= 0 && t_sent && now > t_sent)
            kc_record_data_latency(d, (uint32_t)w, node, now - t_sent);
        pthread_mutex_unlock(&r->mu);
    }
    kc_arena_reset(&arena);
}

typedef struct md_walk {
    kc_recorder_t *r;
    int64_t w;
    char name[256]; /* the topic being walked; "" when the recording does not want it */
} md_walk_t;

/* A topic, once before its partitions: its name and whether the recording wants it. */
static void md_topic(void *ctx, const kc_metadata_topic_t *t)
{
    md_walk_t *m = ctx;
    topic_name(&t->name, NULL, NULL, m->name, sizeof(m->name));
    if (m->name[0] && !wanted(m->r->opts.topic, m->name))
        m->name[0] = 0;
}

/* A partition in an election (LEADER_NOT_AVAILABLE, or no leader named: -1), or one whose
 * leader moved since the recording last saw it. */
static void md_partition(void *ctx, const kc_metadata_topic_t *t, const kc_metadata_partition_t *p)
{
    (void)t;
    md_walk_t *m = ctx;
    const char *name = m->name;
    if (!name[0])
        return;
    if (p->error_code == 5 || p->leader_id < 0) {
        kc_record_data_add(&m->r->data, (uint32_t)m->w, KC_REC_LEADERLESS, -1, p->index, name, 0,
                           1, 0);
        return;
    }
    int32_t from;
    if (!p->error_code &&
        kc_rec_leaders_see(&m->r->leaders, name, p->index, p->leader_id, p->leader_epoch, &from))
        kc_record_data_add(&m->r->data, (uint32_t)m->w, KC_REC_LEADER, p->leader_id, p->index,
                           name, from >= 0 && from <= INT16_MAX ? (int16_t)from : -1, 1, 0);
}

void kc_record_response(kc_recorder_t *r, kc_pool_t *pool, uint64_t now, int32_t node,
                        const char *client_id, int16_t api, int16_t version, const uint8_t *msg,
                        uint32_t len, uint64_t t_sent, kc_topics_t *topics)
{
    if (!kc_recorder_on(r) || (api != KC_API_PRODUCE && api != KC_API_METADATA))
        return;
    if (!wanted(r->opts.client, client_id))
        return; /* opts do not change while a recording runs */
    int32_t corr;
    uint32_t body;
    if (kc_resp_header_parse(msg, len, api, version, &corr, &body))
        return;
    kc_rd_t rd;
    kc_rd_init(&rd, msg + body, len - body, kc_api_flexible(kc_api_get(api), version));
    if (api == KC_API_PRODUCE) {
        record_produce(r, pool, now, node, client_id ? client_id : "", version, &rd, t_sent, topics);
        return;
    }
    pthread_mutex_lock(&r->mu);
    md_walk_t m = {.r = r, .w = window_of(r, now)};
    if (m.w >= 0) {
        kc_metadata_walk_t walk = {.topic = md_topic, .partition = md_partition, .ctx = &m};
        kc_metadata_response_topics(&rd, version, &walk);
    }
    pthread_mutex_unlock(&r->mu);
}
