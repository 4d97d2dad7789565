/* A connection pair: see conn.h. */
#include "conn.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../fault/engine.h"
#include "../proxy.h"
#include "../record/recorder.h"
#include "addr.h"
#include "limits.h"
#include "overload.h"
#include "outq.h"
#include "tls.h"
#include "tls_ctx.h"

#define container_of(p, T, m) ((T *)((char *)(p) - offsetof(T, m)))

static void upstream_connect(kc_conn_t *c);
static void settle(kc_conn_t *c);
static void maybe_finish(kc_conn_t *c);

static kc_side_t *side_of(kc_transport_t *t) { return container_of(t, kc_side_t, tr); }
static const char *who(const kc_conn_t *c, const kc_side_t *s)
{
    return s == &c->client ? "client" : "broker";
}

/* ---- closing ---- */

/* "tls":{...} for the summary, when the client spoke TLS. */
static size_t tls_summary(const kc_conn_t *c, char *out, size_t cap)
{
    if (!c->tls.version[0])
        return 0;
    char subject[600];
    kc_log_json_escape(subject, sizeof(subject), c->tls.subject, -1);
    int k = snprintf(out, cap, "\"tls\":{\"version\":\"%s\",\"cipher\":\"%s\",\"client_subject\":%s%s%s},",
                     c->tls.version, c->tls.cipher, c->tls.subject[0] ? "\"" : "",
                     c->tls.subject[0] ? subject : "null", c->tls.subject[0] ? "\"" : "");
    return k < 0 ? 0 : (size_t)k < cap ? (size_t)k : cap - 1;
}

static void log_summary(kc_conn_t *c)
{
    char fields[3072], reason[400];
    size_t n = 0;
    uint64_t ms = (uv_hrtime() - c->t_start) / 1000000;
    kc_log_json_escape(reason, sizeof(reason), c->reason, -1);
    int k = snprintf(fields, sizeof(fields),
                     "\"reason\":\"%s\",\"duration_ms\":%llu,\"bytes_from_client\":%llu,"
                     "\"bytes_to_client\":%llu,\"bytes_to_upstream\":%llu,"
                     "\"bytes_from_upstream\":%llu,\"loop\":%u,",
                     reason, (unsigned long long)ms, (unsigned long long)c->client.bytes_in,
                     (unsigned long long)c->client.bytes_out,
                     (unsigned long long)c->upstream.bytes_out,
                     (unsigned long long)c->upstream.bytes_in, c->px->index);
    n = k < 0 ? 0 : (size_t)k < sizeof(fields) ? (size_t)k : sizeof(fields) - 1;
    n += tls_summary(c, fields + n, sizeof(fields) - n);
    kc_session_summary(&c->session, fields + n, sizeof(fields) - n);
    kc_log_ctx_t ctx = kc_session_log_ctx(&c->session);
    kc_log_event(c->close_level, &ctx, "conn_close", fields);
}

static void maybe_free(kc_conn_t *c)
{
    if (c->state != KC_CONN_CLOSING || c->pending > 0)
        return;
    log_summary(c);
    kc_proxy_t *px = c->px;
    px->nconns--;
    if (c->prev)
        c->prev->next = c->next;
    else
        px->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    kc_outq_free(&c->client.out, &px->pool);
    kc_outq_free(&c->upstream.out, &px->pool);
    kc_session_free(&c->session);
    free(c);
}

static void on_tcp_closed(uv_handle_t *h)
{
    kc_transport_t *t = h->data;
    kc_conn_t *c = t->owner;
    c->pending--;
    maybe_free(c);
}

static void on_timer_closed(uv_handle_t *h)
{
    kc_conn_t *c = h->data;
    c->pending--;
    maybe_free(c);
}

static void on_dial_closed(kc_dial_t *d)
{
    kc_conn_t *c = d->data;
    c->pending--;
    maybe_free(c);
}

