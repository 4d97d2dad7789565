/* The TLS byte pump: see tls_engine.h.
 *
 * OpenSSL's error queue is per thread and shared by every connection of a loop: each call
 * that may fail starts by clearing it, so a reason read afterwards is this connection's. */
#include "tls_engine.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>

#include "../util/error.h"

const char *const kc_tls_fail_names[KC_TLS_FAIL_KINDS] = {"protocol", "certificate", "truncated",
                                                          "other"};
const char *const kc_tls_side_names[KC_TLS_SIDES] = {"client", "upstream"};

int kc_tls_engine_init(kc_tls_engine_t *e, SSL *ssl, bool server, const char *host)
{
    *e = (kc_tls_engine_t){.ssl = ssl, .server = server};
    if (!ssl)
        return -KC_ENOMEM;
    e->in = BIO_new(BIO_s_mem());
    e->out = BIO_new(BIO_s_mem());
    if (!e->in || !e->out) {
        BIO_free(e->in);
        BIO_free(e->out);
        SSL_free(ssl);
        e->ssl = NULL;
        return -KC_ENOMEM;
    }
    /* An empty input BIO means "more later", not end of stream: the socket says when it ends. */
    BIO_set_mem_eof_return(e->in, -1);
    SSL_set_bio(ssl, e->in, e->out);
    if (server) {
        SSL_set_accept_state(ssl);
        return 0;
    }
    SSL_set_connect_state(ssl);
    if (!host || !*host)
        return 0;
    /* The broker's certificate must name the host kchaos dials: an IP literal is matched
     * against IP SANs, a name against DNS SANs (RFC 6125). SNI carries names only: RFC 6066
     * section 3 forbids literal IPv4 and IPv6 addresses in HostName. */
    unsigned char ip[16];
    X509_VERIFY_PARAM *param = SSL_get0_param(ssl);
    int ok;
    if (inet_pton(AF_INET, host, ip) == 1 || inet_pton(AF_INET6, host, ip) == 1) {
        ok = X509_VERIFY_PARAM_set1_ip_asc(param, host);
    } else {
        X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        ok = X509_VERIFY_PARAM_set1_host(param, host, 0) && SSL_set_tlsext_host_name(ssl, host);
    }
    if (!ok) {
        kc_tls_engine_free(e);
        return -KC_ENOMEM;
    }
    return 0;
}

void kc_tls_engine_free(kc_tls_engine_t *e)
{
    SSL_free(e->ssl); /* and both BIOs */
    e->ssl = NULL;
    e->in = e->out = NULL;
}

int kc_tls_feed(kc_tls_engine_t *e, const void *data, size_t n)
{
    if (n == 0)
        return 0;
    e->got_bytes = true;
    size_t put = 0;
    if (!BIO_write_ex(e->in, data, n, &put) || put != n)
        return -KC_ENOMEM;
    return 0;
}

/* Which of the reasons a failure counts as (tls_stats.h). */
static kc_tls_fail_t classify(unsigned long err, long verify)
{
    if (verify != X509_V_OK)
        return KC_TLS_FAIL_CERTIFICATE;
    if (ERR_GET_LIB(err) != ERR_LIB_SSL)
        return KC_TLS_FAIL_OTHER;
    switch (ERR_GET_REASON(err)) {
    case SSL_R_CERTIFICATE_VERIFY_FAILED:
    case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE:
    case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
    case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_REVOKED:
    case SSL_R_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE:
    case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
        return KC_TLS_FAIL_CERTIFICATE;
    case SSL_R_WRONG_VERSION_NUMBER:
    case SSL_R_HTTP_REQUEST:
    case SSL_R_HTTPS_PROXY_REQUEST:
    case SSL_R_UNSUPPORTED_PROTOCOL:
    case SSL_R_UNKNOWN_PROTOCOL:
    case SSL_R_PACKET_LENGTH_TOO_LONG:
    case SSL_R_RECORD_LENGTH_MISMATCH:
    case SSL_R_BAD_RECORD_TYPE:
    case SSL_R_VERSION_TOO_LOW:
    case SSL_R_NO_PROTOCOLS_AVAILABLE:
    case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
    case SSL_R_NO_SHARED_CIPHER:
    case SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE:
    case SSL_R_UNEXPECTED_MESSAGE:
    case SSL_R_UNEXPECTED_RECORD:
    case SSL_R_NO_RENEGOTIATION:
        return KC_TLS_FAIL_PROTOCOL;
    default:
        return KC_TLS_FAIL_OTHER;
    }
}

