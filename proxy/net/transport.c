/* Transports: see transport.h. */
#include "transport.h"

#include <stddef.h>

#define container_of(p, T, m) ((T *)((char *)(p) - offsetof(T, m)))

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    kc_transport_t *t = h->data;
    t->cbs->alloc(t, buf);
}

static void on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
    (void)buf;
    kc_transport_t *t = st->data;
    if (n != 0)
        t->cbs->read(t, n);
}

static void on_write(uv_write_t *req, int status)
{
    kc_transport_t *t = container_of(req, kc_transport_t, wreq);
    t->cbs->written(t, status);
}

static int tcp_handshake(kc_transport_t *t)
{
    (void)t;
    return 0;
}

static int tcp_read_start(kc_transport_t *t)
{
    return uv_read_start((uv_stream_t *)&t->tcp, on_alloc, on_read);
}

static void tcp_read_stop(kc_transport_t *t) { uv_read_stop((uv_stream_t *)&t->tcp); }

/* The socket is tried at once (uv_try_write): when it takes everything, as it mostly does, the
 * buffers are free right away, with no write request and no callback a loop iteration later.
 * Whatever it does not take goes through one uv_write. */
static int tcp_write(kc_transport_t *t, uv_buf_t *iov, unsigned n, size_t total)
{
    uv_stream_t *st = (uv_stream_t *)&t->tcp;
    int w = uv_try_write(st, iov, n);
    if (w >= 0 && (size_t)w == total)
        return 0;
    if (w < 0 && w != UV_EAGAIN)
        return w;
    size_t done = w > 0 ? (size_t)w : 0;
    unsigned first = 0;
    while (done >= iov[first].len)
        done -= iov[first++].len;
    iov[first].base += done;
    iov[first].len -= done;
    int rc = uv_write(&t->wreq, st, iov + first, n - first, on_write);
    return rc ? rc : KC_TRANSPORT_PENDING;
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
    (void)req, (void)status; /* nothing to do either way: the peer's EOF or the close ends it */
}

void kc_transport_fin(kc_transport_t *t)
{
    (void)uv_shutdown(&t->sreq, (uv_stream_t *)&t->tcp, on_shutdown);
}

static void tcp_close(kc_transport_t *t, bool reset, uv_close_cb cb)
{
    t->reading = false;
    if (reset && uv_tcp_close_reset(&t->tcp, cb) == 0)
        return;
    uv_close((uv_handle_t *)&t->tcp, cb);
}

static const char *tcp_why(const kc_transport_t *t)
{
    (void)t;
    return "";
}

static const kc_transport_ops_t tcp_ops = {
    .name = "tcp",
    .handshake = tcp_handshake,
    .read_start = tcp_read_start,
    .read_stop = tcp_read_stop,
    .write = tcp_write,
    .shutdown = kc_transport_fin,
    .close = tcp_close,
    .why = tcp_why,
};

void kc_transport_tcp(kc_transport_t *t, const kc_transport_cbs_t *cbs, void *owner)
{
    t->ops = &tcp_ops;
    t->cbs = cbs;
    t->owner = owner;
    t->tcp.data = t;
    t->reading = false;
    t->tls = NULL;
}

void kc_transport_reading(kc_transport_t *t, bool on)
{
    if (on && !t->reading)
        t->reading = t->ops->read_start(t) == 0;
    else if (!on && t->reading) {
        t->ops->read_stop(t);
        t->reading = false;
    }
}
