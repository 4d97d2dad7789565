/* The pipeline: see pipeline.h. Read it top to bottom: each stage is a direct call. */
#include "pipeline.h"

#include <stdio.h>
#include <string.h>

#include "kafka/api.h"
#include "kafka/api_versions.h"
#include "kafka/header.h"
#include "kafka/metadata.h"
#include "kafka/produce.h"
#include "kafka/sasl.h"
#include "record/recorder.h"
#include "route/rewrite.h"
#include "util/arena.h"

/* Close the pair over a protocol error; the frame is dropped (NULL: it belongs to an in-flight
 * entry already, and goes with the queue). */
static int reject(kc_session_t *s, kc_frame_t *f, const char *what, const kc_req_header_t *h)
{
    if (f)
        kc_frame_release(s->env->pool, f);
    if (h)
        kc_session_close(s, KC_LOG_WARN, false, "%s (%s v%d, correlation id %d)", what,
                         kc_api_name(h->api_key), h->api_version, h->correlation_id);
    else
        kc_session_close(s, KC_LOG_WARN, false, "%s", what);
    return -KC_ECLOSED;
}

static void note_client_id(kc_session_t *s, kc_str_t id)
{
    if (id.len < 0)
        id = (kc_str_t){"", 0};
    const char *cur = s->log.client_id;
    if (cur && (int32_t)strlen(cur) == id.len && memcmp(cur, id.p, (size_t)id.len) == 0)
        return;
    s->log.client_id = kc_intern(s->env->client_ids, id.p, (size_t)id.len);
}

/* ---- request path ---- */

/* Stage: request bodies kchaos reads. Sets *expect_response to false for acks=0 Produce. */
static int decode_request(kc_session_t *s, const kc_req_header_t *h, const uint8_t *msg,
                          uint32_t len, bool *expect_response)
{
    kc_rd_t r;
    kc_rd_init(&r, msg, len, kc_api_flexible(kc_api_get(h->api_key), h->api_version));
    r.p += h->body_off;
    switch (h->api_key) {
    case KC_API_PRODUCE: {
        kc_produce_req_t req;
        if (kc_produce_request_head(&r, h->api_version, &req))
            return -KC_EPROTO;
        *expect_response = req.acks != 0; /* acks=0: the broker never answers */
        return 0;
    }
    case KC_API_API_VERSIONS: {
        kc_str_t name, version;
        if (h->api_version >= 3 &&
            kc_api_versions_request_parse(&r, h->api_version, &name, &version) == 0)
            snprintf(s->software, sizeof(s->software), "%.*s/%.*s", name.len < 0 ? 0 : name.len,
                     name.p ? name.p : "", version.len < 0 ? 0 : version.len,
                     version.p ? version.p : "");
        return 0;
    }
    case KC_API_SASL_HANDSHAKE: {
        s->sasl_v0 = h->api_version == 0;
        kc_str_t mech;
        /* A new handshake (KIP-368 re-authentication too) starts a new exchange. */
        s->sasl_user[0] = 0, s->sasl_rounds = 0;
        if (kc_sasl_handshake_request(&r, &mech) == 0)
            snprintf(s->sasl_mech, sizeof(s->sasl_mech), "%.*s", mech.len, mech.p);
        return 0;
    }
    case KC_API_SASL_AUTHENTICATE: {
        const uint8_t *tok;
        int32_t n;
        /* The first message of an exchange names the user; later ones hold proofs. */
        if (!s->sasl_rounds && !s->sasl_user[0] &&
            kc_sasl_authenticate_request(&r, &tok, &n) == 0 &&
            kc_sasl_user(s->sasl_mech, tok, (size_t)n, s->sasl_user, sizeof(s->sasl_user)))
            s->sasl_user[0] = 0;
        return 0;
    }
    default:
        return 0;
    }
}

