/* A scenario from YAML text for the fault tests: it must check, or the test fails naming the
 * first problem. */
#ifndef KC_TEST_SCENARIO_FX_H
#define KC_TEST_SCENARIO_FX_H

#include "fault/scenario.h"
#include "kc_test.h"

static inline kc_scenario_t *scenario_ok(const char *text)
{
    kc_scenario_diags_t d = {0};
    kc_scenario_t *sc = kc_scenario_parse("t.yaml", text, strlen(text), &d);
    if (!sc)
        fail_msg("expected a scenario, got %d problems, first: %s", d.n, d.n ? d.v[0] : "");
    assert_int_equal(d.n, 0);
    kc_scenario_diags_free(&d);
    return sc;
}

#endif
