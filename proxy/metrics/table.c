/* Metric series: see table.h. */
#include "table.h"

#include <stdlib.h>
#include <string.h>

#include "../util/error.h"

const char kc_metrics_other[] = "(other)";

static uint32_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return (uint32_t)x;
}

static uint32_t chash(const char *id, const char *host)
{
    return mix((uint64_t)(uintptr_t)id * 31 + (uint64_t)(uintptr_t)host);
}

static uint32_t phash(uint32_t client, const char *topic, int32_t partition)
{
    return mix(((uint64_t)(uintptr_t)topic * 31 + client) * 31 + (uint32_t)partition);
}

/* An index of at least twice n slots (kept under half full). */
static int index_fit(uint32_t **idx, uint32_t *mask, uint32_t n)
{
    uint32_t cap = 64;
    while (cap < 2 * n + 2)
        cap *= 2;
    if (*idx && *mask + 1 >= cap)
        return 0;
    uint32_t *v = calloc(cap, sizeof(*v));
    if (!v)
        return -KC_ENOMEM;
    free(*idx);
    *idx = v;
    *mask = cap - 1;
    return 1; /* fresh: the caller re-inserts everything */
}

static void cindex_put(kc_mtable_t *t, uint32_t i)
{
    uint32_t h = chash(t->clients[i].client_id, t->clients[i].host) & t->cmask;
    while (t->cindex[h])
        h = (h + 1) & t->cmask;
    t->cindex[h] = i + 1;
}

static void pindex_put(kc_mtable_t *t, uint32_t i)
{
    const kc_mpart_t *p = &t->parts[i];
    uint32_t h = phash(p->client, p->topic, p->partition) & t->pmask;
    while (t->pindex[h])
        h = (h + 1) & t->pmask;
    t->pindex[h] = i + 1;
}

static int reindex(kc_mtable_t *t)
{
    int rc = index_fit(&t->cindex, &t->cmask, t->nclients);
    if (rc < 0)
        return rc;
    if (rc == 0)
        memset(t->cindex, 0, (t->cmask + 1) * sizeof(*t->cindex));
    for (uint32_t i = 0; i < t->nclients; i++)
        cindex_put(t, i);
    rc = index_fit(&t->pindex, &t->pmask, t->nparts);
    if (rc < 0)
        return rc;
    if (rc == 0)
        memset(t->pindex, 0, (t->pmask + 1) * sizeof(*t->pindex));
    for (uint32_t i = 0; i < t->nparts; i++)
        pindex_put(t, i);
    return 0;
}

int kc_mtable_init(kc_mtable_t *t, uint32_t max_clients, uint32_t max_parts)
{
    *t = (kc_mtable_t){.max_clients = max_clients, .max_parts = max_parts};
    return reindex(t);
}

void kc_mtable_free(kc_mtable_t *t)
{
    free(t->clients);
    free(t->parts);
    free(t->cindex);
    free(t->pindex);
    free(t->seen_folded);
    *t = (kc_mtable_t){0};
}

static int grow(void **arr, uint32_t *cap, uint32_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    uint32_t n = *cap ? *cap * 2 : 16;
    while (n < need)
        n *= 2;
    void *v = realloc(*arr, (size_t)n * size);
    if (!v)
        return -KC_ENOMEM;
    *arr = v;
    *cap = n;
    return 0;
}

static kc_mclient_t *find_client(kc_mtable_t *t, const char *id, const char *host)
{
    for (uint32_t h = chash(id, host) & t->cmask; t->cindex[h]; h = (h + 1) & t->cmask) {
        kc_mclient_t *c = &t->clients[t->cindex[h] - 1];
        if (c->client_id == id && c->host == host)
            return c;
    }
    return NULL;
}

kc_mclient_t *kc_mtable_find(kc_mtable_t *t, const char *id, const char *host)
{
    return find_client(t, id, host);
}

static kc_mclient_t *add_client(kc_mtable_t *t, const char *id, const char *host, uint64_t now)
{
    if (grow((void **)&t->clients, &t->cap_clients, t->nclients + 1, sizeof(kc_mclient_t)))
        return NULL;
    kc_mclient_t *c = &t->clients[t->nclients++];
    memset(c, 0, sizeof(*c));
    c->client_id = id;
    c->host = host;
    c->first_ns = c->last_ns = c->rate_ns = now;
    kc_trend_init(&c->trend, now);
    if (index_fit(&t->cindex, &t->cmask, t->nclients) > 0)
        reindex(t); /* a bigger index was made: fill it */
    else
        cindex_put(t, t->nclients - 1);
    return c;
}

/* Count a series folded into "(other)" the first time it is folded, not on every lookup (each
 * request and each response of a folded series looks it up again). Keys are built from
 * interned pointers, stable for the process's life. */
