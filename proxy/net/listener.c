/* Listeners: see listener.h. */
#include "listener.h"

#include <stdio.h>
#include <stdlib.h>

#include "../proxy.h"
#include "../util/log.h"
#include "addr.h"
#include "conn.h"

static void on_connection(uv_stream_t *server, int status)
{
    kc_listener_t *l = server->data;
    if (status < 0) {
        kc_log(KC_LOG_WARN, "[%s] accept failed: %s", l->name, uv_strerror(status));
        return;
    }
    kc_conn_accept(l);
}

/* A listener is freed once its own handle and its spare (if used) have both closed. */
static void handle_closed(uv_handle_t *h)
{
    kc_listener_t *l = h->data;
    if (h == (uv_handle_t *)&l->spare)
        l->spare_busy = false;
    if (--l->open_handles == 0)
        free(l);
}

void kc_listener_reject(kc_listener_t *l)
{
    if (l->spare_busy)
        return; /* the last one is still closing: the next connection callback retries */
    uv_tcp_init(l->tcp.loop, &l->spare);
    l->spare.data = l;
    l->spare_busy = true;
    l->open_handles++;
    uv_accept((uv_stream_t *)&l->tcp, (uv_stream_t *)&l->spare);
    uv_close((uv_handle_t *)&l->spare, handle_closed);
}

int kc_listener_open(kc_proxy_t *px, const char *host, uint16_t port, int32_t node_id,
                     kc_listener_t **out)
{
    struct sockaddr_storage ss;
    int rc = kc_addr_parse(host, port, &ss);
    if (rc) {
        kc_log(KC_LOG_ERROR, "listen: '%s' is not an IP address", host);
        return rc;
    }
    kc_listener_t *l = calloc(1, sizeof(*l));
    if (!l)
        return UV_ENOMEM;
    l->px = px;
    l->node_id = node_id;
    l->port = port;
    if (node_id < 0)
        snprintf(l->name, sizeof(l->name), "bootstrap");
    else
        snprintf(l->name, sizeof(l->name), "broker %d", node_id);
    uv_tcp_init(px->loop, &l->tcp);
    l->tcp.data = l;
    l->open_handles = 1;
    if ((rc = uv_tcp_bind(&l->tcp, (struct sockaddr *)&ss, 0)) == 0)
        rc = uv_listen((uv_stream_t *)&l->tcp, 511, on_connection);
    if (rc) {
        kc_log(KC_LOG_ERROR, "[%s] cannot listen on %s:%u: %s", l->name, host, port,
               uv_strerror(rc));
        uv_close((uv_handle_t *)&l->tcp, handle_closed);
        return rc;
    }
    l->next = px->listeners;
    px->listeners = l;
    *out = l;
    kc_log(KC_LOG_INFO, "[%s] listening on %s:%u", l->name, host, port);
    return 0;
}

void kc_listener_close_all(kc_proxy_t *px)
{
    kc_listener_t *l = px->listeners;
    px->listeners = NULL;
    while (l) {
        kc_listener_t *next = l->next;
        uv_close((uv_handle_t *)&l->tcp, handle_closed);
        l = next;
    }
}
