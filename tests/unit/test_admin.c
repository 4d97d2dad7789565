/* proxy/admin/: the request reader without sockets (http.c), then the listener over loopback on a
 * private loop (admin.c), with a blocking client on its own thread. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "admin/admin.h"
#include "admin/http.h"
#include "admin/ui.h"
#include "kc_test.h"

/* ---- the reader ---- */

typedef struct seen {
    int n;
    int pause_at; /* pause after this many requests (0: never) */
    char method[8][16], path[8][64], query[8][64], accept[8][128], auth[8][128], body[8][64];
    size_t body_len[8];
    bool keep_alive[8], auth_bad[8];
} seen_t;

static int collect(void *ctx, const kc_http_request_t *req)
{
    seen_t *s = ctx;
    assert_true(s->n < 8);
    snprintf(s->method[s->n], 16, "%s", req->method);
    snprintf(s->path[s->n], 64, "%s", req->path);
    snprintf(s->query[s->n], 64, "%s", req->query);
    snprintf(s->accept[s->n], 128, "%s", req->accept);
    snprintf(s->auth[s->n], 128, "%s", req->authorization);
    snprintf(s->body[s->n], 64, "%s", req->body);
    s->body_len[s->n] = req->body_len;
    assert_int_equal(req->body[req->body_len], 0); /* NUL-terminated */
    s->keep_alive[s->n] = req->keep_alive;
    s->auth_bad[s->n] = req->auth_bad;
    s->n++;
    return s->pause_at && s->n == s->pause_at;
}

static kc_http_reader_t *reader(seen_t *s)
{
    kc_http_reader_t *r = malloc(sizeof(*r));
    kc_http_reader_init(r, collect, s);
    return r;
}

static void test_reader_request(void **state)
{
    (void)state;
    seen_t s = {0};
    kc_http_reader_t *r = reader(&s);
    const char *req = "GET /metrics?name=x&y=1 HTTP/1.1\r\nHost: h\r\nACCEPT: text/plain\r\n"
                      "Accept: application/json\r\nAuthorization: Bearer abc  \r\n\r\n";
    assert_int_equal(kc_http_reader_feed(r, req, strlen(req)), strlen(req));
    assert_int_equal(r->status, 0);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.method[0], "GET");
    assert_string_equal(s.path[0], "/metrics");
    assert_string_equal(s.query[0], "name=x&y=1");
    assert_string_equal(s.accept[0], "text/plain, application/json");
    assert_string_equal(s.auth[0], "Bearer abc");
    assert_true(s.keep_alive[0]);
    assert_false(s.auth_bad[0]);
    free(r);
}

/* Every callback may see its piece in fragments: one byte at a time gives the same request. */
static void test_reader_byte_by_byte(void **state)
{
    (void)state;
    seen_t s = {0};
    kc_http_reader_t *r = reader(&s);
    const char *req = "HEAD /healthz HTTP/1.0\r\nAccept: */*\r\nX-Long-Header-Name-Over-Thirty-"
                      "Two-Bytes: v\r\n\r\n";
    for (size_t i = 0; i < strlen(req); i++)
        assert_int_equal(kc_http_reader_feed(r, req + i, 1), 1);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.method[0], "HEAD");
    assert_string_equal(s.path[0], "/healthz");
    assert_string_equal(s.query[0], "");
    assert_string_equal(s.accept[0], "*/*");
    assert_false(s.keep_alive[0]); /* HTTP/1.0 without keep-alive */
    free(r);
}

static void test_reader_pipelined_pause(void **state)
{
    (void)state;
    seen_t s = {.pause_at = 1};
    kc_http_reader_t *r = reader(&s);
    const char *req = "GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\nGET /c HTTP/1.1\r\n\r\n";
    size_t len = strlen(req), n = kc_http_reader_feed(r, req, len);
    assert_int_equal(n, strlen("GET /a HTTP/1.1\r\n\r\n"));
    assert_int_equal(s.n, 1);
    kc_http_reader_resume(r);
    assert_int_equal(kc_http_reader_feed(r, req + n, len - n), len - n);
    assert_int_equal(s.n, 3);
    assert_string_equal(s.path[1], "/b");
    assert_string_equal(s.path[2], "/c");
    free(r);
}

