/* A connection pair: see conn.h. */
#include "conn.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../kafka/api.h"
#include "../kafka/wire.h"
#include "../pipeline.h"
#include "../proxy.h"
#include "addr.h"

#define container_of(p, T, m) ((T *)((char *)(p) - offsetof(T, m)))

static void on_closed(uv_handle_t *h);
static void upstream_connect(kc_conn_t *c);

/* ---- output queues ---- */

static int outq_init(kc_outq_t *q)
{
    *q = (kc_outq_t){.mask = 15};
    q->ring = calloc(16, sizeof(*q->ring));
    return q->ring ? 0 : UV_ENOMEM;
}

static void outq_free(kc_outq_t *q, kc_pool_t *pool)
{
    for (uint64_t i = q->head; i < q->tail; i++)
        kc_frame_release(pool, &q->ring[i & q->mask]);
    free(q->ring);
    q->ring = NULL;
}

static int outq_push(kc_outq_t *q, kc_frame_t *f)
{
    if (q->tail - q->head > q->mask) {
        uint32_t cap = (q->mask + 1) * 2;
        kc_frame_t *ring = calloc(cap, sizeof(*ring));
        if (!ring)
            return UV_ENOMEM;
        for (uint64_t i = q->head; i < q->tail; i++)
            ring[i & (cap - 1)] = q->ring[i & q->mask];
        free(q->ring);
        q->ring = ring;
        q->mask = cap - 1;
    }
    q->ring[q->tail++ & q->mask] = *f;
    q->bytes += kc_frame_wire_len(f);
    return 0;
}

static bool outq_idle(const kc_outq_t *q) { return q->head == q->tail; }

/* ---- closing ---- */

/* {"Produce":{"13":4},...} into out; returns the bytes written (the JSON stays whole when
 * out is too small: entries that don't fit are left out). */
static size_t counts_json(const kc_api_counts_t *t, char *out, size_t cap)
{
    size_t n = 0;
    if (cap < 3)
        return 0;
    out[n++] = '{';
    for (int i = 0; i < t->n; i++) {
        const kc_api_count_t *a = &t->v[i];
        bool first = i == 0 || t->v[i - 1].api_key != a->api_key;
        bool last = i + 1 == t->n || t->v[i + 1].api_key != a->api_key;
        char item[96];
        int k = snprintf(item, sizeof(item), "%s%s%s%s\"%d\":%u%s", first && i ? "," : "",
                         first ? "\"" : "", first ? kc_api_name(a->api_key) : "",
                         first ? "\":{" : ",", a->api_version, a->count, last ? "}" : "");
        if (k < 0 || n + (size_t)k + 3 > cap) /* room left for two braces and the NUL */
            break;
        memcpy(out + n, item, (size_t)k);
        n += (size_t)k;
    }
    if (n > 1 && out[n - 1] != '}')
        out[n++] = '}'; /* truncated inside a key: close it */
    out[n++] = '}';
    out[n] = 0;
    return n;
}

