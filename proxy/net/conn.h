/* A connection pair: one accepted client socket and the one upstream socket opened for it.
 *
 * Each client connection gets its own upstream connection to the broker its listener stands
 * for, never shared: Kafka matches responses to requests by order on a connection, a broker
 * throttles by muting one connection (KIP-219), SASL and TLS identity belong to one
 * connection, and KIP-1242 clients tell a broker which node they expect. 1:1 keeps all of it
 * true without bookkeeping. This file moves bytes: sockets (through transports), write
 * queues, the session's timer and back-pressure. What the bytes mean is the session's
 * (session.h), which this pair owns and feeds. */
#ifndef KC_NET_CONN_H
#define KC_NET_CONN_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "../session.h"
#include "../util/frame.h"
#include "../util/log.h"
#include "dial.h"
#include "listener.h"
#include "outq.h"
#include "transport.h"

/* How long a pair whose client hung up waits for the broker to close after the FIN kchaos
 * passed on (conn.c, maybe_finish); checked by the once-a-second sweep. */
#define KC_CONN_LINGER_NS (5 * 1000000000ull)

typedef struct kc_side {
    kc_transport_t tr;
    kc_outq_t out;      /* frames to write to it */
    bool open;          /* the socket is initialised and not closed */
    bool paused;        /* not read because of back-pressure (for the log) */
    char addr[64];      /* peer address, for logs */
    uint64_t bytes_in, bytes_out;
} kc_side_t;

enum kc_conn_state { KC_CONN_CONNECTING, KC_CONN_OPEN, KC_CONN_CLOSING };

typedef struct kc_conn {
    struct kc_proxy *px;
    uint64_t id;
    int32_t node_id;          /* broker this pair is bound to; -1 when from bootstrap */
    char listener[24];        /* the listener's name, for logs */
    uint32_t boot_index;      /* bootstrap: first of cfg->upstreams to try */
    enum kc_conn_state state;
    kc_side_t client, upstream;
    kc_dial_t dial;           /* connecting the upstream side */
    uv_timer_t timer;         /* the session's wake-up */
    int pending;              /* handle closes still to call back before free */
    int upstream_tries;       /* bootstrap: --upstream entries tried */
    kc_session_t session;     /* the Kafka side of the pair */
    bool half_closed;         /* one side is gone: close once the queues drain */
    bool client_gone;         /* the client hung up: nothing more is written to it */
    bool up_shut;             /* ... and the broker was told so (FIN): waiting for its close */
    uint64_t linger_until;    /* uv_hrtime() by which the broker must close (0: not waiting) */
    bool draining;            /* shutdown: no new requests, close once all are answered */
    kc_log_level_t close_level;
    uint64_t t_start;
    uint64_t last_active;     /* uv_hrtime() of the last read from either side */
    uint64_t frame_start;     /* when the client's current partial request began (0: none) */
    uint64_t frame_paused;    /* ... and how long kchaos itself did not read it since */
    uint64_t pause_start;     /* when kchaos stopped reading the client (0: reading) */
    uint64_t frames_seen;     /* the session's request count at the last read */
    size_t accounted;         /* what this pair adds to px->buffered */
    bool mem_paused;          /* not read because the loop is over --max-buffered-bytes */
    bool admitted;            /* counted by the process's connection limits */
    char client_ip[48];
    char up_host[256];        /* the host the upstream side dials: a TLS broker must match it */
    struct {                  /* the client side's TLS, once its handshake is done */
        char version[16], cipher[64];
        char subject[256];    /* the client certificate's subject, RFC 2253; "" without one */
    } tls;
    char reason[192];         /* why it closed */
    struct kc_conn *prev, *next;
} kc_conn_t;

void kc_conn_accept(kc_listener_t *l);
/* Close the pair now, logging why at `level`; `reset` closes the client with a RST, as a
 * dead broker would. */
void kc_conn_close(kc_conn_t *c, kc_log_level_t level, bool reset, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Begin a graceful close: stop reading the client, close once in-flight requests are answered
 * and written (shutdown). */
void kc_conn_drain(kc_conn_t *c);
/* Decide again which sides of c are read (back-pressure, in-flight bound, memory). */
void kc_conn_flow(kc_conn_t *c);
/* Close the pairs past --idle-timeout-ms or --frame-timeout-ms (once a second). */
void kc_conn_sweep(struct kc_proxy *px, uint64_t now);
/* Give up the requests furthest from complete while the loop stays over the memory cap (its
 * shed timer, a second after reaching it). */
void kc_conn_shed(struct kc_proxy *px, uint64_t now);

#endif
