/* The admin HTTP listener: see admin.h. The listener and its connections; each connection reads
 * through a kc_http_reader (http.c), turns each request into a reply slot queued in request
 * order, routes it (routes.c: token, path, method), and writes the head of the queue once it is
 * answered, one write at a time. */
#include "admin.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../net/addr.h"
#include "../util/log.h"
#include "admin_int.h"
#include "http.h"

#define PIPELINE_MAX 16   /* answers queued on one connection before its reading pauses */
#define READ_BUF 4096     /* bytes read at once; the parser keeps what it needs itself */
#define LOG_BURST 20      /* bad-request lines per second at most, then a count */
#define LINGER_MS 2000    /* after the last answer, unread input is drained this long ... */
#define LINGER_MAX (256 * 1024) /* ... or up to this many bytes, then the connection closes */

struct kc_admin_reply {
    conn_t *c;              /* NULL once the connection is gone: the answer is then dropped */
    kc_admin_reply_t *next; /* the connection's queue, in request order */
    kc_admin_req_t req;     /* strings in strs, but the body */
    char *req_body;         /* owned; req.body, freed once answered (NULL: none) */
    bool ready;             /* answered: head and body may be written */
    bool head_only;         /* HEAD: Content-Length of the body, but no body */
    bool close_after;       /* the last answer on its connection */
    char *body;             /* owned, from the handler; freed with the reply */
    size_t len;
    size_t head_len;
    char head[768];         /* the status line and headers: see send_reply for the bound */
    char strs[];            /* method, path, query and accept, each NUL-terminated */
};

struct conn {
    kc_admin_t *a;
    uv_tcp_t tcp;
    uv_timer_t idle;        /* closes the connection after a->idle_ms without progress */
    uv_write_t wreq;        /* the one write in flight, for the head of the queue */
    uv_shutdown_t sreq;     /* our FIN after the last answer */
    size_t drained;         /* bytes read and dropped while lingering */
    int handles;            /* tcp and idle until both have closed: freed at 0 */
    bool reading, writing, in_feed, paused, input_done, eof, lingering, closing;
    kc_admin_reply_t *head, *tail; /* answers in request order, owned (see close_conn) */
    uint32_t nreplies;
    char peer[64];
    size_t in_off, in_len;  /* bytes of in not yet parsed while paused */
    char in[READ_BUF];      /* read buffer, owned */
    kc_http_reader_t rd;
    conn_t *next, **pprev;
};

static void flush(conn_t *c);
static void feed(conn_t *c, size_t off, size_t len);
static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b);
static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b);

/* ---- logging ---- */

/* A path as it may appear in a log line: printable ASCII only, cut at 96 bytes. */
static void printable(char *out, size_t cap, const char *s)
{
    size_t i = 0;
    for (; s[i] && i + 1 < cap && i < 96; i++)
        out[i] = s[i] > 0x20 && s[i] < 0x7f && s[i] != '"' && s[i] != '\\' ? s[i] : '?';
    out[i] = 0;
}

/* One line per refused request, LOG_BURST a second at most. Never the token: no header is
 * logged, only the method, path and why. */
static void log_bad(conn_t *c, const char *method, const char *path, int status, const char *why)
{
    kc_admin_t *a = c->a;
    a->bad++;
    uint64_t now = uv_now(a->loop);
    if (now - a->log_window >= 1000) {
        a->log_window = now;
        a->log_lines = 0;
    }
    if (a->log_lines++ >= LOG_BURST)
        return;
    char p[100] = "";
    if (path)
        printable(p, sizeof(p), path);
    uint64_t missed = a->bad - a->bad_logged - 1;
    kc_log(KC_LOG_WARN, "admin: %s%s%s%s%s: %d %s%s", c->peer, method ? " " : "",
           method ? method : "", path ? " " : "", p, status, why,
           missed ? " (some earlier lines suppressed)" : "");
    a->bad_logged = a->bad;
}

/* ---- connections ---- */

