/* The TLS transport: see tls.h.
 *
 * State, all in struct kc_tls beside the engine:
 *   handshaking   the socket is read whatever the owner wants (the handshake needs the
 *                 peer's bytes); an owner's write waits in `stash` and counts as pending.
 *   established   the socket is read only while the owner reads (back-pressure reaches the
 *                 peer through TCP, and the input BIO never holds more than one read);
 *                 plaintext is delivered straight into the owner's buffers.
 *   failed        reported once through read(-KC_ETLS), counted when it was the handshake;
 *                 nothing more passes.
 * Plaintext OpenSSL already holds when the owner resumes reading is delivered from an idle
 * callback, never from inside read_start: the owner calls read_start from its own callbacks.
 * Output: whatever the engine produced is tried on the socket at once (uv_try_write); the
 * rest is copied to wbuf and sent with one uv_write, and nothing else is sent until it ends,
 * so the bytes keep their order. An owner's write is "pending" while any of its ciphertext
 * is unsent, which keeps the TCP transport's back-pressure contract. */
#include "tls.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "../util/error.h"

#define container_of(p, T, m) ((T *)((char *)(p) - offsetof(T, m)))

/* One TLS record's plaintext (RFC 8446 5.1: 2^14 bytes): small pieces of a write (a frame's
 * size prefix, an edited field) are gathered into whole records instead of one each. */
#define RECORD 16384
/* A read from the socket: a whole record with its header and the largest expansion. */
#define READ_BUF (RECORD + 2048)
/* A wbuf grown beyond this by a large write is given back once it is sent. */
#define WBUF_KEEP (256u * 1024)

struct kc_tls {
    kc_tls_engine_t eng;
    kc_tls_stats_t *stats;    /* the loop's; may be NULL */
    kc_tls_side_t side;
    uv_idle_t idle;           /* delivers what waits when the owner resumes reading */
    char *wbuf;               /* ciphertext the socket refused, under uv_write; owned */
    size_t wcap;
    bool wbusy;               /* t->wreq is under way with wbuf */
    int werr;                 /* a socket write failed: every later write fails so */
    uv_buf_t *stash;          /* the owner's write waiting for the handshake (its buffers) */
    unsigned nstash;
    bool owner_pending;       /* `written` is owed to the owner */
    bool want;                /* the owner reads */
    bool sock_reading;
    int status;               /* how the socket ended (UV_EOF, an error): 0 while open */
    bool status_told;
    bool failed_told;
    int closing;              /* handles still to close; the state goes at 0 */
    uv_close_cb close_cb;
};

/* Both are used only between a libuv callback's start and end on the loop's own thread. */
static _Thread_local char read_buf[READ_BUF];
static _Thread_local char record[RECORD];

static void sock_update(kc_transport_t *t);
static void deliver(kc_transport_t *t);

/* ---- output ---- */

static void on_wrote(uv_write_t *req, int status);

/* Send what the engine produced: 0 when all is on the socket, KC_TRANSPORT_PENDING while a
 * uv_write carries the rest, or a negative error. */
static int flush(kc_transport_t *t)
{
    struct kc_tls *x = t->tls;
    if (x->wbusy)
        return KC_TRANSPORT_PENDING;
    if (x->werr)
        return x->werr;
    size_t len;
    const char *p = kc_tls_out_peek(&x->eng, &len);
    if (!len)
        return 0;
    uv_buf_t b = uv_buf_init((char *)p, (unsigned)len);
    int w = uv_try_write((uv_stream_t *)&t->tcp, &b, 1);
    if (w >= 0 && (size_t)w == len) {
        kc_tls_out_clear(&x->eng);
        return 0;
    }
    if (w < 0 && w != UV_EAGAIN)
        return x->werr = w;
    /* The BIO's memory moves as OpenSSL appends to it (a session ticket, an alert): what
     * uv_write holds must be a buffer of our own. */
    size_t done = w > 0 ? (size_t)w : 0, rest = len - done;
    if (rest > x->wcap) {
        char *nb = realloc(x->wbuf, rest);
        if (!nb)
            return x->werr = UV_ENOMEM;
        x->wbuf = nb;
        x->wcap = rest;
    }
    memcpy(x->wbuf, p + done, rest);
    kc_tls_out_clear(&x->eng);
    b = uv_buf_init(x->wbuf, (unsigned)rest);
    int rc = uv_write(&t->wreq, (uv_stream_t *)&t->tcp, &b, 1, on_wrote);
    if (rc)
        return x->werr = rc;
    x->wbusy = true;
    return KC_TRANSPORT_PENDING;
}