static int refused_with(const char *req, size_t len)
{
    seen_t s = {0};
    kc_http_reader_t *r = reader(&s);
    kc_http_reader_feed(r, req, len);
    int status = r->status;
    assert_true(status == 0 || r->why != NULL);
    kc_http_reader_free(r);
    free(r);
    return status;
}

static char *header_of(size_t value_len)
{
    char *req = malloc(value_len + 64);
    int n = sprintf(req, "GET / HTTP/1.1\r\nX: ");
    memset(req + n, 'a', value_len);
    strcpy(req + n + value_len, "\r\n\r\n");
    return req;
}

static void test_reader_refusals(void **state)
{
    (void)state;
    const char *garbage = "GARBAGE\r\n\r\n";
    assert_int_equal(refused_with(garbage, strlen(garbage)), 400);
    const char *no_colon = "GET / HTTP/1.1\r\nNo colon here\r\n\r\n";
    assert_int_equal(refused_with(no_colon, strlen(no_colon)), 400);
    const char *bad_version = "GET / HTTP/9x\r\n\r\n";
    assert_int_equal(refused_with(bad_version, strlen(bad_version)), 400);
    const char *connect = "CONNECT a:1 HTTP/1.1\r\n\r\n";
    assert_int_equal(refused_with(connect, strlen(connect)), 400);
    char *big = header_of(20 * 1024), *fits = header_of(15 * 1024);
    assert_int_equal(refused_with(big, strlen(big)), 431);
    assert_int_equal(refused_with(fits, strlen(fits)), 0);
    free(big);
    free(fits);
    char url[6000] = "GET /";
    memset(url + 5, 'u', 5000);
    strcpy(url + 5005, " HTTP/1.1\r\n\r\n");
    assert_int_equal(refused_with(url, strlen(url)), 414);
}

static void test_reader_body(void **state)
{
    (void)state;
    seen_t s = {0};
    kc_http_reader_t *r = reader(&s);
    const char *req = "PUT /api/v1/scenarios/a HTTP/1.1\r\nContent-Length: 12\r\n\r\nname: a\nx: 1"
                      "DELETE /api/v1/scenarios/a HTTP/1.1\r\n\r\n"
                      "POST /api/v1/scenarios HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
                      "POST /e HTTP/1.1\r\nContent-Length: 0\r\n\r\n";
    /* byte by byte: the body arrives in pieces, chunk framing split anywhere */
    for (size_t i = 0; i < strlen(req); i++)
        assert_int_equal(kc_http_reader_feed(r, req + i, 1), 1);
    assert_int_equal(r->status, 0);
    assert_int_equal(s.n, 4);
    assert_string_equal(s.method[0], "PUT");
    assert_string_equal(s.body[0], "name: a\nx: 1");
    assert_int_equal(s.body_len[0], 12);
    assert_string_equal(s.method[1], "DELETE");
    assert_string_equal(s.body[1], "");
    assert_int_equal(s.body_len[1], 0);
    assert_string_equal(s.body[2], "hello world");
    assert_int_equal(s.body_len[2], 11);
    assert_string_equal(s.body[3], "");
    kc_http_reader_free(r);
    free(r);
}

