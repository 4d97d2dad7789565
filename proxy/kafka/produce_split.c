/* A ProduceRequest split by a partition fault, and the broker's answer merged back (see
 * produce_split.h). The request is cut with frame edits only: picked partitions and emptied
 * topics become deletions, the counts in front of them replacements, so the records that go on
 * are never copied. Responses are small: they are decoded with the struct codec
 * (produce_response.c), changed, and encoded again for the exact version. */
#include "produce_split.h"

#include <errno.h>
#include <string.h>

#include "api.h"
#include "header.h"

#define V_FLEX 9      /* ProduceRequest/Response flexibleVersions 9+ */
#define V_TOPIC_ID 13 /* KIP-516: topic_id replaces the name */

static inline void put_prefix(kc_frame_t *f) { kc_put_be32(f->data, kc_frame_wire_len(f) - 4); }

/* ---- the request ---- */

/* Edits being built on a scratch copy of the frame, so a failure leaves the real one as it was;
 * neighbouring deletions are joined into one edit. */
typedef struct cut {
    kc_pool_t *pool;
    kc_frame_t tmp;
    uint32_t del_off, del_end; /* pending deletion; del_end == 0: none */
    int rc;
} cut_t;

static void cut_add(cut_t *c, uint32_t off, uint32_t len, kc_buf_t *buf, uint32_t buf_len)
{
    kc_splice_t sp = {.off = off, .len = len, .buf = buf, .buf_len = buf_len};
    if (!buf) {
        c->rc = c->rc ? c->rc : -KC_ENOMEM;
        return;
    }
    if (c->rc) {
        kc_buf_unref(c->pool, buf);
        return;
    }
    c->rc = kc_frame_edit(c->pool, &c->tmp, &sp);
}

static void cut_flush(cut_t *c)
{
    if (c->del_end) /* a deletion: no bytes, any buffer will do (the frame's own) */
        cut_add(c, c->del_off, c->del_end - c->del_off, kc_buf_ref(c->tmp.buf), 0);
    c->del_end = 0;
}

static void cut_delete(cut_t *c, size_t off, size_t end)
{
    if (c->del_end && c->del_end == off) {
        c->del_end = (uint32_t)end;
        return;
    }
    cut_flush(c);
    c->del_off = (uint32_t)off;
    c->del_end = (uint32_t)end;
}

/* Replace an array count at [off, end) by n, in the encoding the version uses. */
static void cut_count(cut_t *c, size_t off, size_t end, int32_t n, bool flex)
{
    cut_flush(c);
    kc_wr_t w;
    kc_wr_init(&w, c->pool, 8, flex);
    kc_wr_array(&w, n);
    size_t len = 0;
    kc_buf_t *b = w.err ? NULL : kc_wr_take(&w, &len);
    kc_wr_release(&w);
    cut_add(c, (uint32_t)off, (uint32_t)(end - off), b, (uint32_t)len);
}

/* Drop the scratch frame's edits (not the frame's buffer) and restore the size prefix. */
static void cut_abandon(cut_t *c, kc_frame_t *req)
{
    kc_edits_t *e = kc_frame_edits(&c->tmp);
    for (uint32_t i = 0; e && i < e->n; i++)
        kc_buf_unref(c->pool, e->v[i].buf);
    if (c->tmp.edits)
        kc_buf_unref(c->pool, c->tmp.edits);
    put_prefix(req);
}

typedef struct walk {
    int16_t v;
    kc_produce_split_t *s; /* filled when s->mem is set; counted otherwise */
    kc_produce_pick_fn pick;
    void *ctx;
    size_t name_bytes;
    char *names; /* next free byte in s->mem */
    int32_t topics_left;
    cut_t *cut;
} walk_t;

static void read_part(kc_rd_t *r, kc_produce_part_t *p)
{
    p->partition = kc_rd_i32(r);
    p->records_len = kc_rd_bytes(r, &p->records);
    kc_rd_tags_skip(r);
}

static void topic_name(walk_t *w, kc_rd_t *r, kc_produce_part_t *p)
{
    if (w->v >= V_TOPIC_ID)
        p->topic_id = kc_rd_raw(r, 16);
    else if ((p->topic = kc_rd_str(r)).len < 0)
        kc_rd_fail(r); /* a null name: no answer could name it back */
    if (r->err)
        return;
    if (!w->s->mem) {
        w->name_bytes += p->topic.len > 0 ? (size_t)p->topic.len : 0;
        return;
    }
    kc_produce_split_topic_t *t = &w->s->topics[p->topic_index];
    t->name = (kc_str_t){NULL, -1};
    if (p->topic_id) {
        memcpy(t->topic_id, p->topic_id, 16);
    } else {
        memcpy(w->names, p->topic.p, (size_t)p->topic.len);
        t->name = (kc_str_t){w->names, p->topic.len};
        w->names += p->topic.len;
    }
    t->first = w->s->part_count;
}