static void close_side(kc_conn_t *c, kc_side_t *s, bool reset)
{
    if (!s->open)
        return;
    s->open = false;
    c->pending++;
    s->tr.ops->close(&s->tr, reset, on_tcp_closed);
}

void kc_conn_close(kc_conn_t *c, kc_log_level_t level, bool reset, const char *fmt, ...)
{
    if (c->state == KC_CONN_CLOSING)
        return;
    char reason[sizeof(c->reason)]; /* fmt's arguments may point at c->reason */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    memcpy(c->reason, reason, sizeof(reason));
    c->close_level = level;
    c->state = KC_CONN_CLOSING;
    c->session.closed = true; /* nothing more goes through it */
    c->px->buffered -= c->accounted; /* what it holds is as good as gone */
    c->accounted = 0;
    if (c->admitted) /* before its summary is logged: whoever reads it may connect again */
        kc_limits_release(c->px->limits, c->client_ip);
    c->admitted = false;
    kc_overload_memory(c->px);
    close_side(c, &c->client, reset);
    close_side(c, &c->upstream, false);
    c->pending += 2;
    uv_close((uv_handle_t *)&c->timer, on_timer_closed);
    kc_dial_close(&c->dial, on_dial_closed);
    maybe_free(c);
}

/* Half-closed or draining pairs close once nothing is left to send. A client that hung up
 * is passed on as its FIN, and the pair closes when the broker closes too (side_gone) or the
 * linger runs out (kc_conn_sweep): closing the socket while the broker's answers arrive would
 * reset it, and a broker that sees the reset drops the requests it has not read yet, an
 * acks=0 producer's last records among them. */
static void maybe_finish(kc_conn_t *c)
{
    if (c->state != KC_CONN_OPEN || !kc_outq_idle(&c->client.out) || !kc_outq_idle(&c->upstream.out))
        return;
    if (c->half_closed && c->client_gone && c->upstream.open) {
        if (!c->up_shut && kc_session_held(&c->session, KC_TO_UPSTREAM) == 0) {
            c->up_shut = true;
            c->upstream.tr.ops->shutdown(&c->upstream.tr);
        }
    } else if (c->half_closed)
        kc_conn_close(c, KC_LOG_INFO, false, "%s", c->reason);
    else if (c->draining && kc_session_pending(&c->session) == 0)
        kc_conn_close(c, KC_LOG_INFO, false, "kchaos shutting down");
}

/* ---- writing ---- */

/* Drop the n frames at the head of q: written (counted) or abandoned. */
static void release_head(kc_conn_t *c, kc_side_t *s, uint32_t n, bool written)
{
    kc_outq_t *q = &s->out;
    for (uint32_t i = 0; i < n; i++) {
        kc_frame_t *f = &q->ring[q->head++ & q->mask];
        size_t len = kc_frame_wire_len(f);
        q->bytes -= len;
        if (written)
            s->bytes_out += len;
        kc_frame_release(&c->px->pool, f);
    }
}

/* Drop what is queued for a side and not being written. */
static void release_unwritten(kc_conn_t *c, kc_side_t *s)
{
    kc_outq_t *q = &s->out;
    while (q->tail - q->head > q->writing) {
        kc_frame_t *f = &q->ring[--q->tail & q->mask];
        q->bytes -= kc_frame_wire_len(f);
        kc_frame_release(&c->px->pool, f);
    }
}

/* Write what is queued, unless a write is in progress: what the transport takes at once is
 * released at once, the rest waits for its callback. */
static void side_flush(kc_conn_t *c, kc_side_t *s)
{
    kc_outq_t *q = &s->out;
    while (s->open && !q->writing && !kc_outq_idle(q)) {
        unsigned niov;
        size_t bytes;
        uint32_t n = kc_outq_gather(q, &niov, &bytes);
        int rc = n ? kc_transport_write(&s->tr, q->iov, niov, bytes) : -KC_ENOMEM;
        if (rc == 0) {
            release_head(c, s, n, true);
            continue;
        }
        if (rc == KC_TRANSPORT_PENDING) {
            q->writing = n;
            return;
        }
        kc_conn_close(c, KC_LOG_INFO, false, "write to %s failed: %s", who(c, s), kc_strerror(rc));
        return;
    }
}

