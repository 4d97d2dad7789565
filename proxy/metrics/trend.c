/* Leading indicators: see trend.h. */
#include "trend.h"

#include <string.h>

const char *const kc_ind_names[KC_INDS] = {"latency_p99_ms", "errors_per_s", "retries_per_s",
                                           "throttle_ms"};
const double kc_ind_threshold[KC_INDS] = {200, 1, 10, 100};

void kc_trend_init(kc_trend_t *tr, uint64_t now)
{
    memset(tr, 0, sizeof(*tr));
    tr->last_ns = now;
}

void kc_trend_push(kc_trend_t *tr, uint64_t t_ns, const float v[KC_INDS], uint32_t responses)
{
    kc_trend_slot_t *s = &tr->slot[tr->head];
    s->t_ns = t_ns;
    memcpy(s->v, v, sizeof(s->v));
    s->responses = responses;
    tr->head = (tr->head + 1) % KC_TREND_SLOTS;
    if (tr->n < KC_TREND_SLOTS)
        tr->n++;
}

const kc_trend_slot_t *kc_trend_slot(const kc_trend_t *tr, uint32_t k)
{
    if (k >= tr->n)
        return NULL;
    return &tr->slot[(tr->head + KC_TREND_SLOTS - 1 - k) % KC_TREND_SLOTS];
}

int kc_trend_tick(kc_trend_t *tr, uint64_t now, const kc_trend_in_t *in)
{
    if (now - tr->last_ns < KC_TREND_INTERVAL_NS)
        return 0;
    double secs = (double)(now - tr->last_ns) / 1e9;
    /* The interval's latency: the histogram's difference since the last snapshot. */
    kc_hist_t d = {{0}};
    for (int i = 0; i <= KC_HIST_BOUNDS; i++)
        d.bucket[i] = in->latency->bucket[i] - tr->lat_base.bucket[i];
    d.count = in->latency->count - tr->lat_base.count;
    d.max_ns = in->latency->max_ns; /* the interval's own max is not kept: an upper bound */
    uint64_t thr_n = in->throttle_n - tr->thr_n_base;
    uint64_t answered = d.count > thr_n ? d.count : thr_n;
    float v[KC_INDS];
    v[KC_IND_LATENCY_P99] = (float)((double)kc_hist_quantile(&d, 0.99) / 1e6);
    v[KC_IND_ERRORS] = (float)((double)(in->errors - tr->err_base) / secs);
    v[KC_IND_RETRIES] = (float)((double)(in->retries - tr->retry_base) / secs);
    v[KC_IND_THROTTLE] =
        thr_n ? (float)((double)(in->throttle_sum_ns - tr->thr_sum_base) / (double)thr_n / 1e6) : 0;
    kc_trend_push(tr, now, v, (uint32_t)(answered > UINT32_MAX ? UINT32_MAX : answered));
    tr->lat_base = *in->latency;
    tr->err_base = in->errors;
    tr->retry_base = in->retries;
    tr->thr_sum_base = in->throttle_sum_ns;
    tr->thr_n_base = in->throttle_n;
    tr->last_ns = now;
    return 1;
}

/* p99 and throttle mean exist only for intervals that answered something; rates always do. */
static bool measured(const kc_trend_slot_t *s, int ind)
{
    return s->responses || ind == KC_IND_ERRORS || ind == KC_IND_RETRIES;
}

void kc_trend_indicator(const kc_trend_t *tr, int ind, double threshold, kc_indicator_t *out)
{
    *out = (kc_indicator_t){0};
    const kc_trend_slot_t *last = kc_trend_slot(tr, 0);
    if (!last)
        return;
    out->now = measured(last, ind) ? last->v[ind] : 0;
    /* Least squares over (seconds before the last slot, value): centred sums, well
     * conditioned whatever the clock reads. */
    double n = 0, st = 0, sv = 0;
    for (uint32_t k = 0; k < tr->n; k++) {
        const kc_trend_slot_t *s = kc_trend_slot(tr, k);
        if (!measured(s, ind))
            continue;
        n++;
        st += -(double)(last->t_ns - s->t_ns) / 1e9;
        sv += s->v[ind];
    }
    double mt = n ? st / n : 0, mv = n ? sv / n : 0, stt = 0, stv = 0;
    for (uint32_t k = 0; k < tr->n; k++) {
        const kc_trend_slot_t *s = kc_trend_slot(tr, k);
        if (!measured(s, ind))
            continue;
        double t = -(double)(last->t_ns - s->t_ns) / 1e9 - mt;
        stt += t * t;
        stv += t * (s->v[ind] - mv);
    }
    out->points = (uint32_t)n;
    out->slope_per_s = stt > 0 ? stv / stt : 0;
    if (out->now >= threshold) {
        out->has_runway = true; /* already there */
        out->runway_s = 0;
    } else if (out->points >= 3 && out->slope_per_s > 0) {
        out->has_runway = true;
        out->runway_s = (threshold - out->now) / out->slope_per_s;
    }
}

static void combine(kc_trend_slot_t *a, const kc_trend_slot_t *b)
{
    uint32_t ra = a->responses, rb = b->responses;
    if (b->v[KC_IND_LATENCY_P99] > a->v[KC_IND_LATENCY_P99])
        a->v[KC_IND_LATENCY_P99] = b->v[KC_IND_LATENCY_P99];
    a->v[KC_IND_ERRORS] += b->v[KC_IND_ERRORS];
    a->v[KC_IND_RETRIES] += b->v[KC_IND_RETRIES];
    if (ra + rb)
        a->v[KC_IND_THROTTLE] = (float)(((double)a->v[KC_IND_THROTTLE] * ra +
                                         (double)b->v[KC_IND_THROTTLE] * rb) / (double)(ra + rb));
    a->responses = ra + rb;
    if (b->t_ns > a->t_ns)
        a->t_ns = b->t_ns;
}

void kc_trend_merge(kc_trend_t *a, const kc_trend_t *b)
{
    kc_trend_slot_t out[KC_TREND_SLOTS]; /* newest first */
    uint32_t n = a->n > b->n ? a->n : b->n;
    for (uint32_t k = 0; k < n; k++) {
        const kc_trend_slot_t *sa = kc_trend_slot(a, k), *sb = kc_trend_slot(b, k);
        out[k] = sa ? *sa : *sb;
        if (sa && sb)
            combine(&out[k], sb);
    }
    for (uint32_t k = 0; k < n; k++)
        a->slot[n - 1 - k] = out[k];
    a->n = n;
    a->head = n % KC_TREND_SLOTS;
    if (b->last_ns > a->last_ns)
        a->last_ns = b->last_ns;
}
