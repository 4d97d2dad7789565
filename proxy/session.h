/* The session: everything Kafka-aware about one connection pair, owned by the pipeline.
 *
 * Bytes come in (kc_session_alloc / kc_session_recv, from either side), frames and decisions
 * go out through three calls the owner provides: send this frame to the broker or the client,
 * close the pair (with a reason, cleanly or with a reset), wake me at time T. The owner (the
 * connection pair in net/, or a unit test) moves bytes, runs the one timer and applies
 * back-pressure; it knows nothing of Kafka, and the session knows nothing of sockets (the
 * nghttp2 mem_recv/mem_send shape). Time is the caller's: uv_hrtime() nanoseconds, passed in. */
#ifndef KC_SESSION_H
#define KC_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "inflight.h"
#include "kafka/framer.h"
#include "metrics/metrics.h"
#include "route/route.h"
#include "route/topics.h"
#include "util/intern.h"
#include "util/log.h"

typedef struct kc_session kc_session_t;

typedef enum kc_dir { KC_TO_UPSTREAM, KC_TO_CLIENT } kc_dir_t;

/* What a decision stage (the fault engine; a test's script) does with one frame. */
typedef enum kc_verdict {
    KC_PASS,   /* on, as it is (or as edited) */
    KC_HOLD,   /* on at `until`; holds those behind it */
    KC_ANSWER, /* request: not forwarded, `answer` goes to the client in its place */
    KC_DROP,   /* request: not forwarded and never answered (acks=0: simply gone) */
    KC_CLOSE,  /* close the pair */
} kc_verdict_t;

typedef struct kc_decision {
    kc_verdict_t verdict;
    uint64_t until;    /* KC_HOLD */
    kc_frame_t answer; /* KC_ANSWER: a whole response frame, taken by the session */
    kc_merge_t merge;  /* KC_PASS of a request: local results for the broker's answer */
    bool reset;        /* KC_CLOSE: a reset (RST) rather than a clean close */
    const char *why;   /* KC_CLOSE: for the log (static storage) */
} kc_decision_t;

/* Called with the request (e->frame, which it may edit; e->state is still HELD) or the
 * response (f; e is the entry it answers, already past the rewrite). */
typedef void (*kc_decide_fn)(void *ctx, kc_session_t *s, kc_inflight_t *e, kc_frame_t *f,
                             kc_decision_t *d);

/* What every session of one event loop shares. */
typedef struct kc_pipe_env {
    kc_pool_t *pool;
    kc_route_t *route;
    kc_intern_t *client_ids;
    uint32_t max_frame;
    uint32_t max_inflight;   /* requests at the broker per connection; 0: no limit */
    kc_metrics_t *metrics;   /* produce metrics; NULL: off */
    kc_topics_t *topics;     /* topic ids learned from Metadata */
    struct kc_recorder *recorder; /* the process's recording (record/recorder.h); NULL: none */
    bool removed_logged[128]; /* unknown api keys already reported, by key & 127 */
    /* The fault stage: NULL passes everything. */
    kc_decide_fn decide_request, decide_response;
    void *decide_ctx;
} kc_pipe_env_t;

typedef struct kc_session_io {
    /* Queue f for one side (takes ownership, even on failure). 0 or -KC_ENOMEM. */
    int (*send)(void *ctx, kc_dir_t to, kc_frame_t *f);
    /* Close the pair, logging why at `level`; no call into the session follows but free. */
    void (*close)(void *ctx, kc_log_level_t level, bool reset, const char *why);
    /* Call kc_session_tick at `at` (uv_hrtime clock); 0 cancels. */
    void (*wake)(void *ctx, uint64_t at);
} kc_session_io_t;

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

