/* The TLS settings (--tls-*, --upstream-tls*), apart from the code that uses them so that
 * config.h stays free of OpenSSL. Paths are read at start and on SIGHUP (tls_ctx.h). */
#ifndef KC_NET_TLS_CONFIG_H
#define KC_NET_TLS_CONFIG_H

#include <stdbool.h>

typedef struct kc_tls_config {
    char *cert, *key;           /* --tls-cert, --tls-key: TLS to clients when set; owned */
    char *client_ca;            /* --tls-client-ca: require and verify client certificates */
    char *ciphers;              /* --tls-ciphers (TLS 1.2), --tls-ciphersuites (TLS 1.3) */
    char *ciphersuites;
    char *groups;               /* --tls-groups */
    bool upstream;              /* --upstream-tls */
    bool upstream_insecure;     /* --upstream-tls-insecure: no verification of brokers */
    char *upstream_ca;          /* NULL: the system's store */
    char *upstream_cert, *upstream_key; /* a client certificate for brokers (mTLS) */
} kc_tls_config_t;

#endif