static void on_written(kc_transport_t *t, int status)
{
    kc_side_t *s = side_of(t);
    kc_conn_t *c = t->owner;
    kc_outq_t *q = &s->out;
    release_head(c, s, q->writing, status == 0);
    q->writing = 0;
    if (c->state == KC_CONN_CLOSING)
        return;
    if (status < 0 && s == &c->client && c->client_gone) {
        release_unwritten(c, s); /* it hung up: the broker's side goes on (side_gone) */
    } else if (status < 0) {
        kc_conn_close(c, KC_LOG_INFO, false, "write to %s failed: %s", who(c, s),
                      uv_strerror(status));
        return;
    }
    settle(c);
}

/* ---- back-pressure ---- */

/* Log back-pressure turning on and off (debug): which side stopped being read, and why. */
static void note_pause(kc_conn_t *c, kc_side_t *s, bool was_reading, size_t queued)
{
    bool reading = s->tr.reading;
    if (reading == was_reading || c->half_closed || c->draining || (reading && !s->paused))
        return;
    s->paused = !reading;
    if (s->paused)
        kc_log_c(KC_LOG_DEBUG, &c->session.log,
                 "back-pressure: %zu bytes queued for the %s; reading from the %s paused", queued,
                 s == &c->client ? "broker" : "client", who(c, s));
    else
        kc_log_c(KC_LOG_DEBUG, &c->session.log, "back-pressure: reading from the %s resumed",
                 who(c, s));
}

/* Hysteresis: stop above the high watermark, resume at or below the low one. */
static bool below_watermark(const kc_config_t *cfg, bool reading, size_t queued)
{
    return reading ? queued < cfg->high_watermark : queued <= cfg->low_watermark;
}

/* A side is read only while what its frames turn into (queued for the other side, or held in
 * the session on the way there) is below the watermark, so a slow reader on one side stops
 * reading from the other; the client also only while its requests in flight are fewer than
 * --max-inflight; and neither while it must wait for memory (above). */
void kc_conn_flow(kc_conn_t *c)
{
    if (c->state != KC_CONN_OPEN)
        return;
    const kc_config_t *cfg = c->px->cfg;
    bool mem_client = kc_overload_wait(c, true);
    bool mem_upstream = kc_overload_wait(c, false);
    size_t to_up = c->upstream.out.bytes + kc_session_held(&c->session, KC_TO_UPSTREAM);
    size_t to_client = c->client.out.bytes + kc_session_held(&c->session, KC_TO_CLIENT);
    bool client = !c->half_closed && !c->draining && !mem_client &&
                  kc_session_pending(&c->session) < cfg->max_inflight &&
                  below_watermark(cfg, c->client.tr.reading, to_up);
    bool upstream = (!c->half_closed || c->client_gone) && !mem_upstream &&
                    below_watermark(cfg, c->upstream.tr.reading, to_client);
    bool was_client = c->client.tr.reading, was_upstream = c->upstream.tr.reading;
    c->mem_paused = mem_client || mem_upstream;
    kc_transport_reading(&c->client.tr, client);
    kc_transport_reading(&c->upstream.tr, upstream);
    /* Time kchaos does not read a request is not the client's: the frame timeout skips it. */
    if (was_client && !client)
        c->pause_start = uv_hrtime();
    else if (!was_client && client && c->pause_start) {
        c->frame_paused += uv_hrtime() - c->pause_start;
        c->pause_start = 0;
    }
    note_pause(c, &c->client, was_client, to_up);
    note_pause(c, &c->upstream, was_upstream, to_client);
}

/* After anything happened on the pair: write what can go, count what is held, decide what
 * to read, close what is finished. */
