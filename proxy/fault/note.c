/* Fault notes, and what faults do to frames: see note.h. */
#include "fault/note.h"

#include <stdlib.h>
#include <string.h>

#include "kafka/api.h"
#include "metrics/metrics.h"
#include "kafka/metadata.h"
#include "kafka/wire.h"
#include "pipeline.h"
#include "util/error.h"
#include "util/log.h"

kc_fault_note_t *kc_fault_note_new(kc_pool_t *pool)
{
    kc_fault_note_t *nt = calloc(1, sizeof(*nt));
    if (nt) {
        nt->pool = pool;
        nt->disconnect = -1;
    }
    return nt;
}

void kc_fault_note_free(kc_fault_note_t *nt)
{
    if (!nt)
        return;
    for (int i = 0; i < nt->npicks; i++)
        free(nt->picks[i].topic);
    free(nt->picks);
    if (nt->split)
        kc_produce_split_free(&nt->sp);
    free(nt);
}

int kc_fault_note_pick(kc_fault_note_t *nt, const kc_fault_part_t *p)
{
    if (nt->npicks == nt->cap) {
        int cap = nt->cap ? 2 * nt->cap : 4;
        kc_fault_pick_t *v = realloc(nt->picks, (size_t)cap * sizeof(*v));
        if (!v)
            return -KC_ENOMEM;
        nt->picks = v, nt->cap = cap;
    }
    kc_fault_pick_t *k = &nt->picks[nt->npicks];
    *k = (kc_fault_pick_t){.topic = strdup(p->topic), .partition = p->partition};
    if (!k->topic)
        return -KC_ENOMEM;
    if (p->topic_id) {
        memcpy(k->topic_id, p->topic_id, 16);
        k->has_id = true;
    }
    nt->npicks++;
    return 0;
}

bool kc_fault_note_empty(const kc_fault_note_t *nt)
{
    return !nt->error && !nt->throttle_ms && !nt->delay_ns && !nt->stall_until &&
           nt->disconnect < 0;
}

/* Whether a partition, named as the wire names it (a name before v13, an id from v13), is
 * one the note picked. */
static bool picked(const kc_fault_note_t *nt, kc_str_t topic, const uint8_t *topic_id,
                   int32_t partition)
{
    for (int i = 0; i < nt->npicks; i++) {
        const kc_fault_pick_t *k = &nt->picks[i];
        if (k->partition != partition)
            continue;
        if (topic_id ? k->has_id && !memcmp(k->topic_id, topic_id, 16)
                     : topic.len >= 0 && strlen(k->topic) == (size_t)topic.len &&
                           !memcmp(k->topic, topic.p, (size_t)topic.len))
            return true;
    }
    return false;
}

static bool pick_request_part(void *ctx, const kc_produce_part_t *p)
{
    return picked(ctx, p->topic, p->topic_id, p->partition);
}

static bool pick_result(void *ctx, kc_str_t topic, const uint8_t *topic_id, int32_t partition)
{
    return picked(ctx, topic, topic_id, partition);
}

/* The merge hook: the broker's answer becomes what the client is told. */
static int note_apply(void *data, kc_pool_t *pool, kc_inflight_t *e, kc_frame_t *resp)
{
    kc_fault_note_t *nt = data;
    int rc = 0, count = 0;
    if (e->api_key != KC_API_PRODUCE)
        return 0;
    (void)count;
    if (nt->split)
        rc = kc_produce_response_merge(pool, resp, e->api_version, &nt->sp, nt->error);
    /* An error after the broker is applied by the response decision (kc_fault_note_after),
     * which can first tell the metrics what the broker wrote. Produce v0 has no throttle field:
     * nothing to tell, the hold alone (enforce) stays. */
    if (!rc && nt->throttle_ms && e->api_version >= 1)
        rc = kc_produce_response_set_throttle(pool, resp, e->api_version,
                                              (int32_t)nt->throttle_ms);
    return rc;
}

static void note_free(void *data) { kc_fault_note_free(data); }

/* What the broker wrote, before the client is told otherwise: a resend is then known for the
 * duplicate it writes (inj: only those partitions; NULL: all). */
static void learn_written(kc_session_t *s, kc_inflight_t *e, const kc_frame_t *f,
                          const kc_injected_t *inj)
{
    if (!s->env->metrics || !e->summary || e->api_key != KC_API_PRODUCE)
        return;
    kc_buf_t *flat;
    const uint8_t *msg = kc_frame_read(s->env->pool, f, &flat);
    if (msg)
        kc_metrics_produce_written(s->env->metrics, e->summary, e->api_version, msg,
                                   kc_frame_wire_len(f) - 4, inj, s->now);
    kc_buf_unref(s->env->pool, flat);
}

static bool note_injected(void *data, kc_str_t topic, const uint8_t *topic_id, int32_t partition);

