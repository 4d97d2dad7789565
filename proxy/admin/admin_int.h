/* The admin module's own types, shared by its two halves and nothing else: admin.c (the listener,
 * its connections and the answers they write) and routes.c (the route table, the bearer token,
 * and which route a request goes to). */
#ifndef KC_ADMIN_INT_H
#define KC_ADMIN_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "admin.h"
#include "http.h"

typedef struct conn conn_t;

typedef struct route {
    char *method; /* owned */
    char *path;   /* owned; with prefix, any path that starts with it */
    bool prefix;
    bool open;    /* served without the bearer token (kc_admin_route_open) */
    kc_admin_handler_fn fn;
    void *ctx;
} route_t;

struct kc_admin {
    uv_loop_t *loop;
    uv_tcp_t tcp;
    char name[64];        /* "127.0.0.1:9000", for logs */
    char *token;          /* owned; NULL: no authentication */
    size_t token_len;
    route_t *routes;      /* owned (routes.c) */
    int nroutes;
    conn_t *conns;        /* live connections, owned */
    uint32_t nconns, max_conns;
    uint32_t idle_ms;
    int open;             /* the listener and each connection until it has closed: freed at 0 */
    bool closing;
    uint64_t bad, bad_logged; /* bad requests seen, and when the last line was written */
    uint64_t log_window;      /* uv_now() at which the current second of lines began */
    int log_lines;            /* lines in that second */
};

/* Why a request gets no route: its status, extra header lines (each ending in CRLF), the body
 * and the reason for the log line. */
typedef struct kc_admin_miss {
    int status; /* 401, 404 or 405 */
    const char *text, *why;
    char extra[192];
} kc_admin_miss_t;

/* routes.c: the route for req, or NULL with m filled. Token first, then path, then method: a
 * peer without the token learns nothing of the routes. */
const route_t *kc_admin_match(const kc_admin_t *a, const kc_http_request_t *req,
                              kc_admin_miss_t *m);
/* GET / (an index of the routes) and GET /healthz. 0 or UV_ENOMEM. */
int kc_admin_builtin_routes(kc_admin_t *a);
void kc_admin_routes_free(kc_admin_t *a);

#endif