/* The call failed for good: remember why, in OpenSSL's words. */
static int fail(kc_tls_engine_t *e, int ssl_err)
{
    unsigned long err = ERR_get_error();
    long verify = SSL_get_verify_result(e->ssl);
    const char *stage = e->established ? "" : "handshake failed: ";
    e->failed = true;
    e->kind = classify(err, verify);
    if (verify != X509_V_OK)
        snprintf(e->why, sizeof(e->why), "%scertificate verify failed: %s", stage,
                 X509_verify_cert_error_string(verify));
    else if (err)
        snprintf(e->why, sizeof(e->why), "%s%s", stage,
                 ERR_reason_error_string(err) ? ERR_reason_error_string(err) : "unknown error");
    else
        snprintf(e->why, sizeof(e->why), "%sSSL error %d", stage, ssl_err);
    ERR_clear_error();
    return -KC_ETLS;
}

int kc_tls_step(kc_tls_engine_t *e)
{
    if (e->failed)
        return -KC_ETLS;
    if (e->established)
        return 0;
    ERR_clear_error();
    int r = SSL_do_handshake(e->ssl);
    if (r == 1) {
        e->established = true;
        return 0;
    }
    int err = SSL_get_error(e->ssl, r);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
        return KC_TLS_AGAIN;
    return fail(e, err);
}

int kc_tls_eof(kc_tls_engine_t *e)
{
    if (e->established || e->failed || !e->got_bytes)
        return e->failed ? -KC_ETLS : 0;
    e->failed = true;
    e->kind = KC_TLS_FAIL_TRUNCATED;
    snprintf(e->why, sizeof(e->why), "handshake failed: the peer closed the connection in the "
                                     "middle of it");
    return -KC_ETLS;
}

ssize_t kc_tls_read(kc_tls_engine_t *e, void *buf, size_t cap)
{
    if (e->failed)
        return -KC_ETLS;
    if (e->peer_closed)
        return KC_TLS_EOF;
    ERR_clear_error();
    size_t got = 0;
    int r = SSL_read_ex(e->ssl, buf, cap, &got);
    if (r == 1)
        return (ssize_t)got;
    int err = SSL_get_error(e->ssl, r);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
        return 0;
    if (err == SSL_ERROR_ZERO_RETURN) {
        e->peer_closed = true;
        return KC_TLS_EOF;
    }
    return fail(e, err);
}

bool kc_tls_readable(const kc_tls_engine_t *e)
{
    return !e->failed && (SSL_has_pending(e->ssl) || BIO_ctrl_pending(e->in) > 0);
}

int kc_tls_write(kc_tls_engine_t *e, const void *p, size_t n)
{
    if (e->failed)
        return -KC_ETLS;
    while (n > 0) {
        ERR_clear_error();
        size_t done = 0;
        int r = SSL_write_ex(e->ssl, p, n, &done);
        if (r != 1)
            return fail(e, SSL_get_error(e->ssl, r));
        p = (const char *)p + done;
        n -= done;
    }
    return 0;
}

const char *kc_tls_out_peek(const kc_tls_engine_t *e, size_t *len)
{
    char *p = NULL;
    long n = BIO_get_mem_data(e->out, &p);
    *len = n > 0 ? (size_t)n : 0;
    return p;
}

void kc_tls_out_clear(kc_tls_engine_t *e) { (void)BIO_reset(e->out); }

void kc_tls_close_notify(kc_tls_engine_t *e)
{
    if (!e->established || e->failed)
        return;
    ERR_clear_error();
    SSL_shutdown(e->ssl); /* one way: the socket closes right after, nobody waits for an answer */
    ERR_clear_error();
}

const char *kc_tls_version(const kc_tls_engine_t *e) { return SSL_get_version(e->ssl); }

const char *kc_tls_cipher(const kc_tls_engine_t *e)
{
    const char *c = SSL_get_cipher_name(e->ssl);
    return c ? c : "";
}

void kc_tls_peer_subject(const kc_tls_engine_t *e, char *out, size_t cap)
{
    out[0] = 0;
    X509 *peer = SSL_get0_peer_certificate(e->ssl);
    BIO *b = peer ? BIO_new(BIO_s_mem()) : NULL;
    if (!b)
        return;
    if (X509_NAME_print_ex(b, X509_get_subject_name(peer), 0, XN_FLAG_RFC2253) >= 0) {
        char *p;
        long n = BIO_get_mem_data(b, &p);
        size_t k = n < 0 ? 0 : (size_t)n < cap - 1 ? (size_t)n : cap - 1;
        memcpy(out, p, k);
        out[k] = 0;
    }
    BIO_free(b);
}
