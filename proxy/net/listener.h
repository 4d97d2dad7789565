/* Listeners: the bootstrap port and one port per broker node. A connection accepted on a
 * broker's port is paired with a connection to that broker and no other. */
#ifndef KC_NET_LISTENER_H
#define KC_NET_LISTENER_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

struct kc_proxy;

typedef struct kc_listener {
    uv_tcp_t tcp;
    struct kc_proxy *px;
    int32_t node_id;  /* -1 for the bootstrap listener */
    uint16_t port;
    char name[24];    /* "bootstrap", "broker 3": for logs */
    uv_tcp_t spare;   /* accepts and closes a connection kchaos cannot take (out of memory) */
    bool spare_busy;
    int open_handles; /* tcp, and spare while it closes: freed at 0 */
    struct kc_listener *next;
} kc_listener_t;

/* Bind and listen; the listener joins px->listeners. 0 or a negative libuv error. */
int kc_listener_open(struct kc_proxy *px, const char *host, uint16_t port, int32_t node_id,
                     kc_listener_t **out);
/* Accept the pending connection and close it at once. */
void kc_listener_reject(kc_listener_t *l);
/* Close every listener of px (shutdown). */
void kc_listener_close_all(struct kc_proxy *px);

#endif
