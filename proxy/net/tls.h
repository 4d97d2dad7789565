/* The TLS transport: the transport.h seam over a TLS connection on the same uv_tcp_t.
 *
 * libuv reads ciphertext into a buffer of the transport's and feeds the byte pump
 * (tls_engine.h); plaintext goes out through the owner's alloc/read callbacks as the TCP
 * transport's would. The owner's writes are encrypted into the pump's output and sent with
 * uv_try_write, the rest with one uv_write; the write returns KC_TRANSPORT_PENDING and calls
 * `written` later exactly when the TCP transport would. The handshake runs on reads and writes
 * by itself: a write before it ends waits (PENDING) and goes when it ends. */
#ifndef KC_NET_TLS_H
#define KC_NET_TLS_H

#include <openssl/ssl.h>
#include <stdbool.h>

#include "tls_engine.h"
#include "tls_stats.h"
#include "transport.h"

/* A TLS transport over t->tcp (initialised, accepted or connected), taking ssl. server: kchaos
 * answers a client's handshake; else it begins one, verifying the broker against host.
 * stats: the loop's counters (failures are counted there). 0 or -KC_ENOMEM (ssl freed). */
int kc_transport_tls(kc_transport_t *t, const kc_transport_cbs_t *cbs, void *owner, SSL *ssl,
                     bool server, const char *host, kc_tls_stats_t *stats);

/* The pump of a TLS transport (version, cipher, peer subject), or NULL for plain TCP. */
const kc_tls_engine_t *kc_transport_tls_engine(const kc_transport_t *t);

#endif