static void settle(kc_conn_t *c)
{
    side_flush(c, &c->upstream);
    side_flush(c, &c->client);
    if (c->state != KC_CONN_OPEN)
        return;
    kc_overload_account(c);
    kc_conn_flow(c);
    maybe_finish(c);
}

/* ---- the session's calls ---- */

static int io_send(void *ctx, kc_dir_t to, kc_frame_t *f)
{
    kc_conn_t *c = ctx;
    if (to == KC_TO_CLIENT && c->client_gone) {
        kc_frame_release(&c->px->pool, f); /* nobody reads it (side_gone) */
        return 0;
    }
    int rc = kc_outq_push(to == KC_TO_CLIENT ? &c->client.out : &c->upstream.out, f);
    if (rc)
        kc_frame_release(&c->px->pool, f);
    return rc;
}

static void io_close(void *ctx, kc_log_level_t level, bool reset, const char *why)
{
    kc_conn_t *c = ctx;
    /* A clean close waits for what is queued for the client: the half frame a fault cuts
     * mid-response must reach it before the FIN. Nothing more goes to the broker. */
    if (!reset && c->state == KC_CONN_OPEN && !kc_outq_idle(&c->client.out)) {
        snprintf(c->reason, sizeof(c->reason), "%s", why);
        c->half_closed = true;
        release_unwritten(c, &c->upstream);
        settle(c); /* the reader stops at the closed session: the flush is ours */
        return;
    }
    kc_conn_close(c, level, reset, "%s", why);
}

static void on_wake(uv_timer_t *t)
{
    kc_conn_t *c = t->data;
    if (c->state != KC_CONN_OPEN)
        return;
    kc_session_tick(&c->session, uv_hrtime());
    settle(c);
}

static void io_wake(void *ctx, uint64_t at)
{
    kc_conn_t *c = ctx;
    if (!at) {
        uv_timer_stop(&c->timer);
        return;
    }
    uint64_t now = uv_hrtime();
    uint64_t ms = at > now ? (at - now + 999999) / 1000000 : 0; /* never early */
    uv_timer_start(&c->timer, on_wake, ms, 0);
}

static const kc_session_io_t session_io = {io_send, io_close, io_wake};

/* ---- reading ---- */

static void on_alloc(kc_transport_t *t, uv_buf_t *buf)
{
    kc_conn_t *c = t->owner;
    kc_session_alloc(&c->session, side_of(t) == &c->client, buf);
}

/* A side reached EOF or failed: close now, or once what is queued for the living side has
 * been written (a client that sends acks=0 requests and hangs up still gets them delivered). */
static void side_gone(kc_conn_t *c, kc_side_t *s, ssize_t n)
{
    if (s == &c->upstream && c->client_gone) { /* the close maybe_finish waits for */
        kc_conn_close(c, KC_LOG_INFO, false, "%s", c->reason);
        return;
    }
    /* A broker that resets or closes a connection its client still holds cuts the client off
     * (a stopping broker, controlled or not, sends FINs rather than resets): a recording notes
     * both as its reset, or a real broker's stop leaves no mark on the connections (issue 16). */
    if (s == &c->upstream)
        kc_record_conn(c->px->env.recorder, uv_hrtime(), c->node_id, KC_REC_CONN_RESET);
    if (n != UV_EOF) {
        /* A broker's reset reaches the client as one. */
        kc_conn_close(c, KC_LOG_INFO, s == &c->upstream, "%s connection failed: %s", who(c, s),
                      uv_strerror((int)n));
        return;
    }
    snprintf(c->reason, sizeof(c->reason), "%s closed the connection", who(c, s));
    c->half_closed = true;
    kc_transport_reading(&s->tr, false);
    if (s == &c->client) {
        /* A client that hung up reads nothing more: what was for it goes (a write to it
         * would fail and take the requests still on their way to the broker with it: an
         * acks=0 producer's last records), what it sent is still delivered. */
        c->client_gone = true;
        c->linger_until = uv_hrtime() + KC_CONN_LINGER_NS;
        release_unwritten(c, &c->client);
    }
    kc_conn_flow(c);
    maybe_finish(c);
}