static void owe_written(kc_transport_t *t, int status)
{
    struct kc_tls *x = t->tls;
    if (!x->owner_pending)
        return;
    x->owner_pending = false;
    t->cbs->written(t, status);
}

static void on_wrote(uv_write_t *req, int status)
{
    kc_transport_t *t = container_of(req, kc_transport_t, wreq);
    struct kc_tls *x = t->tls;
    x->wbusy = false;
    if (x->closing)
        return; /* the close settles what is owed */
    if (x->wcap > WBUF_KEEP) {
        free(x->wbuf);
        x->wbuf = NULL;
        x->wcap = 0;
    }
    if (status < 0)
        x->werr = status;
    int rc = flush(t);
    if (rc != KC_TRANSPORT_PENDING)
        owe_written(t, rc);
}

/* The owner's plaintext into records: pieces gathered up to a record, large pieces whole. */
static int encrypt(struct kc_tls *x, const uv_buf_t *iov, unsigned n)
{
    size_t fill = 0;
    for (unsigned i = 0; i < n; i++) {
        const char *p = iov[i].base;
        size_t len = iov[i].len;
        if (fill == 0 && len >= RECORD) {
            if (kc_tls_write(&x->eng, p, len))
                return -KC_ETLS;
            continue;
        }
        while (len) {
            size_t k = len < RECORD - fill ? len : RECORD - fill;
            memcpy(record + fill, p, k);
            fill += k, p += k, len -= k;
            if (fill == RECORD) {
                if (kc_tls_write(&x->eng, record, fill))
                    return -KC_ETLS;
                fill = 0;
            }
        }
    }
    return fill && kc_tls_write(&x->eng, record, fill) ? -KC_ETLS : 0;
}

/* ---- failure, handshake, input ---- */

/* Tell the owner once; a handshake's failure is counted. The alert OpenSSL queued goes out
 * first, so the peer learns why (best effort: the owner closes right away). */
static void failed(kc_transport_t *t)
{
    struct kc_tls *x = t->tls;
    if (x->failed_told)
        return;
    x->failed_told = true;
    if (x->stats && !x->eng.established)
        x->stats->failures[x->side][x->eng.kind]++;
    (void)flush(t);
    sock_update(t);
    t->cbs->read(t, -KC_ETLS);
}

/* The handshake just ended: the owner may read identity, then its waiting write goes. */
static void established(kc_transport_t *t)
{
    struct kc_tls *x = t->tls;
    if (t->cbs->ready)
        t->cbs->ready(t);
    if (x->closing || !x->stash)
        return;
    uv_buf_t *iov = x->stash;
    x->stash = NULL;
    int rc = encrypt(x, iov, x->nstash);
    if (!rc)
        rc = flush(t);
    if (rc != KC_TRANSPORT_PENDING)
        owe_written(t, rc);
}

/* Ciphertext was fed: move the handshake on, then deliver plaintext. */
static void pump(kc_transport_t *t)
{
    struct kc_tls *x = t->tls;
    if (!x->eng.established) {
        int rc = kc_tls_step(&x->eng);
        if (rc < 0) {
            failed(t);
            return;
        }
        (void)flush(t); /* a socket error shows on the next read */
        if (rc == KC_TLS_AGAIN)
            return;
        established(t);
        if (x->closing)
            return;
    }
    deliver(t);
}

