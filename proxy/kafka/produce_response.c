/* ProduceResponse decoded to a struct and encoded back (ProduceResponse.json, v0-13, flexible
 * 9+), so the pipeline can read partition results (metrics), replace them (fault injection) or
 * answer a request itself. Every field exists from one version, tested in one place each way;
 * what kchaos does not know (unknown tags) is kept as raw bytes, so decode then encode gives the
 * original frame back byte for byte. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "api.h"
#include "header.h"
#include "produce.h"

/* The versions fields appear in (ProduceResponse.json). */
enum {
    V_THROTTLE = 1,
    V_LOG_APPEND_TIME = 2,
    V_LOG_START_OFFSET = 5,
    V_RECORD_ERRORS = 8, /* record_errors and error_message: KIP-467 */
    V_FLEX = 9,
    V_LEADER_HINTS = 10, /* KIP-951: current_leader and node_endpoints, both tag 0 */
    V_TOPIC_ID = 13,     /* KIP-516 */
};
#define TAG_LEADER_HINT 0

/* ---- decoding ---- */

/* A non-nullable array's count (the schema has no nullable array here), and its elements. */
static void *rd_array_in(kc_rd_t *r, kc_arena_t *a, size_t min_elem, size_t elem, int32_t *n,
                         int *oom)
{
    *n = kc_rd_array(r, min_elem);
    if (*n < 0) {
        kc_rd_fail(r); /* null: Kafka would refuse it too */
        *n = 0;
        return NULL;
    }
    void *p = kc_arena_alloc(a, (size_t)*n * elem);
    if (!p) {
        *oom = 1;
        kc_rd_fail(r);
    }
    return p;
}

static kc_str_t rd_str_required(kc_rd_t *r)
{
    kc_str_t s = kc_rd_str(r);
    if (s.len < 0)
        kc_rd_fail(r);
    return s;
}

static int rd_leader(void *ctx, kc_rd_t *val)
{
    kc_produce_part_result_t *p = ctx;
    p->has_current_leader = true;
    p->leader_id = kc_rd_i32(val);
    p->leader_epoch = kc_rd_i32(val);
    p->leader_tags = kc_rd_tags_raw(val);
    return val->err;
}

typedef struct dec {
    kc_rd_t *r;
    int16_t v;
    kc_arena_t *a;
    int oom;
} dec_t;

static void rd_partition(dec_t *d, kc_produce_part_result_t *p)
{
    kc_rd_t *r = d->r;
    p->index = kc_rd_i32(r);
    p->error_code = kc_rd_i16(r);
    p->base_offset = kc_rd_i64(r);
    p->log_append_time_ms = d->v >= V_LOG_APPEND_TIME ? kc_rd_i64(r) : -1;
    p->log_start_offset = d->v >= V_LOG_START_OFFSET ? kc_rd_i64(r) : -1;
    p->error_message = (kc_str_t){NULL, -1};
    if (d->v >= V_RECORD_ERRORS) {
        kc_produce_record_error_t *e =
            rd_array_in(r, d->a, 5, sizeof(*e), &p->record_error_count, &d->oom);
        for (int32_t i = 0; i < p->record_error_count && !r->err; i++) {
            e[i].batch_index = kc_rd_i32(r);
            e[i].message = kc_rd_str(r);
            e[i].tags = kc_rd_tags_raw(r);
        }
        p->record_errors = e;
        p->error_message = kc_rd_str(r);
    }
    kc_rd_tags_kept(r, TAG_LEADER_HINT, d->v >= V_LEADER_HINTS ? rd_leader : NULL, p, &p->tags);
}

static void rd_topic(dec_t *d, kc_produce_topic_result_t *t)
{
    kc_rd_t *r = d->r;
    t->name = (kc_str_t){NULL, -1};
    if (d->v >= V_TOPIC_ID)
        t->topic_id = kc_rd_raw(r, 16);
    else
        t->name = rd_str_required(r);
    kc_produce_part_result_t *p = rd_array_in(r, d->a, 14, sizeof(*p), &t->part_count, &d->oom);
    for (int32_t i = 0; i < t->part_count && !r->err; i++)
        rd_partition(d, &p[i]);
    t->parts = p;
    t->tags = kc_rd_tags_raw(r);
}

typedef struct ne_ctx {
    dec_t *d;
    kc_produce_resp_t *out;
} ne_ctx_t;

