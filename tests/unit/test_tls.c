/* proxy/net/tls.c (and tls_engine.c, tls_ctx.c): a TLS server transport and a TLS client
 * transport talking over a loopback TCP pair on one uv loop, with certificates the openssl
 * CLI makes in a temporary directory once for the file: the handshake, data both ways in
 * pieces larger than a record, a write that goes pending and completes, close_notify,
 * verification failures (wrong CA, wrong name, IP against DNS SANs), SNI, mutual TLS. */
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "kc_test.h"
#include "net/tls.h"
#include "net/tls_ctx.h"
#include "util/error.h"

static char dir[64];

static char *file(const char *name)
{
    static char paths[16][128];
    static int next;
    char *p = paths[next++ % 16];
    snprintf(p, 128, "%s/%s", dir, name);
    return p;
}

/* ca, rogue (another CA); server: DNS localhost + IP 127.0.0.1; dnsonly: the address spelled
 * as a DNS name only; client: for mutual TLS, signed by ca. */
static int make_certs(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/kc-test-tls-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    char cmd[4096];
    snprintf(cmd, sizeof(cmd),
             "cd %s && set -e; K='-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes';"
             "ca() { openssl req -x509 $K -keyout $1.key -out $1.crt -days 2 -subj /CN=$1 "
             "  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign; };"
             "leaf() { openssl req $K -keyout $1.key -out $1.csr -subj \"$2\";"
             "  printf 'basicConstraints=CA:FALSE\\n%%s\\n' \"$4\" > $1.ext;"
             "  openssl x509 -req -in $1.csr -CA $3.crt -CAkey $3.key -CAcreateserial -days 2 "
             "  -out $1.crt -extfile $1.ext; };"
             "ca ca; ca rogue;"
             "leaf server /CN=localhost ca subjectAltName=DNS:localhost,IP:127.0.0.1;"
             "leaf dnsonly /CN=localhost ca subjectAltName=DNS:localhost,DNS:127.0.0.1;"
             "leaf client '/CN=alice/O=kchaos tests' ca extendedKeyUsage=clientAuth",
             dir);
    char quiet[4200];
    snprintf(quiet, sizeof(quiet), "(%s) >/dev/null 2>&1", cmd);
    return system(quiet) == 0 ? 0 : -1;
}