/* Stage: observe a Produce request (metrics): what the producer sent, before any fault. */
static int observe_produce(kc_session_t *s, kc_inflight_t *e, const kc_req_header_t *h,
                           const uint8_t *msg, uint32_t len)
{
    if (e->expect_response)
        s->produce_pending++;
    if (!s->env->metrics)
        return 0;
    kc_rd_t r;
    kc_rd_init(&r, msg, len, kc_api_flexible(kc_api_get(h->api_key), h->api_version));
    r.p += h->body_off;
    kc_produce_who_t who = {s->log.client_id, s->host, s->software, s->principal_id,
                            s->produce_pending};
    return kc_metrics_produce_request(s->env->metrics, &who, h->api_version, &r, s->now,
                                      &e->summary);
}

/* A response made here takes the entry's place in the order; the request goes nowhere. */
static void answer_here(kc_session_t *s, kc_inflight_t *e, kc_frame_t *resp)
{
    if (e->frame.buf) {
        s->held_req_bytes -= kc_frame_wire_len(&e->frame);
        kc_frame_release(s->env->pool, &e->frame);
    }
    e->frame = *resp;
    e->state = KC_IF_ANSWERED;
    s->held_resp_bytes += kc_frame_wire_len(resp);
}

static int16_t same_error(void *ctx, const kc_produce_part_t *p)
{
    (void)p;
    return *(const int16_t *)ctx;
}

int kc_pipeline_answer_produce(kc_session_t *s, kc_inflight_t *e, int16_t error)
{
    kc_pool_t *pool = s->env->pool;
    kc_rd_t r;
    kc_req_header_t h;
    uint8_t *msg = kc_frame_msg(&e->frame);
    uint32_t len = kc_frame_msg_len(&e->frame);
    if (kc_req_header_parse(msg, len, &h))
        return -KC_EPROTO;
    kc_rd_init(&r, msg, len, kc_api_flexible(kc_api_get(h.api_key), h.api_version));
    r.p += h.body_off;
    kc_produce_req_t req;
    kc_produce_resp_t resp;
    kc_arena_t arena;
    kc_arena_init(&arena, pool);
    kc_wr_t w;
    kc_wr_init(&w, pool, 256, false);
    int rc = kc_produce_request_head(&r, h.api_version, &req);
    if (!rc)
        rc = kc_produce_response_local(&r, h.api_version, same_error, &error, &arena, &resp);
    if (!rc)
        rc = kc_produce_response_frame(&w, h.api_version, h.correlation_id, &resp);
    size_t n;
    kc_buf_t *b = rc ? NULL : kc_wr_take(&w, &n);
    kc_wr_release(&w);
    kc_arena_reset(&arena);
    if (!b)
        return rc ? rc : -KC_ENOMEM;
    kc_frame_t f = kc_frame_of(b, (uint32_t)n);
    answer_here(s, e, &f);
    return 0;
}

void kc_pipeline_drop(kc_session_t *s, kc_inflight_t *e)
{
    s->held_req_bytes -= kc_frame_wire_len(&e->frame);
    kc_frame_release(s->env->pool, &e->frame);
    e->state = e->expect_response ? KC_IF_LOST : KC_IF_DONE;
}

#ifdef KCHAOS_BREAK_DROP
/* A deliberately broken build (tests/README.md): the first Produce request that wants an
 * answer is answered here with success and never reaches the broker, so its records are lost
 * while the client counts them delivered. Tests whose oracle is the broker must fail. */
static void break_drop(kc_session_t *s, kc_inflight_t *e)
{
    static _Atomic int produces;
    if (e->api_key == KC_API_PRODUCE && e->expect_response && ++produces == 1)
        kc_pipeline_answer_produce(s, e, 0);
}
#endif

/* Stage: decide (the fault stage). A request may pass, wait, be answered here, vanish, or
 * close the pair. */
