/* The admin API's /api/v1/clients as the command-line tools read it: one kc_cli_client_t per
 * client (client id + host), only the fields top and health show or judge. Fields another
 * kchaos may not serve yet (delivery_failures, indicators) carry a `has_` flag instead of a
 * made-up zero. */
#ifndef KC_CLI_CLIENTS_H
#define KC_CLI_CLIENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The leading indicators, in the order of KC_CLI_IND_NAMES. */
enum { KC_CLI_IND_LATENCY_P99, KC_CLI_IND_ERRORS, KC_CLI_IND_RETRIES, KC_CLI_IND_THROTTLE,
       KC_CLI_INDS };
extern const char *const kc_cli_ind_names[KC_CLI_INDS]; /* the JSON keys */

typedef struct kc_cli_trend {
    bool present;
    double now, slope_per_s, threshold;
    bool has_runway; /* false: flat or improving (JSON null) */
    double runway_s;
} kc_cli_trend_t;

#define KC_CLI_RISKS_MAX 8

typedef struct kc_cli_client {
    char client_id[128], host[64];
    uint64_t req_ok, req_retriable, req_fatal;
    uint64_t records, bytes, retries, errors;
    double records_per_s, bytes_per_s, requests_per_s, errors_per_s, retries_per_s;
    /* latency_ms.client: what the producer waits, request in to response out */
    uint64_t lat_count;
    double lat_mean, lat_p50, lat_p95, lat_p99, lat_max;
    uint64_t thr_responses, thr_throttled;
    double thr_share, thr_mean, thr_max;
    int nrisks;
    char risks[KC_CLI_RISKS_MAX][40];
    bool has_delivery_failures;
    uint64_t delivery_failures;
    bool has_indicators;
    double ind_interval_s;
    kc_cli_trend_t ind[KC_CLI_INDS];
} kc_cli_client_t;

typedef struct kc_cli_clients {
    size_t n;
    kc_cli_client_t *v; /* owned: kc_cli_clients_free */
} kc_cli_clients_t;

/* Parses a /api/v1/clients body. 0, or -1 with a reason in err (not JSON, no "clients"). Fields
 * missing or of another type read as zero, so an older or newer kchaos still parses. */
int kc_cli_clients_parse(const char *json, kc_cli_clients_t *out, char *err, size_t errlen);
void kc_cli_clients_free(kc_cli_clients_t *c);

/* Seconds until `now` reaches `threshold` at `slope` per second: 0 when already over (or at a
 * non-zero threshold), -1 when flat or improving (never). The same rule kchaos uses for the
 * runway it serves, for thresholds the caller chose itself. */
double kc_cli_runway(double now, double slope_per_s, double threshold);

#endif