/* A body of exactly the limit is taken; one byte more is refused before any of it is read. */
static void test_reader_body_limits(void **state)
{
    (void)state;
    char head[128];
    int hn = snprintf(head, sizeof(head), "PUT /x HTTP/1.1\r\nContent-Length: %d\r\n\r\n",
                      KC_HTTP_BODY_MAX);
    char *req = malloc((size_t)hn + KC_HTTP_BODY_MAX);
    memcpy(req, head, (size_t)hn);
    memset(req + hn, 'b', KC_HTTP_BODY_MAX);
    seen_t s = {0};
    kc_http_reader_t *r = reader(&s);
    assert_int_equal(kc_http_reader_feed(r, req, (size_t)hn + KC_HTTP_BODY_MAX),
                     (size_t)hn + KC_HTTP_BODY_MAX);
    assert_int_equal(r->status, 0);
    assert_int_equal(s.body_len[0], KC_HTTP_BODY_MAX);
    kc_http_reader_free(r);
    free(r);
    free(req);

    hn = snprintf(head, sizeof(head), "POST /x HTTP/1.1\r\nContent-Length: %d\r\n\r\n",
                  KC_HTTP_BODY_MAX + 1);
    assert_int_equal(refused_with(head, (size_t)hn), 413); /* the head alone */
    const char *huge = "PUT /x HTTP/1.1\r\nContent-Length: 99999999999999\r\n\r\n";
    assert_int_equal(refused_with(huge, strlen(huge)), 413);

    /* chunked: counted as it comes, refused once past the limit */
    s = (seen_t){0};
    r = reader(&s);
    const char *ch = "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
    kc_http_reader_feed(r, ch, strlen(ch));
    char chunk[8 + 65536 + 2];
    int cn = snprintf(chunk, sizeof(chunk), "10000\r\n");
    memset(chunk + cn, 'c', 65536);
    memcpy(chunk + cn + 65536, "\r\n", 2);
    int fed = 0;
    while (!r->status && fed < 20) {
        kc_http_reader_feed(r, chunk, (size_t)cn + 65536 + 2);
        fed++;
    }
    assert_int_equal(r->status, 413);
    assert_int_equal(fed, 17); /* 16 chunks of 64 KiB are exactly 1 MiB */
    assert_int_equal(s.n, 0);
    kc_http_reader_free(r);
    free(r);
}

static void test_reader_length_required(void **state)
{
    (void)state;
    const char *put = "PUT /x HTTP/1.1\r\n\r\n";
    assert_int_equal(refused_with(put, strlen(put)), 411);
    const char *post10 = "POST /x HTTP/1.0\r\n\r\nname: x\n";
    assert_int_equal(refused_with(post10, strlen(post10)), 411);
    const char *del = "DELETE /x HTTP/1.1\r\n\r\n"; /* no body to frame */
    assert_int_equal(refused_with(del, strlen(del)), 0);
    const char *zero = "POST /x HTTP/1.1\r\nContent-Length: 0\r\n\r\n";
    assert_int_equal(refused_with(zero, strlen(zero)), 0);
}

/* A body on a GET is framed like any other: the next pipelined request starts after it. */
static void test_reader_get_body_framed(void **state)
{
    (void)state;
    seen_t s = {0};
    kc_http_reader_t *r = reader(&s);
    const char *req = "GET /a HTTP/1.1\r\nContent-Length: 5\r\n\r\nhelloGET /b HTTP/1.1\r\n"
                      "Authorization: Bearer x\r\nAuthorization: Bearer y\r\n\r\n";
    assert_int_equal(kc_http_reader_feed(r, req, strlen(req)), strlen(req));
    assert_int_equal(s.n, 2);
    assert_string_equal(s.body[0], "hello");
    assert_string_equal(s.path[1], "/b");
    assert_true(s.auth_bad[1]); /* two credentials: neither counts */
    free(r);
}

static void test_reader_eof(void **state)
{
    (void)state;
    seen_t s = {0};
    kc_http_reader_t *r = reader(&s);
    const char *req = "GET /a HTTP/1.1\r\nHost: ";
    kc_http_reader_feed(r, req, strlen(req));
    assert_int_equal(r->status, 0);
    kc_http_reader_eof(r);
    assert_int_equal(r->status, 400);
    free(r);

    kc_http_reader_t *clean = reader(&s);
    kc_http_reader_eof(clean);
    assert_int_equal(clean->status, 0);
    free(clean);
}

/* ---- the listener, over loopback ---- */

typedef struct client {
    uint16_t port;
    const char *send;
    const char *send2; /* sent 100 ms after send, on the same connection (or NULL) */
    bool shut_wr;  /* half-close after sending */
    int extra;     /* more connections held open first (the connection cap) */
    char out[16384];
    size_t n;
    char extra_out[256];
    uv_async_t *done;
} client_t;

static int dial(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    struct timeval tv = {.tv_sec = 5};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    return fd;
}

static size_t read_all(int fd, char *out, size_t cap)
{
    size_t n = 0;
    ssize_t k;
    while (n < cap - 1 && (k = recv(fd, out + n, cap - 1 - n, 0)) > 0)
        n += (size_t)k;
    out[n] = 0;
    return n;
}

