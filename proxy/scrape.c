/* The metrics routes: see scrape.h. */
#include "scrape.h"

#include <stdlib.h>
#include <string.h>

#include "admin/admin.h"
#include "fault/engine.h"
#include "metrics/expose.h"
#include "net/conn.h"
#include "net/tls_ctx.h"
#include "proxy.h"

typedef enum { RENDER_PROMETHEUS, RENDER_JSON } render_t;

typedef struct kc_gather {
    kc_mtable_t view;
    kc_intern_t strings;      /* the view's own copies of client ids, hosts, topics */
    kc_proxy_stats_t st;
    kc_proxy_t **all;
    uint32_t n, next;         /* the loop to merge next; n: back at loop 0, done */
    render_t render;
    kc_admin_reply_t *reply;
    struct kc_gather *qnext;
} kc_gather_t;

typedef struct routes {
    kc_proxy_t **all;
    uint32_t n;
    render_t render;
} routes_t;

static routes_t prom_route, json_route;

/* This loop's figures into the view. Runs on the loop that owns them. */
static void merge(kc_gather_t *g, kc_proxy_t *px)
{
    if (px->env.metrics) {
        kc_mtable_merge(&g->view, &px->metrics.t, &g->strings);
        g->st.malformed_batches += px->metrics.malformed_batches;
        g->st.batches_forgotten += px->metrics.batches.evicted;
    }
    g->st.connections += px->nconns;
    for (kc_conn_t *c = px->conns; c; c = c->next)
        g->st.inflight += kc_session_pending(&c->session);
    g->st.buffered_bytes += px->buffered;
    g->st.buffer_cap += px->buffer_cap;
    g->st.memory_pauses += px->mem_pauses;
    g->st.refused += px->refused;
    for (int s = 0; s < KC_TLS_SIDES; s++)
        for (int k = 0; k < KC_TLS_FAIL_KINDS; k++)
            g->st.tls.failures[s][k] += px->tls_stats.failures[s][k];
}

/* The process's TLS settings and certificates (the counters are the loops', above). */
static void tls_state(kc_gather_t *g)
{
    kc_tls_ctx_t *x = g->all[0]->tls;
    for (int s = 0; s < KC_TLS_SIDES; s++) {
        bool server = s == KC_TLS_SIDE_CLIENT;
        g->st.tls_on[s] = kc_tls_ctx_on(x, server);
        g->st.cert_known[s] = g->st.tls_on[s] && kc_tls_ctx_expiry(x, server, &g->st.cert_expiry[s]);
    }
}

static void finish(kc_gather_t *g)
{
    size_t len = 0;
    uint64_t now = uv_hrtime();
    tls_state(g);
    char *body = g->render == RENDER_PROMETHEUS ? kc_expose_prometheus(&g->view, &g->st, now, &len)
                                                : kc_expose_json(&g->view, &g->st, now, &len);
    kc_faults_t *faults = g->all[0]->faults;
    if (body && faults && g->render == RENDER_PROMETHEUS) {
        /* The fault engine's families follow the produce metrics. */
        size_t flen = 0;
        char *fb = kc_faults_prometheus(faults, now, &flen), *both = NULL;
        if (fb && (both = realloc(body, len + flen + 1))) {
            memcpy(both + len, fb, flen + 1);
            body = both;
            len += flen;
        }
        free(fb);
        if (!both) {
            free(body);
            body = NULL;
        }
    }
    if (body)
        kc_admin_reply_send(g->reply, 200,
                            g->render == RENDER_PROMETHEUS ? "text/plain; version=0.0.4; charset=utf-8"
                                                           : "application/json",
                            body, len);
    else
        kc_admin_reply_send(g->reply, 503, "text/plain", strdup("out of memory\n"), 14);
    kc_mtable_free(&g->view);
    kc_intern_free(&g->strings);
    free(g);
}

static void hand_to(kc_gather_t *g, kc_proxy_t *px)
{
    kc_scrape_port_t *p = &px->scrape;
    uv_mutex_lock(&p->lock);
    g->qnext = p->queue;
    p->queue = g;
    uv_mutex_unlock(&p->lock);
    uv_async_send(&p->async);
}

/* One step on the loop whose turn it is: merge, then the next loop, or home to loop 0. */
static void step(kc_gather_t *g, kc_proxy_t *px)
{
    if (g->next == g->n) {
        finish(g); /* back on loop 0 */
        return;
    }
    merge(g, px);
    g->next++;
    if (g->next < g->n)
        hand_to(g, g->all[g->next]);
    else if (px != g->all[0])
        hand_to(g, g->all[0]);
    else
        finish(g);
}

static void on_async(uv_async_t *a)
{
    kc_proxy_t *px = a->data;
    kc_scrape_port_t *p = &px->scrape;
    uv_mutex_lock(&p->lock);
    kc_gather_t *g = p->queue;
    p->queue = NULL;
    uv_mutex_unlock(&p->lock);
    while (g) {
        kc_gather_t *next = g->qnext;
        step(g, px);
        g = next;
    }
}

int kc_scrape_port_init(kc_scrape_port_t *p, uv_loop_t *loop, kc_proxy_t *px)
{
    p->queue = NULL;
    if (uv_mutex_init(&p->lock))
        return UV_ENOMEM;
    int rc = uv_async_init(loop, &p->async, on_async);
    if (rc)
        return rc;
    p->async.data = px;
    uv_unref((uv_handle_t *)&p->async); /* it must not keep the loop running at shutdown */
    return 0;
}

void kc_scrape_port_close(kc_scrape_port_t *p)
{
    uv_close((uv_handle_t *)&p->async, NULL);
    uv_mutex_destroy(&p->lock);
}

static void on_scrape(void *ctx, const kc_admin_req_t *req, kc_admin_reply_t *r)
{
    (void)req;
    routes_t *rt = ctx;
    kc_gather_t *g = calloc(1, sizeof(*g));
    if (!g || kc_mtable_init(&g->view, 0, 0) || kc_intern_init(&g->strings, 1u << 20)) {
        if (g) {
            kc_mtable_free(&g->view);
            free(g);
        }
        kc_admin_reply_send(r, 503, "text/plain", strdup("out of memory\n"), 14);
        return;
    }
    g->all = rt->all;
    g->n = rt->n;
    g->render = rt->render;
    g->reply = r;
    g->st.loops = rt->n;
    step(g, rt->all[0]); /* the admin port is served by loop 0 */
}

int kc_scrape_routes(kc_admin_t *a, kc_proxy_t **all, uint32_t n)
{
    prom_route = (routes_t){all, n, RENDER_PROMETHEUS};
    json_route = (routes_t){all, n, RENDER_JSON};
    int rc = kc_admin_route(a, "GET", "/metrics", on_scrape, &prom_route);
    if (!rc)
        rc = kc_admin_route(a, "GET", "/api/v1/clients", on_scrape, &json_route);
    return rc;
}
