/* Start-up discovery: kchaos asks the cluster for its brokers once, before any client does, so
 * that every broker's listener is open from the start (a client handed a port by a response
 * must find it listening). Responses passing through keep the map current afterwards. */
#ifndef KC_DISCOVERY_H
#define KC_DISCOVERY_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "kafka/framer.h"
#include "net/dial.h"
#include "net/transport.h"

struct kc_proxy;

typedef struct kc_discovery {
    struct kc_proxy *px;
    kc_transport_t tr;     /* the socket, TLS with --upstream-tls as the pairs' */
    kc_dial_t dial;        /* connects tr.tcp to the next --upstream */
    uv_timer_t timer;      /* retry backoff and per-attempt timeout */
    uv_buf_t out;
    kc_buf_t *req;         /* the MetadataRequest being sent; owned */
    kc_framer_t framer;
    uint32_t attempt;
    bool tcp_open;         /* this attempt's connection is up (the dialer's until then) */
    const char *host;      /* the --upstream being tried (cfg's string) */
    bool writing;          /* the request is being written (a pending transport write) */
    bool done;
    bool stopping;
} kc_discovery_t;

void kc_discovery_start(kc_discovery_t *d, struct kc_proxy *px);
/* Stop retrying (shutdown); handles close asynchronously. */
void kc_discovery_stop(kc_discovery_t *d);

#endif
