/* The pipeline: see pipeline.h. Read it top to bottom: each stage is a direct call. */
#include "pipeline.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kafka/api.h"
#include "kafka/api_versions.h"
#include "kafka/header.h"
#include "kafka/produce.h"
#include "kafka/sasl.h"
#include "proxy.h"
#include "route/rewrite.h"

/* Close the pair over a protocol error; the frame is dropped. */
static int reject(kc_conn_t *c, kc_frame_t *f, const char *what, const kc_req_header_t *h)
{
    kc_frame_release(&c->px->pool, f);
    if (h)
        kc_conn_close(c, KC_LOG_WARN, "%s (%s v%d, correlation id %d)", what,
                      kc_api_name(h->api_key), h->api_version, h->correlation_id);
    else
        kc_conn_close(c, KC_LOG_WARN, "%s", what);
    return -KC_EPROTO;
}

static void note_client_id(kc_conn_t *c, kc_str_t id)
{
    if (id.len < 0)
        id = (kc_str_t){"", 0};
    if (c->client_id && (int32_t)strlen(c->client_id) == id.len &&
        memcmp(c->client_id, id.p, (size_t)id.len) == 0)
        return;
    c->client_id = kc_intern(&c->px->client_ids, id.p, (size_t)id.len);
}

/* A local answer: the frame is built here and never reaches the broker. */
static int answer_here(kc_conn_t *c, const kc_req_header_t *h, kc_wr_t *w)
{
    kc_inflight_t *e = kc_inflight_push(&c->inflight);
    size_t len;
    kc_buf_t *b = kc_wr_take(w, &len);
    if (!e || !b) {
        kc_buf_unref(&c->px->pool, b);
        kc_conn_close(c, KC_LOG_ERROR, "out of memory answering a request");
        return -KC_EPROTO;
    }
    *e = (kc_inflight_t){.correlation_id = h->correlation_id, .api_key = h->api_key,
                         .api_version = h->api_version, .t_recv = c->now,
                         .client_id = c->client_id};
    kc_frame_t f = {.buf = b, .data = b->data, .len = (uint32_t)len};
    kc_conn_respond(c, e, &f);
    return 0;
}

/* Stage: request bodies kchaos reads. Sets *expect_response to false for acks=0 Produce. */
static int decode_request(kc_conn_t *c, const kc_req_header_t *h, const uint8_t *msg, uint32_t len,
                          bool *expect_response)
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
        if (h->api_version >= 3 && kc_api_versions_request_parse(&r, h->api_version, &name, &version) == 0)
            snprintf(c->software, sizeof(c->software), "%.*s/%.*s", name.len < 0 ? 0 : name.len,
                     name.p ? name.p : "", version.len < 0 ? 0 : version.len,
                     version.p ? version.p : "");
        return 0;
    }
    case KC_API_SASL_HANDSHAKE:
        c->sasl_v0 = h->api_version == 0;
        return 0;
    default:
        return 0;
    }
}

int kc_pipeline_request(kc_conn_t *c, kc_frame_t *f)
{
    if (c->opaque)
        return kc_conn_to_upstream(c, f);

    /* Stage: header. */
    kc_req_header_t h;
    uint8_t *msg = kc_frame_msg(f);
    uint32_t len = kc_frame_msg_len(f);
    if (kc_req_header_parse(msg, len, &h) != 0)
        return reject(c, f, "malformed request header", NULL);
    note_client_id(c, h.client_id);
    kc_api_counts_add(&c->apis, h.api_key, h.api_version, 1);

    /* Stage: versions. kchaos must read the responses of the APIs it decodes; ApiVersions
     * already told the client how far it may go. */
    const kc_api_t *api = kc_api_get(h.api_key);
    if (api && api->decode_max >= 0 && h.api_version > api->decode_max) {
        if (h.api_key == KC_API_API_VERSIONS) {
            /* KIP-511: answer as a broker does, so the client retries with a version we read. */
            kc_frame_release(&c->px->pool, f);
            kc_wr_t w;
            kc_wr_init(&w, &c->px->pool, 64, false);
            kc_api_versions_unsupported(&w, h.correlation_id);
            return answer_here(c, &h, &w);
        }
        return reject(c, f, "request newer than kchaos decodes (the client ignored ApiVersions)", &h);
    }

    /* Stage: request decode. */
    bool expect_response = true;
    if (api && decode_request(c, &h, msg, len, &expect_response) != 0)
        return reject(c, f, "malformed request body", &h);

    /* Stage: in-flight entry, so the response can be matched and attributed. acks=0 Produce
     * gets none (no broker answers it), but its id is kept in case one does: see stray(). */
    if (!expect_response) {
        c->acks0[c->acks0_next] = h.correlation_id;
        c->acks0_set |= (uint8_t)(1u << c->acks0_next);
        c->acks0_next = (c->acks0_next + 1) % 8;
    }
    if (expect_response) {
        kc_inflight_t *e = kc_inflight_push(&c->inflight);
        if (!e)
            return reject(c, f, "out of memory tracking a request", &h);
        *e = (kc_inflight_t){.correlation_id = h.correlation_id, .api_key = h.api_key,
                             .api_version = h.api_version, .flags = KC_IF_FORWARDED,
                             .t_recv = c->now, .client_id = c->client_id};
    }

    /* Stage: forward. */
    return kc_conn_to_upstream(c, f);
}