/* The edits for one topic, once its picks are known: the whole element, or its count and the
 * picked partitions (re-read from `parts`, positioned at the first one). */
static void cut_topic(walk_t *w, const kc_produce_split_topic_t *t, size_t start, size_t cnt_off,
                      kc_rd_t parts, size_t end)
{
    if (!t->picked)
        return;
    if (t->picked == t->count) {
        cut_delete(w->cut, start, end);
        w->topics_left--;
        return;
    }
    cut_count(w->cut, cnt_off, kc_rd_off(&parts), t->count - t->picked, parts.flex);
    for (int32_t i = 0; i < t->count; i++) {
        size_t from = kc_rd_off(&parts);
        kc_produce_part_t p;
        read_part(&parts, &p);
        if (w->s->parts[t->first + i].picked)
            cut_delete(w->cut, from, kc_rd_off(&parts));
    }
}

static void walk_topic(walk_t *w, kc_rd_t *r, int32_t index)
{
    kc_produce_split_t *s = w->s;
    size_t start = kc_rd_off(r);
    kc_produce_part_t p = {.topic = {NULL, -1}, .topic_index = index};
    topic_name(w, r, &p);
    size_t cnt_off = kc_rd_off(r);
    int32_t n = kc_rd_array(r, 5);
    if (n < 0)
        kc_rd_fail(r); /* not nullable */
    kc_rd_t parts = *r;
    kc_produce_split_topic_t *t = s->mem ? &s->topics[index] : NULL;
    for (int32_t i = 0; i < n && !r->err; i++) {
        read_part(r, &p);
        if (r->err || !t) {
            s->part_count++;
            continue;
        }
        bool picked = w->pick(w->ctx, &p);
        s->parts[s->part_count++] = (kc_produce_split_part_t){index, p.partition, picked};
        t->count++;
        t->picked += picked;
        s->picked += picked;
    }
    kc_rd_tags_skip(r);
    if (t && !r->err)
        cut_topic(w, t, start, cnt_off, parts, kc_rd_off(r));
}

/* Walk topic_data (r positioned at it): count, or fill and cut. */
static int walk_topics(walk_t *w, kc_rd_t *r)
{
    size_t cnt_off = kc_rd_off(r);
    int32_t n = kc_rd_array(r, 2);
    if (n < 0)
        kc_rd_fail(r);
    size_t cnt_end = kc_rd_off(r);
    w->s->topic_count = n < 0 ? 0 : n;
    w->topics_left = n;
    for (int32_t i = 0; i < n && !r->err; i++)
        walk_topic(w, r, i);
    kc_rd_tags_skip(r);
    if (!r->err && kc_rd_left(r))
        kc_rd_fail(r); /* bytes after the body: not a request we understand */
    if (!r->err && w->s->mem && w->topics_left != n)
        cut_count(w->cut, cnt_off, cnt_end, w->topics_left, r->flex);
    if (w->cut)
        cut_flush(w->cut);
    return r->err;
}

static int request_body(const kc_frame_t *req, int16_t v, kc_rd_t *r)
{
    kc_req_header_t h;
    if (kc_req_header_parse(kc_frame_msg(req), kc_frame_msg_len(req), &h) || !h.body_off ||
        h.api_key != KC_API_PRODUCE || h.api_version != v)
        return -KC_EPROTO;
    kc_rd_init(r, kc_frame_msg(req), kc_frame_msg_len(req), v >= V_FLEX);
    r->p += h.body_off;
    kc_produce_req_t head;
    return kc_produce_request_head(r, v, &head);
}

void kc_produce_split_free(kc_produce_split_t *s)
{
    if (s->mem)
        kc_buf_unref(s->pool, s->mem);
    *s = (kc_produce_split_t){0};
}