static int decide_request(kc_session_t *s, kc_inflight_t *e)
{
    kc_pipe_env_t *env = s->env;
    if (!env->decide_request)
        return 0;
    kc_decision_t d = {.verdict = KC_PASS};
    uint32_t before = kc_frame_wire_len(&e->frame);
    env->decide_request(env->decide_ctx, s, e, &e->frame, &d);
    if (e->state == KC_IF_HELD) /* a split request is shorter: what is held is what will go */
        s->held_req_bytes += (size_t)kc_frame_wire_len(&e->frame) - before;
    switch (d.verdict) {
    case KC_PASS:
        e->merge = d.merge;
        return 0;
    case KC_HOLD:
        e->merge = d.merge;
        e->until = d.until ? d.until : 1;
        return 0;
    case KC_ANSWER:
        answer_here(s, e, &d.answer);
        return 0;
    case KC_DROP:
        kc_pipeline_drop(s, e);
        return 0;
    case KC_CLOSE:
        kc_session_close(s, KC_LOG_INFO, d.reset, "closed by a fault: %s", d.why ? d.why : "");
        return -KC_ECLOSED;
    }
    return 0;
}

int kc_pipeline_request(kc_session_t *s, kc_frame_t *f)
{
    if (s->opaque)
        return kc_session_send(s, KC_TO_UPSTREAM, f);

    /* Stage: header. */
    kc_req_header_t h;
    uint8_t *msg = kc_frame_msg(f);
    uint32_t len = kc_frame_msg_len(f);
    if (kc_req_header_parse(msg, len, &h) != 0)
        return reject(s, f, "malformed request header", NULL);
    note_client_id(s, h.client_id);
    kc_api_counts_add(&s->apis, h.api_key, h.api_version, 1);

    /* Stage: versions. kchaos must read the responses of the APIs it decodes; ApiVersions
     * already told the client how far it may go. */
    const kc_api_t *api = kc_api_get(h.api_key);
    bool too_new = api && api->decode_max >= 0 && h.api_version > api->decode_max;
    if (too_new && h.api_key != KC_API_API_VERSIONS)
        return reject(s, f, "request newer than kchaos decodes (the client ignored ApiVersions)", &h);

    /* Stage: request decode. */
    bool expect_response = true;
    if (api && !too_new && decode_request(s, &h, msg, len, &expect_response) != 0)
        return reject(s, f, "malformed request body", &h);

    /* Stage: in-flight entry. Every request takes its place in the order, acks=0 Produce too
     * (no response comes, but while it is held it holds the requests behind it). */
    kc_inflight_t *e = kc_inflight_push(&s->q);
    if (!e)
        return reject(s, f, "out of memory tracking a request", &h);
    e->correlation_id = h.correlation_id;
    e->api_key = h.api_key;
    e->api_version = h.api_version;
    e->expect_response = expect_response;
    e->t_recv = s->now;
    e->client_id = s->log.client_id;
    e->frame = *f;
    s->held_req_bytes += kc_frame_wire_len(f);
    if (h.api_key == KC_API_PRODUCE && !too_new && observe_produce(s, e, &h, msg, len))
        return reject(s, NULL, "malformed Produce request", &h);

    if (too_new) {
        /* KIP-511: answer as a broker does, so the client retries with a version we read. */
        kc_wr_t w;
        kc_wr_init(&w, s->env->pool, 64, false);
        kc_api_versions_unsupported(&w, h.correlation_id);
        size_t n;
        kc_buf_t *b = kc_wr_take(&w, &n);
        if (!b) {
            kc_session_close(s, KC_LOG_ERROR, false, "out of memory answering a request");
            return -KC_ECLOSED;
        }
        kc_frame_t resp = kc_frame_of(b, (uint32_t)n);
        answer_here(s, e, &resp);
        return 0;
    }

#ifdef KCHAOS_BREAK_DROP
    break_drop(s, e);
    if (e->state != KC_IF_HELD)
        return 0;
#endif
    /* Stage: decide. Then the session forwards what is due (kc_session_pump). */
    return decide_request(s, e);
}

/* ---- response path ---- */

/* Log what the ApiVersions clamp did: removals once per api key for the loop. */
static void log_api_versions(kc_session_t *s, const kc_api_versions_edit_t *ed)
{
    for (int i = 0; i < ed->nremoved && i < (int)(sizeof(ed->removed) / sizeof(ed->removed[0])); i++) {
        bool *seen = &s->env->removed_logged[ed->removed[i] & 127];
        if (!*seen)
            kc_log_c(KC_LOG_WARN, &s->log,
                     "broker offers api key %d, unknown to kchaos or only in versions it cannot "
                     "read: removed from ApiVersions",
                     ed->removed[i]);
        *seen = true;
    }
    if (ed->nclamped)
        kc_log_c(KC_LOG_DEBUG, &s->log, "ApiVersions: %d max versions lowered to what kchaos decodes",
                 ed->nclamped);
}