static int rd_endpoints(void *ctx, kc_rd_t *val)
{
    ne_ctx_t *c = ctx;
    kc_produce_resp_t *out = c->out;
    out->has_node_endpoints = true;
    kc_node_endpoint_t *e =
        rd_array_in(val, c->d->a, 9, sizeof(*e), &out->node_endpoint_count, &c->d->oom);
    for (int32_t i = 0; i < out->node_endpoint_count && !val->err; i++) {
        e[i].node_id = kc_rd_i32(val);
        e[i].host = rd_str_required(val);
        e[i].port = kc_rd_i32(val);
        e[i].rack = kc_rd_str(val);
        e[i].tags = kc_rd_tags_raw(val);
    }
    out->node_endpoints = e;
    return val->err;
}

int kc_produce_response_decode(kc_rd_t *r, int16_t v, kc_arena_t *a, kc_produce_resp_t *out)
{
    if (v < 0 || v > KC_PRODUCE_MAX_VERSION)
        return -ENOTSUP;
    *out = (kc_produce_resp_t){0};
    r->strict = true; /* what we cannot write back the same way, we do not accept */
    dec_t d = {r, v, a, 0};
    kc_produce_topic_result_t *t = rd_array_in(r, a, 2, sizeof(*t), &out->topic_count, &d.oom);
    for (int32_t i = 0; i < out->topic_count && !r->err; i++)
        rd_topic(&d, &t[i]);
    out->topics = t;
    if (v >= V_THROTTLE)
        out->throttle_time_ms = kc_rd_i32(r);
    ne_ctx_t ne = {&d, out};
    kc_rd_tags_kept(r, TAG_LEADER_HINT, v >= V_LEADER_HINTS ? rd_endpoints : NULL, &ne, &out->tags);
    if (!r->err && kc_rd_left(r))
        kc_rd_fail(r); /* trailing bytes would not survive the round trip */
    if (d.oom)
        return -ENOMEM;
    return r->err;
}

/* ---- encoding ---- */

static size_t raw_tags_size(kc_raw_t t) { return t.len ? t.len : 1; }

static void wr_leader(kc_wr_t *w, const void *ctx)
{
    const kc_produce_part_result_t *p = ctx;
    kc_wr_i32(w, p->leader_id);
    kc_wr_i32(w, p->leader_epoch);
    kc_wr_tags_raw(w, p->leader_tags);
}

static void wr_partition(kc_wr_t *w, int16_t v, const kc_produce_part_result_t *p)
{
    kc_wr_i32(w, p->index);
    kc_wr_i16(w, p->error_code);
    kc_wr_i64(w, p->base_offset);
    if (v >= V_LOG_APPEND_TIME)
        kc_wr_i64(w, p->log_append_time_ms);
    if (v >= V_LOG_START_OFFSET)
        kc_wr_i64(w, p->log_start_offset);
    if (v >= V_RECORD_ERRORS) {
        kc_wr_array(w, p->record_error_count);
        for (int32_t i = 0; i < p->record_error_count; i++) {
            kc_wr_i32(w, p->record_errors[i].batch_index);
            kc_wr_str(w, p->record_errors[i].message);
            kc_wr_tags_raw(w, p->record_errors[i].tags);
        }
        kc_wr_str(w, p->error_message);
    }
    bool leader = v >= V_LEADER_HINTS && p->has_current_leader;
    size_t size = leader ? 8 + raw_tags_size(p->leader_tags) : SIZE_MAX;
    kc_wr_tags_kept(w, &p->tags, TAG_LEADER_HINT, size, wr_leader, p);
}

static size_t endpoints_size(const kc_produce_resp_t *resp)
{
    size_t n = kc_wr_array_size(true, resp->node_endpoint_count);
    for (int32_t i = 0; i < resp->node_endpoint_count; i++) {
        const kc_node_endpoint_t *e = &resp->node_endpoints[i];
        n += 8 + kc_wr_str_size(true, e->host) + kc_wr_str_size(true, e->rack) +
             raw_tags_size(e->tags);
    }
    return n;
}

static void wr_endpoints(kc_wr_t *w, const void *ctx)
{
    const kc_produce_resp_t *resp = ctx;
    kc_wr_array(w, resp->node_endpoint_count);
    for (int32_t i = 0; i < resp->node_endpoint_count; i++) {
        const kc_node_endpoint_t *e = &resp->node_endpoints[i];
        kc_wr_i32(w, e->node_id);
        kc_wr_str(w, e->host);
        kc_wr_i32(w, e->port);
        kc_wr_str(w, e->rack);
        kc_wr_tags_raw(w, e->tags);
    }
}

static const uint8_t zero_uuid[16];