/* snprintf at out + *n, never past cap (snprintf returns what it would have written). */
static void append(char *out, size_t *n, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void append(char *out, size_t *n, size_t cap, const char *fmt, ...)
{
    if (*n >= cap - 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(out + *n, cap - *n, fmt, ap);
    va_end(ap);
    *n = k < 0 ? *n : *n + (size_t)k < cap ? *n + (size_t)k : cap - 1;
}

static void log_summary(kc_conn_t *c)
{
    char fields[2048], reason[400], software[200];
    size_t n = 0;
    uint64_t ms = (uv_hrtime() - c->t_start) / 1000000;
    kc_log_json_escape(reason, sizeof(reason), c->reason, -1);
    kc_log_json_escape(software, sizeof(software), c->software, -1);
    append(fields, &n, sizeof(fields),
           "\"reason\":\"%s\",\"duration_ms\":%llu,\"bytes_from_client\":%llu,"
           "\"bytes_to_client\":%llu,\"bytes_to_upstream\":%llu,\"bytes_from_upstream\":%llu,"
           "\"software\":\"%s\",\"loop\":%u,\"apis\":",
           reason, (unsigned long long)ms, (unsigned long long)c->client.bytes_in,
           (unsigned long long)c->client.bytes_out, (unsigned long long)c->upstream.bytes_out,
           (unsigned long long)c->upstream.bytes_in, software, c->px->index);
    n += counts_json(&c->apis, fields + n, sizeof(fields) - n);
    append(fields, &n, sizeof(fields), ",\"rewrites\":");
    n += counts_json(&c->rewrites, fields + n, sizeof(fields) - n);
    if (c->apis.dropped)
        append(fields, &n, sizeof(fields), ",\"requests_not_counted\":%u", c->apis.dropped);
    kc_log_ctx_t ctx = kc_conn_log_ctx(c);
    kc_log_event(c->close_level, &ctx, "conn_close", fields);
}

static void maybe_free(kc_conn_t *c)
{
    if (c->state != KC_CONN_CLOSING || c->pending > 0)
        return;
    log_summary(c);
    kc_proxy_t *px = c->px;
    if (c->prev)
        c->prev->next = c->next;
    else
        px->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    kc_framer_free(&c->client.framer);
    kc_framer_free(&c->upstream.framer);
    outq_free(&c->client.out, &px->pool);
    outq_free(&c->upstream.out, &px->pool);
    kc_inflight_free(&c->inflight, &px->pool);
    kc_addr_list_free(&c->addrs);
    free(c->apis.v);
    free(c->rewrites.v);
    free(c);
}

static void close_handle(kc_conn_t *c, uv_handle_t *h)
{
    c->pending++;
    uv_close(h, on_closed);
}

static void on_closed(uv_handle_t *h)
{
    kc_conn_t *c = h->data;
    c->pending--;
    maybe_free(c);
}

void kc_conn_close(kc_conn_t *c, kc_log_level_t level, const char *fmt, ...)
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
    if (c->client.open && c->reset_client) {
        c->pending++;
        if (uv_tcp_close_reset(&c->client.tcp, on_closed) != 0)
            c->pending--, close_handle(c, (uv_handle_t *)&c->client.tcp);
    } else if (c->client.open) {
        close_handle(c, (uv_handle_t *)&c->client.tcp);
    }
    if (c->upstream.open)
        close_handle(c, (uv_handle_t *)&c->upstream.tcp);
    close_handle(c, (uv_handle_t *)&c->timer);
    c->client.open = c->upstream.open = false;
    maybe_free(c);
}

/* Half-closed or draining pairs close once nothing is left to send. */
static void maybe_finish(kc_conn_t *c)
{
    if (c->state != KC_CONN_OPEN || !outq_idle(&c->client.out) || !outq_idle(&c->upstream.out))
        return;
    if (c->half_closed)
        kc_conn_close(c, KC_LOG_INFO, "%s", c->reason);
    else if (c->draining && kc_inflight_count(&c->inflight) == 0)
        kc_conn_close(c, KC_LOG_INFO, "kchaos shutting down");
}

/* ---- writing ---- */

static void on_write(uv_write_t *req, int status);

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

/* Gather up to KC_OUTQ_IOV pieces of the frames at the head of q into q->iov. A spliced frame
 * goes out as three pieces: original bytes before the region, the new bytes, original bytes
 * after; its size prefix is patched first. Returns the number of frames, and in *niov and
 * *bytes what they take. */
static uint32_t gather(kc_outq_t *q, unsigned *niov, size_t *bytes)
{
    uint32_t n = 0;
    *niov = 0;
    *bytes = 0;
    for (uint64_t i = q->head; i < q->tail; i++, n++) {
        kc_frame_t *f = &q->ring[i & q->mask];
        if (*niov + (f->splice.buf ? 3 : 1) > KC_OUTQ_IOV)
            break;
        *bytes += kc_frame_wire_len(f);
        if (!f->splice.buf) {
            q->iov[(*niov)++] = uv_buf_init((char *)f->data, f->len);
            continue;
        }
        kc_put_be32(f->data, kc_frame_wire_len(f) - 4);
        uint32_t before = 4 + f->splice.off, after = before + f->splice.len;
        q->iov[(*niov)++] = uv_buf_init((char *)f->data, before);
        q->iov[(*niov)++] = uv_buf_init((char *)f->splice.buf->data, f->splice.buf_len);
        q->iov[(*niov)++] = uv_buf_init((char *)f->data + after, f->len - after);
    }
    return n;
}

/* Write what is queued, unless a write is in progress. The socket is tried at once
 * (uv_try_write): when it takes everything, as it mostly does, the frames go back to the
 * pool right away, with no write request and no callback a loop iteration later. Whatever it
 * does not take goes through one uv_write, and frames that arrive meanwhile wait for it. */
static void side_flush(kc_conn_t *c, kc_side_t *s)
{
    kc_outq_t *q = &s->out;
    while (s->open && !q->writing && !outq_idle(q)) {
        unsigned niov;
        size_t bytes;
        uint32_t n = gather(q, &niov, &bytes);
        int w = uv_try_write((uv_stream_t *)&s->tcp, q->iov, niov);
        if (w == (int)bytes) {
            release_head(c, s, n, true);
            continue;
        }
        if (w < 0 && w != UV_EAGAIN) {
            kc_conn_close(c, KC_LOG_INFO, "write to %s failed: %s",
                          s == &c->client ? "client" : "broker", uv_strerror(w));
            return;
        }
        /* Skip what the socket took; the rest goes out as one write request. */
        size_t done = w > 0 ? (size_t)w : 0;
        unsigned first = 0;
        while (done >= q->iov[first].len)
            done -= q->iov[first++].len;
        q->iov[first].base += done;
        q->iov[first].len -= done;
        q->writing = n;
        int rc = uv_write(&q->req, (uv_stream_t *)&s->tcp, q->iov + first, niov - first, on_write);
        if (rc) {
            q->writing = 0;
            kc_conn_close(c, KC_LOG_INFO, "write to %s failed: %s",
                          s == &c->client ? "client" : "broker", uv_strerror(rc));
        }
        return;
    }
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf);
static void on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf);

