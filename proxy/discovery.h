/* Start-up discovery: kchaos asks the cluster for its brokers once, before any client does, so
 * that every broker's listener is open from the start (a client handed a port by a response
 * must find it listening). Responses passing through keep the map current afterwards. */
#ifndef KC_DISCOVERY_H
#define KC_DISCOVERY_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "net/addr.h"
#include "net/frame.h"

struct kc_proxy;

typedef struct kc_discovery {
    struct kc_proxy *px;
    uv_tcp_t tcp;
    uv_timer_t timer;      /* retry backoff and per-attempt timeout */
    uv_connect_t connect_req;
    uv_getaddrinfo_t gai;  /* resolving an --upstream given as a name */
    kc_addr_list_t addrs;  /* ... and its addresses, tried in turn within one attempt */
    uv_write_t write_req;
    uv_buf_t out;
    kc_buf_t *req;         /* the MetadataRequest being sent; owned */
    kc_framer_t framer;
    uint32_t attempt;
    bool tcp_open;
    bool connected;        /* this attempt's connection is up */
    bool resolving;
    bool done;
    bool stopping;
} kc_discovery_t;

void kc_discovery_start(kc_discovery_t *d, struct kc_proxy *px);
/* Stop retrying (shutdown); handles close asynchronously. */
void kc_discovery_stop(kc_discovery_t *d);

#endif