/* When the client's current request began, for --frame-timeout-ms: a new one begins when
 * a read ends inside a frame after completing another (or after none was partial). */
static void note_frame(kc_conn_t *c, uint64_t now)
{
    uint32_t whole;
    bool partial = kc_session_partial(&c->session, true, &whole) > 0;
    if (!partial)
        c->frame_start = 0;
    else if (!c->frame_start || c->session.requests != c->frames_seen)
        c->frame_start = now;
    if (!partial || c->session.requests != c->frames_seen)
        c->frame_paused = 0;
    c->frames_seen = c->session.requests;
}

/* Both sides are read here: the session turns the bytes into frames and decisions. */
static void on_read(kc_transport_t *t, ssize_t n)
{
    kc_conn_t *c = t->owner;
    kc_side_t *s = side_of(t);
    /* Told even before the pair is open: a client's handshake runs while the broker is
     * dialed. A broker's failure reaches the client as a refused connection would (reset). */
    if (n == -KC_ETLS) {
        kc_conn_close(c, KC_LOG_WARN, s == &c->upstream, "%s TLS %s", who(c, s), t->ops->why(t));
        return;
    }
    if (c->state != KC_CONN_OPEN)
        return;
    if (n < 0) {
        side_gone(c, s, n);
        return;
    }
    uint64_t now = uv_hrtime();
    s->bytes_in += (uint64_t)n;
    c->last_active = now;
    if (kc_session_recv(&c->session, s == &c->client, (size_t)n, now) != 0)
        return; /* the session closed the pair and said why */
    if (s == &c->client)
        note_frame(c, now);
    settle(c);
}

/* A TLS handshake is done: what the summary and the session keep of it. */
static void on_ready(kc_transport_t *t)
{
    kc_conn_t *c = t->owner;
    const kc_tls_engine_t *e = kc_transport_tls_engine(t);
    if (!e)
        return;
    if (side_of(t) == &c->upstream) {
        kc_log_c(KC_LOG_DEBUG, &c->session.log, "broker TLS: %s %s", kc_tls_version(e),
                 kc_tls_cipher(e));
        return;
    }
    snprintf(c->tls.version, sizeof(c->tls.version), "%s", kc_tls_version(e));
    snprintf(c->tls.cipher, sizeof(c->tls.cipher), "%s", kc_tls_cipher(e));
    kc_tls_peer_subject(e, c->tls.subject, sizeof(c->tls.subject));
    c->session.client_subject = c->tls.subject[0] ? c->tls.subject : NULL;
    kc_log_c(KC_LOG_DEBUG, &c->session.log, "client TLS: %s %s%s%s", c->tls.version,
             c->tls.cipher, c->tls.subject[0] ? ", certificate " : "", c->tls.subject);
}

static const kc_transport_cbs_t transport_cbs = {on_alloc, on_read, on_written, on_ready};

/* A side's transport: TLS when the settings say so for it, else plain TCP. 0 or -KC_ENOMEM
 * (plain TCP then, so the side can still be closed). */
static int side_transport(kc_conn_t *c, kc_side_t *s, bool server, const char *host)
{
    kc_tls_ctx_t *x = c->px->tls;
    if (!kc_tls_ctx_on(x, server)) {
        kc_transport_tcp(&s->tr, &transport_cbs, c);
        return 0;
    }
    int rc = kc_transport_tls(&s->tr, &transport_cbs, c, kc_tls_ctx_new_ssl(x, server), server,
                              host, &c->px->tls_stats);
    if (rc)
        kc_transport_tcp(&s->tr, &transport_cbs, c);
    return rc;
}

/* ---- connecting ---- */