/* One of a->open has closed; the last frees a (the listener holds one until kc_admin_close). */
static void release(kc_admin_t *a)
{
    if (--a->open)
        return;
    kc_admin_routes_free(a);
    free(a->token);
    free(a);
}

static void free_reply(kc_admin_reply_t *r)
{
    free(r->req_body);
    free(r->body);
    free(r);
}

static void conn_closed(uv_handle_t *h)
{
    conn_t *c = h->data;
    if (--c->handles)
        return;
    kc_admin_t *a = c->a;
    kc_http_reader_free(&c->rd);
    free(c);
    release(a);
}

/* Close c. Answers already made are dropped, except the one being written (its write callback
 * frees it, cancelled); answers still awaited are orphaned: their handler's later send frees
 * them. */
static void close_conn(conn_t *c)
{
    if (c->closing)
        return;
    c->closing = true;
    kc_admin_reply_t *keep = c->writing ? c->head : NULL;
    for (kc_admin_reply_t *r = c->head, *next; r; r = next) {
        next = r->next;
        r->next = NULL;
        if (r == keep)
            continue;
        if (r->ready)
            free_reply(r);
        else
            r->c = NULL;
    }
    c->head = c->tail = keep;
    *c->pprev = c->next;
    if (c->next)
        c->next->pprev = c->pprev;
    c->a->nconns--;
    uv_close((uv_handle_t *)&c->tcp, conn_closed);
    uv_close((uv_handle_t *)&c->idle, conn_closed);
}

static void on_idle(uv_timer_t *t)
{
    conn_t *c = t->data;
    if (!c->lingering)
        kc_log(KC_LOG_DEBUG, "admin: %s idle for %u ms, closing", c->peer, c->a->idle_ms);
    close_conn(c);
}

/* The idle clock restarts on progress only: a request read whole, or an answer written. A peer
 * trickling one request byte by byte gets no more time than one that sends nothing. */
static void progress(conn_t *c) { uv_timer_start(&c->idle, on_idle, c->a->idle_ms, 0); }

static void reading(conn_t *c, bool on);

static void on_shutdown(uv_shutdown_t *req, int status)
{
    (void)req, (void)status; /* the linger timer or the peer's EOF closes */
}

/* After the last answer: send our FIN, then read and drop what the peer still sends for a
 * moment. Closing with unread input would make the kernel send a reset, which can destroy the
 * answer (a 400, a 431) before the peer has read it. */
static void linger(conn_t *c)
{
    c->lingering = true;
    if (uv_shutdown(&c->sreq, (uv_stream_t *)&c->tcp, on_shutdown)) {
        close_conn(c);
        return;
    }
    uv_timer_start(&c->idle, on_idle, LINGER_MS, 0);
    reading(c, true);
}

static void on_write(uv_write_t *w, int status)
{
    conn_t *c = w->data;
    kc_admin_reply_t *r = c->head;
    c->head = r->next;
    if (!c->head)
        c->tail = NULL;
    c->nreplies--;
    c->writing = false;
    bool last = r->close_after;
    free_reply(r);
    if (c->closing)
        return;
    if (status < 0 || (last && c->eof)) {
        close_conn(c);
        return;
    }
    if (last) {
        linger(c);
        return;
    }
    progress(c);
    if (c->paused && c->nreplies < PIPELINE_MAX / 2) {
        c->paused = false;
        kc_http_reader_resume(&c->rd);
        feed(c, c->in_off, c->in_len); /* flushes */
        return;
    }
    flush(c);
}

/* Write the head of the queue if it is answered; close when nothing more will come. */
static void flush(conn_t *c)
{
    if (c->closing || c->writing || c->in_feed)
        return;
    kc_admin_reply_t *r = c->head;
    if (!r) {
        if (c->input_done)
            close_conn(c);
        return;
    }
    if (!r->ready)
        return;
    uv_buf_t b[2] = {uv_buf_init(r->head, (unsigned)r->head_len),
                     uv_buf_init(r->body, (unsigned)r->len)};
    c->writing = true;
    c->wreq.data = c;
    int rc = uv_write(&c->wreq, (uv_stream_t *)&c->tcp, b, r->head_only || !r->len ? 1 : 2,
                      on_write);
    if (rc) {
        c->writing = false;
        close_conn(c);
    }
}

