/* The process's TLS contexts: see tls_ctx.h. */
#include "tls_ctx.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int fail(char *err, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, n, fmt, ap);
    va_end(ap);
    ERR_clear_error();
    return -1;
}

/* OpenSSL's reason for the last failure, the one a person can act on ("no start line",
 * "key values mismatch"). */
static const char *reason(void)
{
    unsigned long e = ERR_peek_last_error();
    const char *r = e ? ERR_reason_error_string(e) : NULL;
    return r ? r : "unknown error";
}

/* A file the settings name: readable, or a line saying why not (before OpenSSL's less direct
 * words for a missing file). */
static int readable(const char *flag, const char *path, char *err, size_t n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return fail(err, n, "%s %s: %s", flag, path, strerror(errno));
    fclose(f);
    return 0;
}

/* TLS 1.2 at least (RFC 8996 retired 1.0 and 1.1); 1.3 wherever both ends have it, which
 * OpenSSL prefers by itself. Renegotiation off: Kafka never needs it and it has a history of
 * attacks (RFC 5746); client-initiated renegotiation would be a free CPU sink. */
static SSL_CTX *new_ctx(const SSL_METHOD *m)
{
    SSL_CTX *c = SSL_CTX_new(m);
    if (!c)
        return NULL;
    SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
    SSL_CTX_set_options(c, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
    /* The memory BIO takes every write whole, and the transport moves the output buffer's
     * contents at its own pace. */
    SSL_CTX_set_mode(c, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    return c;
}

static int load_pair(SSL_CTX *c, const char *cflag, const char *cert, const char *kflag,
                     const char *key, char *err, size_t n)
{
    if (readable(cflag, cert, err, n) || readable(kflag, key, err, n))
        return -1;
    if (SSL_CTX_use_certificate_chain_file(c, cert) != 1)
        return fail(err, n, "%s %s: not a PEM certificate: %s", cflag, cert, reason());
    if (SSL_CTX_use_PrivateKey_file(c, key, SSL_FILETYPE_PEM) != 1)
        return fail(err, n, "%s %s: not a PEM private key matching %s %s: %s", kflag, key, cflag,
                    cert, reason());
    if (SSL_CTX_check_private_key(c) != 1)
        return fail(err, n, "%s %s does not match %s %s: %s", kflag, key, cflag, cert, reason());
    return 0;
}

static int load_ca(SSL_CTX *c, const char *flag, const char *file, char *err, size_t n)
{
    if (readable(flag, file, err, n))
        return -1;
    if (SSL_CTX_load_verify_locations(c, file, NULL) != 1)
        return fail(err, n, "%s %s: no PEM certificate in it: %s", flag, file, reason());
    return 0;
}

static SSL_CTX *build_server(const kc_tls_config_t *cfg, char *err, size_t n)
{
    SSL_CTX *c = new_ctx(TLS_server_method());
    if (!c) {
        fail(err, n, "TLS: cannot make a context: %s", reason());
        return NULL;
    }
    int rc = load_pair(c, "--tls-cert", cfg->cert, "--tls-key", cfg->key, err, n);
    if (!rc && cfg->ciphers && SSL_CTX_set_cipher_list(c, cfg->ciphers) != 1)
        rc = fail(err, n, "--tls-ciphers '%s': %s", cfg->ciphers, reason());
    if (!rc && cfg->ciphersuites && SSL_CTX_set_ciphersuites(c, cfg->ciphersuites) != 1)
        rc = fail(err, n, "--tls-ciphersuites '%s': %s", cfg->ciphersuites, reason());
    if (!rc && cfg->groups && SSL_CTX_set1_groups_list(c, cfg->groups) != 1)
        rc = fail(err, n, "--tls-groups '%s': %s", cfg->groups, reason());
    if (!rc && cfg->client_ca) {
        rc = load_ca(c, "--tls-client-ca", cfg->client_ca, err, n);
        STACK_OF(X509_NAME) *names = rc ? NULL : SSL_load_client_CA_file(cfg->client_ca);
        if (!rc && !names)
            rc = fail(err, n, "--tls-client-ca %s: %s", cfg->client_ca, reason());
        if (!rc) {
            SSL_CTX_set_client_CA_list(c, names); /* the CAs a client is told to pick from */
            SSL_CTX_set_verify(c, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
            /* A resumed session must carry a verified client too. */
            static const unsigned char sid[] = "kchaos";
            SSL_CTX_set_session_id_context(c, sid, sizeof(sid) - 1);
        }
    }
    if (rc) {
        SSL_CTX_free(c);
        return NULL;
    }
    return c;
}

static SSL_CTX *build_upstream(const kc_tls_config_t *cfg, char *err, size_t n)
{
    SSL_CTX *c = new_ctx(TLS_client_method());
    if (!c) {
        fail(err, n, "TLS: cannot make a context: %s", reason());
        return NULL;
    }
    int rc = 0;
    if (cfg->upstream_ca)
        rc = load_ca(c, "--upstream-ca", cfg->upstream_ca, err, n);
    else if (SSL_CTX_set_default_verify_paths(c) != 1)
        rc = fail(err, n, "--upstream-tls: cannot load the system's CA store: %s", reason());
    if (!rc && cfg->upstream_cert)
        rc = load_pair(c, "--upstream-cert", cfg->upstream_cert, "--upstream-key",
                       cfg->upstream_key, err, n);
    if (rc) {
        SSL_CTX_free(c);
        return NULL;
    }
    SSL_CTX_set_verify(c, cfg->upstream_insecure ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, NULL);
    return c;
}

/* Both contexts the settings ask for, or neither. */
static int build(const kc_tls_config_t *cfg, SSL_CTX **server, SSL_CTX **upstream, char *err,
                 size_t n)
{
    *server = *upstream = NULL;
    if (cfg->cert && !(*server = build_server(cfg, err, n)))
        return -1;
    if (cfg->upstream && !(*upstream = build_upstream(cfg, err, n))) {
        SSL_CTX_free(*server);
        *server = NULL;
        return -1;
    }
    return 0;
}

int kc_tls_ctx_init(kc_tls_ctx_t *x, const kc_tls_config_t *cfg, char *err, size_t errlen)
{
    *x = (kc_tls_ctx_t){.cfg = cfg};
    if (uv_mutex_init(&x->lock))
        return fail(err, errlen, "TLS: cannot make a lock");
    if (build(cfg, &x->server, &x->upstream, err, errlen)) {
        uv_mutex_destroy(&x->lock);
        return -1;
    }
    return 0;
}

int kc_tls_ctx_reload(kc_tls_ctx_t *x, char *err, size_t errlen)
{
    SSL_CTX *server, *upstream;
    if (build(x->cfg, &server, &upstream, err, errlen))
        return -1;
    uv_mutex_lock(&x->lock);
    SSL_CTX *old_server = x->server, *old_upstream = x->upstream;
    x->server = server;
    x->upstream = upstream;
    uv_mutex_unlock(&x->lock);
    /* Connections made from the old ones hold their own references. */
    SSL_CTX_free(old_server);
    SSL_CTX_free(old_upstream);
    return 0;
}

void kc_tls_ctx_free(kc_tls_ctx_t *x)
{
    SSL_CTX_free(x->server);
    SSL_CTX_free(x->upstream);
    x->server = x->upstream = NULL;
    uv_mutex_destroy(&x->lock);
}

SSL *kc_tls_ctx_new_ssl(kc_tls_ctx_t *x, bool server)
{
    uv_mutex_lock(&x->lock);
    SSL_CTX *c = server ? x->server : x->upstream;
    SSL *ssl = c ? SSL_new(c) : NULL; /* takes a reference: a reload may free ours now */
    uv_mutex_unlock(&x->lock);
    return ssl;
}

bool kc_tls_ctx_on(kc_tls_ctx_t *x, bool server)
{
    return x && (server ? x->cfg->cert != NULL : x->cfg->upstream);
}

bool kc_tls_ctx_expiry(kc_tls_ctx_t *x, bool server, int64_t *seconds)
{
    bool ok = false;
    uv_mutex_lock(&x->lock);
    SSL_CTX *c = server ? x->server : x->upstream;
    X509 *cert = c ? SSL_CTX_get0_certificate(c) : NULL;
    int days = 0, secs = 0;
    if (cert && ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(cert))) {
        *seconds = (int64_t)days * 86400 + secs;
        ok = true;
    }
    uv_mutex_unlock(&x->lock);
    return ok;
}
