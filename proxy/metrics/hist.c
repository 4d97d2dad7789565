/* Histograms: see hist.h. */
#include "hist.h"

#define D(m) (m), (m) * 3 / 2, (m) * 2, (m) * 5 / 2, (m) * 3, (m) * 4, (m) * 5, (m) * 6, (m) * 15 / 2
/* 10 µs .. 100 s: seven decades of nine bounds, and the next decade's start. */
const uint64_t kc_hist_bound_ns[KC_HIST_BOUNDS] = {
    D(10000ull), D(100000ull), D(1000000ull), D(10000000ull), D(100000000ull),
    D(1000000000ull), D(10000000000ull), 100000000000ull,
};

static int bucket_of(uint64_t ns)
{
    int lo = 0, hi = KC_HIST_BOUNDS; /* the first bound >= ns, or KC_HIST_BOUNDS */
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (kc_hist_bound_ns[mid] >= ns)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

void kc_hist_add(kc_hist_t *h, uint64_t ns)
{
    h->bucket[bucket_of(ns)]++;
    h->count++;
    h->sum_ns += ns;
    if (ns > h->max_ns)
        h->max_ns = ns;
}

void kc_hist_merge(kc_hist_t *a, const kc_hist_t *b)
{
    for (int i = 0; i <= KC_HIST_BOUNDS; i++)
        a->bucket[i] += b->bucket[i];
    a->count += b->count;
    a->sum_ns += b->sum_ns;
    if (b->max_ns > a->max_ns)
        a->max_ns = b->max_ns;
}

uint64_t kc_hist_cumulative(const kc_hist_t *h, int i)
{
    uint64_t n = 0;
    for (int k = 0; k <= i && k <= KC_HIST_BOUNDS; k++)
        n += h->bucket[k];
    return n;
}

uint64_t kc_hist_quantile(const kc_hist_t *h, double q)
{
    if (!h->count)
        return 0;
    double rank = q * (double)h->count;
    uint64_t seen = 0;
    for (int i = 0; i <= KC_HIST_BOUNDS; i++) {
        if (!h->bucket[i] || (double)(seen + h->bucket[i]) < rank) {
            seen += h->bucket[i];
            continue;
        }
        uint64_t lo = i ? kc_hist_bound_ns[i - 1] : 0;
        uint64_t hi = i < KC_HIST_BOUNDS ? kc_hist_bound_ns[i] : h->max_ns;
        if (hi > h->max_ns)
            hi = h->max_ns; /* never above what was seen */
        if (hi < lo)
            return hi;
        double frac = (rank - (double)seen) / (double)h->bucket[i];
        return lo + (uint64_t)(frac * (double)(hi - lo));
    }
    return h->max_ns;
}
