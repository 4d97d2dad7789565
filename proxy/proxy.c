/* The proxy: see proxy.h. */
#include "proxy.h"

#include <stdlib.h>

#include "admin/admin.h"
#include "fault/engine.h"
#include "net/conn.h"
#include "net/listener.h"
#include "net/tls_ctx.h"
#include "util/log.h"

#define CLIENT_IDS_MAX 65536
#define POOL_CACHE (64u * 1024 * 1024) /* free buffers kept for reuse */
#define POOL_CACHE_MIN (8u * 1024 * 1024)

/* A node seen for the first time: open its listener before the response naming it goes on. */
static int open_broker(void *ctx, kc_broker_t *b)
{
    kc_proxy_t *px = ctx;
    if (px->draining)
        return 0;
    kc_listener_t *l;
    int rc = kc_listener_open(px, px->cfg->listen.host, b->listen_port, b->node_id, &l);
    if (rc == 0)
        b->listener = l;
    return rc;
}

static void on_drain_timeout(uv_timer_t *t)
{
    kc_proxy_t *px = t->data;
    for (kc_conn_t *c = px->conns, *next; c; c = next) {
        next = c->next;
        kc_conn_close(c, KC_LOG_INFO, false, "kchaos shutting down (drain timeout)");
    }
}

static void on_signal(uv_signal_t *s, int signum)
{
    kc_proxy_t *px = s->data;
    kc_log(KC_LOG_INFO, "%s: %s", signum == SIGTERM ? "SIGTERM" : "SIGINT",
           px->draining ? "closing every connection now" : "draining");
    if (px->draining)
        on_drain_timeout(&px->drain_timer);
    else
        kc_proxy_shutdown(px);
}

/* SIGHUP: the certificates and keys again, for connections made from now on; the open ones
 * keep theirs. A file that does not load leaves the running contexts as they are. */
static void reload_tls(kc_proxy_t *px)
{
    char err[512];
    if (!px->tls || (!px->tls->server && !px->tls->upstream))
        return;
    if (kc_tls_ctx_reload(px->tls, err, sizeof(err)))
        kc_log(KC_LOG_ERROR, "SIGHUP: TLS not reloaded, the running certificates stay: %s", err);
    else
        kc_log(KC_LOG_INFO, "SIGHUP: TLS certificates and keys reloaded");
}

/* SIGHUP: the --scenario files again. All of them parse, or nothing changes. */
static void on_hup(uv_signal_t *s, int signum)
{
    (void)signum;
    kc_proxy_t *px = s->data;
    reload_tls(px);
    if (!px->faults)
        return;
    kc_scenario_diags_t d = {0};
    if (kc_faults_load_files(px->faults, px->cfg->scenarios, px->cfg->nscenarios, uv_hrtime(), &d)) {
        for (int i = 0; i < d.n; i++)
            kc_log(KC_LOG_ERROR, "SIGHUP: %s", d.v[i]);
        kc_log(KC_LOG_ERROR, "SIGHUP: scenario files not reloaded; the running ones stay");
    } else {
        kc_log(KC_LOG_INFO, "SIGHUP: %d scenario file%s reloaded", px->cfg->nscenarios,
               px->cfg->nscenarios == 1 ? "" : "s");
    }
    kc_scenario_diags_free(&d);
}

static void on_sweep(uv_timer_t *t)
{
    kc_proxy_t *px = t->data;
    uint64_t now = uv_hrtime();
    kc_conn_sweep(px, now);
    if (px->env.metrics)
        kc_metrics_tick(px->env.metrics, now);
}

/* The admin listener, on the first loop only: its routes sum the other loops' figures, and one
 * port cannot be shared the way the Kafka ports are (a scrape must see the whole process). */
static int start_admin(kc_proxy_t *px)
{
    const kc_config_t *cfg = px->cfg;
    if (px->index != 0 || !cfg->admin.port)
        return 0;
    kc_admin_opts_t o = {.host = cfg->admin.host, .port = cfg->admin.port,
                         .token = cfg->admin_token, .idle_timeout_ms = cfg->admin_idle_ms};
    int rc = kc_admin_start(&px->admin, px->loop, &o);
    if (rc) {
        kc_log(KC_LOG_ERROR, "admin: cannot listen on %s:%u: %s", cfg->admin.host, cfg->admin.port,
               uv_strerror(rc));
        return rc;
    }
    kc_log(KC_LOG_INFO, "admin listening on %s%s", kc_admin_name(px->admin),
           cfg->admin_token ? " (bearer token required)" : "");
    return 0;
}

/* This loop's share of a process-wide limit. */
static uint64_t share(uint64_t limit, uint32_t threads) { return (limit + threads - 1) / threads; }

