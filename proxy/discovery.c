/* Start-up discovery: see discovery.h. One MetadataRequest v1 with no topics, sent to each
 * --upstream in turn until one answers; its brokers go through the same rewriter clients'
 * responses do, which records them and opens their listeners. Retries with backoff until the
 * cluster answers: a cluster that is down at start-up is found when it comes up. */
#include "discovery.h"

#include <stdio.h>

#include "kafka/api.h"
#include "kafka/header.h"
#include "kafka/metadata.h"
#include "net/tls.h"
#include "net/tls_ctx.h"
#include "proxy.h"
#include "route/rewrite.h"
#include "util/log.h"

#define ATTEMPT_TIMEOUT_MS 5000
#define MAX_BACKOFF_MS 10000
#define CORRELATION_ID 0x6b630001 /* "kc" */

static void attempt(kc_discovery_t *d);

static void on_retry(uv_timer_t *t) { attempt(t->data); }

/* The next attempt, after a backoff, unless discovery is done or stopping. */
static void retry_later(kc_discovery_t *d)
{
    if (d->done || d->stopping)
        return;
    uint64_t backoff = d->attempt < 6 ? 200u << d->attempt : MAX_BACKOFF_MS;
    uv_timer_start(&d->timer, on_retry, backoff < MAX_BACKOFF_MS ? backoff : MAX_BACKOFF_MS, 0);
}

static void on_tcp_closed(uv_handle_t *h)
{
    kc_transport_t *t = h->data;
    retry_later(t->owner);
}

static void finish_attempt(kc_discovery_t *d, const char *failure)
{
    if (failure && (d->attempt <= 1 || d->attempt % 10 == 0))
        kc_log(KC_LOG_WARN, "discovery: %s; retrying", failure);
    uv_timer_stop(&d->timer);
    kc_dial_cancel(&d->dial);
    kc_buf_unref(&d->px->pool, d->req);
    d->req = NULL;
    kc_framer_free(&d->framer);
    if (d->tcp_open) {
        d->tcp_open = false;
        d->tr.ops->close(&d->tr, false, on_tcp_closed);
    } else {
        retry_later(d);
    }
}

static int on_frame(void *ctx, kc_frame_t *f)
{
    kc_discovery_t *d = ctx;
    kc_proxy_t *px = d->px;
    kc_splice_t sp = {0};
    kc_rewrite_info_t info;
    int rc = kc_frame_msg_len(f) < 4 || kc_be32(kc_frame_msg(f)) != CORRELATION_ID
                 ? -KC_EPROTO
                 : kc_rewrite_response(&px->route, &px->pool, KC_API_METADATA, 1, kc_frame_msg(f),
                                       kc_frame_msg_len(f), &sp, &info);
    kc_splice_release(&px->pool, &sp); /* only the learning mattered */
    kc_frame_release(&px->pool, f);
    if (rc) {
        finish_attempt(d, rc == -KC_ENOPORT ? "a broker's node id has no port: check "
                                              "--broker-ports and --node-id-base"
                                            : "malformed metadata response");
        return 1;
    }
    d->done = true;
    char list[1024];
    size_t n = 0;
    list[0] = 0;
    for (int i = 0; i < px->route.nbrokers && n < sizeof(list) - 80; i++) {
        const kc_broker_t *b = &px->route.brokers[i];
        n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%d=%s:%d->:%u", i ? " " : "",
                              b->node_id, b->host, b->port, b->listen_port);
    }
    kc_log(KC_LOG_INFO, "discovery: %d broker(s): %s", px->route.nbrokers, list);
    finish_attempt(d, NULL);
    return 1; /* stop reading */
}

static void on_alloc(kc_transport_t *t, uv_buf_t *buf)
{
    kc_discovery_t *d = t->owner;
    kc_framer_alloc(&d->framer, buf);
}

static void on_read(kc_transport_t *t, ssize_t n)
{
    kc_discovery_t *d = t->owner;
    if (n == 0 || d->done || !d->tcp_open)
        return;
    if (n == -KC_ETLS) {
        char why[300];
        snprintf(why, sizeof(why), "%s: TLS %s", d->dial.name, t->ops->why(t));
        finish_attempt(d, why);
        return;
    }
    if (n < 0) {
        finish_attempt(d, "connection closed before the metadata response");
        return;
    }
    int32_t bad;
    int rc = kc_framer_feed(&d->framer, (size_t)n, on_frame, d, &bad);
    if (rc < 0)
        finish_attempt(d, "bad metadata response frame");
}

