/* The proxy: everything one event loop owns. Listeners, live connections, the broker map, the
 * buffer pool, start-up discovery and shutdown. Nothing here is global: with --threads N, each
 * of N loops on N threads owns one, and they share every port through SO_REUSEPORT, so the
 * kernel spreads connections over them. The loops never talk to each other; each discovers the
 * brokers, opens their listeners and drains on a signal by itself. */
#ifndef KC_PROXY_H
#define KC_PROXY_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "config.h"
#include "discovery.h"
#include "metrics/metrics.h"
#include "net/tls_stats.h"
#include "route/topics.h"
#include "scrape.h"
#include "route/route.h"
#include "session.h"
#include "util/buf.h"
#include "util/intern.h"

struct kc_admin;
struct kc_conn;
struct kc_faults;
struct kc_listener;
struct kc_tls_ctx;

typedef struct kc_proxy {
    uv_loop_t *loop;
    const kc_config_t *cfg;     /* not owned */
    kc_pool_t pool;             /* every frame buffer */
    kc_route_t route;           /* node id -> real address and local port */
    struct kc_listener *listeners; /* bootstrap first, then one per broker; owned */
    struct kc_conn *conns;      /* live connection pairs, owned */
    uint32_t index;             /* which of cfg->threads loops, from 0 */
    uint64_t next_conn_id;      /* per loop; ids interleave over the loops */
    uint32_t next_upstream;     /* rotates bootstrap connections over cfg->upstreams */
    kc_intern_t client_ids;
    kc_discovery_t discovery;
    uv_signal_t sig_term, sig_int, sig_hup; /* SIGHUP: loop 0 reloads the scenario files */
    uv_timer_t drain_timer;
    bool draining;
    kc_pipe_env_t env;          /* what this loop's sessions share */
    kc_topics_t topics;         /* topic id -> name: this loop's view of the process's map */
    kc_metrics_t metrics;       /* this loop's shard of the produce metrics */
    kc_scrape_port_t scrape;    /* where a scrape hands this loop its turn */
    /* Limits, this loop's share of the process's (--threads N divides them). */
    uint64_t buffer_cap;        /* --max-buffered-bytes */
    struct kc_conn_limits *limits; /* the process's connection admission; not owned */
    uint32_t nconns;            /* live connection pairs of this loop */
    uint64_t buffered;          /* bytes the pairs hold: partial, held and queued frames */
    int mem_level;              /* 0; 1 over 3/4 of buffer_cap: slow frames wait; 2 over it */
    uint64_t mem_pauses;        /* times the cap was reached */
    uint64_t pressure_log_at;   /* uv_now() of the last line saying so */
    uv_timer_t shed_timer;      /* a second after reaching the cap: kc_conn_shed */
    uint64_t refused;           /* connections refused over a limit */
    uint64_t refused_by[2];     /* ... by --max-connections, by --max-connections-per-host */
    uint64_t refused_logged[2]; /* ... when the last line about them was written */
    uint64_t refused_log_at[2]; /* uv_now() of that line */
    uv_timer_t sweep;           /* idle and frame timeouts, once a second */
    struct kc_faults *faults;   /* the process's fault engine; not owned */
    struct kc_tls_ctx *tls;     /* the process's TLS contexts; not owned */
    kc_tls_stats_t tls_stats;   /* this loop's failed handshakes */
    struct kc_admin *admin;     /* --admin, on loop 0 only (NULL elsewhere); owned until
                                 * shutdown. Other modules add their routes to it. */
} kc_proxy_t;

/* Open the bootstrap listener, start discovery and the signal handlers on loop (the index-th of
 * cfg->threads); uv_run() may then run on any one thread. Returns 0 or a negative libuv error
 * (logged). */
int kc_proxy_start(kc_proxy_t *px, uv_loop_t *loop, const kc_config_t *cfg, uint32_t index,
                   kc_topics_shared_t *topics, struct kc_conn_limits *limits,
                   struct kc_faults *faults, struct kc_tls_ctx *tls);
/* Stop accepting, let in-flight requests finish (up to drain_timeout_ms), then close
 * everything; uv_run() returns once all is closed. A second call closes at once. */
void kc_proxy_shutdown(kc_proxy_t *px);
/* After uv_run() has returned. */
void kc_proxy_free(kc_proxy_t *px);

#endif