int kc_fault_note_after(kc_fault_note_t *nt, kc_session_t *s, kc_inflight_t *e, kc_frame_t *f)
{
    if (!nt->error || !nt->error_after || e->api_key != KC_API_PRODUCE)
        return 0;
    kc_injected_t inj = {note_injected, nt};
    learn_written(s, e, f, &inj);
    int count = 0;
    return kc_produce_response_set_errors(s->env->pool, f, e->api_version, pick_result, nt,
                                          nt->error, &count);
}

/* The results the note's error made: the picked partitions (with no topic matcher, a rule
 * picks every partition). */
static bool note_injected(void *data, kc_str_t topic, const uint8_t *topic_id, int32_t partition)
{
    const kc_fault_note_t *nt = data;
    return nt->error && (nt->npicks == 0 || picked(nt, topic, topic_id, partition));
}

kc_merge_t kc_fault_note_merge(kc_fault_note_t *nt)
{
    return (kc_merge_t){.fn = note_apply, .free = note_free, .data = nt,
                        .injected = note_injected};
}

kc_fault_note_t *kc_fault_note_of(const kc_inflight_t *e)
{
    return e->merge.fn == note_apply ? e->merge.data : NULL;
}

int kc_fault_note_split(kc_fault_note_t *nt, kc_session_t *s, kc_inflight_t *e,
                        const kc_fault_req_t *q)
{
    if (!e->expect_response) {
        /* acks=0: not forwarded, so nothing is written; the producer is never told. */
        kc_pipeline_drop(s, e);
        return KC_FAULT_ANSWERED;
    }
    if (nt->npicks == q->nparts || nt->npicks == 0) /* all (a rule with no topic matcher) */
        return kc_pipeline_answer_produce(s, e, nt->error) ? -KC_EPROTO : KC_FAULT_ANSWERED;
    int rc = kc_produce_request_split(s->env->pool, &e->frame, e->api_version, pick_request_part,
                                      nt, &nt->sp);
    if (rc)
        return rc;
    nt->split = true;
    if (nt->sp.kept == 0)
        return kc_pipeline_answer_produce(s, e, nt->error) ? -KC_EPROTO : KC_FAULT_ANSWERED;
    return 0;
}

/* The response cut in the middle: its size prefix promises the whole of it, half comes. */
static int send_half(kc_session_t *s, const kc_frame_t *f)
{
    uint32_t wire = kc_frame_wire_len(f), msg = wire - 4;
    kc_buf_t *b = kc_buf_get(s->env->pool, wire);
    if (!b)
        return -KC_ENOMEM;
    kc_frame_flatten(f, b->data + 4);
    kc_frame_t half = kc_frame_of(b, 4 + msg / 2);
    kc_put_be32(half.data, msg);
    return kc_session_send(s, KC_TO_CLIENT, &half);
}

void kc_fault_note_disconnect(kc_fault_note_t *nt, kc_session_t *s, kc_inflight_t *e,
                              kc_frame_t *f, kc_decision_t *d)
{
    bool mid = nt->disconnect == KC_WHEN_MID;
    /* Half a frame makes sense only as the next bytes the client reads: when this answer is
     * the head. Otherwise it is lost whole, as after the broker. */
    if (mid && kc_inflight_at(&s->q, s->q.head) == e) {
        if (send_half(s, f))
            mid = false;
    } else {
        mid = false;
    }
    learn_written(s, e, f, NULL);
    snprintf(s->fault_why, sizeof(s->fault_why), "scenario %s: disconnect %s (%s v%d answered "
             "by the broker, %s)", nt->label, mid ? "mid-response" : "after the broker",
             kc_api_name(e->api_key), e->api_version,
             mid ? "half of its answer sent" : "its answer lost");
    d->verdict = KC_CLOSE;
    d->reset = nt->reset;
    d->why = s->fault_why;
}

typedef struct leader_pick {
    const kc_fault_match_t *m;
    kc_topics_t *topics;
} leader_pick_t;

static bool pick_leaderless(void *ctx, kc_str_t topic, const uint8_t *topic_id, int32_t partition)
{
    leader_pick_t *lp = ctx;
    char name[256] = "";
    if (topic.len >= 0 && topic.p)
        snprintf(name, sizeof(name), "%.*s", topic.len, topic.p);
    else if (topic_id && lp->topics) {
        const char *known = kc_topics_name(lp->topics, topic_id);
        snprintf(name, sizeof(name), "%s", known ? known : "");
    }
    kc_fault_part_t p = {name, topic_id, partition};
    return kc_fault_match_part(lp->m, &p);
}

void kc_fault_note_leaderless(kc_session_t *s, kc_inflight_t *e, kc_frame_t *f,
                              const kc_fault_match_t *m, int *count)
{
    leader_pick_t lp = {m, s->env->topics};
    int rc = kc_metadata_response_leaderless(s->env->pool, f, e->api_version, pick_leaderless,
                                             &lp, count);
    if (rc)
        kc_log_c(KC_LOG_WARN, &s->log, "fault: Metadata v%d left as the broker said it: %s",
                 e->api_version, kc_strerror(rc));
}
