/* The figures as people and programs read them: Prometheus text (GET /metrics) and JSON
 * (GET /api/v1/clients), rendered from a view that sums every loop's shard, and the producer
 * risk audit both share. */
#ifndef KC_METRICS_EXPOSE_H
#define KC_METRICS_EXPOSE_H

#include <stddef.h>
#include <stdint.h>

#include "../net/tls_stats.h"
#include "table.h"

/* Proxy-wide gauges and counters beside the produce series. */
typedef struct kc_proxy_stats {
    uint64_t connections;       /* open pairs */
    uint64_t inflight;          /* requests awaiting a response */
    uint64_t buffered_bytes;    /* partial, held and queued frames */
    uint64_t buffer_cap;        /* --max-buffered-bytes */
    uint64_t memory_pauses;     /* times the cap was reached */
    uint64_t refused;           /* connections refused over a limit */
    uint64_t malformed_batches; /* record batches kchaos could not read */
    uint64_t batches_forgotten; /* batch identities evicted before a retry could match them */
    uint32_t loops;
    /* TLS, by side (client, upstream): on at all, failed handshakes by reason, and the
     * seconds until the certificate kchaos shows on that side expires (when it has one). */
    bool tls_on[KC_TLS_SIDES];
    kc_tls_stats_t tls;
    bool cert_known[KC_TLS_SIDES];
    int64_t cert_expiry[KC_TLS_SIDES];
} kc_proxy_stats_t;

/* One risk the wire proves, with a reason a person can act on. */
typedef struct kc_risk {
    const char *flag;
    const char *reason;
} kc_risk_t;

#define KC_RISK_FLAGS 7
extern const kc_risk_t kc_risks[KC_RISK_FLAGS];
/* Which of kc_risks apply to c (bit i for kc_risks[i]). */
uint32_t kc_risk_flags(const kc_mclient_t *c);

/* Each returns a malloc'ed, NUL-terminated text (the caller frees it) and its length in *len,
 * or NULL when memory ran out. now is uv_hrtime(). */
char *kc_expose_prometheus(const kc_mtable_t *t, const kc_proxy_stats_t *st, uint64_t now, size_t *len);
char *kc_expose_json(const kc_mtable_t *t, const kc_proxy_stats_t *st, uint64_t now, size_t *len);

#endif