int kc_produce_request_split(kc_pool_t *pool, kc_frame_t *req, int16_t v,
                             kc_produce_pick_fn pick, void *ctx, kc_produce_split_t *out)
{
    *out = (kc_produce_split_t){.pool = pool};
    if (v < 0 || v > KC_PRODUCE_MAX_VERSION)
        return -ENOTSUP;
    if (req->edits)
        return -KC_EPROTO; /* offsets below are the original message's: nothing may move yet */
    kc_rd_t r, start;
    int rc = request_body(req, v, &r);
    if (rc)
        return rc;
    start = r;
    walk_t w = {.v = v, .s = out, .pick = pick, .ctx = ctx};
    if ((rc = walk_topics(&w, &r)))
        return rc;

    size_t tsz = (size_t)out->topic_count * sizeof(*out->topics);
    size_t psz = (size_t)out->part_count * sizeof(*out->parts);
    if (!(out->mem = kc_buf_get(pool, tsz + psz + w.name_bytes + 1)))
        return -KC_ENOMEM;
    memset(out->mem->data, 0, tsz + psz);
    out->topics = (kc_produce_split_topic_t *)out->mem->data;
    out->parts = (kc_produce_split_part_t *)(out->mem->data + tsz);
    w.names = (char *)out->mem->data + tsz + psz;
    out->part_count = 0;

    /* Fill, picking; then cut only when some partitions stay and some go. */
    cut_t cut = {.pool = pool, .tmp = *req};
    cut.tmp.edits = NULL;
    w.cut = &cut;
    r = start;
    rc = walk_topics(&w, &r);
    out->kept = out->part_count - out->picked;
    if (!rc && (rc = cut.rc) == 0 && out->kept && out->picked) {
        req->edits = cut.tmp.edits;
        return 0;
    }
    cut_abandon(&cut, req); /* nothing to cut: all picked (kept 0) or none */
    if (rc)
        kc_produce_split_free(out);
    return rc;
}

/* ---- responses ---- */

/* A response's message as it would go out (flattened when it carries edits), its header read. */
typedef struct view {
    const uint8_t *msg;
    uint32_t len, body_off;
    kc_buf_t *flat; /* owned when the frame had edits */
} view_t;

static int view_open(kc_pool_t *pool, const kc_frame_t *f, int16_t v, view_t *vw)
{
    *vw = (view_t){.len = kc_frame_wire_len(f) - 4};
    if (!(vw->msg = kc_frame_read(pool, f, &vw->flat)))
        return -KC_ENOMEM;
    int32_t corr;
    return kc_resp_header_parse(vw->msg, vw->len, KC_API_PRODUCE, v, &corr, &vw->body_off);
}

static void view_close(kc_pool_t *pool, view_t *vw)
{
    if (vw->flat)
        kc_buf_unref(pool, vw->flat);
    vw->flat = NULL;
}

static int view_decode(const view_t *vw, int16_t v, kc_arena_t *a, kc_produce_resp_t *out)
{
    kc_rd_t r;
    kc_rd_init(&r, vw->msg + vw->body_off, vw->len - vw->body_off, v >= V_FLEX);
    return kc_produce_response_decode(&r, v, a, out);
}

/* Replace f by the header of vw (correlation id and header tags as they came) and resp. */
static int view_replace(kc_pool_t *pool, const view_t *vw, int16_t v,
                        const kc_produce_resp_t *resp, kc_frame_t *f)
{
    kc_wr_t w;
    kc_wr_init(&w, pool, vw->len + 64, false);
    kc_wr_i32(&w, 0); /* size: kc_frame_of sets it */
    kc_wr_raw(&w, vw->msg, vw->body_off);
    int rc = kc_produce_response_encode(&w, v, resp);
    size_t n = 0;
    kc_buf_t *b = rc ? NULL : kc_wr_take(&w, &n);
    kc_wr_release(&w);
    if (!b)
        return rc ? rc : -KC_ENOMEM;
    kc_frame_release(pool, f);
    *f = kc_frame_of(b, (uint32_t)n);
    return 0;
}

static kc_produce_part_result_t local_result(int32_t index, int16_t error)
{
    return (kc_produce_part_result_t){
        .index = index,
        .error_code = error,
        .base_offset = -1,        /* nothing was appended */
        .log_append_time_ms = -1, /* RecordBatch.NO_TIMESTAMP */
        .log_start_offset = -1,
        .error_message = {NULL, -1},
    };
}

static bool same_topic(int16_t v, const kc_produce_split_topic_t *t,
                       const kc_produce_topic_result_t *b)
{
    if (v >= V_TOPIC_ID)
        return b->topic_id && memcmp(t->topic_id, b->topic_id, 16) == 0;
    return b->name.len == t->name.len && memcmp(b->name.p, t->name.p, (size_t)t->name.len) == 0;
}

