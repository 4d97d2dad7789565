/* Fuzz the scenario loader (proxy/fault/scenario.c): the input is a scenario file's text.
 * Invariants: either a scenario and no problem, or no scenario and at least one problem, each
 * one "FILE:LINE:COLUMN: reason" line; a scenario holds what the model promises the engine. */
#include "fault/scenario.h"
#include "fuzz.h"

static void check_diag(const char *d)
{
    unsigned line = 0, col = 0;
    int end = 0;
    CHECK(strncmp(d, "f.yaml:", 7) == 0);
    CHECK(sscanf(d + 7, "%u:%u: %n", &line, &col, &end) == 2 && end > 0);
    CHECK(line >= 1 && col >= 1 && d[7 + end] != 0);
    CHECK(strchr(d, '\n') == NULL);
}

static void check_rule(const kc_fault_rule_t *r)
{
    CHECK(r->name && r->name[0] && strlen(r->name) <= 64);
    CHECK(r->line >= 1);
    CHECK(r->action.kind >= 0 && r->action.kind < KC_FAULT_KINDS);
    const kc_fault_match_t *m = &r->match;
    CHECK(m->version_min <= m->version_max);
    CHECK((m->partitions == NULL) == (m->npartitions == 0));
    CHECK((m->brokers == NULL) == (m->nbrokers == 0));
    CHECK(m->acks == KC_ANY || m->acks == 0 || m->acks == 1 || m->acks == -1);
    CHECK(r->trigger.probability > 0 && r->trigger.probability <= 1);
    CHECK(r->trigger.every >= 1);
    CHECK(!r->window.period_ns || r->window.period_ns > r->window.for_ns);
    if (r->action.kind == KC_FAULT_ERROR || r->action.kind == KC_FAULT_THROTTLE)
        CHECK(m->api == 0);
    if (r->action.kind == KC_FAULT_ERROR)
        CHECK(r->action.error != 0);
    if (r->action.kind == KC_FAULT_LEADER)
        CHECK(m->api == 3);
    if (r->action.kind == KC_FAULT_BANDWIDTH)
        CHECK(r->action.bytes_per_s >= 1);
    if (r->action.kind == KC_FAULT_LATENCY && r->action.dist == KC_DIST_UNIFORM)
        CHECK(r->action.min_ms <= r->action.max_ms);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = (char *)fuzz_copy(data, size);
    kc_scenario_diags_t d = {0};
    kc_scenario_t *sc = kc_scenario_parse("f.yaml", text, size, &d);
    CHECK((sc != NULL) == (d.n == 0));
    for (int i = 0; i < d.n; i++)
        check_diag(d.v[i]);
    if (sc) {
        CHECK(sc->name && sc->nrules >= 1);
        for (int i = 0; i < sc->nrules; i++) {
            check_rule(&sc->rules[i]);
            for (int j = 0; j < i; j++)
                CHECK(strcmp(sc->rules[i].name, sc->rules[j].name) != 0);
        }
    }
    kc_scenario_free(sc);
    kc_scenario_diags_free(&d);
    free(text);
    return 0;
}