static void client_run(void *arg)
{
    client_t *c = arg;
    int held[4];
    for (int i = 0; i < c->extra; i++)
        held[i] = dial(c->port);
    if (c->extra) { /* one more than the cap: refused with a 503 */
        int fd = dial(c->port);
        read_all(fd, c->extra_out, sizeof(c->extra_out));
        close(fd);
    }
    int fd = c->extra ? held[0] : dial(c->port);
    send(fd, c->send, strlen(c->send), 0);
    if (c->send2) {
        usleep(100 * 1000);
        send(fd, c->send2, strlen(c->send2), 0);
    }
    if (c->shut_wr)
        shutdown(fd, SHUT_WR);
    c->n = read_all(fd, c->out, sizeof(c->out));
    for (int i = 0; i < c->extra; i++)
        close(held[i]);
    if (!c->extra)
        close(fd);
    uv_async_send(c->done);
}

typedef struct world {
    uv_loop_t loop;
    uv_async_t done;
    kc_admin_t *admin;
    uv_timer_t later;
    kc_admin_reply_t *pending; /* a reply the slow route answers later */
    kc_admin_reply_t *never;   /* one the test answers only after the connection closed */
} world_t;

static void on_done(uv_async_t *a)
{
    world_t *w = a->data;
    kc_admin_close(w->admin);
    uv_close((uv_handle_t *)a, NULL);
    if (w->never) /* its connection is gone: the answer is dropped and freed */
        kc_admin_reply_text(w->never, 200, "too late\n");
}

static void answer_later(uv_timer_t *t)
{
    world_t *w = t->data;
    uv_close((uv_handle_t *)t, NULL);
    char *body = strdup("slow\n");
    kc_admin_reply_send(w->pending, 200, "text/x-slow", body, strlen(body));
}

static void route_slow(void *ctx, const kc_admin_req_t *req, kc_admin_reply_t *r)
{
    world_t *w = ctx;
    assert_string_equal(req->query, "q=1");
    w->pending = r;
    uv_timer_init(&w->loop, &w->later);
    w->later.data = w;
    uv_timer_start(&w->later, answer_later, 50, 0);
}

static void route_never(void *ctx, const kc_admin_req_t *req, kc_admin_reply_t *r)
{
    (void)req;
    ((world_t *)ctx)->never = r;
}

static void route_post(void *ctx, const kc_admin_req_t *req, kc_admin_reply_t *r)
{
    (void)ctx, (void)req;
    kc_admin_reply_text(r, 200, "posted\n");
}

/* "ECHO <tag> <method> <path> <body length> <body's first bytes>" */
static void route_echo(void *ctx, const kc_admin_req_t *req, kc_admin_reply_t *r)
{
    char *body = malloc(256);
    int n = snprintf(body, 256, "ECHO %s %s %s %zu [%.40s]\n", (const char *)ctx, req->method,
                     req->path, req->body_len, req->body);
    assert_int_equal(req->body[req->body_len], 0);
    kc_admin_reply_send(r, 200, NULL, body, (size_t)n);
}

