/* The admin listener's routes: the table other modules fill (kc_admin_route, kc_admin_route_prefix),
 * the bearer token check, the choice of route for a request (or the 401/404/405 it gets instead),
 * and the two routes built in (GET / and GET /healthz). No socket here: admin.c calls
 * kc_admin_match for each request and runs what it returns. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <strings.h>

#include "admin_int.h"

/* ---- matching ---- */

/* The bearer token, compared in time that depends on what was sent, never on the token. */
static bool authorized(const kc_admin_t *a, const kc_http_request_t *req)
{
    const char *v = req->authorization;
    if (req->auth_bad || strncasecmp(v, "Bearer ", 7))
        return false;
    for (v += 7; *v == ' '; v++)
        ;
    size_t n = strlen(v);
    unsigned diff = n != a->token_len;
    for (size_t i = 0; i < n; i++)
        diff |= (unsigned char)v[i] ^ (unsigned char)a->token[i % a->token_len];
    return diff == 0;
}

static bool covers(const route_t *rt, const char *path)
{
    return rt->prefix ? !strncmp(path, rt->path, strlen(rt->path)) : !strcmp(path, rt->path);
}

/* HEAD is answered by the GET route. */
static bool serves(const route_t *rt, const char *method)
{
    return !strcmp(rt->method, method) || (!strcmp(method, "HEAD") && !strcmp(rt->method, "GET"));
}

/* "Allow: GET, HEAD, PUT\r\n": every method some route covering the path answers, once each, in
 * the order the routes were added. */
static void allow_header(const kc_admin_t *a, const char *path, char *out, size_t cap)
{
    const char *seen[16];
    int nseen = 0;
    size_t n = (size_t)snprintf(out, cap, "Allow:");
    for (int i = 0; i < a->nroutes && nseen < 15; i++) {
        const route_t *rt = &a->routes[i];
        if (!covers(rt, path))
            continue;
        const char *m[2] = {rt->method, strcmp(rt->method, "GET") ? NULL : "HEAD"};
        for (int k = 0; k < 2 && m[k] && nseen < 16; k++) {
            int dup = 0;
            for (int j = 0; j < nseen && !dup; j++)
                dup = !strcmp(seen[j], m[k]);
            if (dup)
                continue;
            seen[nseen] = m[k];
            int w = snprintf(out + n, cap - n, "%s %s", nseen ? "," : "", m[k]);
            nseen++;
            n = w < 0 || (size_t)w >= cap - n ? cap - 1 : n + (size_t)w;
        }
    }
    /* Cut short only by a table of absurd method names: the line must still end. */
    if (n > cap - 3)
        n = cap - 3;
    memcpy(out + n, "\r\n", 3);
}

/* A GET or HEAD of a path served without the token (a page that holds no data). */
static bool open_route(const kc_admin_t *a, const kc_http_request_t *req)
{
    if (strcmp(req->method, "GET") && strcmp(req->method, "HEAD"))
        return false;
    for (int i = 0; i < a->nroutes; i++)
        if (a->routes[i].open && !strcmp(a->routes[i].path, req->path))
            return true;
    return false;
}

const route_t *kc_admin_match(const kc_admin_t *a, const kc_http_request_t *req,
                              kc_admin_miss_t *m)
{
    memset(m, 0, sizeof(*m));
    if (a->token && !authorized(a, req) && !open_route(a, req)) {
        *m = (kc_admin_miss_t){401, "unauthorized\n",
                               req->authorization[0] ? "wrong bearer token" : "no bearer token",
                               "WWW-Authenticate: Bearer\r\n"};
        return NULL;
    }
    /* An exact route wins over any prefix route; among prefix routes the longest prefix wins, so
     * "/api/v1/scenarios/" can sit beside a broader "/api/". */
    const route_t *best = NULL;
    size_t best_rank = 0;
    bool any = false;
    for (int i = 0; i < a->nroutes; i++) {
        const route_t *rt = &a->routes[i];
        if (!covers(rt, req->path))
            continue;
        any = true;
        size_t rank = rt->prefix ? strlen(rt->path) + 1 : SIZE_MAX;
        if (serves(rt, req->method) && rank > best_rank) {
            best = rt;
            best_rank = rank;
        }
    }
    if (best)
        return best;
    if (!any) {
        m->status = 404;
        m->text = "not found\n";
        m->why = "no such route";
        return NULL;
    }
    m->status = 405;
    m->text = "method not allowed\n";
    m->why = "method not allowed";
    allow_header(a, req->path, m->extra, sizeof(m->extra));
    return NULL;
}

/* ---- the table ---- */

static int add(kc_admin_t *a, const char *method, const char *path, bool prefix,
               kc_admin_handler_fn fn, void *ctx)
{
    for (int i = 0; i < a->nroutes; i++)
        if (a->routes[i].prefix == prefix && !strcmp(a->routes[i].method, method) &&
            !strcmp(a->routes[i].path, path))
            return UV_EEXIST;
    route_t *rs = realloc(a->routes, (size_t)(a->nroutes + 1) * sizeof(*rs));
    if (!rs)
        return UV_ENOMEM;
    a->routes = rs;
    route_t *r = &rs[a->nroutes];
    *r = (route_t){strdup(method), strdup(path), prefix, false, fn, ctx};
    if (!r->method || !r->path) {
        free(r->method);
        free(r->path);
        return UV_ENOMEM;
    }
    a->nroutes++;
    return 0;
}