static void on_dialed(kc_dial_t *d, int status)
{
    kc_conn_t *c = d->data;
    if (c->state != KC_CONN_CONNECTING)
        return;
    if (status == 0) {
        int rc = side_transport(c, &c->upstream, false, c->up_host);
        c->upstream.open = true;
        if (rc) {
            kc_conn_close(c, KC_LOG_WARN, true, "out of memory for the broker's TLS");
            return;
        }
        uv_tcp_nodelay(&c->upstream.tr.tcp, 1);
        c->upstream.tr.ops->handshake(&c->upstream.tr);
        c->state = KC_CONN_OPEN;
        kc_log_c(KC_LOG_DEBUG, &c->session.log, "connected");
        kc_conn_flow(c);
        return;
    }
    /* A bootstrap connection tries the next --upstream before giving up. */
    if (c->node_id < 0 && c->upstream_tries < c->px->cfg->nupstreams) {
        kc_log_c(KC_LOG_WARN, &c->session.log, "cannot connect to %s: %s; trying the next --upstream",
                 c->upstream.addr, uv_strerror(status));
        upstream_connect(c);
        return;
    }
    kc_record_conn(c->px->env.recorder, uv_hrtime(), c->node_id, KC_REC_CONN_FAILED);
    /* The client meets what it would meet at the broker's door: a refused connection shows
     * as a reset, not as a clean close after accepting (franz-go, for one, treats EOF during
     * its ApiVersions exchange as a configuration error and gives up, but retries a reset). */
    if (status == UV_ETIMEDOUT)
        kc_conn_close(c, KC_LOG_WARN, true, "connect to broker %s timed out after %u ms",
                      c->upstream.addr, c->px->cfg->connect_timeout_ms);
    else
        kc_conn_close(c, KC_LOG_WARN, true, "cannot connect to broker %s: %s", c->upstream.addr,
                      uv_strerror(status));
}

/* The broker this pair stands for, or the next --upstream (bootstrap). */
static void upstream_connect(kc_conn_t *c)
{
    const kc_config_t *cfg = c->px->cfg;
    const char *host;
    unsigned port;
    if (c->node_id >= 0) {
        kc_broker_t *b = kc_route_find(&c->px->route, c->node_id);
        if (!b || !b->host) {
            kc_conn_close(c, KC_LOG_WARN, true, "no address known for broker %d", c->node_id);
            return;
        }
        host = b->host;
        port = (unsigned)b->port;
    } else {
        const kc_hostport_t *u = &cfg->upstreams[(c->boot_index + (uint32_t)c->upstream_tries) %
                                                 (uint32_t)cfg->nupstreams];
        host = u->host;
        port = u->port;
    }
    c->upstream_tries++;
    snprintf(c->up_host, sizeof(c->up_host), "%s", host);
    kc_addr_format(c->upstream.addr, sizeof(c->upstream.addr), host, port);
    kc_dial_start(&c->dial, host, (uint16_t)port);
}

/* ---- accepting ---- */

static void peer_name(uv_tcp_t *t, char *out, size_t len, char *ip, size_t iplen)
{
    struct sockaddr_storage ss;
    int n = sizeof(ss);
    if (uv_tcp_getpeername(t, (struct sockaddr *)&ss, &n) == 0) {
        kc_addr_name((struct sockaddr *)&ss, out, len);
        kc_addr_ip((struct sockaddr *)&ss, ip, iplen);
    } else {
        kc_addr_format(out, len, "?", 0);
        snprintf(ip, iplen, "?");
    }
}

static kc_conn_t *conn_new(kc_proxy_t *px)
{
    kc_conn_t *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    if (kc_outq_init(&c->client.out) || kc_outq_init(&c->upstream.out)) {
        kc_outq_free(&c->client.out, &px->pool);
        kc_outq_free(&c->upstream.out, &px->pool);
        free(c);
        return NULL;
    }
    return c;
}

