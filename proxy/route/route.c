/* The broker map: see route.h. */
#include "route.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void kc_route_init(kc_route_t *rt, const char *advertise_host, int32_t ports_start,
                   int32_t node_id_base, const kc_port_override_t *ov, int nov)
{
    *rt = (kc_route_t){
        .advertise_host = advertise_host,
        .advertise_len = (int32_t)strlen(advertise_host),
        .ports_start = ports_start,
        .node_id_base = node_id_base,
        .overrides = ov,
        .noverrides = nov,
    };
}

void kc_route_free(kc_route_t *rt)
{
    for (int i = 0; i < rt->nbrokers; i++)
        free(rt->brokers[i].host);
    free(rt->brokers);
    rt->brokers = NULL;
    rt->nbrokers = rt->cap = 0;
}

int kc_route_port(const kc_route_t *rt, int32_t node_id, uint16_t *port)
{
    for (int i = 0; i < rt->noverrides; i++) {
        if (rt->overrides[i].node_id == node_id) {
            *port = rt->overrides[i].port;
            return 0;
        }
    }
    int64_t p = (int64_t)rt->ports_start + node_id - rt->node_id_base;
    if (node_id < rt->node_id_base || p < 1 || p > 65535)
        return -KC_ENOPORT;
    *port = (uint16_t)p;
    return 0;
}

/* Index of node_id, or of where it would go. */
static int lower_bound(const kc_route_t *rt, int32_t node_id)
{
    int lo = 0, hi = rt->nbrokers;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (rt->brokers[mid].node_id < node_id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

kc_broker_t *kc_route_find(kc_route_t *rt, int32_t node_id)
{
    int i = lower_bound(rt, node_id);
    return i < rt->nbrokers && rt->brokers[i].node_id == node_id ? &rt->brokers[i] : NULL;
}

static int set_host(kc_broker_t *b, kc_str_t host)
{
    if (b->host && (int32_t)strlen(b->host) == host.len && memcmp(b->host, host.p, host.len) == 0)
        return 0;
    char *h = malloc((size_t)host.len + 1);
    if (!h)
        return -KC_ENOMEM;
    memcpy(h, host.p, (size_t)host.len);
    h[host.len] = 0;
    free(b->host);
    b->host = h;
    return 0;
}

static int add(kc_route_t *rt, int32_t node_id, kc_broker_t **out)
{
    uint16_t lport;
    int rc = kc_route_port(rt, node_id, &lport);
    if (rc)
        return rc;
    if (rt->nbrokers == rt->cap) {
        int cap = rt->cap ? rt->cap * 2 : 8;
        kc_broker_t *nb = realloc(rt->brokers, (size_t)cap * sizeof(*nb));
        if (!nb)
            return -KC_ENOMEM;
        /* Nothing keeps a pointer into this array across calls: listeners know their node
         * by id and look it up (kc_route_find). */
        rt->brokers = nb;
        rt->cap = cap;
    }
    int i = lower_bound(rt, node_id);
    memmove(&rt->brokers[i + 1], &rt->brokers[i], (size_t)(rt->nbrokers - i) * sizeof(rt->brokers[0]));
    rt->nbrokers++;
    rt->brokers[i] = (kc_broker_t){.node_id = node_id, .listen_port = lport};
    *out = &rt->brokers[i];
    return 0;
}

int kc_route_learn(kc_route_t *rt, int32_t node_id, kc_str_t host, int32_t port,
                   kc_broker_t **out)
{
    kc_broker_t *b = kc_route_find(rt, node_id);
    int rc;
    if (!b && (rc = add(rt, node_id, &b)) != 0)
        return rc;
    *out = b;
    b->port = port;
    if ((rc = set_host(b, host)) != 0)
        return rc;
    /* Open it now, before the response that names it reaches the client; retried on every
     * mention until it works. */
    return !b->listener && rt->on_new ? rt->on_new(rt->ctx, b) : 0;
}

static int map_addr(void *ctx, int32_t node_id, kc_str_t host, int32_t port, kc_str_t *out_host,
                    int32_t *out_port)
{
    kc_route_t *rt = ctx;
    kc_broker_t *b;
    int rc = kc_route_learn(rt, node_id, host, port, &b);
    if (rc)
        return rc;
#ifdef KCHAOS_BREAK_ADDR
    /* Test-only broken build (cmake -DKCHAOS_BREAK=addr): the highest node id known keeps
     * its real address, so the tests must catch a client that was sent around kchaos. */
    if (node_id == rt->brokers[rt->nbrokers - 1].node_id) {
        *out_host = host;
        *out_port = port;
        return 0;
    }
#endif
    *out_host = (kc_str_t){rt->advertise_host, rt->advertise_len};
    *out_port = b->listen_port;
    return 0;
}

kc_addr_map_t kc_route_addr_map(kc_route_t *rt) { return (kc_addr_map_t){map_addr, rt}; }
