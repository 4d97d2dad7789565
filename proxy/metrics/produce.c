/* Produce metrics from the wire: see metrics.h. The request is counted when it is read
 * (batches, records, bytes, retries: what the producer sent), its response when it goes to the
 * client (errors, duplicates, throttle, latency: what the producer was told). */
#include "metrics.h"

#include <stdlib.h>
#include <string.h>

#include "../kafka/api.h"
#include "../kafka/errors.h"
#include "../kafka/header.h"
#include "../kafka/produce.h"
#include "../kafka/records.h"
#include "../util/arena.h"

#define CLIENTS_DEFAULT 1000
#define SERIES_DEFAULT 20000

/* What a response needs of its request, in a pooled buffer hung on the in-flight entry. */
typedef struct sum_part {
    const char *topic;    /* interned in m->topics */
    int32_t partition;
    uint32_t records;
    uint64_t key;         /* identity of its first batch; 0: no batch */
    bool idempotent;
} sum_part_t;

typedef struct summary {
    const char *client_id, *host;
    uint32_t n, cap;
    sum_part_t p[];
} summary_t;

int kc_metrics_init(kc_metrics_t *m, const kc_metrics_cfg_t *cfg, kc_pool_t *pool, kc_topics_t *ids)
{
    *m = (kc_metrics_t){.cfg = *cfg, .pool = pool, .ids = ids};
    if (!m->cfg.max_clients)
        m->cfg.max_clients = CLIENTS_DEFAULT;
    if (!m->cfg.max_series)
        m->cfg.max_series = SERIES_DEFAULT;
    if (!m->cfg.rate_ns)
        m->cfg.rate_ns = 10000000000ull;
    if (!m->cfg.giveup_ns)
        m->cfg.giveup_ns = 120000000000ull; /* Java's delivery.timeout.ms default */
    int rc = kc_mtable_init(&m->t, m->cfg.max_clients, m->cfg.max_series);
    if (!rc)
        rc = kc_intern_init(&m->topics, 4 * m->cfg.max_series);
    return rc;
}

void kc_metrics_free(kc_metrics_t *m)
{
    kc_mtable_free(&m->t);
    kc_intern_free(&m->topics);
    kc_batches_free(&m->batches);
}

static void gave_up(void *ctx, const char *client_id, const char *host)
{
    kc_mclient_t *c = kc_mtable_find(ctx, client_id, host);
    if (!c) /* folded past the cap since */
        c = kc_mtable_find(ctx, kc_metrics_other, kc_metrics_other);
    if (c)
        c->delivery_failures++;
}

void kc_metrics_tick(kc_metrics_t *m, uint64_t now)
{
    kc_batches_given_up(&m->batches, now, m->cfg.giveup_ns, gave_up, &m->t);
    kc_mtable_tick(&m->t, now, m->cfg.expire_ns, m->cfg.rate_ns);
}

bool kc_metrics_may_have_written(int16_t error)
{
    switch (error) {
    case -1: /* UNKNOWN_SERVER_ERROR */
    case 7:  /* REQUEST_TIMED_OUT: the leader may have appended, replication timed out */
    case 13: /* NETWORK_EXCEPTION */
    case 20: /* NOT_ENOUGH_REPLICAS_AFTER_APPEND: written to the leader, not acknowledged */
        return true;
    default:
        return false;
    }
}

/* ---- identities ---- */

static uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    return h * 0xff51afd7ed558ccdull;
}

static uint64_t batch_key(const kc_batch_t *b, const char *topic, int32_t partition,
                          const kc_produce_who_t *who, bool *idempotent)
{
    uint64_t h = mix(mix(0x6b63, (uintptr_t)topic), (uint32_t)partition);
    *idempotent = b->producer_id >= 0 && b->base_sequence >= 0;
    if (*idempotent)
        h = mix(mix(mix(h, (uint64_t)b->producer_id), (uint16_t)b->producer_epoch),
                (uint32_t)b->base_sequence);
    else
        h = mix(mix(mix(h, b->crc), (uintptr_t)who->client_id), (uintptr_t)who->host);
    return h ? h : 1;
}

/* ---- the request ---- */

typedef struct walk {
    kc_metrics_t *m;
    const kc_produce_who_t *who;
    uint32_t client;
    int16_t acks;
    uint64_t now;
    kc_buf_t *sum;
    int err;
    /* the batches of the partition being walked */
    uint32_t batches, records, bytes;
    const kc_batch_t *first;
    kc_batch_t first_copy;
    uint8_t codecs;
    bool idempotent, transactional, plain;
} walk_t;