static int remove_certs(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* ---- one end of the pair: a transport's owner that keeps what it reads ---- */

typedef struct end {
    kc_transport_t tr;
    char *rx;
    size_t rx_len, rx_cap;
    int status;        /* the last negative read: UV_EOF, -KC_ETLS */
    char why[200];
    int written, written_status;
    bool ready, open;
    char subject[256];
} end_t;

static void on_alloc(kc_transport_t *t, uv_buf_t *buf)
{
    end_t *e = t->owner;
    if (e->rx_cap - e->rx_len < 3000) { /* odd sizes: records land across reads */
        e->rx_cap = e->rx_cap * 2 + 3000;
        e->rx = realloc(e->rx, e->rx_cap);
    }
    *buf = uv_buf_init(e->rx + e->rx_len, 3000);
}

static void on_read(kc_transport_t *t, ssize_t n)
{
    end_t *e = t->owner;
    if (n > 0) {
        e->rx_len += (size_t)n;
        return;
    }
    e->status = (int)n;
    if (n == -KC_ETLS)
        snprintf(e->why, sizeof(e->why), "%s", t->ops->why(t));
    kc_transport_reading(t, false);
}

static void on_written(kc_transport_t *t, int status)
{
    end_t *e = t->owner;
    e->written++;
    e->written_status = status;
}

static void on_ready(kc_transport_t *t)
{
    end_t *e = t->owner;
    e->ready = true;
    kc_tls_peer_subject(kc_transport_tls_engine(t), e->subject, sizeof(e->subject));
}

static const kc_transport_cbs_t cbs = {on_alloc, on_read, on_written, on_ready};

/* ---- the pair ---- */

typedef struct pair {
    uv_loop_t loop;
    uv_tcp_t listener;
    uv_timer_t tick;
    uv_connect_t creq;
    end_t srv, cli;
    kc_tls_config_t scfg, ccfg;
    kc_tls_ctx_t sctx, cctx;
    kc_tls_stats_t stats;
    const char *host;
    int sni_calls;
    char sni[64];
} pair_t;

static int on_servername(SSL *ssl, int *al, void *arg)
{
    (void)al;
    pair_t *p = arg;
    const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    p->sni_calls++;
    snprintf(p->sni, sizeof(p->sni), "%s", name ? name : "");
    return SSL_TLSEXT_ERR_OK;
}

static void start_end(pair_t *p, end_t *e, bool server)
{
    SSL *ssl = kc_tls_ctx_new_ssl(server ? &p->sctx : &p->cctx, server);
    assert_int_equal(kc_transport_tls(&e->tr, &cbs, e, ssl, server, server ? NULL : p->host,
                                      &p->stats),
                     0);
    e->open = true;
    e->tr.ops->handshake(&e->tr);
    kc_transport_reading(&e->tr, true);
}

static void on_connection(uv_stream_t *l, int status)
{
    pair_t *p = l->data;
    assert_int_equal(status, 0);
    uv_tcp_init(&p->loop, &p->srv.tr.tcp);
    assert_int_equal(uv_accept(l, (uv_stream_t *)&p->srv.tr.tcp), 0);
    start_end(p, &p->srv, true);
}

static void on_connect(uv_connect_t *req, int status)
{
    pair_t *p = req->data;
    assert_int_equal(status, 0);
    start_end(p, &p->cli, false);
}

static void on_tick(uv_timer_t *t) { (void)t; }

/* Server: --tls-cert server (or cert), optional client CA; client: trusts `ca`, dials host. */
static void pair_start(pair_t *p, const char *cert, const char *ca, const char *host,
                       bool mtls, bool client_cert)
{
    memset(p, 0, sizeof(*p));
    p->host = host;
    char err[512];
    p->scfg = (kc_tls_config_t){.cert = file(cert), .key = NULL};
    char key[128];
    snprintf(key, sizeof(key), "%s", p->scfg.cert);
    strcpy(key + strlen(key) - 3, "key");
    p->scfg.key = key;
    if (mtls)
        p->scfg.client_ca = file("ca.crt");
    if (kc_tls_ctx_init(&p->sctx, &p->scfg, err, sizeof(err)))
        fail_msg("server context: %s", err);
    p->ccfg = (kc_tls_config_t){.upstream = true, .upstream_ca = file(ca)};
    if (client_cert) {
        p->ccfg.upstream_cert = file("client.crt");
        p->ccfg.upstream_key = file("client.key");
    }
    if (kc_tls_ctx_init(&p->cctx, &p->ccfg, err, sizeof(err)))
        fail_msg("client context: %s", err);
    SSL_CTX_set_tlsext_servername_callback(p->sctx.server, on_servername);
    SSL_CTX_set_tlsext_servername_arg(p->sctx.server, p);
    uv_loop_init(&p->loop);
    uv_timer_init(&p->loop, &p->tick);
    uv_timer_start(&p->tick, on_tick, 5, 5);
    uv_tcp_init(&p->loop, &p->listener);
    p->listener.data = p;
    struct sockaddr_in a;
    uv_ip4_addr("127.0.0.1", 0, &a);
    assert_int_equal(uv_tcp_bind(&p->listener, (struct sockaddr *)&a, 0), 0);
    assert_int_equal(uv_listen((uv_stream_t *)&p->listener, 8, on_connection), 0);
    int len = sizeof(a);
    uv_tcp_getsockname(&p->listener, (struct sockaddr *)&a, &len);
    uv_tcp_init(&p->loop, &p->cli.tr.tcp);
    p->creq.data = p;
    assert_int_equal(uv_tcp_connect(&p->creq, &p->cli.tr.tcp, (struct sockaddr *)&a, on_connect), 0);
}

typedef bool (*cond_fn)(pair_t *p);

static bool run_until(pair_t *p, cond_fn cond, int ms)
{
    uint64_t end = uv_hrtime() + (uint64_t)ms * 1000000;
    while (!cond(p) && uv_hrtime() < end)
        uv_run(&p->loop, UV_RUN_ONCE);
    return cond(p);
}

static bool both_ready(pair_t *p) { return p->srv.ready && p->cli.ready; }
static bool both_ended(pair_t *p) { return p->srv.status && p->cli.status; }
static bool srv_ended(pair_t *p) { return p->srv.status != 0; }

static void closed_cb(uv_handle_t *h)
{
    kc_transport_t *t = h->data;
    ((end_t *)t->owner)->open = false;
}

static void pair_stop(pair_t *p)
{
    end_t *ends[2] = {&p->srv, &p->cli};
    for (int i = 0; i < 2; i++)
        if (ends[i]->open)
            ends[i]->tr.ops->close(&ends[i]->tr, false, closed_cb);
    uv_close((uv_handle_t *)&p->listener, NULL);
    uv_close((uv_handle_t *)&p->tick, NULL);
    uv_run(&p->loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&p->loop), 0);
    kc_tls_ctx_free(&p->sctx);
    kc_tls_ctx_free(&p->cctx);
    free(p->srv.rx);
    free(p->cli.rx);
}