static void set_reading(kc_side_t *s, bool on)
{
    if (on && !s->reading)
        s->reading = uv_read_start((uv_stream_t *)&s->tcp, on_alloc, on_read) == 0;
    else if (!on && s->reading) {
        uv_read_stop((uv_stream_t *)&s->tcp);
        s->reading = false;
    }
}

/* Log back-pressure turning on and off (debug): which side stopped being read, and why. */
static void note_pause(kc_conn_t *c, kc_side_t *s, bool was_reading, size_t queued)
{
    if (s->reading == was_reading || c->half_closed || c->draining || (s->reading && !s->paused))
        return;
    s->paused = !s->reading;
    kc_log_ctx_t ctx = kc_conn_log_ctx(c);
    const char *who = s == &c->client ? "client" : "broker";
    if (s->paused)
        kc_log_c(KC_LOG_DEBUG, &ctx, "back-pressure: %zu bytes queued for the %s; reading from the %s paused",
                 queued, s == &c->client ? "broker" : "client", who);
    else
        kc_log_c(KC_LOG_DEBUG, &ctx, "back-pressure: reading from the %s resumed", who);
}

/* Hysteresis: stop above the high watermark, resume at or below the low one. */
static bool below_watermark(const kc_config_t *cfg, bool reading, size_t queued)
{
    return reading ? queued < cfg->high_watermark : queued <= cfg->low_watermark;
}

/* Back-pressure: a side is read only while the queue its frames go into is below the
 * watermark, so a slow reader on one side stops reading from the other. */