static void on_batch(void *ctx, const kc_batch_t *b)
{
    walk_t *w = ctx;
    if (!w->batches)
        w->first_copy = *b, w->first = &w->first_copy;
    w->batches++;
    w->records += b->records > 0 ? (uint32_t)b->records : 0;
    w->bytes += b->size;
    w->codecs |= (uint8_t)(1u << (b->compression & 7));
    w->idempotent |= b->producer_id >= 0;
    w->plain |= b->producer_id < 0;
    w->transactional |= b->transactional;
}

/* The topic's name as the loop interns it: the id's name for v13+ (or the id itself while no
 * Metadata has named it: reported, never dropped). */
static const char *topic_name(kc_metrics_t *m, kc_str_t name, const uint8_t *id)
{
    char text[23];
    if (id) {
        const char *known = kc_topics_name(m->ids, id);
        if (known)
            name = (kc_str_t){known, (int32_t)strlen(known)};
        else
            kc_topics_id_text(id, text), name = (kc_str_t){text, 22};
    }
    if (name.len < 0)
        name = (kc_str_t){"", 0};
    const char *t = kc_intern(&m->topics, name.p, (size_t)name.len);
    return t ? t : kc_metrics_other;
}

static sum_part_t *summary_add(walk_t *w)
{
    summary_t *s = (summary_t *)w->sum->data;
    if (s->n == s->cap) {
        size_t size = sizeof(summary_t) + 2 * s->cap * sizeof(sum_part_t);
        kc_buf_t *nb = kc_buf_get(w->m->pool, size);
        if (!nb)
            return NULL;
        summary_t *ns = (summary_t *)nb->data;
        memcpy(ns, s, sizeof(summary_t) + s->n * sizeof(sum_part_t));
        ns->cap = (uint32_t)((nb->cap - sizeof(summary_t)) / sizeof(sum_part_t));
        kc_buf_unref(w->m->pool, w->sum);
        w->sum = nb;
        s = ns;
    }
    return &s->p[s->n++];
}

static void on_part(void *ctx, const kc_produce_part_t *p)
{
    walk_t *w = ctx;
    kc_metrics_t *m = w->m;
    w->batches = w->records = w->bytes = 0;
    w->first = NULL;
    if (kc_records_walk(p->records, p->records_len, on_batch, w) < 0)
        m->malformed_batches++; /* the broker will say CORRUPT_MESSAGE; the whole ones count */
    const char *topic = topic_name(m, p->topic, p->topic_id);
    kc_mpart_t *mp = kc_mtable_part(&m->t, w->client, topic, p->partition, w->now);
    kc_mclient_t *c = &m->t.clients[w->client];
    bool retry = false, idempotent = false;
    uint64_t key = 0;
    if (w->first) {
        key = batch_key(w->first, topic, p->partition, w->who, &idempotent);
        kc_bid_t *id = kc_batches_get(&m->batches, key, &retry);
        if (id) {
            if (retry && id->pending)
                id->maybe = true; /* resent with no answer to the last send (a lost connection) */
            if (w->acks != 0)
                id->pending++;
        }
    }
    c->batches += w->batches;
    c->bytes += w->bytes;
    *(retry ? &c->retries : &c->records) += w->records;
    if (mp) {
        mp->batches += w->batches;
        mp->bytes += w->bytes;
        *(retry ? &mp->retries : &mp->records) += w->records;
        uint32_t per = w->batches ? w->records / w->batches : 0;
        if (per > mp->batch_records_max)
            mp->batch_records_max = per;
        if (w->batches && w->bytes / w->batches > mp->batch_bytes_max)
            mp->batch_bytes_max = w->bytes / w->batches;
    }
    if (w->acks == 0 || !w->sum)
        return;
    sum_part_t *sp = summary_add(w);
    if (sp)
        *sp = (sum_part_t){topic, p->partition, w->records, key, idempotent};
}