typedef struct merge {
    int16_t v, error;
    const kc_produce_split_t *s;
    const kc_produce_resp_t *b; /* the broker's */
    kc_produce_resp_t *m;       /* the merged one */
    bool *topic_used;           /* per broker topic */
    kc_arena_t *a;
} merge_t;

static const kc_produce_topic_result_t *take_topic(merge_t *g, const kc_produce_split_topic_t *t)
{
    for (int32_t i = 0; i < g->b->topic_count; i++)
        if (!g->topic_used[i] && same_topic(g->v, t, &g->b->topics[i])) {
            g->topic_used[i] = true;
            return &g->b->topics[i];
        }
    return NULL;
}

/* One topic of the request: its partitions in request order, the picked ones local, the others
 * as the broker answered them; then what the broker said beyond the request. */
static int merge_topic(merge_t *g, const kc_produce_split_topic_t *t)
{
    const kc_produce_topic_result_t *bt = take_topic(g, t);
    int32_t bn = bt ? bt->part_count : 0;
    kc_produce_part_result_t *parts = kc_arena_alloc(g->a, (size_t)(t->count + bn) * sizeof(*parts));
    bool *used = kc_arena_alloc(g->a, (size_t)bn + 1);
    if (!parts || !used)
        return -KC_ENOMEM;
    int32_t n = 0;
    for (int32_t i = 0; i < t->count; i++) {
        const kc_produce_split_part_t *p = &g->s->parts[t->first + i];
        if (p->picked) {
            parts[n++] = local_result(p->partition, g->error);
            continue;
        }
        for (int32_t j = 0; j < bn; j++)
            if (!used[j] && bt->parts[j].index == p->partition) {
                used[j] = true;
                parts[n++] = bt->parts[j];
                break;
            }
    }
    for (int32_t j = 0; j < bn; j++)
        if (!used[j])
            parts[n++] = bt->parts[j];
    if (!n && !bt)
        return 0; /* nothing to say about it (as a local answer leaves out empty topics) */
    kc_produce_topic_result_t *mt = &g->m->topics[g->m->topic_count++];
    if (bt)
        *mt = *bt;
    else
        *mt = (kc_produce_topic_result_t){
            .name = t->name, .topic_id = g->v >= V_TOPIC_ID ? t->topic_id : NULL};
    mt->parts = parts;
    mt->part_count = n;
    return 0;
}

static int merge_resp(merge_t *g)
{
    *g->m = *g->b;
    g->m->topic_count = 0;
    int32_t max = g->s->topic_count + g->b->topic_count;
    g->m->topics = kc_arena_alloc(g->a, (size_t)max * sizeof(*g->m->topics));
    g->topic_used = kc_arena_alloc(g->a, (size_t)g->b->topic_count + 1);
    if (!g->m->topics || !g->topic_used)
        return -KC_ENOMEM;
    for (int32_t i = 0; i < g->s->topic_count; i++) {
        int rc = merge_topic(g, &g->s->topics[i]);
        if (rc)
            return rc;
    }
    for (int32_t i = 0; i < g->b->topic_count; i++)
        if (!g->topic_used[i])
            g->m->topics[g->m->topic_count++] = g->b->topics[i];
    return 0;
}

int kc_produce_response_merge(kc_pool_t *pool, kc_frame_t *resp, int16_t v,
                              const kc_produce_split_t *split, int16_t error)
{
    if (v < 0 || v > KC_PRODUCE_MAX_VERSION)
        return -ENOTSUP;
    view_t vw;
    kc_arena_t a;
    kc_arena_init(&a, pool);
    kc_produce_resp_t b, m;
    int rc = view_open(pool, resp, v, &vw);
    if (!rc)
        rc = view_decode(&vw, v, &a, &b);
    if (!rc) {
        merge_t g = {.v = v, .error = error, .s = split, .b = &b, .m = &m, .a = &a};
        rc = merge_resp(&g);
    }
    if (!rc)
        rc = view_replace(pool, &vw, v, &m, resp);
    kc_arena_reset(&a);
    view_close(pool, &vw);
    return rc;
}