static void flow(kc_conn_t *c)
{
    if (c->state != KC_CONN_OPEN)
        return;
    const kc_config_t *cfg = c->px->cfg;
    bool client = !c->half_closed && !c->draining &&
                  below_watermark(cfg, c->client.reading, c->upstream.out.bytes);
    bool upstream = !c->half_closed &&
                    below_watermark(cfg, c->upstream.reading, c->client.out.bytes + c->held_bytes);
    bool was_client = c->client.reading, was_upstream = c->upstream.reading;
    set_reading(&c->client, client);
    set_reading(&c->upstream, upstream);
    note_pause(c, &c->client, was_client, c->upstream.out.bytes);
    note_pause(c, &c->upstream, was_upstream, c->client.out.bytes + c->held_bytes);
}

static void on_write(uv_write_t *req, int status)
{
    kc_outq_t *q = container_of(req, kc_outq_t, req);
    kc_side_t *s = container_of(q, kc_side_t, out);
    kc_conn_t *c = s->tcp.data;
    release_head(c, s, q->writing, status == 0);
    q->writing = 0;
    if (c->state == KC_CONN_CLOSING)
        return;
    if (status < 0) {
        kc_conn_close(c, KC_LOG_INFO, "write to %s failed: %s",
                      s == &c->client ? "client" : "broker", uv_strerror(status));
        return;
    }
    side_flush(c, s);
    flow(c);
    maybe_finish(c);
}

int kc_conn_to_upstream(kc_conn_t *c, kc_frame_t *f)
{
    int rc = outq_push(&c->upstream.out, f);
    if (rc)
        kc_frame_release(&c->px->pool, f);
    return rc;
}

int kc_conn_to_client(kc_conn_t *c, kc_frame_t *f)
{
    int rc = outq_push(&c->client.out, f);
    if (rc)
        kc_frame_release(&c->px->pool, f);
    return rc;
}

void kc_conn_respond(kc_conn_t *c, kc_inflight_t *e, kc_frame_t *f)
{
    e->resp = *f;
    e->flags |= KC_IF_READY;
    c->held_bytes += kc_frame_wire_len(f);
    while ((e = kc_inflight_ready_head(&c->inflight)) != NULL) {
        c->held_bytes -= kc_frame_wire_len(&e->resp);
        kc_frame_t resp = e->resp;
        e->flags &= (uint8_t)~KC_IF_READY;
        kc_inflight_pop(&c->inflight);
        if (kc_conn_to_client(c, &resp) != 0) {
            kc_conn_close(c, KC_LOG_ERROR, "out of memory queueing a response");
            return;
        }
    }
}

/* ---- reading ---- */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    kc_conn_t *c = h->data;
    kc_side_t *s = h == (uv_handle_t *)&c->client.tcp ? &c->client : &c->upstream;
    kc_framer_alloc(&s->framer, buf);
}

/* What the first bytes of a frame that is far too big look like: a hint for the log. */
static const char *garbage_hint(int32_t size)
{
    uint8_t b[4];
    kc_put_be32(b, (uint32_t)size);
    if (b[0] == 0x16 && b[1] == 0x03)
        return " (looks like a TLS handshake: is the client using TLS?)";
    if (!memcmp(b, "GET ", 4) || !memcmp(b, "POST", 4) || !memcmp(b, "HEAD", 4) ||
        !memcmp(b, "PUT ", 4) || !memcmp(b, "HTTP", 4))
        return " (looks like HTTP)";
    return "";
}

static void frame_error(kc_conn_t *c, const char *what, int rc, int32_t bad)
{
    if (rc == -KC_EFRAMESIZE)
        kc_conn_close(c, KC_LOG_WARN, "%s frame size %d %s%s", what, bad,
                      bad < 0 ? "is negative" : "exceeds --max-frame-bytes", garbage_hint(bad));
    else
        kc_conn_close(c, KC_LOG_ERROR, "%s: %s", what, uv_strerror(rc));
}