/* Log what the ApiVersions clamp did: removals once per api key for the process. */
static void log_api_versions(kc_conn_t *c, const kc_api_versions_edit_t *ed)
{
    kc_log_ctx_t ctx = kc_conn_log_ctx(c);
    for (int i = 0; i < ed->nremoved && i < (int)(sizeof(ed->removed) / sizeof(ed->removed[0])); i++) {
        bool *seen = &c->px->removed_logged[ed->removed[i] & 127];
        if (!*seen)
            kc_log_c(KC_LOG_WARN, &ctx,
                     "broker offers api key %d, unknown to kchaos or only in versions it cannot "
                     "read: removed from ApiVersions",
                     ed->removed[i]);
        *seen = true;
    }
    if (ed->nclamped)
        kc_log_c(KC_LOG_DEBUG, &ctx, "ApiVersions: %d max versions lowered to what kchaos decodes",
                 ed->nclamped);
}

/* Count the addresses handed out, and name them at debug level: the tests read these lines to
 * see what kchaos forwarded (the KIP-951 hints after a leader moves, for one). */
static void note_rewrites(kc_conn_t *c, const kc_inflight_t *e, const kc_rewrite_info_t *info)
{
    kc_api_counts_add(&c->rewrites, e->api_key, e->api_version, (uint32_t)info->naddrs);
    if (!kc_log_enabled(KC_LOG_DEBUG))
        return;
    char list[256] = "";
    size_t n = 0;
    for (int i = 0; i < info->naddrs && i < KC_REWRITE_ADDRS && n < sizeof(list) - 24; i++)
        n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%d->%s:%u", i ? " " : "",
                              info->addrs[i].node_id, c->px->route.advertise_host,
                              info->addrs[i].port);
    kc_log_ctx_t ctx = kc_conn_log_ctx(c);
    kc_log_c(KC_LOG_DEBUG, &ctx, "%s v%d response: %d broker address(es) rewritten: %s%s",
             kc_api_name(e->api_key), e->api_version, info->naddrs, list,
             info->naddrs > KC_REWRITE_ADDRS ? " ..." : "");
}

/* A response to an acks=0 Produce request. Kafka never sends one, but other brokers do
 * (librdkafka's mock cluster does): a client talking to such a broker directly gets it, and
 * most ignore it, so kchaos passes it on the same way. Responses before it are answered and
 * delivered already (the broker answers in order and kchaos delivers ready heads at once), so
 * it goes straight to the client queue and stays in order. */
static bool stray(kc_conn_t *c, int32_t corr)
{
    for (int i = 0; i < 8; i++) {
        if ((c->acks0_set & (1u << i)) && c->acks0[i] == corr) {
            c->acks0_set &= (uint8_t)~(1u << i); /* answered once */
            return true;
        }
    }
    return false;
}

int kc_pipeline_response(kc_conn_t *c, kc_frame_t *f)
{
    if (c->opaque)
        return kc_conn_to_client(c, f);

    /* Stage: match. Brokers answer a connection's requests in order. */
    uint8_t *msg = kc_frame_msg(f);
    uint32_t len = kc_frame_msg_len(f);
    kc_inflight_t *e = kc_inflight_expect(&c->inflight);
    if (len < 4)
        return reject(c, f, "response shorter than its header", NULL);
    int32_t corr = (int32_t)kc_be32(msg);
    if ((!e || corr != e->correlation_id) && stray(c, corr)) {
        kc_log_ctx_t ctx = kc_conn_log_ctx(c);
        kc_log_c(KC_LOG_DEBUG, &ctx, "the broker answered acks=0 Produce (correlation id %d): "
                 "passed on as it is", corr);
        return kc_conn_to_client(c, f);
    }
    if (!e) {
        char why[96];
        snprintf(why, sizeof(why), "response (correlation id %d) to no request", corr);
        return reject(c, f, why, NULL);
    }
    if (corr != e->correlation_id) {
        char why[128];
        snprintf(why, sizeof(why), "response correlation id %d does not match the request's %d",
                 corr, e->correlation_id);
        return reject(c, f, why, NULL);
    }

    /* Stage: rewrite. Broker addresses become kchaos's; ApiVersions is clamped. */
    kc_rewrite_info_t info;
    int rc = kc_rewrite_response(&c->px->route, &c->px->pool, e->api_key, e->api_version, msg,
                                 len, &f->splice, &info);
    if (rc) {
        char why[160];
        snprintf(why, sizeof(why), "cannot rewrite %s v%d response: %s", kc_api_name(e->api_key),
                 e->api_version,
                 rc == -ERANGE   ? "a node id has no port (see --broker-ports/--node-id-base)"
                 : rc == -ENOMEM ? "out of memory"
                 : rc == -KC_EPROTO ? "malformed"
                                    : uv_strerror(rc));
        return reject(c, f, why, NULL);
    }
    if (e->api_key == KC_API_API_VERSIONS)
        log_api_versions(c, &info.api_versions);
    if (info.naddrs)
        note_rewrites(c, e, &info);

    /* SASL v0 (pre-KIP-152): after a successful handshake the tokens carry no Kafka header. */
    int32_t ignored;
    uint32_t body;
    if (e->api_key == KC_API_SASL_HANDSHAKE && c->sasl_v0 &&
        kc_resp_header_parse(msg, len, e->api_key, e->api_version, &ignored, &body) == 0) {
        kc_rd_t r;
        kc_rd_init(&r, msg + body, len - body, false);
        if (kc_sasl_handshake_response_error(&r) == 0) {
            c->opaque = true;
            kc_log_ctx_t ctx = kc_conn_log_ctx(c);
            kc_log_c(KC_LOG_INFO, &ctx, "SaslHandshake v0: connection passes opaque from now on");
        }
    }

    /* Stage: deliver, in request order. */
    kc_conn_respond(c, e, f);
    return 0;
}