/* ---- tests ---- */

static char *pattern(size_t n, unsigned seed)
{
    char *b = malloc(n);
    for (size_t i = 0; i < n; i++)
        b[i] = (char)((i * 2654435761u + seed) >> 13);
    return b;
}

static size_t want_srv, want_cli;
static bool all_arrived(pair_t *p) { return p->srv.rx_len >= want_srv && p->cli.rx_len >= want_cli; }

/* Send n bytes in three pieces (one tiny, so records gather pieces); PENDING is allowed. */
static void send3(end_t *e, const char *b, size_t n, uv_buf_t iov[3])
{
    iov[0] = uv_buf_init((char *)b, 1);
    iov[1] = uv_buf_init((char *)b + 1, 70000);
    iov[2] = uv_buf_init((char *)b + 70001, (unsigned)(n - 70001));
    int rc = kc_transport_write(&e->tr, iov, 3, n);
    assert_true(rc == 0 || rc == KC_TRANSPORT_PENDING);
    if (rc == 0)
        e->written++;
}

static void test_handshake_and_data(void **state)
{
    (void)state;
    pair_t p;
    pair_start(&p, "server.crt", "ca.crt", "localhost", false, false);
    assert_true(run_until(&p, both_ready, 5000));
    const kc_tls_engine_t *e = kc_transport_tls_engine(&p.cli.tr);
    assert_string_equal(kc_tls_version(e), "TLSv1.3");
    assert_string_equal(p.srv.subject, ""); /* no client certificate asked */
    size_t up = 300 * 1024, down = 200 * 1024;
    char *a = pattern(up, 1), *b = pattern(down, 2);
    uv_buf_t ia[3], ib[3];
    send3(&p.cli, a, up, ia);
    send3(&p.srv, b, down, ib);
    want_srv = up, want_cli = down;
    assert_true(run_until(&p, all_arrived, 5000));
    assert_int_equal(p.srv.rx_len, up);
    assert_int_equal(p.cli.rx_len, down);
    assert_memory_equal(p.srv.rx, a, up);
    assert_memory_equal(p.cli.rx, b, down);
    assert_int_equal(p.cli.written, 1);
    assert_int_equal(p.srv.written, 1);
    free(a);
    free(b);
    pair_stop(&p);
}

static bool cli_written(pair_t *p) { return p->cli.written > 0 && p->srv.rx_len >= want_srv; }

/* The reader stops: the socket fills, the write stays pending until it reads again. */
static void test_write_pending_then_done(void **state)
{
    (void)state;
    pair_t p;
    pair_start(&p, "server.crt", "ca.crt", "localhost", false, false);
    assert_true(run_until(&p, both_ready, 5000));
    kc_transport_reading(&p.srv.tr, false);
    size_t n = 32u << 20;
    char *a = pattern(n, 3);
    uv_buf_t iov = uv_buf_init(a, (unsigned)n);
    assert_int_equal(kc_transport_write(&p.cli.tr, &iov, 1, n), KC_TRANSPORT_PENDING);
    for (int i = 0; i < 20; i++)
        uv_run(&p.loop, UV_RUN_NOWAIT);
    assert_int_equal(p.cli.written, 0);
    kc_transport_reading(&p.srv.tr, true);
    want_srv = n;
    assert_true(run_until(&p, cli_written, 10000));
    assert_int_equal(p.cli.written, 1);
    assert_int_equal(p.cli.written_status, 0);
    assert_int_equal(p.srv.rx_len, n);
    assert_memory_equal(p.srv.rx, a, n);
    free(a);
    pair_stop(&p);
}

/* A clean close sends close_notify: the other end reads a TLS end, not a bare TCP one. */
static void test_clean_close_sends_close_notify(void **state)
{
    (void)state;
    pair_t p;
    pair_start(&p, "server.crt", "ca.crt", "localhost", false, false);
    assert_true(run_until(&p, both_ready, 5000));
    p.cli.tr.ops->close(&p.cli.tr, false, closed_cb);
    assert_true(run_until(&p, srv_ended, 5000));
    assert_int_equal(p.srv.status, UV_EOF);
    assert_true(kc_transport_tls_engine(&p.srv.tr)->peer_closed);
    pair_stop(&p);
}

static void expect_client_fails(const char *cert, const char *ca, const char *host, const char *why)
{
    pair_t p;
    pair_start(&p, cert, ca, host, false, false);
    assert_true(run_until(&p, both_ended, 5000));
    assert_int_equal(p.cli.status, -KC_ETLS);
    if (!strstr(p.cli.why, why))
        fail_msg("'%s' does not say '%s'", p.cli.why, why);
    assert_int_equal(p.stats.failures[KC_TLS_SIDE_UPSTREAM][KC_TLS_FAIL_CERTIFICATE], 1);
    assert_false(p.cli.ready);
    pair_stop(&p);
}

