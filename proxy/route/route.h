/* The broker map: node id <-> the broker's real address <-> the local port kchaos listens on
 * for it.
 *
 * A broker's port follows from its node id alone, START + node id - BASE, or an explicit
 * override, never from which brokers happen to be alive: a broker that is down at start-up or
 * comes back later keeps its port, and a restarted kchaos reproduces every port. */
#ifndef KC_ROUTE_ROUTE_H
#define KC_ROUTE_ROUTE_H

#include <stdbool.h>
#include <stdint.h>

#include "../kafka/endpoint.h"

typedef struct kc_broker {
    int32_t node_id;
    char *host;           /* real host as the cluster last advertised it; owned */
    int32_t port;         /* real port */
    uint16_t listen_port; /* where clients reach it through kchaos */
    void *listener;       /* the net layer's listener, NULL until open */
} kc_broker_t;

typedef struct kc_port_override {
    int32_t node_id;
    uint16_t port;
} kc_port_override_t;

typedef struct kc_route {
    const char *advertise_host;   /* host clients are told; not owned */
    int32_t advertise_len;
    int32_t ports_start;          /* port of node id == node_id_base */
    int32_t node_id_base;
    const kc_port_override_t *overrides; /* not owned */
    int noverrides;
    kc_broker_t *brokers;         /* sorted by node id; owned */
    int nbrokers, cap;
    /* Called when a node id is seen for the first time, before the response naming it goes
     * on (the proxy opens the node's listener there). Non-zero fails the mapping. */
    int (*on_new)(void *ctx, kc_broker_t *b);
    void *ctx;
} kc_route_t;

void kc_route_init(kc_route_t *rt, const char *advertise_host, int32_t ports_start,
                   int32_t node_id_base, const kc_port_override_t *ov, int nov);
void kc_route_free(kc_route_t *rt);

/* The local port for a node id: 0 and the port, or -KC_ENOPORT when the rule gives no valid port. */
int kc_route_port(const kc_route_t *rt, int32_t node_id, uint16_t *port);
kc_broker_t *kc_route_find(kc_route_t *rt, int32_t node_id);
/* Record (or update) a broker's real address; opens it through on_new when new. */
int kc_route_learn(kc_route_t *rt, int32_t node_id, kc_str_t host, int32_t port,
                   kc_broker_t **out);
/* The address map response rewriters use: learn the real address, hand out kchaos's. */
kc_addr_map_t kc_route_addr_map(kc_route_t *rt);

#endif
