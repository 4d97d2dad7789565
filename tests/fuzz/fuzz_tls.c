/* The server side of the TLS byte pump (proxy/net/tls_engine.c) fed arbitrary bytes as a
 * client's ciphertext, in input-driven pieces, with no socket: the handshake steps, reads,
 * a write and the socket's end, as tls.c drives them. The certificate is made in memory once
 * (an EC P-256 key signed by itself), so the target needs no file. */
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "fuzz.h"
#include "net/tls_engine.h"
#include "util/error.h"

static SSL_CTX *ctx;

static SSL_CTX *make_ctx(void)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *cert = X509_new();
    CHECK(key && cert);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), 0);
    X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
    X509_set_pubkey(cert, key);
    X509_NAME *name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"localhost", -1,
                               -1, 0);
    X509_set_issuer_name(cert, name);
    CHECK(X509_sign(cert, key, EVP_sha256()) > 0);
    SSL_CTX *c = SSL_CTX_new(TLS_server_method());
    CHECK(c && SSL_CTX_use_certificate(c, cert) == 1 && SSL_CTX_use_PrivateKey(c, key) == 1);
    SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
    SSL_CTX_set_options(c, SSL_OP_NO_RENEGOTIATION);
    X509_free(cert);
    EVP_PKEY_free(key);
    return c;
}

static void drain(kc_tls_engine_t *e)
{
    size_t len;
    const char *p = kc_tls_out_peek(e, &len);
    CHECK(len == 0 || p != NULL);
    kc_tls_out_clear(e);
    kc_tls_out_peek(e, &len);
    CHECK(len == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ctx)
        ctx = make_ctx();
    kc_tls_engine_t e;
    if (kc_tls_engine_init(&e, SSL_new(ctx), true, NULL))
        return 0;
    uint8_t *copy = fuzz_copy(data, size);
    char plain[4096];
    size_t pos = 0;
    /* Each piece: one byte of length (0: the rest), then that many bytes of ciphertext. */
    while (pos < size && !e.failed) {
        size_t want = copy[pos++];
        size_t n = want == 0 || want > size - pos ? size - pos : want;
        CHECK(kc_tls_feed(&e, copy + pos, n) == 0);
        pos += n;
        int rc = kc_tls_step(&e);
        CHECK(rc == 0 || rc == KC_TLS_AGAIN || rc == -KC_ETLS);
        CHECK((rc == 0) == e.established);
        if (rc == 0) {
            ssize_t r;
            while ((r = kc_tls_read(&e, plain, sizeof(plain))) > 0)
                CHECK((size_t)r <= sizeof(plain));
            CHECK(r == 0 || r == KC_TLS_EOF || r == -KC_ETLS);
            if (!e.failed && !e.peer_closed)
                (void)kc_tls_write(&e, "pong", 4);
        }
        drain(&e);
    }
    if (!e.failed)
        (void)kc_tls_eof(&e);
    if (e.failed) {
        CHECK(e.why[0] != 0);
        CHECK(e.kind >= 0 && e.kind < KC_TLS_FAIL_KINDS);
    }
    kc_tls_close_notify(&e);
    drain(&e);
    kc_tls_engine_free(&e);
    free(copy);
    return 0;
}