static int on_request(void *ctx, kc_frame_t *f) { return kc_pipeline_request(ctx, f); }
static int on_response(void *ctx, kc_frame_t *f) { return kc_pipeline_response(ctx, f); }

/* A side reached EOF or failed: close now, or once what is queued for the living side has
 * been written (a client that sends acks=0 requests and hangs up still gets them delivered). */
static void side_gone(kc_conn_t *c, kc_side_t *s, ssize_t n)
{
    const char *who = s == &c->client ? "client" : "broker";
    if (n != UV_EOF) {
        c->reset_client = s == &c->upstream; /* a broker's reset reaches the client as one */
        kc_conn_close(c, KC_LOG_INFO, "%s connection failed: %s", who, uv_strerror((int)n));
        return;
    }
    snprintf(c->reason, sizeof(c->reason), "%s closed the connection", who);
    c->half_closed = true;
    set_reading(s, false);
    flow(c);
    maybe_finish(c);
}

/* Both sockets are read here: frames from the client take the request path, frames from the
 * broker the response path. */
static void on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
    (void)buf;
    kc_conn_t *c = st->data;
    kc_side_t *s = st == (uv_stream_t *)&c->client.tcp ? &c->client : &c->upstream;
    bool requests = s == &c->client;
    if (n == 0 || c->state != KC_CONN_OPEN)
        return;
    if (n < 0) {
        side_gone(c, s, n);
        return;
    }
    c->now = uv_hrtime();
    s->bytes_in += (uint64_t)n;
    int32_t bad = 0;
    int rc = kc_framer_feed(&s->framer, (size_t)n, requests ? on_request : on_response, c, &bad);
    if (c->state != KC_CONN_OPEN)
        return; /* the pipeline closed it and said why */
    if (rc) {
        frame_error(c, requests ? "request" : "response", rc, bad);
        return;
    }
    side_flush(c, &c->upstream);
    side_flush(c, &c->client); /* responses, and answers given here */
    flow(c);
    maybe_finish(c);
}

/* ---- connecting ---- */

static void fail_connect(kc_conn_t *c, int status);

static void on_connected(uv_connect_t *req, int status)
{
    kc_conn_t *c = req->data;
    if (c->state == KC_CONN_CLOSING || status == UV_ECANCELED)
        return; /* closed here: for good, or to try the next address */
    uv_timer_stop(&c->timer);
    if (status < 0) {
        fail_connect(c, status);
        return;
    }
    c->state = KC_CONN_OPEN;
    uv_tcp_nodelay(&c->upstream.tcp, 1);
    kc_log_ctx_t ctx = kc_conn_log_ctx(c);
    kc_log_c(KC_LOG_DEBUG, &ctx, "connected");
    flow(c);
}

static void on_connect_timeout(uv_timer_t *t)
{
    kc_conn_t *c = t->data;
    if (kc_addr_list_more(&c->addrs)) {
        fail_connect(c, UV_ETIMEDOUT);
        return;
    }
    c->reset_client = true;
    kc_conn_close(c, KC_LOG_WARN, "connect to broker %s timed out after %u ms", c->upstream.addr,
                  c->px->cfg->connect_timeout_ms);
}

static void connect_to(kc_conn_t *c, const struct sockaddr *sa)
{
    const kc_config_t *cfg = c->px->cfg;
    uv_tcp_init(c->px->loop, &c->upstream.tcp);
    c->upstream.tcp.data = c;
    c->upstream.open = true;
    int rc = kc_addr_bind_source(&c->upstream.tcp, cfg->upstream_bind);
    c->connect_req.data = c;
    if (!rc)
        rc = uv_tcp_connect(&c->connect_req, &c->upstream.tcp, sa, on_connected);
    if (rc) {
        fail_connect(c, rc);
        return;
    }
    uv_timer_start(&c->timer, on_connect_timeout, cfg->connect_timeout_ms, 0);
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
    kc_conn_t *c = req->data;
    c->pending--;
    if (c->state == KC_CONN_CLOSING) {
        uv_freeaddrinfo(res);
        maybe_free(c);
        return;
    }
    if (status < 0)
        fail_connect(c, status);
    else
        connect_to(c, kc_addr_list_take(&c->addrs, res));
}