/* Count the addresses handed out, and name them at debug level. */
static void note_rewrites(kc_session_t *s, const kc_inflight_t *e, const kc_rewrite_info_t *info)
{
    kc_api_counts_add(&s->rewrites, e->api_key, e->api_version, (uint32_t)info->naddrs);
    if (!kc_log_enabled(KC_LOG_DEBUG))
        return;
    char list[256] = "";
    size_t n = 0;
    for (int i = 0; i < info->naddrs && i < KC_REWRITE_ADDRS && n < sizeof(list) - 24; i++)
        n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%d->%s:%u", i ? " " : "",
                              info->addrs[i].node_id, s->env->route->advertise_host,
                              info->addrs[i].port);
    kc_log_c(KC_LOG_DEBUG, &s->log, "%s v%d response: %d broker address(es) rewritten: %s%s",
             kc_api_name(e->api_key), e->api_version, info->naddrs, list,
             info->naddrs > KC_REWRITE_ADDRS ? " ..." : "");
}

/* Stage: match. Brokers answer a connection's requests in order. Returns the entry, or NULL
 * once the frame has been handled otherwise (passed on as a stray, or rejected).
 * A response to an acks=0 Produce request is a stray: Kafka never sends one, but other brokers
 * do (librdkafka's mock cluster does); a client talking to such a broker directly gets it, and
 * most ignore it, so kchaos passes it on the same way. The broker answers in order, and the
 * session delivers every ready head after each frame, so what came before it has gone. */
static kc_inflight_t *match(kc_session_t *s, kc_frame_t *f, int *rc)
{
    uint32_t len = kc_frame_msg_len(f);
    kc_inflight_t *e = kc_inflight_expect(&s->q);
    if (len < 4) {
        *rc = reject(s, f, "response shorter than its header", NULL);
        return NULL;
    }
    int32_t corr = (int32_t)kc_be32(kc_frame_msg(f));
    if ((!e || corr != e->correlation_id) && kc_session_acks0_answered(s, corr)) {
        kc_log_c(KC_LOG_DEBUG, &s->log,
                 "the broker answered acks=0 Produce (correlation id %d): passed on as it is", corr);
        *rc = kc_session_send(s, KC_TO_CLIENT, f);
        return NULL;
    }
    char why[128];
    if (!e)
        snprintf(why, sizeof(why), "response (correlation id %d) to no request", corr);
    else if (corr != e->correlation_id)
        snprintf(why, sizeof(why), "response correlation id %d does not match the request's %d",
                 corr, e->correlation_id);
    else
        return e;
    *rc = reject(s, f, why, NULL);
    return NULL;
}

/* Stage: rewrite. Broker addresses become kchaos's; ApiVersions is clamped. */
static int rewrite(kc_session_t *s, kc_inflight_t *e, kc_frame_t *f)
{
    kc_rewrite_info_t info;
    kc_splice_t sp;
    int rc = kc_rewrite_response(s->env->route, s->env->pool, e->api_key, e->api_version,
                                 kc_frame_msg(f), kc_frame_msg_len(f), &sp, &info);
    if (!rc)
        rc = kc_frame_edit(s->env->pool, f, &sp);
    if (rc) {
        kc_splice_release(s->env->pool, &sp);
        char why[160];
        snprintf(why, sizeof(why), "cannot rewrite %s v%d response: %s", kc_api_name(e->api_key),
                 e->api_version, kc_strerror(rc));
        return reject(s, f, why, NULL);
    }
    if (e->api_key == KC_API_API_VERSIONS)
        log_api_versions(s, &info.api_versions);
    if (info.naddrs)
        note_rewrites(s, e, &info);
    return 0;
}