int kc_proxy_start(kc_proxy_t *px, uv_loop_t *loop, const kc_config_t *cfg, uint32_t index,
                   kc_topics_shared_t *topics, struct kc_conn_limits *limits,
                   struct kc_faults *faults, struct kc_tls_ctx *tls)
{
    *px = (kc_proxy_t){.loop = loop, .cfg = cfg, .index = index, .faults = faults, .tls = tls};
    /* The cache is the process's, split over the loops, so --threads 0 on a big machine
     * does not keep 64 MiB per core. */
    size_t cache = POOL_CACHE / cfg->threads;
    cache = cache < POOL_CACHE_MIN ? POOL_CACHE_MIN : cache;
    /* Free buffers kept for reuse are memory too: at most an eighth of the loop's cap. */
    uint64_t cap_share = cfg->max_buffered / cfg->threads / 8;
    kc_buf_pool_init(&px->pool, cache < cap_share ? cache : (size_t)cap_share);
    if (kc_intern_init(&px->client_ids, CLIENT_IDS_MAX))
        return UV_ENOMEM;
    kc_route_init(&px->route, cfg->advertise, cfg->broker_ports, cfg->node_id_base,
                  cfg->port_overrides, cfg->noverrides);
    px->route.on_new = open_broker;
    px->route.ctx = px;
    px->env = (kc_pipe_env_t){.pool = &px->pool, .route = &px->route,
                              .client_ids = &px->client_ids, .max_frame = cfg->max_frame,
                              .max_inflight = cfg->max_inflight,
                              .topics = &px->topics,
                              .decide_request = faults ? kc_fault_decide_request : NULL,
                              .decide_response = faults ? kc_fault_decide_response : NULL,
                              .decide_ctx = faults};
    if (kc_topics_init(&px->topics, topics))
        return UV_ENOMEM;
    if (cfg->metrics) {
        kc_metrics_cfg_t mc = {
            .max_clients = (uint32_t)share(cfg->metrics_max_clients, cfg->threads),
            .max_series = (uint32_t)share(cfg->metrics_max_series, cfg->threads),
            .expire_ns = (uint64_t)cfg->metrics_expire_ms * 1000000,
        };
        if (kc_metrics_init(&px->metrics, &mc, &px->pool, &px->topics))
            return UV_ENOMEM;
        px->env.metrics = &px->metrics;
    }
    px->buffer_cap = share(cfg->max_buffered, cfg->threads);
    px->limits = limits;
    kc_listener_t *boot;
    int rc = kc_listener_open(px, cfg->listen.host, cfg->listen.port, -1, &boot);
    if (rc)
        return rc;
    if ((rc = kc_scrape_port_init(&px->scrape, loop, px)))
        return rc;
    if ((rc = start_admin(px)))
        return rc;
    uv_signal_init(loop, &px->sig_term);
    uv_signal_init(loop, &px->sig_int);
    uv_signal_init(loop, &px->sig_hup);
    uv_timer_init(loop, &px->drain_timer);
    uv_timer_init(loop, &px->sweep);
    uv_timer_init(loop, &px->shed_timer);
    px->shed_timer.data = px;
    uv_unref((uv_handle_t *)&px->shed_timer);
    px->sig_term.data = px->sig_int.data = px->sig_hup.data = px->drain_timer.data =
        px->sweep.data = px;
    uv_timer_start(&px->sweep, on_sweep, 1000, 1000);
    uv_unref((uv_handle_t *)&px->sweep); /* a timer alone does not keep the loop running */
    uv_signal_start(&px->sig_term, on_signal, SIGTERM);
    uv_signal_start(&px->sig_int, on_signal, SIGINT);
    if (index == 0 && (faults || tls)) {
        uv_signal_start(&px->sig_hup, on_hup, SIGHUP);
        uv_unref((uv_handle_t *)&px->sig_hup);
    }
    kc_discovery_start(&px->discovery, px);
    return 0;
}

void kc_proxy_shutdown(kc_proxy_t *px)
{
    if (px->draining)
        return;
    px->draining = true;
    kc_listener_close_all(px);
    if (px->admin) { /* a scrape during the drain is not worth a loop that will not end */
        kc_admin_close(px->admin);
        px->admin = NULL;
    }
    kc_discovery_stop(&px->discovery);
    for (kc_conn_t *c = px->conns, *next; c; c = next) {
        next = c->next;
        kc_conn_drain(c);
    }
    /* Neither the timer nor the signals keep the loop alive: it ends with the last connection. */
    uv_timer_start(&px->drain_timer, on_drain_timeout, px->cfg->drain_timeout_ms, 0);
    uv_unref((uv_handle_t *)&px->drain_timer);
    uv_unref((uv_handle_t *)&px->sig_term);
    uv_unref((uv_handle_t *)&px->sig_int);
    uv_signal_stop(&px->sig_hup);
}

void kc_proxy_free(kc_proxy_t *px)
{
    if (px->admin) {
        kc_admin_close(px->admin);
        px->admin = NULL;
    }
    uv_close((uv_handle_t *)&px->drain_timer, NULL);
    uv_close((uv_handle_t *)&px->sweep, NULL);
    uv_close((uv_handle_t *)&px->shed_timer, NULL);
    uv_close((uv_handle_t *)&px->sig_term, NULL);
    uv_close((uv_handle_t *)&px->sig_int, NULL);
    uv_close((uv_handle_t *)&px->sig_hup, NULL);
    kc_scrape_port_close(&px->scrape);
    uv_run(px->loop, UV_RUN_DEFAULT); /* let the close callbacks run */
    kc_route_free(&px->route);
    if (px->env.metrics)
        kc_metrics_free(px->env.metrics);
    kc_topics_free(&px->topics);
    kc_intern_free(&px->client_ids);
    kc_buf_pool_free(&px->pool);
}