/* The next address of the upstream's name, else the upstream resolved anew (a broker) or the
 * next --upstream (bootstrap). */
static void retry_next(kc_conn_t *c)
{
    const struct sockaddr *next;
    if (c->state == KC_CONN_CLOSING)
        maybe_free(c);
    else if ((next = kc_addr_list_next(&c->addrs)))
        connect_to(c, next);
    else
        upstream_connect(c);
}

static void on_retry_closed(uv_handle_t *h)
{
    kc_conn_t *c = h->data;
    c->pending--;
    retry_next(c);
}

/* The upstream's socket, if one was made (it may have bound or half-connected), is closed
 * before the next try. */
static void retry_connect(kc_conn_t *c)
{
    if (c->upstream.open) {
        c->upstream.open = false;
        c->pending++;
        uv_close((uv_handle_t *)&c->upstream.tcp, on_retry_closed);
    } else {
        retry_next(c);
    }
}

/* A bootstrap connection tries the next --upstream before giving up; a broker's connection
 * fails as the broker would: the client sees its connection close. */
static void fail_connect(kc_conn_t *c, int status)
{
    uv_timer_stop(&c->timer);
    if (kc_addr_list_more(&c->addrs)) {
        char ip[64];
        kc_addr_ip(kc_addr_list_current(&c->addrs), ip, sizeof(ip));
        kc_log_ctx_t ctx = kc_conn_log_ctx(c);
        kc_log_c(KC_LOG_INFO, &ctx, "cannot connect to %s at %s: %s; trying its next address",
                 c->upstream.addr, ip, uv_strerror(status));
        retry_connect(c);
        return;
    }
    if (c->node_id < 0 && c->upstream_tries < c->px->cfg->nupstreams) {
        kc_log_ctx_t ctx = kc_conn_log_ctx(c);
        kc_log_c(KC_LOG_WARN, &ctx, "cannot connect to %s: %s; trying the next --upstream",
                 c->upstream.addr, uv_strerror(status));
        kc_addr_list_free(&c->addrs);
        retry_connect(c);
        return;
    }
    /* The client meets what it would meet at the broker's door: a refused connection shows
     * as a reset, not as a clean close after accepting (franz-go, for one, treats EOF during
     * its ApiVersions exchange as a configuration error and gives up, but retries a reset). */
    c->reset_client = true;
    kc_conn_close(c, KC_LOG_WARN, "cannot connect to broker %s: %s", c->upstream.addr,
                  uv_strerror(status));
}