/* A reply slot for req at the tail of c's queue, with copies of the strings a handler sees. */
static kc_admin_reply_t *new_reply(conn_t *c, const kc_http_request_t *req)
{
    size_t lm = strlen(req->method) + 1, lp = strlen(req->path) + 1;
    size_t lq = strlen(req->query) + 1, la = strlen(req->accept) + 1;
    kc_admin_reply_t *r = calloc(1, sizeof(*r) + lm + lp + lq + la);
    if (!r)
        return NULL;
    char *s = r->strs;
    r->req.method = memcpy(s, req->method, lm);
    r->req.path = memcpy(s += lm, req->path, lp);
    r->req.query = memcpy(s += lp, req->query, lq);
    r->req.accept = memcpy(s += lq, req->accept, la);
    r->req.body = "";
    if (req->body_len) {
        /* Apart from the other strings, so that it goes as soon as the handler has answered. */
        if (!(r->req_body = malloc(req->body_len + 1))) {
            free(r);
            return NULL;
        }
        memcpy(r->req_body, req->body, req->body_len);
        r->req_body[req->body_len] = 0;
        r->req.body = r->req_body;
        r->req.body_len = req->body_len;
    }
    r->c = c;
    r->close_after = !req->keep_alive;
    if (c->tail)
        c->tail->next = r;
    else
        c->head = r;
    c->tail = r;
    c->nreplies++;
    return r;
}

static void answer(kc_admin_reply_t *r, int status, const char *extra, const char *text);

/* Run the route for req, or answer why there is none. */
static void dispatch(conn_t *c, kc_admin_reply_t *r, const kc_http_request_t *req)
{
    kc_admin_miss_t miss;
    const route_t *rt = kc_admin_match(c->a, req, &miss);
    if (!rt) {
        log_bad(c, req->method, req->path, miss.status, miss.why);
        answer(r, miss.status, miss.extra, miss.text);
        return;
    }
    r->head_only = !strcmp(req->method, "HEAD");
    rt->fn(rt->ctx, &r->req, r);
}

/* From the reader, for each whole request; 1 pauses it. */
static int on_request(void *ctx, const kc_http_request_t *req)
{
    conn_t *c = ctx;
    progress(c);
    kc_admin_reply_t *r = new_reply(c, req);
    if (!r) {
        c->input_done = true;
        return 1; /* out of memory: answer what is queued, then close */
    }
    if (!req->keep_alive)
        c->input_done = true;
    dispatch(c, r, req);
    return c->input_done || c->nreplies >= PIPELINE_MAX;
}

/* The reader refused the input: its status is the last answer on c. */
static void refused(conn_t *c)
{
    log_bad(c, NULL, NULL, c->rd.status, c->rd.why);
    c->input_done = true;
    kc_admin_reply_t *r = new_reply(c, &(kc_http_request_t){.method = "", .path = "", .query = "",
                                                            .accept = "", .authorization = ""});
    if (r) {
        r->close_after = true;
        char text[64];
        snprintf(text, sizeof(text), "%s\n", kc_http_reason(c->rd.status));
        answer(r, c->rd.status, NULL, text);
    }
}

static void reading(conn_t *c, bool on)
{
    if (on == c->reading || c->closing)
        return;
    c->reading = on;
    if (on)
        uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
    else
        uv_read_stop((uv_stream_t *)&c->tcp);
}

