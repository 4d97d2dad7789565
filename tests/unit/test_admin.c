/* proxy/admin/: the request reader without sockets (http.c), then the listener over loopback on a
 * private loop (admin.c), with a blocking client on its own thread. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "admin/admin.h"
#include "admin/http.h"
#include "kc_test.h"

/* ---- the reader ---- */

typedef struct seen {
    int n;
    int pause_at; /* pause after this many requests (0: never) */
    char method[8][16], path[8][64], query[8][64], accept[8][128], auth[8][128];
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
    const char *body = "GET / HTTP/1.1\r\nContent-Length: 100000\r\n\r\n";
    char *big_body = calloc(1, 120000);
    strcpy(big_body, body);
    memset(big_body + strlen(body), 'b', 100000);
    assert_int_equal(refused_with(big_body, strlen(big_body)), 413);
    free(big_body);
}

static void test_reader_body_skipped(void **state)
{
    (void)state;
    seen_t s = {0};
    kc_http_reader_t *r = reader(&s);
    const char *req = "GET /a HTTP/1.1\r\nContent-Length: 5\r\n\r\nhelloGET /b HTTP/1.1\r\n"
                      "Authorization: Bearer x\r\nAuthorization: Bearer y\r\n\r\n";
    assert_int_equal(kc_http_reader_feed(r, req, strlen(req)), strlen(req));
    assert_int_equal(s.n, 2);
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

static void test_server_not_found_and_method(void **state)
{
    (void)state;
    client_t *c = exchange("GET /nope HTTP/1.1\r\n\r\nDELETE /slow HTTP/1.1\r\n\r\n"
                           "PUT /healthz HTTP/1.1\r\n\r\n",
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
        cmocka_unit_test(test_reader_body_skipped),
        cmocka_unit_test(test_reader_eof),
        cmocka_unit_test(test_server_in_order),
        cmocka_unit_test(test_server_pause_at_read_boundary),
        cmocka_unit_test(test_server_not_found_and_method),
        cmocka_unit_test(test_server_token),
        cmocka_unit_test(test_server_bad_request_closes),
        cmocka_unit_test(test_server_connection_cap),
        cmocka_unit_test(test_server_orphaned_reply),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