int kc_metrics_produce_request(kc_metrics_t *m, const kc_produce_who_t *who, int16_t version,
                               kc_rd_t *r, uint64_t now, kc_buf_t **summary)
{
    *summary = NULL;
    kc_produce_req_t req;
    if (kc_produce_request_head(r, version, &req))
        return -KC_EPROTO;
    kc_mclient_t *c = kc_mtable_client(&m->t, who->client_id, who->host, now);
    if (!c)
        return 0; /* out of memory for metrics: the request still goes on */
    if (!c->software[0] && who->software[0])
        snprintf(c->software, sizeof(c->software), "%s", who->software);
    if (who->principal && who->principal[0])
        c->principal = who->principal;
    c->acks_seen |= (uint8_t)(req.acks == 0 ? 1 : req.acks == 1 ? 2 : 4);
    if (who->inflight > c->max_inflight)
        c->max_inflight = who->inflight;
    walk_t w = {.m = m, .who = who, .client = kc_mtable_index(&m->t, c), .acks = req.acks,
                .now = now};
    if (req.acks != 0 && (w.sum = kc_buf_get(m->pool, 1024))) {
        summary_t *s = (summary_t *)w.sum->data;
        *s = (summary_t){who->client_id, who->host, 0,
                         (uint32_t)((w.sum->cap - sizeof(summary_t)) / sizeof(sum_part_t))};
    }
    int rc = kc_produce_request_parts(r, version, on_part, &w);
    c = &m->t.clients[w.client];
    c->codecs |= w.codecs;
    c->idempotent |= w.idempotent;
    c->plain |= w.plain;
    c->transactional |= w.transactional || req.transactional_id.len >= 0;
    if (req.acks == 0)
        c->unanswered++;
    if (rc) {
        kc_buf_unref(m->pool, w.sum);
        return -KC_EPROTO;
    }
    *summary = w.sum;
    return 0;
}

/* ---- the response ---- */

static const sum_part_t *find_part(const summary_t *s, const char *topic, int32_t partition)
{
    for (uint32_t i = 0; i < s->n; i++)
        if (s->p[i].topic == topic && s->p[i].partition == partition)
            return &s->p[i];
    return NULL;
}

/* The broker wrote batch `id` at `offset`: the first write is remembered; one at another offset
 * is the batch written again, a duplicate. */
static bool written_again(kc_bid_t *id, int64_t offset)
{
    if (id->ok_offset < 0) {
        id->ok_offset = offset;
        return false;
    }
    return offset != id->ok_offset;
}

static void add_duplicates(kc_mclient_t *c, kc_mpart_t *mp, uint64_t n)
{
    c->duplicates += n;
    if (mp)
        mp->duplicates += n;
}

/* One partition's result: its error, and what it tells of retries and duplicates. */
static int result(kc_metrics_t *m, uint32_t client, const summary_t *s, const char *topic,
                  const kc_produce_part_result_t *pr, bool injected, uint64_t now)
{
    const sum_part_t *sp = find_part(s, topic, pr->index);
    kc_mpart_t *mp = kc_mtable_part(&m->t, client, topic, pr->index, now);
    kc_mclient_t *c = &m->t.clients[client];
    int16_t err = pr->error_code;
    if (mp) {
        if (err)
            kc_mpart_error(mp, injected ? (int16_t)(err | KC_MERR_INJECTED) : err, 1);
        mp->record_errors += (uint64_t)pr->record_error_count;
    }
    bool retriable = kc_kafka_error_retriable(err);
    if (err)
        c->errors++;
    if (err && !retriable)
        c->delivery_failures++; /* the client does not retry it: the records are lost */
    kc_bid_t *id = sp && sp->key ? kc_batches_find(&m->batches, sp->key) : NULL;
    if (id) {
        if (id->pending)
            id->pending--;
        if (!err) {
            uint64_t n = sp->records;
            if (id->ok_offset < 0 && id->maybe && !sp->idempotent) {
                c->possible_duplicates += n;
                if (mp)
                    mp->possible_duplicates += n;
            }
            if (written_again(id, pr->base_offset))
                add_duplicates(c, mp, n); /* acknowledged twice, at two offsets */
        } else {
            if (kc_metrics_may_have_written(err))
                id->maybe = true;
            if (retriable)
                kc_batches_watch(&m->batches, id, now, s->client_id, s->host);
        }
    }
    return !err ? KC_OUT_OK : retriable ? KC_OUT_RETRIABLE : KC_OUT_FATAL;
}

/* A response's client record and decoded body (the arena is then the caller's to reset): -1
 * when there is nothing to count (no client record, not even a header), 0 decoded, 1 the body
 * did not decode. */