int kc_produce_response_encode(kc_wr_t *w, int16_t v, const kc_produce_resp_t *resp)
{
    if (v < 0 || v > KC_PRODUCE_MAX_VERSION)
        return -ENOTSUP;
    bool flex = w->flex;
    w->flex = v >= V_FLEX;
    kc_wr_array(w, resp->topic_count);
    for (int32_t i = 0; i < resp->topic_count; i++) {
        const kc_produce_topic_result_t *t = &resp->topics[i];
        if (v >= V_TOPIC_ID)
            kc_wr_raw(w, t->topic_id ? t->topic_id : zero_uuid, 16);
        else
            kc_wr_str(w, t->name);
        kc_wr_array(w, t->part_count);
        for (int32_t j = 0; j < t->part_count; j++)
            wr_partition(w, v, &t->parts[j]);
        kc_wr_tags_raw(w, t->tags);
    }
    if (v >= V_THROTTLE)
        kc_wr_i32(w, resp->throttle_time_ms);
    bool endpoints = v >= V_LEADER_HINTS && resp->has_node_endpoints;
    kc_wr_tags_kept(w, &resp->tags, TAG_LEADER_HINT, endpoints ? endpoints_size(resp) : SIZE_MAX,
                    wr_endpoints, resp);
    w->flex = flex;
    return w->err;
}

int kc_produce_response_frame(kc_wr_t *w, int16_t v, int32_t correlation_id,
                              const kc_produce_resp_t *resp)
{
    size_t at = w->len;
    kc_wr_i32(w, 0); /* size, patched below */
    kc_resp_header_write(w, KC_API_PRODUCE, v, correlation_id);
    int rc = kc_produce_response_encode(w, v, resp);
    if (rc)
        return rc;
    kc_put_be32(w->buf->data + at, (uint32_t)(w->len - at - 4));
    return 0;
}

/* ---- a local answer ---- */

typedef struct local {
    kc_produce_resp_t *out;
    kc_produce_part_result_t *parts; /* NULL while counting */
    kc_produce_error_fn fn;
    void *ctx;
    int32_t last_topic; /* topic_index of the last partition seen */
    int32_t topics, nparts;
    bool null_name; /* a topic named null: no answer can name it back (not nullable) */
} local_t;

static void on_request_part(void *arg, const kc_produce_part_t *p)
{
    local_t *l = arg;
    kc_produce_topic_result_t *t = NULL;
    if (!p->topic_id && p->topic.len < 0)
        l->null_name = true;
    if (p->topic_index != l->last_topic) {
        l->last_topic = p->topic_index;
        if (l->parts) {
            t = &l->out->topics[l->topics];
            t->name = p->topic;
            t->topic_id = p->topic_id;
            t->parts = &l->parts[l->nparts];
        }
        l->topics++;
    }
    if (l->parts) {
        t = &l->out->topics[l->topics - 1];
        t->parts[t->part_count++] = (kc_produce_part_result_t){
            .index = p->partition,
            .error_code = l->fn(l->ctx, p),
            .base_offset = -1,        /* nothing was appended */
            .log_append_time_ms = -1, /* RecordBatch.NO_TIMESTAMP */
            .log_start_offset = -1,
            .error_message = {NULL, -1},
        };
    }
    l->nparts++;
}

int kc_produce_response_local(kc_rd_t *r, int16_t v, kc_produce_error_fn fn, void *ctx,
                              kc_arena_t *a, kc_produce_resp_t *out)
{
    if (v < 0 || v > KC_PRODUCE_MAX_VERSION)
        return -ENOTSUP;
    *out = (kc_produce_resp_t){0};
    /* Count first on a copy of the reader, so the arrays are taken once at their size. */
    kc_rd_t count = *r;
    local_t l = {.out = out, .fn = fn, .ctx = ctx, .last_topic = -1};
    int rc = kc_produce_request_parts(&count, v, on_request_part, &l);
    if (rc)
        return rc;
    if (l.null_name)
        return -KC_EPROTO;
    out->topics = kc_arena_alloc(a, (size_t)l.topics * sizeof(*out->topics));
    kc_produce_part_result_t *parts = kc_arena_alloc(a, (size_t)l.nparts * sizeof(*parts));
    if (!out->topics || !parts)
        return -ENOMEM;
    out->topic_count = l.topics;
    l = (local_t){.out = out, .parts = parts, .fn = fn, .ctx = ctx, .last_topic = -1};
    return kc_produce_request_parts(r, v, on_request_part, &l);
}
