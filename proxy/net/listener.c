/* Listeners: see listener.h. */
#include "listener.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

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

/* Each of --threads loops listens on every port; the kernel hashes each new connection to one
 * of them. Only set with more than one loop, so that a second kchaos started by mistake on the
 * same ports fails to bind instead of silently taking half the connections. */
static int reuse_port(uv_tcp_t *tcp)
{
    uv_os_fd_t fd;
    int one = 1, rc = uv_fileno((uv_handle_t *)tcp, &fd);
    if (rc)
        return rc;
    return setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) ? uv_translate_sys_error(errno) : 0;
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
    /* The socket exists from init on, so SO_REUSEPORT can be set before the bind. */
    rc = uv_tcp_init_ex(px->loop, &l->tcp, ss.ss_family);
    if (rc) {
        kc_log(KC_LOG_ERROR, "[%s] cannot make a socket: %s", l->name, uv_strerror(rc));
        free(l);
        return rc;
    }
    l->tcp.data = l;
    l->open_handles = 1;
    if (px->cfg->threads > 1)
        rc = reuse_port(&l->tcp);
    if (rc == 0 && (rc = uv_tcp_bind(&l->tcp, (struct sockaddr *)&ss, 0)) == 0)
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
    char loop[32] = "";
    if (px->cfg->threads > 1)
        snprintf(loop, sizeof(loop), " (loop %u of %u)", px->index + 1, px->cfg->threads);
    kc_log(KC_LOG_INFO, "[%s] listening on %s:%u%s", l->name, host, port, loop);
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
