/* The TLS byte pump: one OpenSSL connection between two memory BIOs, with no socket and no
 * event loop. Ciphertext from the peer goes in (kc_tls_feed), plaintext comes out
 * (kc_tls_read); plaintext goes in (kc_tls_write), ciphertext for the peer comes out
 * (kc_tls_out_peek/clear). The transport in tls.c drives it from libuv's callbacks; the fuzz
 * target and the unit tests drive it directly (the nghttp2 mem_recv/mem_send shape). */
#ifndef KC_NET_TLS_ENGINE_H
#define KC_NET_TLS_ENGINE_H

#include <openssl/ssl.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "tls_stats.h"

#define KC_TLS_AGAIN 1  /* kc_tls_step: the handshake needs more bytes from the peer */
#define KC_TLS_EOF (-1) /* kc_tls_read: the peer sent close_notify */

typedef struct kc_tls_engine {
    SSL *ssl;            /* owned; it owns the two BIOs */
    BIO *in, *out;       /* ciphertext from the peer, for the peer */
    bool server;
    bool established;    /* the handshake is done */
    bool failed;         /* why and kind say what happened; nothing more goes through */
    bool got_bytes;      /* the peer sent something (a connect-and-close probe did not) */
    bool peer_closed;    /* close_notify received */
    kc_tls_fail_t kind;
    char why[200];       /* "handshake failed: wrong version number" */
} kc_tls_engine_t;

/* Take ssl (from kc_tls_ctx_new_ssl). A client (server false) with a host verifies the
 * peer's certificate against it, as a name or as an IP literal, and names it in SNI when it
 * is a name. 0 or -KC_ENOMEM (ssl freed either way on failure). */
int kc_tls_engine_init(kc_tls_engine_t *e, SSL *ssl, bool server, const char *host);
void kc_tls_engine_free(kc_tls_engine_t *e);

/* Ciphertext read from the peer. 0 or -KC_ENOMEM. */
int kc_tls_feed(kc_tls_engine_t *e, const void *data, size_t n);
/* Drive the handshake with what was fed: 0 once established, KC_TLS_AGAIN, or -KC_ETLS
 * (e->why, e->kind). Its output waits in the out BIO. */
int kc_tls_step(kc_tls_engine_t *e);
/* The socket ended before close_notify: during the handshake that fails it (truncated) when
 * the peer had begun one. Returns -KC_ETLS then, else 0. */
int kc_tls_eof(kc_tls_engine_t *e);
/* Plaintext decrypted into buf: > 0 bytes, 0 when more ciphertext is needed, KC_TLS_EOF, or
 * -KC_ETLS. */
ssize_t kc_tls_read(kc_tls_engine_t *e, void *buf, size_t cap);
/* Is there something kc_tls_read could work on (a record or part of one)? */
bool kc_tls_readable(const kc_tls_engine_t *e);
/* Encrypt all n bytes (the memory BIO takes everything). 0 or -KC_ETLS. */
int kc_tls_write(kc_tls_engine_t *e, const void *p, size_t n);
/* The ciphertext waiting for the peer, and dropping it once sent (or copied elsewhere). */
const char *kc_tls_out_peek(const kc_tls_engine_t *e, size_t *len);
void kc_tls_out_clear(kc_tls_engine_t *e);
/* Queue close_notify (RFC 8446 6.1) for the peer. */
void kc_tls_close_notify(kc_tls_engine_t *e);

/* After the handshake: "TLSv1.3", the cipher, and the peer certificate's subject as an RFC 2253
 * string ("" without one). */
const char *kc_tls_version(const kc_tls_engine_t *e);
const char *kc_tls_cipher(const kc_tls_engine_t *e);
void kc_tls_peer_subject(const kc_tls_engine_t *e, char *out, size_t cap);

#endif
