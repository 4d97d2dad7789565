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

struct kc_proxy;

typedef struct kc_discovery {
    struct kc_proxy *px;
    uv_tcp_t tcp;
    kc_dial_t dial;        /* connects tcp to the next --upstream */
    uv_timer_t timer;      /* retry backoff and per-attempt timeout */
    uv_write_t write_req;
    uv_buf_t out;
    kc_buf_t *req;         /* the MetadataRequest being sent; owned */
    kc_framer_t framer;
    uint32_t attempt;
    bool tcp_open;         /* this attempt's connection is up (the dialer's until then) */
    bool done;
    bool stopping;
} kc_discovery_t;

void kc_discovery_start(kc_discovery_t *d, struct kc_proxy *px);
/* Stop retrying (shutdown); handles close asynchronously. */
void kc_discovery_stop(kc_discovery_t *d);

#endif