/* SaslAuthenticate answered: once the broker says the exchange succeeded (after its last
 * round: SCRAM's second), the name the client gave is the connection's principal. */
static void sasl_authenticated(kc_session_t *s, const kc_inflight_t *e, const kc_frame_t *f)
{
    int32_t ignored;
    uint32_t body;
    uint8_t *msg = kc_frame_msg(f);
    uint32_t len = kc_frame_msg_len(f);
    if (e->api_key != KC_API_SASL_AUTHENTICATE ||
        kc_resp_header_parse(msg, len, e->api_key, e->api_version, &ignored, &body) != 0)
        return;
    kc_rd_t r;
    kc_rd_init(&r, msg + body, len - body, e->api_version >= 2);
    int err = kc_sasl_authenticate_response_error(&r);
    if (err != 0) {
        s->sasl_user[0] = 0, s->sasl_rounds = 0;
        return;
    }
    if (++s->sasl_rounds < kc_sasl_rounds(s->sasl_mech) || !s->sasl_user[0])
        return;
    if (strcmp(s->principal, s->sasl_user)) {
        snprintf(s->principal, sizeof(s->principal), "%s", s->sasl_user);
        const char *id = kc_intern(s->env->client_ids, s->principal, strlen(s->principal));
        s->principal_id = id ? id : "";
        kc_log_c(KC_LOG_INFO, &s->log, "authenticated by the broker as %s (%s)", s->principal,
                 s->sasl_mech);
    }
}

/* SASL v0 (pre-KIP-152): after a successful handshake the tokens carry no Kafka header. */
static void sasl_v0(kc_session_t *s, const kc_inflight_t *e, const kc_frame_t *f)
{
    int32_t ignored;
    uint32_t body;
    uint8_t *msg = kc_frame_msg(f);
    uint32_t len = kc_frame_msg_len(f);
    if (e->api_key != KC_API_SASL_HANDSHAKE || !s->sasl_v0 ||
        kc_resp_header_parse(msg, len, e->api_key, e->api_version, &ignored, &body) != 0)
        return;
    kc_rd_t r;
    kc_rd_init(&r, msg + body, len - body, false);
    if (kc_sasl_handshake_response_error(&r) == 0) {
        s->opaque = true;
        kc_log_c(KC_LOG_INFO, &s->log, "SaslHandshake v0: connection passes opaque from now on");
    }
}

static void learn_topic(void *ctx, const kc_metadata_topic_t *t)
{
    if (t->topic_id)
        kc_topics_learn(ctx, t->topic_id, t->name);
}

/* Metadata v10+ names topic ids (KIP-516): learned before the response reaches the client, so
 * a Produce v13 naming the id finds its name on any loop. */
static void learn_topics(kc_session_t *s, const kc_inflight_t *e, const kc_frame_t *f)
{
    int32_t corr;
    uint32_t body;
    uint8_t *msg = kc_frame_msg(f);
    uint32_t len = kc_frame_msg_len(f);
    if (e->api_version < 10 ||
        kc_resp_header_parse(msg, len, e->api_key, e->api_version, &corr, &body))
        return;
    kc_rd_t r;
    kc_rd_init(&r, msg + body, len - body, kc_api_flexible(kc_api_get(e->api_key), e->api_version));
    kc_metadata_walk_t walk = {.topic = learn_topic, .ctx = s->env->topics};
    kc_metadata_response_topics(&r, e->api_version, &walk);
}

/* Stage: record (issue 16). What the broker itself answered, before local results are merged
 * and before any fault: a replay must reproduce the incident, not the chaos on top of it. */
static void record(kc_session_t *s, const kc_inflight_t *e, const kc_frame_t *f)
{
    kc_buf_t *flat;
    const uint8_t *msg = kc_frame_read(s->env->pool, f, &flat);
    if (!msg)
        return;
    kc_record_response(s->env->recorder, s->env->pool, s->now, s->node_id, e->client_id,
                       e->api_key, e->api_version, msg, kc_frame_wire_len(f) - 4, e->t_sent,
                       s->env->topics);
    kc_buf_unref(s->env->pool, flat);
}