static void tell_status(kc_transport_t *t)
{
    struct kc_tls *x = t->tls;
    if (x->status && !x->status_told) {
        x->status_told = true;
        t->cbs->read(t, x->status);
    }
}

/* Plaintext into the owner's buffers while it reads; then how the socket ended, once all that
 * came before it was delivered. */
static void deliver(kc_transport_t *t)
{
    struct kc_tls *x = t->tls;
    while (x->want && !x->closing) {
        if (x->eng.failed) {
            failed(t);
            return;
        }
        if (!x->eng.established || !kc_tls_readable(&x->eng)) {
            tell_status(t);
            break;
        }
        uv_buf_t b = {0};
        t->cbs->alloc(t, &b);
        if (!b.base || !b.len) {
            t->cbs->read(t, UV_ENOBUFS); /* as libuv reports a failed alloc */
            return;
        }
        ssize_t n = kc_tls_read(&x->eng, b.base, b.len);
        if (n > 0) {
            t->cbs->read(t, n);
        } else if (n == KC_TLS_EOF) {
            x->status = UV_EOF; /* close_notify: the clean end (RFC 8446 6.1) */
            tell_status(t);
        } else if (n == 0) {
            tell_status(t); /* a partial record: more comes, or the socket has ended */
            break;
        } else {
            failed(t);
            return;
        }
    }
    if (!x->closing) {
        (void)flush(t); /* reading may have produced output (a key update's answer) */
        sock_update(t);
    }
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)h, (void)suggested;
    *buf = uv_buf_init(read_buf, sizeof(read_buf));
}

static void on_sock_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
    (void)buf;
    kc_transport_t *t = st->data;
    struct kc_tls *x = t->tls;
    if (n == 0 || x->closing)
        return;
    if (n < 0) {
        x->status = (int)n;
        sock_update(t);
        if (kc_tls_eof(&x->eng) < 0)
            failed(t);
        else
            deliver(t);
        return;
    }
    if (kc_tls_feed(&x->eng, read_buf, (size_t)n)) {
        x->status = UV_ENOMEM;
        sock_update(t);
        deliver(t);
        return;
    }
    pump(t);
}

/* The socket is read during the handshake, and afterwards while the owner reads. */
static void sock_update(kc_transport_t *t)
{
    struct kc_tls *x = t->tls;
    bool on = !x->closing && !x->eng.failed && !x->status && !x->eng.peer_closed &&
              (!x->eng.established || x->want);
    if (on && !x->sock_reading)
        x->sock_reading = uv_read_start((uv_stream_t *)&t->tcp, on_alloc, on_sock_read) == 0;
    else if (!on && x->sock_reading) {
        uv_read_stop((uv_stream_t *)&t->tcp);
        x->sock_reading = false;
    }
}

static void on_idle(uv_idle_t *h)
{
    kc_transport_t *t = h->data;
    uv_idle_stop(h);
    if (t->tls->eng.failed)
        failed(t);
    else
        deliver(t);
}

/* ---- the ops ---- */

static int tls_handshake(kc_transport_t *t)
{
    struct kc_tls *x = t->tls;
    if (!x->eng.server) { /* the ClientHello goes first */
        if (kc_tls_step(&x->eng) < 0)
            uv_idle_start(&x->idle, on_idle); /* told from the loop, not from inside this call */
        (void)flush(t);
    }
    sock_update(t);
    return KC_TRANSPORT_PENDING;
}

static int tls_read_start(kc_transport_t *t)
{
    struct kc_tls *x = t->tls;
    x->want = true;
    if ((x->eng.established && kc_tls_readable(&x->eng)) || (x->status && !x->status_told))
        uv_idle_start(&x->idle, on_idle);
    sock_update(t);
    return 0;
}

static void tls_read_stop(kc_transport_t *t)
{
    struct kc_tls *x = t->tls;
    x->want = false;
    uv_idle_stop(&x->idle);
    sock_update(t);
}