static int open_response(kc_metrics_t *m, const summary_t *s, int16_t version, const uint8_t *msg,
                         size_t len, uint64_t now, uint32_t *client, kc_arena_t *arena,
                         kc_produce_resp_t *resp)
{
    kc_mclient_t *c = kc_mtable_client(&m->t, s->client_id, s->host, now);
    int32_t corr;
    uint32_t body;
    if (!c || kc_resp_header_parse(msg, len, KC_API_PRODUCE, version, &corr, &body))
        return -1;
    *client = kc_mtable_index(&m->t, c);
    kc_rd_t r;
    kc_rd_init(&r, msg + body, len - body, kc_api_flexible(kc_api_get(KC_API_PRODUCE), version));
    kc_arena_init(arena, m->pool);
    return kc_produce_response_decode(&r, version, arena, resp) == 0 ? 0 : 1;
}

void kc_metrics_produce_written(kc_metrics_t *m, const kc_buf_t *summary, int16_t version,
                                const uint8_t *msg, size_t len, const kc_injected_t *inj,
                                uint64_t now)
{
    const summary_t *s = (const summary_t *)summary->data;
    uint32_t client;
    kc_arena_t arena;
    kc_produce_resp_t resp;
    int rc = open_response(m, s, version, msg, len, now, &client, &arena, &resp);
    if (rc < 0)
        return;
    if (rc == 0) {
        for (int32_t t = 0; t < resp.topic_count; t++) {
            const kc_produce_topic_result_t *tr = &resp.topics[t];
            const char *topic = topic_name(m, tr->name, version >= 13 ? tr->topic_id : NULL);
            for (int32_t p = 0; p < tr->part_count; p++) {
                const kc_produce_part_result_t *pr = &tr->parts[p];
                if (pr->error_code ||
                    (inj && !inj->fn(inj->ctx, tr->name, version >= 13 ? tr->topic_id : NULL,
                                     pr->index)))
                    continue;
                const sum_part_t *sp = find_part(s, topic, pr->index);
                kc_bid_t *id = sp && sp->key ? kc_batches_find(&m->batches, sp->key) : NULL;
                /* Written again: a duplicate the client never hears of. */
                if (id && written_again(id, pr->base_offset)) {
                    kc_mpart_t *mp = kc_mtable_part(&m->t, client, topic, pr->index, now);
                    add_duplicates(&m->t.clients[client], mp, sp->records);
                }
            }
        }
    }
    kc_arena_reset(&arena);
}

static bool every_one(void *ctx, kc_str_t topic, const uint8_t *topic_id, int32_t partition)
{
    (void)ctx, (void)topic, (void)topic_id, (void)partition;
    return true;
}

const kc_injected_t kc_metrics_all_injected = {every_one, NULL};

void kc_metrics_produce_response(kc_metrics_t *m, const kc_buf_t *summary, int16_t version,
                                 const uint8_t *msg, size_t len, uint64_t t_recv, uint64_t t_sent,
                                 uint64_t t_resp, uint64_t now, const kc_injected_t *inj)
{
    const summary_t *s = (const summary_t *)summary->data;
    uint32_t client;
    kc_arena_t arena;
    kc_produce_resp_t resp;
    int rc = open_response(m, s, version, msg, len, now, &client, &arena, &resp);
    if (rc < 0)
        return;
    kc_mclient_t *c;
    int outcome = KC_OUT_OK;
    if (rc == 0) {
        for (int32_t t = 0; t < resp.topic_count; t++) {
            const kc_produce_topic_result_t *tr = &resp.topics[t];
            const char *topic = topic_name(m, tr->name, version >= 13 ? tr->topic_id : NULL);
            for (int32_t p = 0; p < tr->part_count; p++) {
                const kc_produce_part_result_t *pr = &tr->parts[p];
                bool injected = pr->error_code && inj && inj->fn &&
                                inj->fn(inj->ctx, tr->name, version >= 13 ? tr->topic_id : NULL,
                                        pr->index);
                int o = result(m, client, s, topic, pr, injected, now);
                if (o > outcome)
                    outcome = o; /* fatal beats retriable beats ok */
            }
        }
        c = &m->t.clients[client];
        uint64_t throttle = resp.throttle_time_ms > 0 ? (uint64_t)resp.throttle_time_ms : 0;
        kc_hist_add(&c->throttle, throttle * 1000000);
        c->throttled += throttle > 0;
    } else {
        outcome = KC_OUT_FATAL; /* passed on, but kchaos could not read it */
    }
    kc_arena_reset(&arena);
    c = &m->t.clients[client];
    c->requests[outcome]++;
    kc_hist_add(&c->latency[KC_LEG_CLIENT][outcome], now - t_recv);
    if (t_sent && t_resp >= t_sent)
        kc_hist_add(&c->latency[KC_LEG_BROKER][outcome], t_resp - t_sent);
}
