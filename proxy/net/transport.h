/* A transport: how one side of a connection pair reads and writes its bytes.
 *
 * The connection pair and everything above it see only these calls, so a new way of carrying
 * bytes (TLS through OpenSSL memory BIOs) is one new transport and no change to the pair, the
 * framer or the pipeline. Plain TCP is the one here: reads go straight into the buffer the
 * owner offers (no copy), writes try the socket at once and queue only what it refuses. */
#ifndef KC_NET_TRANSPORT_H
#define KC_NET_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

typedef struct kc_transport kc_transport_t;

/* The owner's side of it. */
typedef struct kc_transport_cbs {
    /* Where the next bytes go (base NULL: out of memory). */
    void (*alloc)(kc_transport_t *t, uv_buf_t *buf);
    /* n > 0 bytes arrived in the last buffer; n < 0: UV_EOF or an error. */
    void (*read)(kc_transport_t *t, ssize_t n);
    /* A write that returned KC_TRANSPORT_PENDING has finished (status 0) or failed. */
    void (*written)(kc_transport_t *t, int status);
    /* The handshake is done (TLS): identity and parameters can be read. NULL: not wanted. */
    void (*ready)(kc_transport_t *t);
} kc_transport_cbs_t;

#define KC_TRANSPORT_PENDING 1

typedef struct kc_transport_ops {
    const char *name;
    /* Begin whatever must happen before the first byte (a TLS handshake): 0 when ready now. */
    int (*handshake)(kc_transport_t *t);
    int (*read_start)(kc_transport_t *t);
    void (*read_stop)(kc_transport_t *t);
    /* Write bytes total from iov (which it may change). 0: all taken, the buffers may go;
     * KC_TRANSPORT_PENDING: keep them until cbs->written; or a negative error. One write may be
     * pending at a time. */
    int (*write)(kc_transport_t *t, uv_buf_t *iov, unsigned n, size_t total);
    /* End the writing side once what was written has gone (a FIN; TLS: close_notify), and
     * keep reading: the peer says when it is done by closing its side. Best effort. */
    void (*shutdown)(kc_transport_t *t);
    /* Close (with a reset instead of a clean close when asked); cb gets the socket's handle. */
    void (*close)(kc_transport_t *t, bool reset, uv_close_cb cb);
    /* After read reported -KC_ETLS: what went wrong, in one phrase. */
    const char *(*why)(const kc_transport_t *t);
} kc_transport_ops_t;

struct kc_transport {
    const kc_transport_ops_t *ops;
    const kc_transport_cbs_t *cbs;
    void *owner;
    uv_tcp_t tcp;     /* the socket; tcp.data points back at the transport */
    uv_write_t wreq;
    uv_shutdown_t sreq; /* ops->shutdown's; libuv cancels it (UV_ECANCELED) at close */
    bool reading;
    struct kc_tls *tls; /* the TLS transport's state (tls.c), owned; NULL for plain TCP */
};

/* Besides these reports of the socket, read may report -KC_ETLS at any time, reading or not:
 * the TLS transport failed (ops->why says why) and nothing more will pass. */

/* Plain TCP over t->tcp, which the caller has initialised (accepted or connected). */
void kc_transport_tcp(kc_transport_t *t, const kc_transport_cbs_t *cbs, void *owner);

static inline int kc_transport_write(kc_transport_t *t, uv_buf_t *iov, unsigned n, size_t total)
{
    return t->ops->write(t, iov, n, total);
}
/* The socket's FIN once the writes queued on it are done (uv_shutdown): plain TCP's
 * ops->shutdown, and the TLS transport's after its close_notify. */
void kc_transport_fin(kc_transport_t *t);
/* Read or not; idempotent. */
void kc_transport_reading(kc_transport_t *t, bool on);

#endif
