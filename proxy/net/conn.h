/* A connection pair: one accepted client socket and the one upstream socket opened for it.
 *
 * Each client connection gets its own upstream connection to the broker its listener stands
 * for, never shared: Kafka matches responses to requests by order on a connection, a broker
 * throttles by muting one connection (KIP-219), SASL and TLS identity belong to one
 * connection, and KIP-1242 clients tell a broker which node they expect. 1:1 keeps all of it
 * true without bookkeeping. This file owns sockets, queues and flow control; what happens to
 * each frame is decided in pipeline.c. */
#ifndef KC_NET_CONN_H
#define KC_NET_CONN_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "../inflight.h"
#include "../util/log.h"
#include "addr.h"
#include "frame.h"
#include "listener.h"

#define KC_OUTQ_IOV 64 /* iovecs in one write; a spliced frame takes three */

/* Frames waiting to be written to one socket, oldest first, and the single write in progress
 * (one at a time: frames that arrive meanwhile go out together in the next one). */
typedef struct kc_outq {
    kc_frame_t *ring; /* power-of-two ring; owned, as are the frames in it */
    uint32_t mask;
    uint64_t head, tail;
    uint32_t writing; /* frames at the head inside the write in progress */
    size_t bytes;     /* wire bytes queued, those being written included */
    uv_write_t req;
    uv_buf_t iov[KC_OUTQ_IOV];
} kc_outq_t;

typedef struct kc_side {
    uv_tcp_t tcp;
    kc_framer_t framer; /* frames read from this socket */
    kc_outq_t out;      /* frames to write to it */
    bool open;          /* tcp initialised and not closed */
    bool reading;
    bool paused;        /* not read because of back-pressure (for the log) */
    char addr[64];      /* peer address, for logs */
    uint64_t bytes_in, bytes_out;
} kc_side_t;

/* Counts per api key and version, for the summary logged at close. */
typedef struct kc_api_count {
    int16_t api_key, api_version;
    uint32_t count;
} kc_api_count_t;

#define KC_API_COUNTS_MAX 64 /* distinct (key, version) pairs counted per connection */

typedef struct kc_api_counts {
    kc_api_count_t *v; /* owned; sorted by (key, version) */
    int n, cap;
    uint32_t dropped;  /* counts past KC_API_COUNTS_MAX pairs */
} kc_api_counts_t;

enum kc_conn_state { KC_CONN_CONNECTING, KC_CONN_OPEN, KC_CONN_CLOSING };

typedef struct kc_conn {
    struct kc_proxy *px;
    uint64_t id;
    int32_t node_id;          /* broker this pair is bound to; -1 when from bootstrap */
    char listener[24];        /* the listener's name, for logs */
    uint32_t boot_index;      /* bootstrap: first of cfg->upstreams to try */
    enum kc_conn_state state;
    kc_side_t client, upstream;
    uv_connect_t connect_req;
    uv_getaddrinfo_t gai_req;
    kc_addr_list_t addrs;     /* the upstream name's addresses, tried in turn */
    uv_timer_t timer;         /* upstream connect timeout, per address */
    int pending;              /* handle closes and requests still to call back before free */
    int upstream_tries;       /* bootstrap: upstream addresses tried */
    kc_inflight_q_t inflight; /* requests awaiting their response, in order */
    int32_t acks0[8];         /* correlation ids of the last acks=0 Produce requests (a ring) */
    uint8_t acks0_next;       /* next slot of acks0 to fill */
    uint8_t acks0_set;        /* which slots hold an id not answered yet */
    size_t held_bytes;        /* bytes of ready responses waiting behind the head */
    uint64_t now;             /* uv_hrtime() of the read being processed */
    uint64_t t_start;
    bool opaque;              /* after a SASL v0 handshake: frames pass without parsing */
    bool sasl_v0;             /* a SaslHandshake v0 is in flight */
    bool half_closed;         /* one side is gone: close once the queues drain */
    bool draining;            /* shutdown: no new requests, close once all are answered */
    bool reset_client;        /* close the client with a reset (RST), as a dead broker would */
    kc_log_level_t close_level;
    const char *client_id;    /* interned; NULL until the first request */
    char software[96];        /* "librdkafka/2.0.2", from ApiVersions v3+ */
    kc_api_counts_t apis;     /* requests per api and version */
    kc_api_counts_t rewrites; /* broker addresses rewritten, per response api and version */
    char reason[192];         /* why it closed */
    struct kc_conn *prev, *next;
} kc_conn_t;

void kc_conn_accept(kc_listener_t *l);
/* Close the pair now, logging why at `level`. */
void kc_conn_close(kc_conn_t *c, kc_log_level_t level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Begin a graceful close: stop reading the client, close once in-flight requests are answered
 * and written (shutdown). */
void kc_conn_drain(kc_conn_t *c);

/* Queue a frame for the broker (takes ownership). */
int kc_conn_to_upstream(kc_conn_t *c, kc_frame_t *f);
/* Queue a frame for the client outside the in-flight order (opaque mode; takes ownership). */
int kc_conn_to_client(kc_conn_t *c, kc_frame_t *f);
/* Give in-flight entry e its response (takes ownership of f), then send every ready response
 * at the head of the queue on to the client. */
void kc_conn_respond(kc_conn_t *c, kc_inflight_t *e, kc_frame_t *f);
/* The log context of the pair. */
kc_log_ctx_t kc_conn_log_ctx(const kc_conn_t *c);
/* Add n to the count of api_key/api_version (statistics only: never fails). */
void kc_api_counts_add(kc_api_counts_t *t, int16_t api_key, int16_t api_version, uint32_t n);

#endif
