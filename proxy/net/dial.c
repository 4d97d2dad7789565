/* The dialer: see dial.h. */
#include "dial.h"

static void try_address(kc_dial_t *d, const struct sockaddr *sa);

static void maybe_closed(kc_dial_t *d)
{
    if (d->closing && d->pending == 0 && d->on_closed)
        d->on_closed(d);
}

static void finish(kc_dial_t *d, int status)
{
    uv_timer_stop(&d->timer);
    d->active = false;
    kc_addr_list_free(&d->addrs);
    d->cb(d, status);
}

/* The failed address's socket is closed: on to the next address, else the dial failed. */
static void on_tcp_closed(uv_handle_t *h)
{
    kc_dial_t *d = h->data;
    d->pending--;
    if (!d->active) {
        maybe_closed(d);
        return;
    }
    const struct sockaddr *next = kc_addr_list_next(&d->addrs);
    if (next)
        try_address(d, next);
    else
        finish(d, d->status);
}

static void address_failed(kc_dial_t *d, int status)
{
    uv_timer_stop(&d->timer);
    d->status = status;
    if (kc_addr_list_more(&d->addrs)) {
        char ip[64];
        kc_addr_ip(kc_addr_list_current(&d->addrs), ip, sizeof(ip));
        kc_log_c(KC_LOG_INFO, d->log, "%s%scannot connect to %s at %s: %s; trying %s next address",
                 d->who ? d->who : "", d->who ? ": " : "", d->name, ip, uv_strerror(status),
                 d->who ? "the upstream's" : "its");
    }
    /* The socket may have bound or half-connected: closed before the next try (this also
     * cancels a connect still under way, whose callback then sees UV_ECANCELED). */
    d->tcp_open = false;
    d->pending++;
    uv_close((uv_handle_t *)d->tcp, on_tcp_closed);
}

static void on_connect(uv_connect_t *req, int status)
{
    kc_dial_t *d = req->data;
    d->pending--;
    if (!d->active || status == UV_ECANCELED) {
        maybe_closed(d); /* closed here: cancelled, or timed out and on to the next address */
        return;
    }
    if (status < 0) {
        address_failed(d, status);
        return;
    }
    d->tcp_open = false; /* the owner's from now on */
    finish(d, 0);
}

static void on_timeout(uv_timer_t *t)
{
    kc_dial_t *d = t->data;
    if (d->tcp_open)
        address_failed(d, UV_ETIMEDOUT);
    else
        finish(d, d->status); /* a failure before any socket, reported on the next turn */
}

static void try_address(kc_dial_t *d, const struct sockaddr *sa)
{
    uv_tcp_init(d->loop, d->tcp);
    d->tcp->data = d;
    d->tcp_open = true;
    d->req.data = d;
    int rc = kc_addr_bind_source(d->tcp, d->bind);
    if (!rc)
        rc = uv_tcp_connect(&d->req, d->tcp, sa, on_connect);
    if (rc) {
        address_failed(d, rc);
        return;
    }
    d->pending++;
    uv_timer_start(&d->timer, on_timeout, d->timeout_ms, 0);
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
    kc_dial_t *d = req->data;
    d->pending--;
    if (!d->active) {
        uv_freeaddrinfo(res);
        maybe_closed(d);
        return;
    }
    if (status < 0)
        finish(d, status);
    else
        try_address(d, kc_addr_list_take(&d->addrs, res));
}

void kc_dial_init(kc_dial_t *d, uv_loop_t *loop, uv_tcp_t *tcp, const char *bind,
                  uint32_t timeout_ms, kc_dial_cb cb, void *data)
{
    *d = (kc_dial_t){.loop = loop, .tcp = tcp, .bind = bind, .timeout_ms = timeout_ms, .cb = cb,
                     .data = data};
    uv_timer_init(loop, &d->timer);
    d->timer.data = d;
}

/* Literal addresses go through getaddrinfo too (it answers them without a lookup), so every
 * address, literal or named, takes one path. */
void kc_dial_start(kc_dial_t *d, const char *host, uint16_t port)
{
    kc_addr_format(d->name, sizeof(d->name), host, port);
    d->active = true;
    d->gai.data = d;
    d->pending++;
    int rc = kc_addr_resolve(d->loop, &d->gai, on_resolved, host, port);
    if (rc) {
        d->pending--;
        d->status = rc;
        uv_timer_start(&d->timer, on_timeout, 0, 0); /* the callback never runs inside start */
    }
}

void kc_dial_cancel(kc_dial_t *d)
{
    if (!d->active)
        return;
    d->active = false;
    uv_timer_stop(&d->timer);
    uv_cancel((uv_req_t *)&d->gai); /* fails harmlessly when not resolving */
    if (d->tcp_open) {
        d->tcp_open = false;
        d->pending++;
        uv_close((uv_handle_t *)d->tcp, on_tcp_closed);
    }
    kc_addr_list_free(&d->addrs);
}

static void on_timer_closed(uv_handle_t *h)
{
    kc_dial_t *d = h->data;
    d->pending--;
    maybe_closed(d);
}

void kc_dial_close(kc_dial_t *d, void (*on_closed)(kc_dial_t *d))
{
    kc_dial_cancel(d);
    d->closing = true;
    d->on_closed = on_closed;
    d->pending++;
    uv_close((uv_handle_t *)&d->timer, on_timer_closed);
}