struct kc_session {
    kc_pipe_env_t *env;
    const kc_session_io_t *io;
    void *io_ctx;
    kc_log_ctx_t log;         /* the owner's strings; client_id is the session's */
    const char *host;         /* the client's address, interned (metrics) */
    uint32_t produce_pending; /* Produce requests awaiting their response */
    uint32_t at_broker;       /* requests forwarded and not answered yet */
    kc_framer_t from_client, from_upstream;
    kc_inflight_q_t q;        /* every request, in order */
    uint64_t now;             /* of the read or tick being processed */
    uint64_t wake;            /* the time asked of io->wake (0: none) */
    size_t held_req_bytes;    /* requests held before the broker */
    size_t held_resp_bytes;   /* responses waiting for their turn */
    /* Correlation ids of forwarded acks=0 Produce requests the broker may still answer (Kafka
     * never does; librdkafka's mock does): a ring, oldest first, grown on demand. */
    int32_t *acks0;
    uint32_t acks0_head, acks0_n, acks0_cap;
    /* The fault engine's state for this pair (fault/engine.c). */
    int32_t node_id;           /* the broker this pair goes to; -1: a bootstrap connection */
    uint64_t fault_mute_until; /* KIP-219 throttle enforced: requests wait until then */
    uint64_t fault_bw_up, fault_bw_down; /* bandwidth: when the next frame each way may go */
    char fault_why[256];       /* a fault's close reason (the decision points at it) */
    uint64_t requests;        /* frames read from the client */
    bool opaque;              /* after a SASL v0 handshake: frames pass without parsing */
    bool sasl_v0;             /* a SaslHandshake v0 is in flight */
    /* SASL identity: the mechanism asked for, the user its first message named (not trusted
     * yet), the round trips answered, and the principal once the broker said it succeeded.
     * Never a password, a proof or a token. */
    char sasl_mech[24];
    char sasl_user[128];
    uint8_t sasl_rounds;
    char principal[128];      /* "" until a SASL exchange succeeds */
    const char *principal_id; /* the same, interned by the loop (metrics labels) */
    bool closed;
    char software[96];        /* "librdkafka/2.0.2", from ApiVersions v3+ */
    /* The client certificate's subject (RFC 2253) once a mutual TLS handshake is done, for
     * identity; NULL without TLS or without a client certificate. The owner's string. */
    const char *client_subject;
    kc_api_counts_t apis;     /* requests per api and version */
    kc_api_counts_t rewrites; /* broker addresses rewritten, per response api and version */
};

int kc_session_init(kc_session_t *s, kc_pipe_env_t *env, const kc_session_io_t *io, void *io_ctx,
                    kc_log_ctx_t log);
/* At most this many acks=0 ids are remembered per connection (4 KiB); past it the oldest goes. */
#define KC_ACKS0_MAX 1024u
/* Is corr the answer to a remembered acks=0 Produce? If so it and every older one are
 * forgotten: the broker answers in order, so those it skipped it will never answer. */
bool kc_session_acks0_answered(kc_session_t *s, int32_t corr);

/* The client's address once known (before its first request): its series are keyed by it. */
void kc_session_set_host(kc_session_t *s, const char *ip);
void kc_session_free(kc_session_t *s);

/* Where the next bytes read from one side go (the framer's buffer: no copy). */
void kc_session_alloc(kc_session_t *s, bool from_client, uv_buf_t *buf);
/* n bytes arrived in the last buffer from kc_session_alloc, at `now`. 0, or a negative code
 * once the session has closed the pair (the owner stops reading). */
int kc_session_recv(kc_session_t *s, bool from_client, size_t n, uint64_t now);
/* The time asked for through io->wake has come (or any later time). */
void kc_session_tick(kc_session_t *s, uint64_t now);

/* Requests not answered yet (a draining pair closes at 0). */
static inline uint32_t kc_session_pending(const kc_session_t *s) { return kc_inflight_count(&s->q); }
/* Bytes held inside the session that will go to one side. */
static inline size_t kc_session_held(const kc_session_t *s, kc_dir_t to)
{
    return to == KC_TO_UPSTREAM ? s->held_req_bytes : s->held_resp_bytes;
}
/* Bytes of a frame from one side that has begun and not ended (0 between frames), and in
 * *whole its size (0 until its size prefix is complete). */
static inline uint32_t kc_session_partial(const kc_session_t *s, bool from_client, uint32_t *whole)
{
    return kc_framer_partial(from_client ? &s->from_client : &s->from_upstream, whole);
}
/* Every byte the session holds: partial frames on both sides and frames held in order. */
static inline size_t kc_session_buffered(const kc_session_t *s)
{
    uint32_t w;
    return (size_t)kc_session_partial(s, true, &w) + kc_session_partial(s, false, &w) +
           s->held_req_bytes + s->held_resp_bytes;
}
kc_log_ctx_t kc_session_log_ctx(const kc_session_t *s);
/* The session's part of the close summary: "software":..,"apis":{..},"rewrites":{..} into out;
 * returns the bytes written. */
size_t kc_session_summary(const kc_session_t *s, char *out, size_t cap);

/* Used by the pipeline's stages (pipeline.c). */
void kc_session_close(kc_session_t *s, kc_log_level_t level, bool reset, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int kc_session_send(kc_session_t *s, kc_dir_t to, kc_frame_t *f);
/* Forward every request that is due, deliver every response that may go, ask for the next
 * wake-up. Returns 0 or a negative code when the pair closed. */
int kc_session_pump(kc_session_t *s);
void kc_api_counts_add(kc_api_counts_t *t, int16_t api_key, int16_t api_version, uint32_t n);

#endif
