/* The request as the fault matchers see it: see view.h. */
#include "fault/view.h"

#include <stdlib.h>
#include <string.h>

#include "kafka/api.h"
#include "kafka/header.h"
#include "kafka/produce.h"
#include "kafka/records.h"

static void on_batch(void *ctx, const kc_batch_t *b)
{
    kc_fault_req_t *q = ctx;
    if (b->magic < 2)
        return;
    q->idempotent = b->producer_id >= 0;
    q->transactional = b->transactional;
}

static void on_part(void *ctx, const kc_produce_part_t *p)
{
    kc_fault_view_t *v = ctx;
    if (v->failed)
        return;
    if (v->q.nparts == v->cap) {
        int cap = v->cap ? 2 * v->cap : 8;
        kc_fault_part_t *np = realloc(v->parts, (size_t)cap * sizeof(*np));
        if (!np) {
            v->failed = true;
            return;
        }
        v->parts = np, v->cap = cap;
    }
    const char *name = "";
    size_t len = 0;
    if (p->topic.len >= 0) {
        name = p->topic.p, len = (size_t)p->topic.len;
    } else if (p->topic_id && v->topics) {
        const char *known = kc_topics_name(v->topics, p->topic_id);
        if (known)
            name = known, len = strlen(known);
    }
    if (v->names_len + len + 1 > v->names_cap) {
        size_t cap = (v->names_cap + len + 1) * 2;
        char *nn = realloc(v->names, cap);
        if (!nn) {
            v->failed = true;
            return;
        }
        v->names = nn, v->names_cap = cap;
    }
    memcpy(v->names + v->names_len, name, len);
    v->names[v->names_len + len] = 0;
    /* Offsets for now: names may move while it grows; pointers are set once it is whole. */
    v->parts[v->q.nparts++] = (kc_fault_part_t){(const char *)(uintptr_t)v->names_len,
                                                p->topic_id, p->partition};
    v->names_len += len + 1;
    if (p->records && p->records_len > 0 && v->q.idempotent < 0)
        kc_records_walk(p->records, p->records_len, on_batch, &v->q);
}

bool kc_fault_needs_view(const kc_fault_rule_t *r)
{
    const kc_fault_match_t *m = &r->match;
    return m->topic || m->partitions || m->acks != KC_ANY || m->idempotent >= 0 ||
           m->transactional >= 0 || r->action.kind == KC_FAULT_ERROR;
}

void kc_fault_view_build(kc_fault_view_t *v, const kc_frame_t *f, int16_t version)
{
    v->built = true;
    kc_req_header_t h;
    const uint8_t *msg = kc_frame_msg(f);
    uint32_t len = kc_frame_msg_len(f);
    if (kc_req_header_parse(msg, len, &h))
        return;
    kc_rd_t r;
    kc_rd_init(&r, msg, len, kc_api_flexible(kc_api_get(KC_API_PRODUCE), version));
    r.p += h.body_off;
    kc_produce_req_t req;
    if (kc_produce_request_head(&r, version, &req))
        return;
    v->q.acks = req.acks;
    if (kc_produce_request_parts(&r, version, on_part, v) || v->failed) {
        v->q.nparts = 0;
        return;
    }
    for (int i = 0; i < v->q.nparts; i++)
        v->parts[i].topic = v->names + (uintptr_t)v->parts[i].topic;
    v->q.parts = v->parts;
}

void kc_fault_view_free(kc_fault_view_t *v)
{
    free(v->parts);
    free(v->names);
}
