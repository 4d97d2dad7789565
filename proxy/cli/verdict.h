/* kchaos health's judgement of one client, apart from any I/O so that it is tested on canned
 * figures. Thresholds follow producer-monitoring practice (record-error-rate, request-latency-
 * avg > 200 ms, record-retry-rate > 10/s, any produce-throttle-time). */
#ifndef KC_CLI_VERDICT_H
#define KC_CLI_VERDICT_H

#include <stddef.h>

#include "clients.h"

/* The monitoring-plugin exit codes, worst last. */
typedef enum { KC_OK = 0, KC_WARNING = 1, KC_CRITICAL = 2, KC_UNKNOWN = 3 } kc_verdict_t;

typedef struct kc_health_opts {
    double max_latency_ms; /* mean client latency above: warning (200) */
    double max_error_rate; /* errors/s above: warning; < 0: not checked (default) */
    double max_retry_rate; /* retries/s above: warning (10) */
    double max_throttle_ms; /* 0: any throttled response warns; > 0: mean throttle above */
    double runway_s;       /* > 0: an indicator due to cross its threshold sooner warns */
} kc_health_opts_t;

void kc_health_opts_default(kc_health_opts_t *o);

/* The verdict for c, and why in reason (every cause, "; "-separated; a summary when OK). */
kc_verdict_t kc_health_judge(const kc_cli_client_t *c, const kc_health_opts_t *o, char *reason,
                             size_t n);

const char *kc_verdict_name(kc_verdict_t v);

#endif