static void on_written(kc_transport_t *t, int status)
{
    kc_discovery_t *d = t->owner;
    d->writing = false;
    if (status < 0 && !d->done && status != UV_ECANCELED && d->tcp_open)
        finish_attempt(d, "cannot send the metadata request");
}

static const kc_transport_cbs_t transport_cbs = {on_alloc, on_read, on_written, NULL};

static void on_timeout(uv_timer_t *t)
{
    finish_attempt(t->data, "the cluster did not answer in time");
}

static void on_dialed(kc_dial_t *dial, int status)
{
    kc_discovery_t *d = dial->data;
    if (status < 0) {
        char why[160];
        snprintf(why, sizeof(why), "cannot connect to %s: %s", dial->name, uv_strerror(status));
        finish_attempt(d, why);
        return;
    }
    /* The same transport the pairs use: TLS to the brokers speaks TLS here too. */
    kc_tls_ctx_t *x = d->px->tls;
    int rc = 0;
    if (kc_tls_ctx_on(x, false))
        rc = kc_transport_tls(&d->tr, &transport_cbs, d, kc_tls_ctx_new_ssl(x, false), false,
                              d->host, &d->px->tls_stats);
    if (!kc_tls_ctx_on(x, false) || rc)
        kc_transport_tcp(&d->tr, &transport_cbs, d);
    d->tcp_open = true;
    if (rc) {
        finish_attempt(d, "out of memory");
        return;
    }
    uv_timer_start(&d->timer, on_timeout, ATTEMPT_TIMEOUT_MS, 0);
    d->out = uv_buf_init((char *)d->req->data, d->out.len);
    d->tr.ops->handshake(&d->tr);
    kc_transport_reading(&d->tr, true);
    rc = kc_transport_write(&d->tr, &d->out, 1, d->out.len);
    d->writing = rc == KC_TRANSPORT_PENDING;
    if (rc < 0)
        finish_attempt(d, "cannot send the metadata request");
}

/* One try: the next --upstream in turn. The dialer bounds each address's connect, the
 * attempt's timer the exchange after it. */
static void attempt(kc_discovery_t *d)
{
    kc_proxy_t *px = d->px;
    const kc_config_t *cfg = px->cfg;
    const kc_hostport_t *u = &cfg->upstreams[d->attempt++ % (uint32_t)cfg->nupstreams];
    d->host = u->host;
    kc_wr_t w;
    kc_wr_init(&w, &px->pool, 64, false);
    kc_metadata_request_brokers(&w, CORRELATION_ID, "kchaos");
    size_t len;
    d->req = kc_wr_take(&w, &len);
    d->out.len = len;
    kc_framer_init(&d->framer, &px->pool, cfg->max_frame);
    if (!d->req) {
        finish_attempt(d, "out of memory");
        return;
    }
    kc_dial_start(&d->dial, u->host, u->port);
}

void kc_discovery_start(kc_discovery_t *d, kc_proxy_t *px)
{
    *d = (kc_discovery_t){.px = px};
    uv_timer_init(px->loop, &d->timer);
    d->timer.data = d;
    kc_dial_init(&d->dial, px->loop, &d->tr.tcp, px->cfg->upstream_bind, ATTEMPT_TIMEOUT_MS,
                 on_dialed, d);
    d->dial.who = "discovery";
    attempt(d);
}

void kc_discovery_stop(kc_discovery_t *d)
{
    d->stopping = true;
    if (!uv_is_closing((uv_handle_t *)&d->timer))
        uv_close((uv_handle_t *)&d->timer, NULL);
    kc_dial_close(&d->dial, NULL);
    if (d->tcp_open) {
        d->tcp_open = false;
        d->tr.ops->close(&d->tr, false, on_tcp_closed);
    }
    kc_buf_unref(&d->px->pool, d->req);
    d->req = NULL;
    kc_framer_free(&d->framer);
}
