/* Leading indicators: a fixed ring of per-client snapshots (one every KC_TREND_INTERVAL_NS,
 * KC_TREND_SLOTS of them: ten minutes) held inside the client record, so that a threshold that
 * will be crossed shows before it is: per indicator the value over the last interval ("now"),
 * the least-squares slope per second over the ring, and the runway (seconds until "now"
 * reaches the threshold at that slope).
 *
 * A slot holds what the interval measured, not cumulative counters, so that a view merged
 * from several loops can combine slots of the same age: rates add, throttle means are weighted
 * by responses, and p99 takes the largest of the loops' (an upper bound of the merged p99:
 * each loop has 99% of its requests at or under its own p99). No allocation after the record. */
#ifndef KC_METRICS_TREND_H
#define KC_METRICS_TREND_H

#include <stdbool.h>
#include <stdint.h>

#include "hist.h"

#define KC_TREND_SLOTS 60
#define KC_TREND_INTERVAL_NS 10000000000ull

enum kc_ind { KC_IND_LATENCY_P99, KC_IND_ERRORS, KC_IND_RETRIES, KC_IND_THROTTLE, KC_INDS };

/* JSON and label names ("latency_p99_ms"...) and the thresholds from producer-monitoring
 * practice: p99 200 ms, 1 error/s, 10 retried records/s, 100 ms throttle. */
extern const char *const kc_ind_names[KC_INDS];
extern const double kc_ind_threshold[KC_INDS];

typedef struct kc_trend_slot {
    uint64_t t_ns;            /* when the interval ended */
    float v[KC_INDS];         /* p99 ms, errors/s, retried records/s, mean throttle ms */
    uint32_t responses;       /* answered in the interval: 0 leaves p99 and throttle undefined */
} kc_trend_slot_t;

/* Cumulative figures of a client at a snapshot. */
typedef struct kc_trend_in {
    const kc_hist_t *latency; /* client-leg latency, every outcome */
    uint64_t errors, retries; /* partition results with an error, records resent */
    uint64_t throttle_sum_ns, throttle_n;
} kc_trend_in_t;

typedef struct kc_trend {
    kc_trend_slot_t slot[KC_TREND_SLOTS];
    uint32_t head, n;         /* next slot written; slots filled */
    uint64_t last_ns;         /* the previous snapshot (or the record's creation) */
    /* The cumulative figures at last_ns: the next interval is their difference. */
    kc_hist_t lat_base;
    uint64_t err_base, retry_base, thr_sum_base, thr_n_base;
} kc_trend_t;

typedef struct kc_indicator {
    double now, slope_per_s;
    double runway_s;          /* valid when has_runway */
    bool has_runway;
    uint32_t points;          /* slots the slope was fitted on */
} kc_indicator_t;

void kc_trend_init(kc_trend_t *tr, uint64_t now);
/* A snapshot when an interval has passed since the last one; 1 when one was taken. */
int kc_trend_tick(kc_trend_t *tr, uint64_t now, const kc_trend_in_t *in);
/* Append one interval's values as they are (the tests' synthetic series, and tick). */
void kc_trend_push(kc_trend_t *tr, uint64_t t_ns, const float v[KC_INDS], uint32_t responses);
/* The k-th newest slot (0: the last interval); NULL past what was filled. */
const kc_trend_slot_t *kc_trend_slot(const kc_trend_t *tr, uint32_t k);
/* now, slope and runway of one indicator against its threshold. runway 0 when now is at or
 * over it; none when the slope is <= 0 or fewer than 3 slots measured the indicator. */
void kc_trend_indicator(const kc_trend_t *tr, int ind, double threshold, kc_indicator_t *out);
/* Combine b into a, slots matched by age (newest with newest). */
void kc_trend_merge(kc_trend_t *a, const kc_trend_t *b);

#endif