/* Run one client against a fresh listener; returns what the client read. */
static client_t *exchange2(const char *send, const char *send2, const char *token,
                           uint32_t max_conns, int extra, bool shut_wr)
{
    world_t *w = calloc(1, sizeof(*w));
    assert_int_equal(uv_loop_init(&w->loop), 0);
    kc_admin_opts_t o = {.host = "127.0.0.1", .port = 0, .token = token, .max_conns = max_conns,
                         .idle_timeout_ms = 2000};
    assert_int_equal(kc_admin_start(&w->admin, &w->loop, &o), 0);
    assert_int_equal(kc_admin_route(w->admin, "GET", "/slow", route_slow, w), 0);
    assert_int_equal(kc_admin_route(w->admin, "GET", "/never", route_never, w), 0);
    assert_int_equal(kc_admin_route(w->admin, "POST", "/healthz", route_post, w), 0);
    assert_int_equal(kc_admin_route(w->admin, "GET", "/slow", route_slow, w), UV_EEXIST);
    /* the scenario API's shape: an exact collection, prefix routes for its members */
    kc_admin_t *ad = w->admin;
    assert_int_equal(kc_admin_route(ad, "GET", "/api/v1/scenarios", route_echo, "list"), 0);
    assert_int_equal(kc_admin_route(ad, "POST", "/api/v1/scenarios", route_echo, "apply"), 0);
    assert_int_equal(kc_admin_route(ad, "DELETE", "/api/v1/scenarios", route_echo, "off"), 0);
    assert_int_equal(kc_admin_route_prefix(ad, "PUT", "/api/v1/scenarios/", route_echo, "put"), 0);
    assert_int_equal(kc_admin_route_prefix(ad, "DELETE", "/api/v1/scenarios/", route_echo, "rm"),
                     0);
    assert_int_equal(kc_admin_route_prefix(ad, "PUT", "/api/", route_echo, "broad"), 0);
    assert_int_equal(kc_admin_route(ad, "PUT", "/api/v1/scenarios/special", route_echo, "exact"),
                     0);
    assert_int_equal(kc_admin_route_prefix(ad, "PUT", "/api/", route_echo, "x"), UV_EEXIST);
    assert_int_equal(kc_admin_ui_route(ad), 0);
    uv_async_init(&w->loop, &w->done, on_done);
    w->done.data = w;
    client_t *c = calloc(1, sizeof(*c));
    *c = (client_t){.port = kc_admin_port(w->admin), .send = send, .send2 = send2,
                    .shut_wr = shut_wr,
                    .extra = extra, .done = &w->done};
    uv_thread_t th;
    uv_thread_create(&th, client_run, c);
    uv_run(&w->loop, UV_RUN_DEFAULT); /* ends once the admin and its connections have closed */
    uv_thread_join(&th);
    assert_int_equal(uv_loop_close(&w->loop), 0);
    free(w);
    return c;
}