int kc_produce_response_set_errors(kc_pool_t *pool, kc_frame_t *resp, int16_t v,
                                   kc_produce_result_pick_fn pick, void *ctx, int16_t error,
                                   int *count)
{
    *count = 0;
    if (v < 0 || v > KC_PRODUCE_MAX_VERSION)
        return -ENOTSUP;
    view_t vw;
    kc_arena_t a;
    kc_arena_init(&a, pool);
    kc_produce_resp_t b;
    int rc = view_open(pool, resp, v, &vw);
    if (!rc)
        rc = view_decode(&vw, v, &a, &b);
    for (int32_t i = 0; !rc && i < b.topic_count; i++) {
        kc_produce_topic_result_t *t = &b.topics[i];
        for (int32_t j = 0; j < t->part_count; j++) {
            kc_produce_part_result_t *p = &t->parts[j];
            if (!pick(ctx, t->name, v >= V_TOPIC_ID ? t->topic_id : NULL, p->index))
                continue;
            kc_tags_kept_t tags = p->tags; /* unknown tags stay; the leader hint goes */
            *p = local_result(p->index, error);
            p->tags = tags;
            (*count)++;
        }
    }
    if (!rc && *count)
        rc = view_replace(pool, &vw, v, &b, resp);
    kc_arena_reset(&a);
    view_close(pool, &vw);
    return rc;
}

/* Where throttle_time_ms lies in a message (after the responses array), or -1. */
static long throttle_offset(const uint8_t *msg, uint32_t len, uint32_t body_off, int16_t v)
{
    kc_rd_t r;
    kc_rd_init(&r, msg + body_off, len - body_off, v >= V_FLEX);
    int32_t nt = kc_rd_array(&r, 2);
    for (int32_t t = 0; t < nt && !r.err; t++) {
        if (v >= V_TOPIC_ID)
            kc_rd_raw(&r, 16);
        else
            kc_rd_str(&r);
        int32_t np = kc_rd_array(&r, 14);
        for (int32_t i = 0; i < np && !r.err; i++) {
            kc_rd_raw(&r, 4 + 2 + 8 + (v >= 2 ? 8 : 0) + (v >= 5 ? 8 : 0));
            if (v >= 8) {
                int32_t ne = kc_rd_array(&r, 5);
                for (int32_t e = 0; e < ne && !r.err; e++) {
                    kc_rd_i32(&r);
                    kc_rd_str(&r);
                    kc_rd_tags_skip(&r);
                }
                kc_rd_str(&r);
            }
            kc_rd_tags_skip(&r);
        }
        kc_rd_tags_skip(&r);
    }
    long off = (long)(body_off + kc_rd_off(&r));
    kc_rd_i32(&r);
    return r.err ? -1 : off;
}

/* Replace an edited frame by one holding its message as it would go out. */
static int materialize(kc_pool_t *pool, kc_frame_t *f)
{
    uint32_t n = kc_frame_wire_len(f);
    kc_buf_t *b = kc_buf_get(pool, n);
    if (!b)
        return -KC_ENOMEM;
    kc_frame_flatten(f, b->data + 4);
    kc_frame_release(pool, f);
    *f = kc_frame_of(b, n);
    return 0;
}

int kc_produce_response_set_throttle(kc_pool_t *pool, kc_frame_t *resp, int16_t v,
                                     int32_t throttle_ms)
{
    if (v < 1 || v > KC_PRODUCE_MAX_VERSION)
        return -ENOTSUP; /* v0 has no throttle_time_ms */
    for (int round = 0;; round++) {
        /* Offsets of the original message: the address edits (node_endpoints) lie after the
         * field. Only when an edit covers it already (a throttle set before) is the frame
         * flattened first. */
        int32_t corr;
        uint32_t body_off;
        const uint8_t *msg = kc_frame_msg(resp);
        uint32_t len = kc_frame_msg_len(resp);
        if (kc_resp_header_parse(msg, len, KC_API_PRODUCE, v, &corr, &body_off))
            return -KC_EPROTO;
        long off = throttle_offset(msg, len, body_off, v);
        if (off < 0)
            return -KC_EPROTO;
        kc_splice_t sp = {.off = (uint32_t)off, .len = 4, .buf = kc_buf_get(pool, 4), .buf_len = 4};
        if (!sp.buf)
            return -KC_ENOMEM;
        kc_put_be32(sp.buf->data, (uint32_t)throttle_ms);
        int rc = kc_frame_edit(pool, resp, &sp);
        if (rc != -KC_EPROTO || round || !resp->edits)
            return rc;
        if ((rc = materialize(pool, resp)))
            return rc;
    }
}