int kc_admin_route(kc_admin_t *a, const char *method, const char *path, kc_admin_handler_fn fn,
                   void *ctx)
{
    return add(a, method, path, false, fn, ctx);
}

int kc_admin_route_open(kc_admin_t *a, const char *path, kc_admin_handler_fn fn, void *ctx)
{
    int rc = add(a, "GET", path, false, fn, ctx);
    if (rc == 0)
        a->routes[a->nroutes - 1].open = true;
    return rc;
}

int kc_admin_route_prefix(kc_admin_t *a, const char *method, const char *prefix,
                          kc_admin_handler_fn fn, void *ctx)
{
    return add(a, method, prefix, true, fn, ctx);
}

void kc_admin_routes_free(kc_admin_t *a)
{
    for (int i = 0; i < a->nroutes; i++) {
        free(a->routes[i].method);
        free(a->routes[i].path);
    }
    free(a->routes);
    a->routes = NULL;
    a->nroutes = 0;
}

/* ---- built-in routes ---- */

static void route_healthz(void *ctx, const kc_admin_req_t *req, kc_admin_reply_t *r)
{
    (void)ctx, (void)req;
    kc_admin_reply_text(r, 200, "ok\n");
}

/* s with HTML's special characters escaped, onto out (cap bytes, NUL-terminated). */
static size_t html_text(char *out, size_t cap, const char *s)
{
    size_t n = 0;
    for (; *s && n + 7 < cap; s++) {
        const char *e = *s == '<' ? "&lt;" : *s == '>' ? "&gt;" : *s == '&' ? "&amp;"
                      : *s == '"' ? "&quot;" : NULL;
        n += e ? (size_t)snprintf(out + n, cap - n, "%s", e) : (out[n] = *s, 1);
    }
    out[n] = 0;
    return n;
}

/* For a browser: the same list, each GET route a link, the page (GET /ui) first. */
static void route_index_html(kc_admin_t *a, kc_admin_reply_t *r)
{
    size_t cap = 512, n = 0;
    for (int i = 0; i < a->nroutes; i++)
        cap += 2 * 6 * strlen(a->routes[i].path) + strlen(a->routes[i].method) + 48;
    char *body = malloc(cap);
    if (!body) {
        kc_admin_reply_send(r, 500, NULL, NULL, 0);
        return;
    }
    n += (size_t)snprintf(body, cap, "<!doctype html><meta charset=utf-8><title>kchaos admin"
                                     "</title><h1>kchaos admin</h1>");
    for (int i = 0; i < a->nroutes; i++)
        if (!strcmp(a->routes[i].path, "/ui"))
            n += (size_t)snprintf(body + n, cap - n, "<p><a href=\"/ui\">The timeline page</a>: "
                                  "the producers live, the recording's incidents and rules.</p>");
    n += (size_t)snprintf(body + n, cap - n, "<ul>");
    for (int i = 0; i < a->nroutes; i++) {
        char p[6 * 256 + 8];
        html_text(p, sizeof(p), a->routes[i].path);
        bool link = !strcmp(a->routes[i].method, "GET") && !a->routes[i].prefix;
        if (link)
            n += (size_t)snprintf(body + n, cap - n, "<li>%s <a href=\"%s\">%s</a>",
                                  a->routes[i].method, p, p);
        else
            n += (size_t)snprintf(body + n, cap - n, "<li>%s %s%s", a->routes[i].method, p,
                                  a->routes[i].prefix ? "*" : "");
    }
    n += (size_t)snprintf(body + n, cap - n, "</ul>\n");
    kc_admin_reply_send(r, 200, "text/html; charset=utf-8", body, n);
}

/* One line per route; a prefix route ends in '*'. A browser (Accept: text/html) gets links. */
static void route_index(void *ctx, const kc_admin_req_t *req, kc_admin_reply_t *r)
{
    kc_admin_t *a = ctx;
    if (strstr(req->accept, "text/html")) {
        route_index_html(a, r);
        return;
    }
    size_t cap = 64, n = 0;
    for (int i = 0; i < a->nroutes; i++)
        cap += strlen(a->routes[i].method) + strlen(a->routes[i].path) + 3;
    char *body = malloc(cap);
    if (!body) {
        kc_admin_reply_send(r, 500, NULL, NULL, 0);
        return;
    }
    n += (size_t)snprintf(body, cap, "kchaos admin\n\n");
    for (int i = 0; i < a->nroutes; i++)
        n += (size_t)snprintf(body + n, cap - n, "%s %s%s\n", a->routes[i].method,
                              a->routes[i].path, a->routes[i].prefix ? "*" : "");
    kc_admin_reply_send(r, 200, NULL, body, n);
}

int kc_admin_builtin_routes(kc_admin_t *a)
{
    int rc = kc_admin_route(a, "GET", "/", route_index, a);
    return rc ? rc : kc_admin_route(a, "GET", "/healthz", route_healthz, a);
}