static void test_wrong_ca(void **state)
{
    (void)state;
    expect_client_fails("server.crt", "rogue.crt", "localhost", "certificate verify failed");
}

static void test_wrong_host_name(void **state)
{
    (void)state;
    expect_client_fails("server.crt", "ca.crt", "kafka.example.com", "hostname mismatch");
}

/* An IP literal is matched against IP SANs only: a DNS SAN spelled "127.0.0.1" is no match. */
static void test_ip_literal_needs_an_ip_san(void **state)
{
    (void)state;
    expect_client_fails("dnsonly.crt", "ca.crt", "127.0.0.1", "IP address mismatch");
    pair_t p;
    pair_start(&p, "server.crt", "ca.crt", "127.0.0.1", false, false);
    assert_true(run_until(&p, both_ready, 5000));
    pair_stop(&p);
}

/* SNI names a host name and never an IP literal (RFC 6066 section 3). */
static void test_sni_for_names_only(void **state)
{
    (void)state;
    pair_t p;
    pair_start(&p, "server.crt", "ca.crt", "localhost", false, false);
    assert_true(run_until(&p, both_ready, 5000));
    assert_int_equal(p.sni_calls, 1);
    assert_string_equal(p.sni, "localhost");
    pair_stop(&p);
    pair_start(&p, "server.crt", "ca.crt", "127.0.0.1", false, false);
    assert_true(run_until(&p, both_ready, 5000));
    assert_string_equal(p.sni, "");
    pair_stop(&p);
}

static void test_mutual_tls(void **state)
{
    (void)state;
    pair_t p;
    pair_start(&p, "server.crt", "ca.crt", "localhost", true, true);
    assert_true(run_until(&p, both_ready, 5000));
    assert_string_equal(p.srv.subject, "O=kchaos tests,CN=alice");
    pair_stop(&p);
    /* Without a certificate: the server refuses it, counted as a certificate failure. */
    pair_start(&p, "server.crt", "ca.crt", "localhost", true, false);
    assert_true(run_until(&p, both_ended, 5000));
    assert_int_equal(p.srv.status, -KC_ETLS);
    assert_false(p.srv.ready);
    assert_int_equal(p.stats.failures[KC_TLS_SIDE_CLIENT][KC_TLS_FAIL_CERTIFICATE], 1);
    pair_stop(&p);
}

/* Start-up errors name the file and what is wrong. */
static void test_ctx_errors(void **state)
{
    (void)state;
    char err[512];
    kc_tls_ctx_t x;
    kc_tls_config_t c = {.cert = file("nope.crt"), .key = file("server.key")};
    assert_int_equal(kc_tls_ctx_init(&x, &c, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "nope.crt: No such file"));
    c = (kc_tls_config_t){.cert = file("server.key"), .key = file("server.key")};
    assert_int_equal(kc_tls_ctx_init(&x, &c, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "--tls-cert"));
    c = (kc_tls_config_t){.cert = file("server.crt"), .key = file("client.key")};
    assert_int_equal(kc_tls_ctx_init(&x, &c, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "matching --tls-cert"));
    /* A reload that fails keeps the context that runs. */
    c = (kc_tls_config_t){.cert = file("server.crt"), .key = file("server.key")};
    assert_int_equal(kc_tls_ctx_init(&x, &c, err, sizeof(err)), 0);
    SSL_CTX *before = x.server;
    c.key = file("client.key");
    assert_int_equal(kc_tls_ctx_reload(&x, err, sizeof(err)), -1);
    assert_ptr_equal(x.server, before);
    c.key = file("server.key");
    assert_int_equal(kc_tls_ctx_reload(&x, err, sizeof(err)), 0);
    int64_t secs = 0;
    assert_true(kc_tls_ctx_expiry(&x, true, &secs));
    assert_true(secs > 86400 && secs <= 2 * 86400);
    kc_tls_ctx_free(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handshake_and_data),
        cmocka_unit_test(test_write_pending_then_done),
        cmocka_unit_test(test_clean_close_sends_close_notify),
        cmocka_unit_test(test_wrong_ca),
        cmocka_unit_test(test_wrong_host_name),
        cmocka_unit_test(test_ip_literal_needs_an_ip_san),
        cmocka_unit_test(test_sni_for_names_only),
        cmocka_unit_test(test_mutual_tls),
        cmocka_unit_test(test_ctx_errors),
    };
    return cmocka_run_group_tests(tests, make_certs, remove_certs);
}