/* Parse in[off, off+len); keep what a pause left over, refuse what the reader refused. */
static void feed(conn_t *c, size_t off, size_t len)
{
    c->in_feed = true;
    size_t n = kc_http_reader_feed(&c->rd, c->in + off, len);
    c->in_feed = false;
    if (c->rd.status && !c->input_done)
        refused(c);
    /* Paused with every byte consumed (the request that filled the queue ended the read) still
     * stops reading: the bound on waiting answers is exact. */
    c->paused = !c->input_done && (n < len || kc_http_reader_paused(&c->rd));
    c->in_off = off + n;
    c->in_len = len - n;
    reading(c, !c->input_done && !c->paused);
    flush(c);
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
    (void)hint;
    conn_t *c = h->data;
    *b = uv_buf_init(c->in, sizeof(c->in)); /* reading runs only while in holds nothing */
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b)
{
    (void)b;
    conn_t *c = s->data;
    if (nread == 0)
        return;
    if (c->lingering) {
        if (nread < 0 || (c->drained += (size_t)nread) > LINGER_MAX)
            close_conn(c);
        return;
    }
    if (nread > 0) {
        feed(c, 0, (size_t)nread);
        return;
    }
    reading(c, false);
    if (nread != UV_EOF) {
        close_conn(c);
        return;
    }
    /* The peer is done sending; what it asked is still answered (a half-close). A request it cut
     * short is a 400 like any other malformed input. */
    kc_http_reader_eof(&c->rd);
    if (c->rd.status && !c->input_done)
        refused(c);
    c->input_done = c->eof = true;
    flush(c);
}

/* ---- answers ---- */

/* Build r's head (extra: more header lines, each ending in CRLF) and write it when its turn
 * comes. */
static void send_reply(kc_admin_reply_t *r, int status, const char *content_type, char *body,
                       size_t len, const char *extra)
{
    if (r->ready)
        abort(); /* answered twice: a handler broke the contract */
    r->ready = true;
    free(r->req_body); /* the handler is done with req */
    r->req_body = NULL;
    r->req.body = "";
    r->req.body_len = 0;
    r->body = body;
    r->len = body ? len : 0;
    conn_t *c = r->c;
    if (!c) { /* its connection is gone */
        free_reply(r);
        return;
    }
    if (status < 100 || status > 599)
        status = 500;
    /* The content type comes from code, not from a peer; still, no line break may end up in
     * the head. */
    char ct[96];
    snprintf(ct, sizeof(ct), "%s", content_type ? content_type : "text/plain; charset=utf-8");
    for (char *p = ct; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
    int n = snprintf(r->head, sizeof(r->head),
                     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                     "Cache-Control: no-store\r\nConnection: %s\r\n%s\r\n",
                     status, kc_http_reason(status), ct, r->len,
                     r->close_after ? "close" : "keep-alive", extra ? extra : "");
    if (n < 0 || (size_t)n >= sizeof(r->head))
        abort(); /* every part above is bounded well below the buffer */
    r->head_len = (size_t)n;
    flush(c);
}

void kc_admin_reply_send(kc_admin_reply_t *r, int status, const char *content_type, char *body,
                         size_t len)
{
    send_reply(r, status, content_type, body, len, NULL);
}

void kc_admin_reply_headers(kc_admin_reply_t *r, int status, const char *content_type,
                            const char *headers, char *body, size_t len)
{
    if (strlen(headers) > KC_ADMIN_HEADERS_MAX)
        abort(); /* written by code, not by a peer: a longer one is a bug */
    send_reply(r, status, content_type, body, len, headers);
}

static char *copy_text(const char *text, size_t *len)
{
    *len = strlen(text);
    char *body = malloc(*len + 1);
    if (body)
        memcpy(body, text, *len + 1);
    else
        *len = 0;
    return body;
}

/* An answer made here, with extra header lines (or NULL). */
static void answer(kc_admin_reply_t *r, int status, const char *extra, const char *text)
{
    size_t len;
    char *body = copy_text(text, &len);
    send_reply(r, status, NULL, body, len, extra);
}

void kc_admin_reply_text(kc_admin_reply_t *r, int status, const char *text)
{
    answer(r, status, NULL, text);
}

void kc_admin_reply_json(kc_admin_reply_t *r, int status, char *body, size_t len)
{
    if (body)
        kc_admin_reply_send(r, status, "application/json", body, len);
    else
        kc_admin_reply_text(r, 503, "out of memory\n");
}

/* ---- the listener ---- */

static void on_connection(uv_stream_t *server, int status)
{
    kc_admin_t *a = server->data;
    if (status < 0 || a->closing)
        return;
    conn_t *c = calloc(1, sizeof(*c));
    if (!c)
        return; /* the connection waits in the backlog; a later callback may take it */
    uv_tcp_init(a->loop, &c->tcp);
    uv_timer_init(a->loop, &c->idle);
    c->tcp.data = c->idle.data = c;
    c->a = a;
    c->handles = 2;
    a->open++;
    c->next = a->conns;
    if (a->conns)
        a->conns->pprev = &c->next;
    c->pprev = &a->conns;
    a->conns = c;
    a->nconns++;
    kc_http_reader_init(&c->rd, on_request, c);
    snprintf(c->peer, sizeof(c->peer), "?");
    if (uv_accept(server, (uv_stream_t *)&c->tcp)) {
        close_conn(c);
        return;
    }
    struct sockaddr_storage ss;
    int len = sizeof(ss);
    if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) == 0)
        kc_addr_name((struct sockaddr *)&ss, c->peer, sizeof(c->peer));
    if (a->nconns > a->max_conns) {
        /* Refused with a status a person with curl understands; one try, never waited on. */
        static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
                                   "Connection: close\r\n\r\n";
        uv_buf_t b = uv_buf_init((char *)busy, sizeof(busy) - 1);
        uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
        log_bad(c, NULL, NULL, 503, "too many admin connections");
        close_conn(c);
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    progress(c);
    reading(c, true);
}

