/* TLS figures a loop keeps: failed handshakes by side and by a small fixed set of reasons, so
 * that the label set of kchaos_tls_handshake_failures_total is bounded whatever peers send. */
#ifndef KC_NET_TLS_STATS_H
#define KC_NET_TLS_STATS_H

#include <stdint.h>

typedef enum kc_tls_fail {
    KC_TLS_FAIL_PROTOCOL,    /* not TLS, a version or cipher nobody shares, malformed records */
    KC_TLS_FAIL_CERTIFICATE, /* a certificate missing, untrusted, expired or for another host */
    KC_TLS_FAIL_TRUNCATED,   /* the peer went away in the middle of the handshake */
    KC_TLS_FAIL_OTHER,
    KC_TLS_FAIL_KINDS,
} kc_tls_fail_t;

typedef enum kc_tls_side { KC_TLS_SIDE_CLIENT, KC_TLS_SIDE_UPSTREAM, KC_TLS_SIDES } kc_tls_side_t;

/* "protocol", "certificate", "truncated", "other"; "client", "upstream". */
extern const char *const kc_tls_fail_names[KC_TLS_FAIL_KINDS];
extern const char *const kc_tls_side_names[KC_TLS_SIDES];

typedef struct kc_tls_stats {
    uint64_t failures[KC_TLS_SIDES][KC_TLS_FAIL_KINDS];
} kc_tls_stats_t;

#endif