/* Stage: decide (the fault stage) for a response: on now, later, or never; or close. */
static int decide_response(kc_session_t *s, kc_inflight_t *e)
{
    kc_pipe_env_t *env = s->env;
    kc_decision_t d = {.verdict = KC_PASS};
    uint32_t before = kc_frame_wire_len(&e->frame);
    if (env->decide_response)
        env->decide_response(env->decide_ctx, s, e, &e->frame, &d);
    s->held_resp_bytes += (size_t)kc_frame_wire_len(&e->frame) - before; /* a fault's edits */
    switch (d.verdict) {
    case KC_HOLD:
        e->state = KC_IF_RESP_HELD;
        e->until = d.until ? d.until : 1;
        return 0;
    case KC_DROP:
        s->held_resp_bytes -= kc_frame_wire_len(&e->frame);
        kc_frame_release(env->pool, &e->frame);
        e->state = KC_IF_LOST;
        return 0;
    case KC_CLOSE:
        kc_session_close(s, KC_LOG_INFO, d.reset, "closed by a fault: %s", d.why ? d.why : "");
        return -KC_ECLOSED;
    default:
        e->state = KC_IF_READY;
        return 0;
    }
}

int kc_pipeline_response(kc_session_t *s, kc_frame_t *f)
{
    if (s->opaque)
        return kc_session_send(s, KC_TO_CLIENT, f);

    int rc = 0;
    kc_inflight_t *e = match(s, f, &rc);
    if (!e)
        return rc;
    s->at_broker--;
    if ((rc = rewrite(s, e, f)))
        return rc;
    sasl_v0(s, e, f);
    sasl_authenticated(s, e, f);

    /* The response now belongs to its entry, waiting for its turn. */
    e->t_resp = s->now;
    if (e->api_key == KC_API_METADATA && s->env->topics)
        learn_topics(s, e, f);
    e->frame = *f;
    s->held_resp_bytes += kc_frame_wire_len(f);
    if (kc_recorder_on(s->env->recorder))
        record(s, e, f);

    /* Stage: merge what was answered here for part of a request (a split Produce). */
    if (e->state == KC_IF_MERGE) {
        size_t before = kc_frame_wire_len(&e->frame);
        rc = e->merge.fn(e->merge.data, s->env->pool, e, &e->frame);
        s->held_resp_bytes += kc_frame_wire_len(&e->frame) - before;
        if (rc) {
            kc_session_close(s, KC_LOG_ERROR, false, "cannot merge local results into %s v%d: %s",
                             kc_api_name(e->api_key), e->api_version, kc_strerror(rc));
            return -KC_ECLOSED;
        }
    }

    /* Stage: decide. Then the session delivers, in request order (kc_session_pump). */
    return decide_response(s, e);
}

/* ---- delivery ---- */

void kc_pipeline_delivered(kc_session_t *s, kc_inflight_t *e)
{
    if (e->api_key != KC_API_PRODUCE)
        return;
    if (e->expect_response && s->produce_pending)
        s->produce_pending--;
    if (!e->summary || !s->env->metrics || !kc_inflight_has_response(e))
        return;
    const kc_frame_t *f = &e->frame;
    uint32_t len = kc_frame_wire_len(f) - 4;
    kc_buf_t *flat;
    const uint8_t *msg = kc_frame_read(s->env->pool, f, &flat); /* what the client is told */
    if (!msg)
        return;
    /* A Produce answered here was answered by a fault (the only stage that answers one); a
     * forwarded one carries the fault's own account in its merge hook, if any. */
    kc_injected_t inj = {e->merge.injected, e->merge.data};
    const kc_injected_t *ip = e->state == KC_IF_ANSWERED ? &kc_metrics_all_injected
                              : inj.fn                   ? &inj
                                                         : NULL;
    kc_metrics_produce_response(s->env->metrics, e->summary, e->api_version, msg, len, e->t_recv,
                                e->t_sent, e->t_resp, s->now, ip);
    kc_buf_unref(s->env->pool, flat);
}