void kc_conn_accept(kc_listener_t *l)
{
    kc_proxy_t *px = l->px;
    kc_conn_t *c = conn_new(px);
    if (!c) {
        kc_log(KC_LOG_ERROR, "[%s] out of memory accepting a connection: closed", l->name);
        kc_listener_reject(l); /* libuv stops listening until a connection is accepted */
        return;
    }
    c->px = px;
    px->nconns++;
    /* Ids interleave over the loops, so they stay unique in the process without sharing. */
    c->id = px->next_conn_id++ * px->cfg->threads + px->index + 1;
    c->node_id = l->node_id;
    snprintf(c->listener, sizeof(c->listener), "%s", l->name);
    c->t_start = c->last_active = uv_hrtime();
    c->close_level = KC_LOG_INFO;
    c->boot_index = px->next_upstream++;
    kc_log_ctx_t log = {.conn = c->id, .listener = c->listener, .client = c->client.addr,
                        .upstream = c->upstream.addr};
    int rc = kc_session_init(&c->session, &px->env, &session_io, c, log);
    c->session.node_id = l->node_id;
    uv_tcp_init(px->loop, &c->client.tr.tcp);
    int trc = side_transport(c, &c->client, true, NULL);
    c->client.open = true;
    uv_timer_init(px->loop, &c->timer);
    c->timer.data = c;
    kc_dial_init(&c->dial, px->loop, &c->upstream.tr.tcp, px->cfg->upstream_bind,
                 px->cfg->connect_timeout_ms, on_dialed, c);
    c->dial.log = &c->session.log;
    c->next = px->conns;
    if (px->conns)
        px->conns->prev = c;
    px->conns = c;
    int arc = uv_accept((uv_stream_t *)&l->tcp, (uv_stream_t *)&c->client.tr.tcp);
    if (rc || arc || trc) {
        kc_conn_close(c, KC_LOG_WARN, false, "accept failed: %s",
                      kc_strerror(rc ? rc : arc ? arc : trc));
        return;
    }
    uv_tcp_nodelay(&c->client.tr.tcp, 1);
    peer_name(&c->client.tr.tcp, c->client.addr, sizeof(c->client.addr), c->client_ip,
              sizeof(c->client_ip));
    kc_session_set_host(&c->session, c->client_ip);
    kc_log_c(KC_LOG_DEBUG, &c->session.log, "accepted");
    /* A broker that is down, as a scenario says: the client's connection is reset at once,
     * as a closed port would be. */
    const char *why = NULL;
    if (px->faults && kc_fault_refuse(px->faults, c->node_id, c->client_ip, c->t_start, &why)) {
        kc_conn_close(c, KC_LOG_INFO, true, "refused by a fault: %s", why);
        return;
    }
    uint32_t open = 0;
    int admit = kc_limits_admit(px->limits, c->client_ip, &open);
    if (admit == KC_ADMIT_TOTAL) {
        kc_overload_refused(px, 0, "[%s] connection from %s refused: %u open (--max-connections)", l->name,
                    c->client_ip, open);
        kc_conn_close(c, KC_LOG_DEBUG, false, "refused (--max-connections)");
        return;
    }
    if (admit == KC_ADMIT_HOST) {
        kc_overload_refused(px, 1, "[%s] connection from %s refused: %u open from that address "
                    "(--max-connections-per-host)", l->name, c->client_ip, open);
        kc_conn_close(c, KC_LOG_DEBUG, false, "refused (--max-connections-per-host)");
        return;
    }
    c->admitted = true;
    c->client.tr.ops->handshake(&c->client.tr);
    if (px->draining) {
        kc_conn_close(c, KC_LOG_INFO, false, "kchaos shutting down");
        return;
    }
    upstream_connect(c);
}

void kc_conn_drain(kc_conn_t *c)
{
    if (c->state == KC_CONN_CONNECTING) {
        kc_conn_close(c, KC_LOG_INFO, false, "kchaos shutting down");
        return;
    }
    c->draining = true;
    kc_conn_flow(c);
    maybe_finish(c);
}
