/* The admin HTTP listener (--admin): a small HTTP/1.1 server on one libuv loop that other
 * modules plug routes into (the metrics' /metrics and /api/v1/clients). It owns the listening
 * socket, its connections and every pending answer; a route owns only its handler and context.
 *
 * Robust against its peers, so that nothing on the admin port can harm the Kafka traffic on the
 * same loop: requests are read by libhttp-parser into fixed buffers (header section at most
 * 16 KiB; a body, framed by Content-Length or chunked, at most 1 MiB), at most 64 connections, an idle one closes, a connection that sends bad HTTP gets
 * its status and is closed alone. Answers go out in request order, whenever each is ready. */
#ifndef KC_ADMIN_H
#define KC_ADMIN_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

typedef struct kc_admin kc_admin_t;

typedef struct kc_admin_req {
    const char *method; /* "GET", "PUT", ..., or "HEAD" on a GET route (no body is then sent) */
    const char *path;   /* "/metrics", without the query; on a prefix route the whole path */
    const char *query;  /* after '?', "" if none */
    const char *accept; /* the Accept header or "" */
    const char *body;   /* the request body (de-chunked), NUL-terminated; "" if none */
    size_t body_len;    /* its length (it may hold NULs of its own) */
} kc_admin_req_t;

/* One pending answer, owned by the admin module; it holds the request's strings. */
typedef struct kc_admin_reply kc_admin_reply_t;

/* A handler answers now or later (the metrics gather shards from other loops asynchronously),
 * exactly once, with kc_admin_reply_send; req and its strings (the body too) live until then. The connection
 * may close before that (peer gone, idle, shutdown): the reply then still waits for its answer,
 * which is dropped, so a handler never needs to know. */
typedef void (*kc_admin_handler_fn)(void *ctx, const kc_admin_req_t *req, kc_admin_reply_t *r);

typedef struct kc_admin_opts {
    const char *host;         /* an IP literal, e.g. "127.0.0.1" or "::1" */
    uint16_t port;            /* 0: any free port (kc_admin_port tells which) */
    const char *token;        /* NULL: no authentication; else copied, and every request must
                               * carry "Authorization: Bearer TOKEN" */
    uint32_t idle_timeout_ms; /* 0: 60000 */
    uint32_t max_conns;       /* 0: 64 */
} kc_admin_opts_t;

#define KC_ADMIN_IDLE_MS 60000
#define KC_ADMIN_MAX_CONNS 64

/* Takes ownership of body (malloc'ed, freed once written or dropped); body may be NULL when len
 * is 0. content_type NULL means "text/plain; charset=utf-8". May be called from inside the
 * handler or from any later callback on the admin's loop, never from another thread. */
void kc_admin_reply_send(kc_admin_reply_t *r, int status, const char *content_type, char *body,
                         size_t len);
/* kc_admin_reply_send with more header lines, each ending in CRLF (a page's
 * Content-Security-Policy): written by code, never taken from a peer, at most
 * KC_ADMIN_HEADERS_MAX bytes. */
#define KC_ADMIN_HEADERS_MAX 256
void kc_admin_reply_headers(kc_admin_reply_t *r, int status, const char *content_type,
                            const char *headers, char *body, size_t len);
/* kc_admin_reply_send with a copy of a NUL-terminated text/plain body. */
void kc_admin_reply_text(kc_admin_reply_t *r, int status, const char *text);
/* A JSON body built by the handler (taken, as by kc_admin_reply_send); NULL, when building it
 * ran out of memory, is answered 503. */
void kc_admin_reply_json(kc_admin_reply_t *r, int status, char *body, size_t len);

/* Bind and listen on loop; GET / (an index of the routes) and GET /healthz are built in.
 * 0 or a negative libuv error (UV_EINVAL when host is not an IP literal); nothing logged. */
int kc_admin_start(kc_admin_t **out, uv_loop_t *loop, const kc_admin_opts_t *opts);
/* Answer method on path (exact match, no query) with fn. HEAD is answered by the GET route.
 * 0, UV_EEXIST when that method and path already have a route, or UV_ENOMEM.
 *
 * A request that reaches no route gets 404 when no route covers its path, or 405 with an Allow
 * header listing the methods the routes covering it answer. PUT and POST must say their body's
 * length (Content-Length or chunked; else 411); a body over 1 MiB is refused (413). The bearer
 * token, when set, is checked first, whatever the method. */
int kc_admin_route(kc_admin_t *a, const char *method, const char *path, kc_admin_handler_fn fn,
                   void *ctx);
/* The same for GET (and HEAD) on path, served without the bearer token: only for what holds
 * no data (the admin page, whose own requests carry the token). */
int kc_admin_route_open(kc_admin_t *a, const char *path, kc_admin_handler_fn fn, void *ctx);
/* Answer method on every path that starts with prefix ("/api/v1/scenarios/"); the handler reads
 * the rest from req->path. An exact route for the path and method wins; among prefix routes the
 * longest prefix does. 0, UV_EEXIST when that method and prefix already have a prefix route, or
 * UV_ENOMEM. */
int kc_admin_route_prefix(kc_admin_t *a, const char *method, const char *prefix,
                          kc_admin_handler_fn fn, void *ctx);
/* The port listened on, and "HOST:PORT" for log lines. */
uint16_t kc_admin_port(const kc_admin_t *a);
const char *kc_admin_name(const kc_admin_t *a);
/* Stop listening and close every connection; a is freed once all of it has closed (the loop
 * must run for that). Replies still pending stay valid until their kc_admin_reply_send. */
void kc_admin_close(kc_admin_t *a);

#endif