static void count_fold(kc_mtable_t *t, uint64_t key)
{
    key = key ? key : 1;
    if (!t->seen_folded && !(t->seen_folded = calloc(KC_MTABLE_FOLD_SLOTS, sizeof(uint64_t)))) {
        t->folded++;
        return;
    }
    uint32_t h = mix(key) & (KC_MTABLE_FOLD_SLOTS - 1);
    /* A long probe: while the set is well under full (65,536 slots), a window of 128 is never
     * full, so a series is counted once (a window of 8 filled now and then at 20,000 folds,
     * and an evicted key was counted again). */
    for (int i = 0; i < 128; i++) {
        uint64_t *slot = &t->seen_folded[(h + (uint32_t)i) & (KC_MTABLE_FOLD_SLOTS - 1)];
        if (*slot == key)
            return;
        if (!*slot) {
            *slot = key;
            t->folded++;
            return;
        }
    }
    t->seen_folded[h] = key; /* the window is full: this one takes the first place */
    t->folded++;
}

kc_mclient_t *kc_mtable_client(kc_mtable_t *t, const char *id, const char *host, uint64_t now)
{
    kc_mclient_t *c = find_client(t, id, host);
    if (!c && t->max_clients && t->nclients >= t->max_clients) {
        count_fold(t, ((uint64_t)(uintptr_t)id * 31 + (uint64_t)(uintptr_t)host) & ~(1ull << 63));
        id = host = kc_metrics_other;
        c = find_client(t, id, host);
    }
    if (!c)
        c = add_client(t, id, host, now);
    if (c)
        c->last_ns = now;
    return c;
}

static kc_mpart_t *find_part(kc_mtable_t *t, uint32_t client, const char *topic, int32_t partition)
{
    for (uint32_t h = phash(client, topic, partition) & t->pmask; t->pindex[h];
         h = (h + 1) & t->pmask) {
        kc_mpart_t *p = &t->parts[t->pindex[h] - 1];
        if (p->client == client && p->topic == topic && p->partition == partition)
            return p;
    }
    return NULL;
}

kc_mpart_t *kc_mtable_part(kc_mtable_t *t, uint32_t client, const char *topic, int32_t partition,
                           uint64_t now)
{
    kc_mpart_t *p = find_part(t, client, topic, partition);
    if (!p && t->max_parts && t->nparts >= t->max_parts) {
        const kc_mclient_t *c = &t->clients[client];
        count_fold(t, ((((uint64_t)(uintptr_t)c->client_id * 31 + (uint64_t)(uintptr_t)c->host) * 31 +
                        (uint64_t)(uintptr_t)topic) * 31 + (uint32_t)partition) | (1ull << 63));
        topic = kc_metrics_other;
        partition = -1;
        p = find_part(t, client, topic, partition);
    }
    if (!p) {
        if (grow((void **)&t->parts, &t->cap_parts, t->nparts + 1, sizeof(kc_mpart_t)))
            return NULL;
        p = &t->parts[t->nparts++];
        memset(p, 0, sizeof(*p));
        p->client = client;
        p->topic = topic;
        p->partition = partition;
        if (index_fit(&t->pindex, &t->pmask, t->nparts) > 0)
            reindex(t);
        else
            pindex_put(t, t->nparts - 1);
        p = find_part(t, client, topic, partition);
    }
    if (p)
        p->last_ns = now;
    return p;
}

/* The first KC_MPART_ERRORS - 1 distinct codes get a slot each; the last slot counts the
 * rest as KC_MERR_OTHER. */
void kc_mpart_error(kc_mpart_t *p, int16_t code, uint64_t n)
{
    int i = 0;
    for (; i < KC_MPART_ERRORS - 1; i++) {
        if (!p->err_n[i])
            p->err_code[i] = code;
        if (p->err_code[i] == code) {
            p->err_n[i] += n;
            return;
        }
    }
    p->err_code[i] = KC_MERR_OTHER;
    p->err_n[i] += n;
}

/* ---- the sweep: rates and expiry ---- */

static void rates(kc_mclient_t *c, uint64_t now, uint64_t rate_ns)
{
    if (now - c->rate_ns < rate_ns)
        return;
    uint64_t cur[5] = {c->records, c->bytes, c->requests[0] + c->requests[1] + c->requests[2],
                       c->errors, c->retries};
    double secs = (double)(now - c->rate_ns) / 1e9;
    for (int k = 0; k < 5; k++) {
        c->rate[k] = (double)(cur[k] - c->rate_base[k]) / secs;
        c->rate_base[k] = cur[k];
    }
    c->rate_ns = now;
}

static void snapshot(kc_mclient_t *c, uint64_t now)
{
    if (now - c->trend.last_ns < KC_TREND_INTERVAL_NS)
        return;
    kc_hist_t lat = {{0}};
    for (int o = 0; o < KC_OUTCOMES; o++)
        kc_hist_merge(&lat, &c->latency[KC_LEG_CLIENT][o]);
    kc_trend_in_t in = {&lat, c->errors, c->retries, c->throttle.sum_ns, c->throttle.count};
    kc_trend_tick(&c->trend, now, &in);
}

