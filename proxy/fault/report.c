/* What the engine tells: GET /api/v1/scenarios (JSON) and its Prometheus families. */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#include "fault/engine.h"
#include "fault/rule.h"
#include "util/sb.h"

typedef struct report {
    kc_sb_t b;
    uint64_t now;
    int first;
    bool injected; /* prom_rules: kchaos_faults_injected_total, else the matches */
} report_t;

static void json_scenario(void *ctx, const kc_scenario_t *sc)
{
    report_t *r = ctx;
    kc_sb_t *b = &r->b;
    kc_sb_printf(b, "%s{\"name\":\"", r->first ? "" : ",");
    r->first = 0;
    kc_sb_str(b, sc->name, 1);
    kc_sb_printf(b, "\",\"file\":\"");
    kc_sb_str(b, sc->file ? sc->file : "", 1);
    kc_sb_printf(b, "\",\"description\":");
    if (sc->description) {
        kc_sb_printf(b, "\"");
        kc_sb_str(b, sc->description, 1);
        kc_sb_printf(b, "\"");
    } else {
        kc_sb_printf(b, "null");
    }
    kc_sb_printf(b, ",\"dry_run\":%s,\"seed\":%llu,\"state\":\"%s\",\"elapsed_s\":%.3f,"
                    "\"max_duration_s\":",
                 sc->dry_run ? "true" : "false", (unsigned long long)sc->seed,
                 kc_fault_scenario_over(sc, r->now) ? "finished" : "running",
                 (double)(r->now - sc->started_ns) / 1e9);
    if (sc->max_duration_ns)
        kc_sb_printf(b, "%.3f", (double)sc->max_duration_ns / 1e9);
    else
        kc_sb_printf(b, "null");
    kc_sb_printf(b, ",\"rules\":[");
    for (int i = 0; i < sc->nrules; i++) {
        const kc_fault_rule_t *ru = &sc->rules[i];
        kc_sb_printf(b, "%s{\"name\":\"", i ? "," : "");
        kc_sb_str(b, ru->name, 1);
        kc_sb_printf(b, "\",\"line\":%d,\"action\":\"%s\",\"active\":%s,\"matches\":%llu,"
                        "\"injected\":%llu}",
                     ru->line, kc_fault_kind_name(ru->action.kind),
                     kc_fault_window_open(sc, ru, r->now, NULL) ? "true" : "false",
                     (unsigned long long)atomic_load(&ru->matches),
                     (unsigned long long)atomic_load(&ru->injected));
    }
    kc_sb_printf(b, "]}");
}

char *kc_faults_json(kc_faults_t *f, uint64_t now, size_t *len)
{
    report_t r = {.now = now, .first = 1};
    kc_sb_printf(&r.b, "{\"scenarios\":[");
    kc_faults_each(f, json_scenario, &r);
    kc_sb_printf(&r.b, "]}\n");
    return kc_sb_done(&r.b, len);
}

static void labels(kc_sb_t *b, const kc_scenario_t *sc, const kc_fault_rule_t *ru)
{
    kc_sb_printf(b, "{scenario=\"");
    kc_sb_str(b, sc->name, 0);
    kc_sb_printf(b, "\",rule=\"");
    kc_sb_str(b, ru->name, 0);
    kc_sb_printf(b, "\",action=\"%s\"}", kc_fault_kind_name(ru->action.kind));
}

/* One sample per rule of a per-rule counter (report_t.injected: which one). */
static void prom_rules(void *ctx, const kc_scenario_t *sc)
{
    report_t *r = ctx;
    for (int i = 0; i < sc->nrules; i++) {
        const kc_fault_rule_t *ru = &sc->rules[i];
        kc_sb_printf(&r->b, "%s", r->injected ? "kchaos_faults_injected_total"
                                              : "kchaos_fault_matches_total");
        labels(&r->b, sc, ru);
        uint64_t n = r->injected ? atomic_load(&ru->injected) : atomic_load(&ru->matches);
        kc_sb_printf(&r->b, " %llu\n", (unsigned long long)n);
    }
}

static void prom_running(void *ctx, const kc_scenario_t *sc)
{
    report_t *r = ctx;
    kc_sb_printf(&r->b, "kchaos_scenario_running{scenario=\"");
    kc_sb_str(&r->b, sc->name, 0);
    kc_sb_printf(&r->b, "\",dry_run=\"%s\"} %d\n", sc->dry_run ? "true" : "false",
                 !kc_fault_scenario_over(sc, r->now));
}

char *kc_faults_prometheus(kc_faults_t *f, uint64_t now, size_t *len)
{
    report_t r = {.now = now};
    kc_sb_printf(&r.b, "# HELP kchaos_scenario_running Scenarios loaded: 1 while running, 0 once "
                       "past their max_duration.\n# TYPE kchaos_scenario_running gauge\n");
    kc_faults_each(f, prom_running, &r);
    kc_sb_printf(&r.b, "# HELP kchaos_fault_matches_total Requests (connections for refuse, "
                       "responses for leader) each rule's matchers accepted.\n"
                       "# TYPE kchaos_fault_matches_total counter\n");
    kc_faults_each(f, prom_rules, &r);
    kc_sb_printf(&r.b, "# HELP kchaos_faults_injected_total Faults each rule injected (in a dry "
                       "run: would have injected).\n# TYPE kchaos_faults_injected_total counter\n");
    r.injected = true;
    kc_faults_each(f, prom_rules, &r);
    return kc_sb_done(&r.b, len);
}
