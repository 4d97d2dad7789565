/* Histograms with fixed log-linear buckets: nine bounds a decade (1, 1.5, 2, 2.5, 3, 4, 5, 6,
 * 7.5) from 10 µs to 100 s, so every bound a dashboard or an SLO names (1, 10, 50, 100, 250,
 * 500 ms...) is a bucket edge and the counts at it are exact. Updating one is a binary search
 * over a constant table and three additions: no allocation, no lock. Values are nanoseconds. */
#ifndef KC_METRICS_HIST_H
#define KC_METRICS_HIST_H

#include <stdint.h>

#define KC_HIST_BOUNDS 64 /* finite upper bounds; one more bucket holds the rest */

typedef struct kc_hist {
    uint64_t bucket[KC_HIST_BOUNDS + 1]; /* bucket[i]: values <= bound i (and > bound i-1) */
    uint64_t count;
    uint64_t sum_ns;
    uint64_t max_ns;
} kc_hist_t;

/* The upper bounds, nanoseconds, ascending. */
extern const uint64_t kc_hist_bound_ns[KC_HIST_BOUNDS];

void kc_hist_add(kc_hist_t *h, uint64_t ns);
/* a += b */
void kc_hist_merge(kc_hist_t *a, const kc_hist_t *b);
/* The q-quantile (0 < q <= 1), interpolated linearly inside its bucket; 0 when empty. */
uint64_t kc_hist_quantile(const kc_hist_t *h, double q);
/* Cumulative count at an upper bound that is one of kc_hist_bound_ns (index i). */
uint64_t kc_hist_cumulative(const kc_hist_t *h, int i);

#endif
