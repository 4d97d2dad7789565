/* Rule arithmetic: see rule.h. */
#include "fault/rule.h"

#include <fnmatch.h>
#include <math.h>
#include <string.h>

bool kc_fault_scenario_over(const kc_scenario_t *sc, uint64_t now)
{
    return sc->max_duration_ns && now - sc->started_ns >= sc->max_duration_ns;
}

bool kc_fault_window_open(const kc_scenario_t *sc, const kc_fault_rule_t *r, uint64_t now,
                          uint64_t *closes)
{
    if (now < sc->started_ns || kc_fault_scenario_over(sc, now))
        return false;
    const kc_fault_window_t *w = &r->window;
    uint64_t t = now - sc->started_ns;
    if (t < w->at_ns)
        return false;
    uint64_t into = t - w->at_ns, cycle_start = sc->started_ns + w->at_ns;
    if (w->period_ns) {
        cycle_start += into / w->period_ns * w->period_ns;
        into %= w->period_ns;
    }
    if (w->for_ns && into >= w->for_ns)
        return false;
    uint64_t end = w->for_ns ? cycle_start + w->for_ns : UINT64_MAX;
    if (sc->max_duration_ns && end > sc->started_ns + sc->max_duration_ns)
        end = sc->started_ns + sc->max_duration_ns;
    if (closes)
        *closes = end;
    return true;
}

static bool glob(const char *pattern, const char *s)
{
    return !pattern || fnmatch(pattern, s ? s : "", 0) == 0;
}

static bool in_list(const int32_t *v, int n, int32_t x)
{
    if (!v)
        return true;
    for (int i = 0; i < n; i++)
        if (v[i] == x)
            return true;
    return false;
}

bool kc_fault_match_conn(const kc_fault_match_t *m, const kc_fault_conn_t *c)
{
    return glob(m->client_id, c->client_id) && glob(m->host, c->host) &&
           glob(m->software, c->software) && glob(m->principal, c->principal) &&
           in_list(m->brokers, m->nbrokers, c->node_id);
}

bool kc_fault_match_part(const kc_fault_match_t *m, const kc_fault_part_t *p)
{
    return glob(m->topic, p->topic) && in_list(m->partitions, m->npartitions, p->partition);
}

bool kc_fault_match_req(const kc_fault_match_t *m, const kc_fault_req_t *q)
{
    if (m->api != KC_ANY && m->api != q->api_key)
        return false;
    if (m->version_min != KC_ANY && q->api_version < m->version_min)
        return false;
    if (m->version_max != KC_ANY && q->api_version > m->version_max)
        return false;
    bool produce = q->api_key == 0;
    if (m->acks != KC_ANY && (!produce || m->acks != q->acks))
        return false;
    if (m->idempotent >= 0 && (!produce || m->idempotent != (q->idempotent == 1)))
        return false;
    if (m->transactional >= 0 && (!produce || m->transactional != (q->transactional == 1)))
        return false;
    if (!m->topic && !m->partitions)
        return true;
    for (int i = 0; i < q->nparts; i++)
        if (kc_fault_match_part(m, &q->parts[i]))
            return true;
    return false;
}

/* splitmix64: a stateless mix, so decision n depends on n and the seed alone (the same traffic
 * gives the same decisions, whatever else the process did in between). */
static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

double kc_fault_uniform(uint64_t seed, int rule_index, uint64_t n, uint32_t draw)
{
    uint64_t x = mix(seed ^ mix(((uint64_t)(uint32_t)rule_index << 32) | draw) ^ mix(n));
    return (double)(x >> 11) * 0x1.0p-53;
}

bool kc_fault_trigger(const kc_scenario_t *sc, kc_fault_rule_t *r, int rule_index, uint64_t *n)
{
    const kc_fault_trigger_t *t = &r->trigger;
    uint64_t k = atomic_fetch_add(&r->matches, 1) + 1;
    *n = k;
    if (k <= t->skip)
        return false;
    if (t->every > 1 && (k - t->skip - 1) % t->every != 0)
        return false;
    if (t->probability < 1.0 && kc_fault_uniform(sc->seed, rule_index, k, 0) >= t->probability)
        return false;
    /* "At most N": taken as a budget, so two loops cannot both take the last one. */
    uint64_t done = atomic_load(&r->injected);
    do {
        if (t->max && done >= t->max)
            return false;
    } while (!atomic_compare_exchange_weak(&r->injected, &done, done + 1));
    return true;
}

uint64_t kc_fault_latency_ns(const kc_scenario_t *sc, const kc_fault_rule_t *r, int rule_index,
                             uint64_t n)
{
    const kc_fault_action_t *a = &r->action;
    double u1 = kc_fault_uniform(sc->seed, rule_index, n, 1);
    double u2 = kc_fault_uniform(sc->seed, rule_index, n, 2);
    double ms;
    switch (a->dist) {
    case KC_DIST_UNIFORM:
        ms = a->min_ms + (a->max_ms - a->min_ms) * u1;
        break;
    case KC_DIST_NORMAL: /* Box-Muller */
        ms = a->ms + a->stddev_ms * sqrt(-2.0 * log(1.0 - u1)) * cos(2.0 * M_PI * u2);
        break;
    case KC_DIST_EXPONENTIAL:
        ms = -a->ms * log(1.0 - u1);
        break;
    default:
        ms = a->ms + (a->jitter_ms > 0 ? a->jitter_ms * (2.0 * u1 - 1.0) : 0.0);
        break;
    }
    return ms <= 0 ? 0 : (uint64_t)(ms * 1e6);
}