static client_t *exchange(const char *send, const char *token, uint32_t max_conns, int extra,
                          bool shut_wr)
{
    return exchange2(send, NULL, token, max_conns, extra, shut_wr);
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

static void test_server_in_order(void **state)
{
    (void)state;
    /* The slow answer comes 50 ms later, yet goes out first: answers keep request order. */
    client_t *c = exchange("GET /slow?q=1 HTTP/1.1\r\n\r\nGET /healthz HTTP/1.1\r\n\r\n"
                           "HEAD /healthz HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\nConnection: close\r\n\r\n",
                           NULL, 0, 0, false);
    const char *slow = strstr(c->out, "slow\n"), *ok = strstr(c->out, "\r\n\r\nok\n");
    assert_non_null(slow);
    assert_non_null(ok);
    assert_true(slow < ok);
    assert_non_null(strstr(c->out, "Content-Type: text/x-slow\r\n"));
    assert_int_equal(count(c->out, "HTTP/1.1 200 OK\r\n"), 4);
    assert_int_equal(count(c->out, "\r\n\r\nok\n"), 1);      /* HEAD: no body ... */
    assert_int_equal(count(c->out, "Content-Length: 3\r\n"), 2); /* ... but its length */
    assert_non_null(strstr(c->out, "GET /healthz\n"));          /* the index lists routes */
    assert_int_equal(count(c->out, "Connection: keep-alive\r\n"), 3);
    assert_int_equal(count(c->out, "Connection: close\r\n"), 1);
    free(c);
}

/* Sixteen requests that end exactly with a read fill the queue with nothing left over: reading
 * still stops, and resumes once answers are written. */
static void test_server_pause_at_read_boundary(void **state)
{
    (void)state;
    char many[16 * 32] = "";
    for (int i = 0; i < 16; i++)
        strcat(many, "GET /healthz HTTP/1.1\r\n\r\n");
    client_t *c = exchange2(many, "GET / HTTP/1.1\r\nConnection: close\r\n\r\n", NULL, 0, 0,
                            false);
    assert_int_equal(count(c->out, "HTTP/1.1 200 OK\r\n"), 17);
    assert_non_null(strstr(c->out, "GET /healthz\n"));
    free(c);
}

/* The page (ui.c): the bytes of proxy/admin/timeline.html as they are in the repository, served
 * as HTML with a policy that allows nothing from elsewhere; a browser's index links it. */
static void test_server_page(void **state)
{
    (void)state;
    FILE *f = fopen(KC_SOURCE_DIR "/proxy/admin/timeline.html", "rb");
    assert_non_null(f);
    static char file[256 * 1024];
    size_t n = fread(file, 1, sizeof(file), f);
    fclose(f);
    assert_int_equal(n, kc_ui_page_len);
    assert_memory_equal(file, kc_ui_page, n);
    assert_int_equal(kc_ui_page[n], 0);
    client_t *c = exchange("HEAD /ui HTTP/1.1\r\n\r\n"
                           "GET / HTTP/1.1\r\nAccept: text/html,*/*\r\nConnection: close\r\n\r\n",
                           NULL, 0, 0, false);
    char len[64];
    snprintf(len, sizeof(len), "Content-Length: %zu\r\n", kc_ui_page_len);
    assert_non_null(strstr(c->out, "Content-Type: text/html; charset=utf-8\r\n"));
    assert_non_null(strstr(c->out, len));
    assert_non_null(strstr(c->out, "\r\nContent-Security-Policy: default-src 'none'; "));
    assert_non_null(strstr(c->out, "\r\nX-Content-Type-Options: nosniff\r\n\r\n"));
    assert_null(strstr(c->out, "<!doctype html>\n<!--")); /* HEAD: not the page itself */
    assert_non_null(strstr(c->out, "<p><a href=\"/ui\">The timeline page</a>"));
    assert_non_null(strstr(c->out, "<li>GET <a href=\"/healthz\">/healthz</a>"));
    assert_non_null(strstr(c->out, "<li>PUT /api/*")); /* a prefix route is no link */
    free(c);
}

static void test_server_not_found_and_method(void **state)
{
    (void)state;
    client_t *c = exchange("GET /nope HTTP/1.1\r\n\r\nDELETE /slow HTTP/1.1\r\n\r\n"
                           "PUT /healthz HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
                           NULL, 0, 0, true);
    assert_non_null(strstr(c->out, "HTTP/1.1 404 Not Found\r\n"));
    assert_non_null(strstr(c->out, "HTTP/1.1 405 Method Not Allowed\r\n"));
    assert_non_null(strstr(c->out, "Allow: GET, HEAD\r\n"));
    assert_non_null(strstr(c->out, "Allow: GET, HEAD, POST\r\n"));
    free(c);
}

static void test_server_token(void **state)
{
    (void)state;
    client_t *c = exchange("GET /healthz HTTP/1.1\r\n\r\n"
                           "GET /healthz HTTP/1.1\r\nAuthorization: Bearer s3cre\r\n\r\n"
                           "GET /healthz HTTP/1.1\r\nAuthorization: Bearer s3cret0\r\n\r\n"
                           "GET /healthz HTTP/1.1\r\nAuthorization: Basic s3cret\r\n\r\n"
                           "GET /nope HTTP/1.1\r\n\r\n"
                           "GET /healthz HTTP/1.1\r\nauthorization: bearer  s3cret\r\n\r\n",
                           "s3cret", 0, 0, true);
    assert_int_equal(count(c->out, "HTTP/1.1 401 Unauthorized\r\n"), 5);
    assert_int_equal(count(c->out, "WWW-Authenticate: Bearer\r\n"), 5);
    assert_int_equal(count(c->out, "HTTP/1.1 200 OK\r\n"), 1);
    assert_null(strstr(c->out, "s3cret"));
    free(c);
}

/* The page holds no data: GET and HEAD /ui are served without the token, nothing else is
 * (its requests to the API carry the token from its fragment, /ui#token=T). */
static void test_server_token_open_page(void **state)
{
    (void)state;
    client_t *c = exchange("HEAD /ui HTTP/1.1\r\n\r\n"
                           "POST /ui HTTP/1.1\r\nContent-Length: 0\r\n\r\n"
                           "GET /ui/x HTTP/1.1\r\n\r\n"
                           "GET /uix HTTP/1.1\r\n\r\n"
                           "GET /api/v1/scenarios HTTP/1.1\r\n\r\n"
                           "GET /ui HTTP/1.1\r\n\r\n", /* last: the page fills the buffer */
                           "s3cret", 0, 0, true);
    assert_int_equal(count(c->out, "HTTP/1.1 200 OK\r\n"), 2);
    assert_int_equal(count(c->out, "HTTP/1.1 401 Unauthorized\r\n"), 4);
    assert_int_equal(count(c->out, "Content-Security-Policy: "), 2);
    free(c);
}

static void test_server_bad_request_closes(void **state)
{
    (void)state;
    client_t *c = exchange("GET /healthz HTTP/1.1\r\n\r\nGARBAGE\r\n\r\nGET /healthz HTTP/1.1\r\n\r\n",
                           NULL, 0, 0, false);
    assert_int_equal(count(c->out, "HTTP/1.1 200 OK\r\n"), 1); /* before the bad one only */
    assert_non_null(strstr(c->out, "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; "
                                   "charset=utf-8\r\nContent-Length: 12\r\n"));
    assert_non_null(strstr(c->out, "Connection: close\r\n"));
    free(c);
}

static void test_server_bodies_and_prefixes(void **state)
{
    (void)state;
    client_t *c = exchange("PUT /api/v1/scenarios/orders HTTP/1.1\r\nContent-Length: 8\r\n\r\n"
                           "name: or"
                           "POST /api/v1/scenarios HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                           "3\r\nabc\r\n0\r\n\r\n"
                           "DELETE /api/v1/scenarios/orders HTTP/1.1\r\n\r\n"
                           "DELETE /api/v1/scenarios HTTP/1.1\r\n\r\n"
                           "GET /api/v1/scenarios HTTP/1.1\r\n\r\n"
                           "PUT /api/v1/scenarios/special HTTP/1.1\r\nContent-Length: 0\r\n\r\n"
                           "PUT /api/other HTTP/1.1\r\nContent-Length: 1\r\n\r\nz"
                           "GET /api/v1/scenarios/orders HTTP/1.1\r\n\r\n"
                           "POST /api/v1/scenarios/x HTTP/1.1\r\nContent-Length: 0\r\n\r\n"
                           "GET /apx HTTP/1.1\r\n\r\n"
                           "GET / HTTP/1.1\r\n\r\n",
                           NULL, 0, 0, true);
    assert_non_null(strstr(c->out, "ECHO put PUT /api/v1/scenarios/orders 8 [name: or]\n"));
    assert_non_null(strstr(c->out, "ECHO apply POST /api/v1/scenarios 3 [abc]\n"));
    assert_non_null(strstr(c->out, "ECHO rm DELETE /api/v1/scenarios/orders 0 []\n"));
    assert_non_null(strstr(c->out, "ECHO off DELETE /api/v1/scenarios 0 []\n"));
    assert_non_null(strstr(c->out, "ECHO list GET /api/v1/scenarios 0 []\n"));
    /* the exact route wins; the longest prefix wins; a shorter one serves what is left */
    assert_non_null(strstr(c->out, "ECHO exact PUT /api/v1/scenarios/special 0 []\n"));
    assert_non_null(strstr(c->out, "ECHO broad PUT /api/other 1 [z]\n"));
    /* the methods of every route covering the path, once each */
    assert_int_equal(count(c->out, "HTTP/1.1 405 Method Not Allowed\r\n"), 2);
    assert_int_equal(count(c->out, "Allow: PUT, DELETE\r\n"), 2);
    assert_int_equal(count(c->out, "HTTP/1.1 404 Not Found\r\n"), 1);
    assert_non_null(strstr(c->out, "PUT /api/v1/scenarios/*\n")); /* the index */
    assert_int_equal(count(c->out, "HTTP/1.1 200 OK\r\n"), 8);
    free(c);
}

/* 411 and 413 end the connection after the answers before them, like any refused input; the 413
 * comes from the head alone, the body never sent. */
static void test_server_length_refusals(void **state)
{
    (void)state;
    client_t *c = exchange("GET /healthz HTTP/1.1\r\n\r\nPUT /api/v1/scenarios/a HTTP/1.1\r\n\r\n"
                           "GET /healthz HTTP/1.1\r\n\r\n",
                           NULL, 0, 0, false);
    assert_int_equal(count(c->out, "HTTP/1.1 200 OK\r\n"), 1);
    assert_non_null(strstr(c->out, "HTTP/1.1 411 Length Required\r\n"));
    assert_non_null(strstr(c->out, "Connection: close\r\n"));
    free(c);
    c = exchange("POST /api/v1/scenarios HTTP/1.1\r\nContent-Length: 1048577\r\n\r\n", NULL, 0,
                 0, false);
    assert_non_null(strstr(c->out, "HTTP/1.1 413 Content Too Large\r\n"));
    free(c);
}

/* A body of the full 1 MiB reaches its handler whole. */
static void test_server_big_body(void **state)
{
    (void)state;
    char head[128];
    int hn = snprintf(head, sizeof(head),
                      "POST /api/v1/scenarios HTTP/1.1\r\nConnection: close\r\n"
                      "Content-Length: %d\r\n\r\n", KC_HTTP_BODY_MAX);
    char *req = malloc((size_t)hn + KC_HTTP_BODY_MAX + 1);
    memcpy(req, head, (size_t)hn);
    memset(req + hn, 'y', KC_HTTP_BODY_MAX);
    req[hn + KC_HTTP_BODY_MAX] = 0;
    client_t *c = exchange(req, NULL, 0, 0, false);
    assert_non_null(strstr(c->out, "ECHO apply POST /api/v1/scenarios 1048576 [yyyy"));
    free(c);
    free(req);
}

/* The token guards every method, bodies or not. */
static void test_server_token_every_method(void **state)
{
    (void)state;
    client_t *c = exchange("PUT /api/v1/scenarios/a HTTP/1.1\r\nContent-Length: 1\r\n\r\nx"
                           "DELETE /api/v1/scenarios/a HTTP/1.1\r\n\r\n"
                           "POST /api/v1/scenarios HTTP/1.1\r\nContent-Length: 1\r\n"
                           "Authorization: Bearer wrong\r\n\r\nx"
                           "DELETE /api/v1/scenarios HTTP/1.1\r\nAuthorization: Bearer tok\r\n\r\n"
                           "PUT /api/v1/scenarios/b HTTP/1.1\r\nContent-Length: 1\r\n"
                           "Authorization: Bearer tok\r\n\r\ny",
                           "tok", 0, 0, true);
    assert_int_equal(count(c->out, "HTTP/1.1 401 Unauthorized\r\n"), 3);
    assert_int_equal(count(c->out, "HTTP/1.1 200 OK\r\n"), 2);
    assert_non_null(strstr(c->out, "ECHO off DELETE /api/v1/scenarios 0 []\n"));
    assert_non_null(strstr(c->out, "ECHO put PUT /api/v1/scenarios/b 1 [y]\n"));
    assert_null(strstr(c->out, "ECHO put PUT /api/v1/scenarios/a"));
    free(c);
}

static void test_server_connection_cap(void **state)
{
    (void)state;
    client_t *c = exchange("GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n", NULL, 2, 2, false);
    assert_non_null(strstr(c->extra_out, "HTTP/1.1 503 Service Unavailable\r\n"));
    assert_non_null(strstr(c->out, "HTTP/1.1 200 OK\r\n"));
    free(c);
}

/* A reply awaited when its connection goes: answered later, dropped, freed (ASan watches). */
static void test_server_orphaned_reply(void **state)
{
    (void)state;
    client_t *c = exchange("GET /never HTTP/1.1\r\n\r\n", NULL, 0, 0, true);
    assert_int_equal(c->n, 0); /* the client timed out reading, or saw the idle close */
    free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reader_request),
        cmocka_unit_test(test_reader_byte_by_byte),
        cmocka_unit_test(test_reader_pipelined_pause),
        cmocka_unit_test(test_reader_refusals),
        cmocka_unit_test(test_reader_get_body_framed),
        cmocka_unit_test(test_reader_body),
        cmocka_unit_test(test_reader_body_limits),
        cmocka_unit_test(test_reader_length_required),
        cmocka_unit_test(test_reader_eof),
        cmocka_unit_test(test_server_in_order),
        cmocka_unit_test(test_server_pause_at_read_boundary),
        cmocka_unit_test(test_server_page),
        cmocka_unit_test(test_server_not_found_and_method),
        cmocka_unit_test(test_server_token),
        cmocka_unit_test(test_server_token_open_page),
        cmocka_unit_test(test_server_bad_request_closes),
        cmocka_unit_test(test_server_bodies_and_prefixes),
        cmocka_unit_test(test_server_length_refusals),
        cmocka_unit_test(test_server_big_body),
        cmocka_unit_test(test_server_token_every_method),
        cmocka_unit_test(test_server_connection_cap),
        cmocka_unit_test(test_server_orphaned_reply),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