void kc_mtable_tick(kc_mtable_t *t, uint64_t now, uint64_t idle_ns, uint64_t rate_ns)
{
    for (uint32_t i = 0; i < t->nclients; i++) {
        rates(&t->clients[i], now, rate_ns);
        snapshot(&t->clients[i], now);
    }
    if (!idle_ns)
        return;
    /* Partitions first, then clients with none left; indices are remapped and rebuilt. */
    uint32_t *keep = calloc(t->nclients ? t->nclients : 1, sizeof(*keep));
    if (!keep)
        return;
    uint32_t np = 0;
    for (uint32_t i = 0; i < t->nparts; i++) {
        if (now - t->parts[i].last_ns >= idle_ns)
            continue;
        keep[t->parts[i].client] = 1;
        t->parts[np++] = t->parts[i];
    }
    uint32_t nc = 0;
    for (uint32_t i = 0; i < t->nclients; i++) {
        if (!keep[i] && now - t->clients[i].last_ns >= idle_ns) {
            keep[i] = UINT32_MAX;
            continue;
        }
        keep[i] = nc; /* its new index */
        t->clients[nc++] = t->clients[i];
    }
    uint64_t gone = (t->nparts - np) + (t->nclients - nc);
    for (uint32_t i = 0; i < np; i++)
        t->parts[i].client = keep[t->parts[i].client];
    free(keep);
    if (!gone)
        return;
    t->expired += gone;
    t->nparts = np;
    t->nclients = nc;
    reindex(t);
}

/* ---- merging shards into a view ---- */

static const char *reintern(kc_intern_t *s, const char *p)
{
    if (p == kc_metrics_other)
        return p;
    const char *q = kc_intern(s, p, strlen(p));
    return q ? q : kc_metrics_other;
}

static void merge_client(kc_mclient_t *a, const kc_mclient_t *b)
{
    if (!a->software[0])
        memcpy(a->software, b->software, sizeof(a->software));
    if (b->first_ns < a->first_ns)
        a->first_ns = b->first_ns;
    if (b->last_ns > a->last_ns)
        a->last_ns = b->last_ns;
    for (int o = 0; o < KC_OUTCOMES; o++) {
        a->requests[o] += b->requests[o];
        for (int l = 0; l < KC_LEGS; l++)
            kc_hist_merge(&a->latency[l][o], &b->latency[l][o]);
    }
    a->unanswered += b->unanswered;
    kc_hist_merge(&a->throttle, &b->throttle);
    a->throttled += b->throttled;
    a->acks_seen |= b->acks_seen;
    a->idempotent |= b->idempotent;
    a->plain |= b->plain;
    a->transactional |= b->transactional;
    a->codecs |= b->codecs;
    if (b->max_inflight > a->max_inflight)
        a->max_inflight = b->max_inflight;
    a->batches += b->batches, a->records += b->records, a->bytes += b->bytes;
    a->retries += b->retries, a->duplicates += b->duplicates, a->errors += b->errors;
    a->possible_duplicates += b->possible_duplicates;
    for (int k = 0; k < 5; k++)
        a->rate[k] += b->rate[k];
    a->delivery_failures += b->delivery_failures;
    kc_trend_merge(&a->trend, &b->trend);
}

static void merge_part(kc_mpart_t *a, const kc_mpart_t *b)
{
    if (b->last_ns > a->last_ns)
        a->last_ns = b->last_ns;
    a->batches += b->batches, a->bytes += b->bytes, a->records += b->records;
    a->retries += b->retries, a->duplicates += b->duplicates;
    a->possible_duplicates += b->possible_duplicates, a->record_errors += b->record_errors;
    if (b->batch_records_max > a->batch_records_max)
        a->batch_records_max = b->batch_records_max;
    if (b->batch_bytes_max > a->batch_bytes_max)
        a->batch_bytes_max = b->batch_bytes_max;
    for (int i = 0; i < KC_MPART_ERRORS; i++)
        if (b->err_n[i])
            kc_mpart_error(a, b->err_code[i], b->err_n[i]);
}

int kc_mtable_merge(kc_mtable_t *into, const kc_mtable_t *from, kc_intern_t *strings)
{
    uint32_t *map = calloc(from->nclients ? from->nclients : 1, sizeof(*map));
    if (!map)
        return -KC_ENOMEM;
    for (uint32_t i = 0; i < from->nclients; i++) {
        const kc_mclient_t *b = &from->clients[i];
        kc_mclient_t *a = kc_mtable_client(into, reintern(strings, b->client_id),
                                           reintern(strings, b->host), b->last_ns);
        if (!a) {
            free(map);
            return -KC_ENOMEM;
        }
        merge_client(a, b);
        if (b->principal && b->principal[0])
            a->principal = reintern(strings, b->principal);
        map[i] = kc_mtable_index(into, a);
    }
    for (uint32_t i = 0; i < from->nparts; i++) {
        const kc_mpart_t *b = &from->parts[i];
        kc_mpart_t *a = kc_mtable_part(into, map[b->client], reintern(strings, b->topic),
                                       b->partition, b->last_ns);
        if (a)
            merge_part(a, b);
    }
    into->folded += from->folded;
    into->expired += from->expired;
    free(map);
    return 0;
}