static void upstream_connect(kc_conn_t *c)
{
    const kc_config_t *cfg = c->px->cfg;
    const char *host;
    unsigned port;
    if (c->node_id >= 0) {
        kc_broker_t *b = kc_route_find(&c->px->route, c->node_id);
        if (!b || !b->host) {
            c->reset_client = true;
            kc_conn_close(c, KC_LOG_WARN, "no address known for broker %d", c->node_id);
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
    kc_addr_format(c->upstream.addr, sizeof(c->upstream.addr), host, port);
    struct sockaddr_storage ss;
    if (kc_addr_parse(host, (uint16_t)port, &ss) == 0) {
        connect_to(c, (struct sockaddr *)&ss);
        return;
    }
    c->gai_req.data = c;
    c->pending++;
    int rc = kc_addr_resolve(c->px->loop, &c->gai_req, on_resolved, host, (uint16_t)port);
    if (rc) {
        c->pending--;
        fail_connect(c, rc);
    }
}

/* ---- accepting ---- */

static void peer_name(uv_tcp_t *t, char *out, size_t len)
{
    struct sockaddr_storage ss;
    int n = sizeof(ss);
    if (uv_tcp_getpeername(t, (struct sockaddr *)&ss, &n) == 0)
        kc_addr_name((struct sockaddr *)&ss, out, len);
    else
        kc_addr_format(out, len, "?", 0);
}

void kc_conn_accept(kc_listener_t *l)
{
    kc_proxy_t *px = l->px;
    kc_conn_t *c = calloc(1, sizeof(*c));
    if (!c || outq_init(&c->client.out) || outq_init(&c->upstream.out) ||
        kc_inflight_init(&c->inflight, 16)) {
        kc_log(KC_LOG_ERROR, "[%s] out of memory accepting a connection: closed", l->name);
        if (c) {
            free(c->client.out.ring);
            free(c->upstream.out.ring);
            free(c);
        }
        kc_listener_reject(l); /* libuv stops listening until a connection is accepted */
        return;
    }
    c->px = px;
    /* Ids interleave over the loops, so they stay unique in the process without sharing. */
    c->id = px->next_conn_id++ * px->cfg->threads + px->index + 1;
    c->node_id = l->node_id;
    snprintf(c->listener, sizeof(c->listener), "%s", l->name);
    c->t_start = uv_hrtime();
    c->close_level = KC_LOG_INFO;
    c->boot_index = px->next_upstream++;
    kc_framer_init(&c->client.framer, &px->pool, px->cfg->max_frame);
    kc_framer_init(&c->upstream.framer, &px->pool, px->cfg->max_frame);
    uv_tcp_init(px->loop, &c->client.tcp);
    uv_timer_init(px->loop, &c->timer);
    c->client.tcp.data = c->timer.data = c;
    c->client.open = true;
    c->next = px->conns;
    if (px->conns)
        px->conns->prev = c;
    px->conns = c;
    int rc = uv_accept((uv_stream_t *)&l->tcp, (uv_stream_t *)&c->client.tcp);
    if (rc) {
        kc_conn_close(c, KC_LOG_WARN, "accept failed: %s", uv_strerror(rc));
        return;
    }
    uv_tcp_nodelay(&c->client.tcp, 1);
    peer_name(&c->client.tcp, c->client.addr, sizeof(c->client.addr));
    if (px->draining) {
        kc_conn_close(c, KC_LOG_INFO, "kchaos shutting down");
        return;
    }
    upstream_connect(c);
}

void kc_conn_drain(kc_conn_t *c)
{
    if (c->state == KC_CONN_CONNECTING) {
        kc_conn_close(c, KC_LOG_INFO, "kchaos shutting down");
        return;
    }
    c->draining = true;
    flow(c);
    maybe_finish(c);
}

kc_log_ctx_t kc_conn_log_ctx(const kc_conn_t *c)
{
    return (kc_log_ctx_t){
        .conn = c->id,
        .listener = c->listener,
        .client = c->client.addr[0] ? c->client.addr : NULL,
        .upstream = c->upstream.addr[0] ? c->upstream.addr : NULL,
        .client_id = c->client_id,
    };
}

void kc_api_counts_add(kc_api_counts_t *t, int16_t api_key, int16_t api_version, uint32_t n)
{
    int i = 0;
    while (i < t->n && (t->v[i].api_key < api_key ||
                        (t->v[i].api_key == api_key && t->v[i].api_version < api_version)))
        i++;
    if (i < t->n && t->v[i].api_key == api_key && t->v[i].api_version == api_version) {
        t->v[i].count += n;
        return;
    }
    if (t->n == KC_API_COUNTS_MAX) {
        t->dropped += n; /* a client cycling through garbage keys can't grow this */
        return;
    }
    if (t->n == t->cap) {
        int cap = t->cap ? t->cap * 2 : 8;
        kc_api_count_t *a = realloc(t->v, (size_t)cap * sizeof(*a));
        if (!a)
            return;
        t->v = a;
        t->cap = cap;
    }
    memmove(&t->v[i + 1], &t->v[i], (size_t)(t->n - i) * sizeof(*t->v));
    t->v[i] = (kc_api_count_t){api_key, api_version, n};
    t->n++;
}