static int tls_write(kc_transport_t *t, uv_buf_t *iov, unsigned n, size_t total)
{
    (void)total;
    struct kc_tls *x = t->tls;
    if (x->eng.failed)
        return -KC_ETLS;
    if (x->werr)
        return x->werr;
    if (!x->eng.established) {
        x->stash = iov;
        x->nstash = n;
        x->owner_pending = true;
        return KC_TRANSPORT_PENDING;
    }
    int rc = encrypt(x, iov, n);
    if (!rc)
        rc = flush(t);
    if (rc == KC_TRANSPORT_PENDING)
        x->owner_pending = true;
    return rc;
}

static void on_closed(uv_handle_t *h)
{
    kc_transport_t *t = h->data;
    struct kc_tls *x = t->tls;
    if (--x->closing > 0)
        return;
    owe_written(t, UV_ECANCELED); /* as libuv cancels a TCP write at close */
    uv_close_cb cb = x->close_cb;
    kc_tls_engine_free(&x->eng);
    free(x->wbuf);
    free(x);
    t->tls = NULL;
    cb((uv_handle_t *)&t->tcp);
}

/* The TLS end of the writing side is close_notify (RFC 8446 6.1); the FIN follows only when
 * it is on the socket now (a shutdown behind a pending write would be refused later). OpenSSL
 * goes on reading after sending it. */
static void tls_shutdown(kc_transport_t *t)
{
    struct kc_tls *x = t->tls;
    if (x->wbusy || x->werr || !x->eng.established || x->eng.failed)
        return;
    kc_tls_close_notify(&x->eng);
    if (flush(t) == 0)
        kc_transport_fin(t);
}

/* A clean close tells the peer with close_notify (RFC 8446 6.1), sent if the socket takes it
 * now; a reset says nothing more. */
static void tls_close(kc_transport_t *t, bool reset, uv_close_cb cb)
{
    struct kc_tls *x = t->tls;
    t->reading = false;
    x->want = false;
    x->close_cb = cb;
    if (!reset && !x->wbusy && !x->werr && x->eng.established && !x->eng.failed) {
        kc_tls_close_notify(&x->eng);
        (void)flush(t);
    }
    x->closing = 2;
    uv_close((uv_handle_t *)&x->idle, on_closed);
    if (reset && uv_tcp_close_reset(&t->tcp, on_closed) == 0)
        return;
    uv_close((uv_handle_t *)&t->tcp, on_closed);
}

static const char *tls_why(const kc_transport_t *t)
{
    return t->tls && t->tls->eng.why[0] ? t->tls->eng.why : "TLS failure";
}

static const kc_transport_ops_t tls_ops = {
    .name = "tls",
    .handshake = tls_handshake,
    .read_start = tls_read_start,
    .read_stop = tls_read_stop,
    .write = tls_write,
    .shutdown = tls_shutdown,
    .close = tls_close,
    .why = tls_why,
};

int kc_transport_tls(kc_transport_t *t, const kc_transport_cbs_t *cbs, void *owner, SSL *ssl,
                     bool server, const char *host, kc_tls_stats_t *stats)
{
    struct kc_tls *x = calloc(1, sizeof(*x));
    if (!x) {
        SSL_free(ssl);
        return -KC_ENOMEM;
    }
    if (kc_tls_engine_init(&x->eng, ssl, server, host)) {
        free(x);
        return -KC_ENOMEM;
    }
    x->stats = stats;
    x->side = server ? KC_TLS_SIDE_CLIENT : KC_TLS_SIDE_UPSTREAM;
    uv_idle_init(t->tcp.loop, &x->idle);
    x->idle.data = t;
    t->ops = &tls_ops;
    t->cbs = cbs;
    t->owner = owner;
    t->tcp.data = t;
    t->reading = false;
    t->tls = x;
    return 0;
}

const kc_tls_engine_t *kc_transport_tls_engine(const kc_transport_t *t)
{
    return t->tls ? &t->tls->eng : NULL;
}
