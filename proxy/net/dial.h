/* The dialer: one outgoing TCP connection to host:port, made the way Kafka's own clients make
 * it (client.dns.lookup=use_all_dns_ips): a name is resolved and every address it gives is
 * tried in turn, each with its own connect timeout, from the --upstream-bind source address.
 * "localhost" resolving to ::1 first must still reach a broker listening on 127.0.0.1 only.
 * The connection pair and start-up discovery both dial through it. */
#ifndef KC_NET_DIAL_H
#define KC_NET_DIAL_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "../util/log.h"
#include "addr.h"

typedef struct kc_dial kc_dial_t;
/* The dial ended: status 0 and *tcp connected (now the owner's, tcp->data included), or the
 * last address's error with *tcp closed. */
typedef void (*kc_dial_cb)(kc_dial_t *d, int status);

struct kc_dial {
    uv_loop_t *loop;
    uv_tcp_t *tcp;            /* the owner's handle, initialised here for each address */
    const char *bind;         /* source address, or NULL */
    uint32_t timeout_ms;      /* per address */
    const kc_log_ctx_t *log;  /* for the "trying its next address" lines */
    const char *who;          /* who is dialing, in those lines ("discovery"); NULL: the pair */
    kc_dial_cb cb;
    void *data;               /* the owner's */
    char name[80];            /* "host:port" being dialed, for logs */
    uv_timer_t timer;
    uv_connect_t req;
    uv_getaddrinfo_t gai;
    kc_addr_list_t addrs;
    int status;               /* the last address's error */
    int pending;              /* libuv callbacks still to come */
    bool active;              /* a dial is under way: cb will be called */
    bool tcp_open;            /* *tcp is initialised and still the dialer's */
    bool closing;
    void (*on_closed)(kc_dial_t *d);
};

void kc_dial_init(kc_dial_t *d, uv_loop_t *loop, uv_tcp_t *tcp, const char *bind,
                  uint32_t timeout_ms, kc_dial_cb cb, void *data);
/* Dial host:port; cb is called once, later (never from inside this call). */
void kc_dial_start(kc_dial_t *d, const char *host, uint16_t port);
/* Abandon a dial under way: cb will not be called. */
void kc_dial_cancel(kc_dial_t *d);
/* Cancel and release the dialer's own handles; on_closed once nothing refers to d. */
void kc_dial_close(kc_dial_t *d, void (*on_closed)(kc_dial_t *d));

#endif