static void listener_closed(uv_handle_t *h) { release(h->data); }

int kc_admin_start(kc_admin_t **out, uv_loop_t *loop, const kc_admin_opts_t *o)
{
    struct sockaddr_storage ss;
    int rc = kc_addr_parse(o->host, o->port, &ss);
    if (rc)
        return rc;
    kc_admin_t *a = calloc(1, sizeof(*a));
    if (!a)
        return UV_ENOMEM;
    a->loop = loop;
    a->idle_ms = o->idle_timeout_ms ? o->idle_timeout_ms : KC_ADMIN_IDLE_MS;
    a->max_conns = o->max_conns ? o->max_conns : KC_ADMIN_MAX_CONNS;
    if (o->token && *o->token) {
        a->token_len = strlen(o->token);
        if (!(a->token = strdup(o->token))) {
            free(a);
            return UV_ENOMEM;
        }
    }
    if ((rc = uv_tcp_init_ex(loop, &a->tcp, ss.ss_family))) {
        free(a->token);
        free(a);
        return rc;
    }
    a->tcp.data = a;
    a->open = 1;
    if ((rc = uv_tcp_bind(&a->tcp, (struct sockaddr *)&ss, 0)) == 0)
        rc = uv_listen((uv_stream_t *)&a->tcp, 64, on_connection);
    if (rc == 0)
        rc = kc_admin_builtin_routes(a);
    if (rc) {
        a->closing = true;
        uv_close((uv_handle_t *)&a->tcp, listener_closed);
        return rc;
    }
    kc_addr_format(a->name, sizeof(a->name), o->host, kc_admin_port(a));
    *out = a;
    return 0;
}

uint16_t kc_admin_port(const kc_admin_t *a)
{
    struct sockaddr_storage ss;
    int len = sizeof(ss);
    if (uv_tcp_getsockname(&a->tcp, (struct sockaddr *)&ss, &len))
        return 0;
    return ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                          : ((struct sockaddr_in *)&ss)->sin_port);
}

const char *kc_admin_name(const kc_admin_t *a) { return a->name; }

void kc_admin_close(kc_admin_t *a)
{
    if (a->closing)
        return;
    a->closing = true;
    while (a->conns)
        close_conn(a->conns);
    uv_close((uv_handle_t *)&a->tcp, listener_closed);
}
