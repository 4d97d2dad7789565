/* The process's TLS contexts, built from the settings at start and again on SIGHUP: one
 * SSL_CTX for kchaos as a server to clients (--tls-cert), one as a client to brokers
 * (--upstream-tls). Every loop makes its connections from them (an SSL_CTX may be shared by
 * threads once built). A reload builds new contexts aside and swaps the pointers; a
 * connection keeps the context it was made with through SSL's own reference. */
#ifndef KC_NET_TLS_CTX_H
#define KC_NET_TLS_CTX_H

#include <openssl/ssl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "tls_config.h"

typedef struct kc_tls_ctx {
    const kc_tls_config_t *cfg; /* not owned */
    uv_mutex_t lock;            /* guards the two pointers (swapped by a reload) */
    SSL_CTX *server;            /* NULL: the listeners speak plaintext */
    SSL_CTX *upstream;          /* NULL: brokers are dialed in plaintext */
} kc_tls_ctx_t;

/* Build both contexts the settings ask for. 0, or -1 with one line in err naming the file
 * and OpenSSL's reason. */
int kc_tls_ctx_init(kc_tls_ctx_t *x, const kc_tls_config_t *cfg, char *err, size_t errlen);
/* Read the files again and swap; on error nothing changes. 0 or -1 (err). */
int kc_tls_ctx_reload(kc_tls_ctx_t *x, char *err, size_t errlen);
void kc_tls_ctx_free(kc_tls_ctx_t *x);

/* A new connection from the current context (server: to a client), or NULL (none
 * configured, or out of memory). */
SSL *kc_tls_ctx_new_ssl(kc_tls_ctx_t *x, bool server);
bool kc_tls_ctx_on(kc_tls_ctx_t *x, bool server);

/* Seconds until the certificate expires (negative: expired): the one served to clients
 * (server true) or the one shown to brokers. false when there is none. */
bool kc_tls_ctx_expiry(kc_tls_ctx_t *x, bool server, int64_t *seconds);

#endif
