/* proxy/fault/scenario.c (with units.c, yaml_read.c, action.c): scenarios that load with every
 * field as written, and broken ones with the exact FILE:LINE:COLUMN line each gives. */
#include "fault/scenario.h"
#include "fault/action.h"
#include "fault/units.h"
#include "kafka/api.h"
#include "kafka/errors.h"

#include <unistd.h>

#include "kc_test.h"
#include "scenario_fx.h"

/* The problems, joined with newlines. */
static void expect_diags(const char *text, const char *want)
{
    kc_scenario_diags_t d = {0};
    kc_scenario_t *sc = kc_scenario_parse("t.yaml", text, strlen(text), &d);
    assert_null(sc);
    char got[4096] = "";
    for (int i = 0; i < d.n; i++)
        snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", i ? "\n" : "", d.v[i]);
    if (strcmp(got, want))
        fail_msg("for:\n%s\nwant:\n%s\ngot:\n%s", text, want, got);
    kc_scenario_diags_free(&d);
}

static const struct bad {
    const char *text, *want;
} bad[] = {
    {"rules: [{drop: true}]\n",
     "t.yaml:1:1: missing name (a scenario needs name and rules)"},
    {"name: x\n",
     "t.yaml:1:1: missing rules (a scenario needs name and rules)"},
    {"name: x\nrules: []\n",
     "t.yaml:2:8: rules: empty (a scenario needs at least one rule)"},
    {"name: x\nrules: {drop: true}\n",
     "t.yaml:2:8: rules: expected a list of rules, got a mapping"},
    {"name: x\nnope: 1\nrules: [{drop: true}]\n",
     "t.yaml:2:1: unknown key 'nope' in scenario (allowed: name, description, seed, dry_run, max_duration, rules)"},
    {"name: x\nseed: abc\nrules: [{drop: true}]\n",
     "t.yaml:2:7: seed: expected an integer from 0 to 18446744073709551615, got 'abc'"},
    {"name: x\ndry_run: yes\nrules: [{drop: true}]\n",
     "t.yaml:2:10: dry_run: expected true or false, got 'yes'"},
    {"name: x\nmax_duration: 10\nrules: [{drop: true}]\n",
     "t.yaml:2:15: max_duration: '10' has no unit (write e.g. 10s or 10ms)"},
    {"name: x\nrules:\n  - drop: true\n    at: 5 s\n",
     "t.yaml:4:9: at: expected a duration (a number and ns, us, ms, s, m or h: 250ms, 1.5s), got '5 s'"},
    {"name: x\nrules:\n  - drop: true\n    match: {api: producer}\n",
     "t.yaml:4:18: api: unknown api 'producer' (a name such as produce, fetch, metadata or list_offsets, any, or a key)"},
    {"name: x\nrules:\n  - error: NOT_A_THING\n",
     "t.yaml:3:12: error: unknown error 'NOT_A_THING' (a name such as NOT_LEADER_OR_FOLLOWER, or a code)"},
    {"name: x\nrules:\n  - error: THROTTLING_QUOTA_EXCEEDED\n",
     "t.yaml:3:12: error THROTTLING_QUOTA_EXCEEDED is never returned by Produce"},
    {"name: x\nrules:\n  - error: NONE\n",
     "t.yaml:3:12: error: NONE is not an error"},
    {"name: x\nrules:\n  - error: 0\n",
     "t.yaml:3:12: error: NONE is not an error"},
    {"name: x\nrules:\n  - error: not_leader_or_follower\n",
     "t.yaml:3:12: error: write 'not_leader_or_follower' as NOT_LEADER_OR_FOLLOWER"},
    {"name: x\nrules:\n  - drop: true\n    match: {api: produce, versions: 13-3}\n",
     "t.yaml:4:37: versions: min 13 is above max 3"},
    {"name: x\nrules:\n  - drop: true\n    match: {api: produce, versions: 14}\n",
     "t.yaml:4:37: versions: Produce's newest version is 13"},
    {"name: x\nrules:\n  - drop: true\n    probability: 1.5\n",
     "t.yaml:4:18: probability: expected a number from 0 to 1, got '1.5'"},
    {"name: x\nrules:\n  - drop: true\n    probability: 0\n",
     "t.yaml:4:18: probability: 0 never injects (0 < p <= 1)"},
    {"name: x\nrules:\n  - drop: true\n    period: 3s\n",
     "t.yaml:4:13: period needs for (how long each time)"},
    {"name: x\nrules:\n  - drop: true\n    for: 3s\n    period: 3s\n",
     "t.yaml:5:13: period 3s is not longer than for 3s"},
    {"name: x\nrules:\n  - match: {api: fetch}\n",
     "t.yaml:3:5: rule-1 has no action (one of: error, latency, throttle, disconnect, stall, drop, refuse, bandwidth, leader)"},
    {"name: x\nrules:\n  - drop: true\n    stall: true\n",
     "t.yaml:4:5: a rule has one action: drop and stall both given"},
    {"name: x\nrules:\n  - name: a\n    drop: true\n  - name: a\n    stall: true\n",
     "t.yaml:5:5: rule name 'a' is already used by the rule at line 3"},
    {"name: x\nrules:\n  - drop: true\n    match: {api: fetch, acks: all}\n",
     "t.yaml:4:25: acks never matches: only Produce requests carry it (api is Fetch)"},
    {"name: x\nrules:\n  - drop: true\n    match: {api: list_offsets, topic: orders}\n",
     "t.yaml:4:32: topic never matches: only Produce, Fetch and Metadata requests name topics and partitions (api is ListOffsets)"},
    {"name: x\nrules:\n  - error: REQUEST_TIMED_OUT\n    match: {api: fetch}\n",
     "t.yaml:4:18: error acts on Produce responses: match.api must be produce (or left out), not fetch"},
    {"name: x\nrules:\n  - leader: none\n    match: {api: produce}\n",
     "t.yaml:4:18: leader acts on Metadata responses: match.api must be metadata (or left out), not produce"},
    {"name: x\nrules:\n  - refuse: true\n    match: {client_id: app}\n",
     "t.yaml:4:13: refuse acts on new connections: match client_id cannot apply (only brokers and client_host)"},
    {"name: x\nrules:\n  - refuse: true\n    max: 3\n",
     "t.yaml:4:5: refuse acts on new connections, not on requests: max does not apply"},
    {"name: x\nrules:\n  - bandwidth: 1MB\n    every: 2\n",
     "t.yaml:4:5: bandwidth acts on whole connections, not on requests: every does not apply"},
    {"name: x\nrules:\n  - disconnect: mid\n    match: {acks: 0}\n",
     "t.yaml:3:17: disconnect mid needs a response, and a Produce with acks 0 gets none"},
    {"name: x\nrules:\n  - bandwidth: 1.5\n",
     "t.yaml:3:16: bandwidth: expected bytes per second, at least 1 (an integer, or a number and B, KB, MB, GB, KiB, MiB or GiB: 64KiB)"},
    {"name: x\nrules:\n  - latency: {distribution: normal, ms: 100}\n",
     "t.yaml:3:14: latency: distribution normal needs stddev_ms"},
    {"name: x\nrules:\n  - latency: {ms: 100, stddev_ms: 5}\n",
     "t.yaml:3:24: latency: stddev_ms does not apply to distribution fixed"},
    {"name: x\nrules:\n  - latency: {distribution: uniform, min_ms: 50, max_ms: 10}\n",
     "t.yaml:3:46: latency: min_ms 50 is above max_ms 10"},
    {"name: x\nrules:\n  - throttle: 1.5ms\n",
     "t.yaml:3:15: throttle: '1.5ms' is not a whole number of milliseconds from 1ms to 2147483647ms"},
    {"name: x\nrules:\n  - disconnect: sideways\n",
     "t.yaml:3:17: disconnect: expected before, after or mid, got 'sideways'"},
    {"name: x\nrules:\n  - drop: true\n    match: {partitions: []}\n",
     "t.yaml:4:25: partitions: an empty list never matches"},
    {"name: x\nrules:\n  - drop: true\n    match: {idempotent: false, transactional: true}\n",
     "t.yaml:4:32: transactional: true never matches with idempotent: false (a transactional producer is idempotent)"},
    {"name: x\nrules:\n  - drop: true\n    drop: true\n",
     "t.yaml:4:5: drop given twice in rule"},
    {"name: x\nrules:\n  - drop: true\n---\nname: y\n",
     "t.yaml:4:1: a second document: a file holds one scenario"},
    {"name: x\nrules:\n  - drop: true\n   stall: true\n",
     "t.yaml:4:4: did not find expected '-' indicator (while parsing a block collection)"},
    {"name: [x]\nrules:\n  - drop: true\n",
     "t.yaml:1:7: name: expected a string, got a list"},
    {"name: x\nrules:\n  - drop: true\n    match: {api: 1000}\n",
     "t.yaml:4:18: api: expected an integer from 0 to 127, got '1000'"},
    {"name: x\nrules:\n  - error: {code: 6, when: later}\n",
     "t.yaml:3:28: when: expected before or after, got 'later'"},
    {"name: x\nrules:\n  - drop: true\n    match: {brokers: [1, -2]}\n",
     "t.yaml:4:26: brokers: expected an integer from 0 to 2147483647, got '-2'"},
    {"name: x\nrules:\n  - drop: true\n    every: 0\n",
     "t.yaml:4:12: every: expected an integer of at least 1, got '0'"},
    {"name: x\nrules:\n  - drop: true\n    match: {versions: \"3-\"}\n",
     "t.yaml:4:23: versions: expected N, N-M or [min, max]"},
    {"name: x\nrules:\n  - drop: true\n    match: {acks: 2}\n",
     "t.yaml:4:19: acks: expected 0, 1, -1 or all"},
    {"name: x\nrules:\n  - leader: all\n",
     "t.yaml:3:13: leader: expected none, got 'all'"},
    {"name: x\nrules:\n  - drop: true\n    match: {idempotent: true, acks: 1}\n",
     "t.yaml:4:31: acks: 1 never matches an idempotent producer (it sends acks all)"},
    {"42\n",
     "t.yaml:1:1: scenario: expected a mapping, got '42'"},
    {"\n",
     "t.yaml:1:1: empty: a scenario is a mapping with name and rules"},
};

static void test_broken(void **state)
{
    (void)state;
    assert_true(sizeof(bad) / sizeof(bad[0]) >= 25);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        expect_diags(bad[i].text, bad[i].want);
}

/* Every problem is reported, in file order, not only the first: three in one text. */
static void test_several_problems(void **state)
{
    (void)state;
    expect_diags("name: x\n"
                 "rules:\n"
                 "  - match: {api: fetch, colour: red}\n"
                 "    error: THROTTLING_QUOTA_EXCEEDED\n",
                 "t.yaml:3:18: error acts on Produce responses: match.api must be produce (or "
                 "left out), not fetch\n"
                 "t.yaml:3:25: unknown key 'colour' in match (allowed: api, versions, client_id, "
                 "client_host, client_software, principal, topic, partitions, brokers, acks, idempotent, "
                 "transactional)\n"
                 "t.yaml:4:12: error THROTTLING_QUOTA_EXCEEDED is never returned by Produce");
    /* A second action is read too. */
    expect_diags("name: x\nrules:\n  - drop: true\n    latency: 5\n",
                 "t.yaml:4:5: a rule has one action: drop and latency both given\n"
                 "t.yaml:4:14: latency: '5' has no unit (write e.g. 5s or 5ms)");
}

static void test_full_scenario(void **state)
{
    (void)state;
    kc_scenario_t *sc = scenario_ok(
        "name: leader-election_2.a\n"
        "description: partition 0 loses its leader\n"
        "seed: 18446744073709551615\n"
        "dry_run: true\n"
        "max_duration: 10m\n"
        "rules:\n"
        "  - name: orders-p0-not-leader\n"
        "    match:\n"
        "      api: produce\n"
        "      versions: 3-13\n"
        "      client_id: \"orders-*\"\n"
        "      client_host: \"10.0.*\"\n"
        "      client_software: \"librdkafka/*\"\n"
        "      topic: orders\n"
        "      partitions: [0, 1]\n"
        "      brokers: [2, 3]\n"
        "      acks: all\n"
        "      idempotent: true\n"
        "      transactional: false\n"
        "    at: 5s\n"
        "    for: 3s\n"
        "    period: 30s\n"
        "    probability: 0.5\n"
        "    every: 3\n"
        "    skip: 10\n"
        "    max: 100\n"
        "    error: NOT_LEADER_OR_FOLLOWER\n"
        "  - stall: true\n");
    assert_string_equal(sc->name, "leader-election_2.a");
    assert_string_equal(sc->description, "partition 0 loses its leader");
    assert_string_equal(sc->file, "t.yaml");
    assert_true(sc->seed == UINT64_MAX);
    assert_true(sc->dry_run);
    assert_true(sc->max_duration_ns == 600000000000ull);
    assert_int_equal(sc->nrules, 2);
    kc_fault_rule_t *r = &sc->rules[0];
    assert_string_equal(r->name, "orders-p0-not-leader");
    assert_int_equal(r->line, 7);
    assert_int_equal(r->match.api, KC_API_PRODUCE);
    assert_int_equal(r->match.version_min, 3);
    assert_int_equal(r->match.version_max, 13);
    assert_string_equal(r->match.client_id, "orders-*");
    assert_string_equal(r->match.host, "10.0.*");
    assert_string_equal(r->match.software, "librdkafka/*");
    assert_string_equal(r->match.topic, "orders");
    assert_int_equal(r->match.npartitions, 2);
    assert_int_equal(r->match.partitions[0], 0);
    assert_int_equal(r->match.partitions[1], 1);
    assert_int_equal(r->match.nbrokers, 2);
    assert_int_equal(r->match.brokers[0], 2);
    assert_int_equal(r->match.brokers[1], 3);
    assert_int_equal(r->match.acks, -1);
    assert_int_equal(r->match.idempotent, 1);
    assert_int_equal(r->match.transactional, 0);
    assert_true(r->window.at_ns == 5000000000ull);
    assert_true(r->window.for_ns == 3000000000ull);
    assert_true(r->window.period_ns == 30000000000ull);
    assert_true(r->trigger.probability == 0.5);
    assert_int_equal(r->trigger.every, 3);
    assert_int_equal(r->trigger.skip, 10);
    assert_int_equal(r->trigger.max, 100);
    assert_int_equal(r->action.kind, KC_FAULT_ERROR);
    assert_int_equal(r->action.error, KC_KERR_NOT_LEADER_OR_FOLLOWER);
    assert_int_equal(r->action.when, KC_WHEN_BEFORE);

    /* Everything left out. */
    r = &sc->rules[1];
    assert_string_equal(r->name, "rule-2");
    assert_int_equal(r->line, 28);
    assert_int_equal(r->match.api, KC_ANY);
    assert_int_equal(r->match.version_min, KC_ANY);
    assert_int_equal(r->match.version_max, KC_ANY);
    assert_null(r->match.client_id);
    assert_null(r->match.host);
    assert_null(r->match.software);
    assert_null(r->match.topic);
    assert_null(r->match.partitions);
    assert_null(r->match.brokers);
    assert_int_equal(r->match.acks, KC_ANY);
    assert_int_equal(r->match.idempotent, -1);
    assert_int_equal(r->match.transactional, -1);
    assert_true(r->window.at_ns == 0 && r->window.for_ns == 0 && r->window.period_ns == 0);
    assert_true(r->trigger.probability == 1.0);
    assert_int_equal(r->trigger.every, 1);
    assert_int_equal(r->trigger.skip, 0);
    assert_int_equal(r->trigger.max, 0);
    assert_int_equal(r->action.kind, KC_FAULT_STALL);
    kc_scenario_free(sc);

    sc = scenario_ok("name: m\nrules: [{drop: true}]\n");
    assert_null(sc->description);
    assert_true(sc->seed == 0 && !sc->dry_run && sc->max_duration_ns == 0);
    kc_scenario_free(sc);
}

/* One rule's action, with the rest of a scenario around it. */
static kc_scenario_t *one_rule(const char *rule)
{
    char text[1024];
    snprintf(text, sizeof(text), "name: a\nrules:\n  - %s\n", rule);
    return scenario_ok(text);
}

static void test_error_forms(void **state)
{
    (void)state;
    kc_scenario_t *sc = one_rule("error: {code: NOT_ENOUGH_REPLICAS_AFTER_APPEND, when: after}");
    kc_fault_action_t *a = &sc->rules[0].action;
    assert_int_equal(a->kind, KC_FAULT_ERROR);
    assert_int_equal(a->error, 20);
    assert_int_equal(a->when, KC_WHEN_AFTER);
    assert_int_equal(sc->rules[0].match.api, KC_API_PRODUCE); /* implied */
    kc_scenario_free(sc);
    sc = one_rule("error: 19");
    assert_int_equal(sc->rules[0].action.error, KC_KERR_NOT_ENOUGH_REPLICAS);
    kc_scenario_free(sc);
    sc = one_rule("error: -1");
    assert_int_equal(sc->rules[0].action.error, KC_KERR_UNKNOWN_SERVER_ERROR);
    kc_scenario_free(sc);
    sc = one_rule("{error: {code: 7}, match: {api: produce}}");
    assert_int_equal(sc->rules[0].action.error, KC_KERR_REQUEST_TIMED_OUT);
    assert_int_equal(sc->rules[0].action.when, KC_WHEN_BEFORE);
    kc_scenario_free(sc);
}

/* Every name on the allowed list is in errors.c's table and accepted; a few others are not. */
static void test_produce_errors(void **state)
{
    (void)state;
    static const char *const ok[] = {
        "UNKNOWN_SERVER_ERROR", "CORRUPT_MESSAGE", "UNKNOWN_TOPIC_OR_PARTITION",
        "LEADER_NOT_AVAILABLE", "NOT_LEADER_OR_FOLLOWER", "REQUEST_TIMED_OUT",
        "MESSAGE_TOO_LARGE", "NETWORK_EXCEPTION", "INVALID_TOPIC_EXCEPTION",
        "RECORD_LIST_TOO_LARGE", "NOT_ENOUGH_REPLICAS", "NOT_ENOUGH_REPLICAS_AFTER_APPEND",
        "INVALID_REQUIRED_ACKS", "TOPIC_AUTHORIZATION_FAILED", "CLUSTER_AUTHORIZATION_FAILED",
        "UNSUPPORTED_FOR_MESSAGE_FORMAT", "INVALID_PRODUCER_EPOCH",
        "OUT_OF_ORDER_SEQUENCE_NUMBER", "DUPLICATE_SEQUENCE_NUMBER", "INVALID_TIMESTAMP",
        "TRANSACTIONAL_ID_AUTHORIZATION_FAILED", "UNKNOWN_PRODUCER_ID", "KAFKA_STORAGE_ERROR",
        "INVALID_RECORD", "INVALID_TXN_STATE", "PRODUCER_FENCED", "CONCURRENT_TRANSACTIONS",
        "TRANSACTION_ABORTABLE", "INVALID_PRODUCER_ID_MAPPING", "UNKNOWN_TOPIC_ID"};
    size_t n, allowed = 0;
    const kc_kafka_error_t *t = kc_kafka_error_table(&n);
    for (size_t i = 0; i < n; i++)
        allowed += kc_fault_produce_error_ok(t[i].code);
    assert_int_equal(allowed, sizeof(ok) / sizeof(ok[0]));
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        int16_t code;
        assert_int_equal(kc_kafka_error_by_name(ok[i], strlen(ok[i]), &code), 0);
        assert_true(kc_fault_produce_error_ok(code));
        char rule[128];
        snprintf(rule, sizeof(rule), "error: %s", ok[i]);
        kc_scenario_t *sc = one_rule(rule);
        assert_int_equal(sc->rules[0].action.error, code);
        kc_scenario_free(sc);
    }
    static const int16_t no[] = {0, 1, 4, 8, 41, 89, 101};
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        assert_false(kc_fault_produce_error_ok(no[i]));
}

static void test_latency_forms(void **state)
{
    (void)state;
    kc_scenario_t *sc = one_rule("latency: 200ms");
    kc_fault_action_t *a = &sc->rules[0].action;
    assert_int_equal(a->kind, KC_FAULT_LATENCY);
    assert_int_equal(a->dist, KC_DIST_FIXED);
    assert_true(a->ms == 200.0 && a->jitter_ms == 0);
    assert_int_equal(a->path, KC_PATH_REQUEST);
    assert_int_equal(sc->rules[0].match.api, KC_ANY);
    kc_scenario_free(sc);

    sc = one_rule("latency: {ms: 200, jitter_ms: 50, path: response}");
    a = &sc->rules[0].action;
    assert_true(a->dist == KC_DIST_FIXED && a->ms == 200.0 && a->jitter_ms == 50.0);
    assert_int_equal(a->path, KC_PATH_RESPONSE);
    kc_scenario_free(sc);

    sc = one_rule("latency: {distribution: uniform, min_ms: 10, max_ms: 500.5}");
    a = &sc->rules[0].action;
    assert_true(a->dist == KC_DIST_UNIFORM && a->min_ms == 10.0 && a->max_ms == 500.5);
    kc_scenario_free(sc);

    sc = one_rule("latency: {distribution: normal, ms: 100, stddev_ms: 20}");
    a = &sc->rules[0].action;
    assert_true(a->dist == KC_DIST_NORMAL && a->ms == 100.0 && a->stddev_ms == 20.0);
    kc_scenario_free(sc);

    sc = one_rule("latency: {distribution: exponential, ms: 100, path: request}");
    a = &sc->rules[0].action;
    assert_true(a->dist == KC_DIST_EXPONENTIAL && a->ms == 100.0);
    assert_int_equal(a->path, KC_PATH_REQUEST);
    kc_scenario_free(sc);

    sc = one_rule("latency: {distribution: fixed, ms: 0.25}");
    assert_true(sc->rules[0].action.ms == 0.25);
    kc_scenario_free(sc);
}

static void test_other_actions(void **state)
{
    (void)state;
    kc_scenario_t *sc = one_rule("throttle: 500ms");
    kc_fault_action_t *a = &sc->rules[0].action;
    assert_int_equal(a->kind, KC_FAULT_THROTTLE);
    assert_int_equal(a->throttle_ms, 500);
    assert_false(a->enforce);
    assert_int_equal(sc->rules[0].match.api, KC_API_PRODUCE);
    kc_scenario_free(sc);
    sc = one_rule("throttle: {ms: 1500, enforce: true}");
    assert_true(sc->rules[0].action.throttle_ms == 1500 && sc->rules[0].action.enforce);
    kc_scenario_free(sc);
    sc = one_rule("throttle: 2s");
    assert_int_equal(sc->rules[0].action.throttle_ms, 2000);
    kc_scenario_free(sc);

    static const struct {
        const char *rule;
        kc_fault_when_t when;
        bool reset;
    } d[] = {{"disconnect: before", KC_WHEN_BEFORE, false},
             {"disconnect: after", KC_WHEN_AFTER, false},
             {"disconnect: mid", KC_WHEN_MID, false},
             {"disconnect: {when: before, reset: true}", KC_WHEN_BEFORE, true},
             {"disconnect: {reset: true}", KC_WHEN_BEFORE, true},
             {"{disconnect: {when: mid}, match: {acks: 1}}", KC_WHEN_MID, false}};
    for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
        sc = one_rule(d[i].rule);
        a = &sc->rules[0].action;
        assert_int_equal(a->kind, KC_FAULT_DISCONNECT);
        assert_int_equal(a->when, d[i].when);
        assert_int_equal(a->reset, d[i].reset);
        kc_scenario_free(sc);
    }

    static const struct {
        const char *rule;
        kc_fault_kind_t kind;
    } k[] = {{"stall: true", KC_FAULT_STALL}, {"drop: true", KC_FAULT_DROP},
             {"refuse: true", KC_FAULT_REFUSE}};
    for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
        sc = one_rule(k[i].rule);
        assert_int_equal(sc->rules[0].action.kind, k[i].kind);
        kc_scenario_free(sc);
    }
    sc = one_rule("{refuse: true, match: {brokers: 2, client_host: \"10.*\"}, at: 1s, for: 2s}");
    assert_int_equal(sc->rules[0].match.brokers[0], 2);
    assert_string_equal(sc->rules[0].match.host, "10.*");
    kc_scenario_free(sc);

    sc = one_rule("leader: none");
    assert_int_equal(sc->rules[0].action.kind, KC_FAULT_LEADER);
    assert_int_equal(sc->rules[0].match.api, KC_API_METADATA);
    kc_scenario_free(sc);
    sc = one_rule("{leader: none, match: {api: metadata, topic: orders, partitions: 3}}");
    assert_int_equal(sc->rules[0].match.partitions[0], 3);
    kc_scenario_free(sc);

    static const struct {
        const char *rule;
        uint64_t bytes;
    } b[] = {{"bandwidth: 64KiB", 65536},       {"bandwidth: 1MB", 1000000},
             {"bandwidth: 1048576", 1048576},   {"bandwidth: 2MiB", 2097152},
             {"bandwidth: 1.5KB", 1500},        {"bandwidth: 1GiB", 1073741824},
             {"bandwidth: 3GB", 3000000000ull}, {"bandwidth: 10B", 10}};
    for (size_t i = 0; i < sizeof(b) / sizeof(b[0]); i++) {
        sc = one_rule(b[i].rule);
        assert_int_equal(sc->rules[0].action.kind, KC_FAULT_BANDWIDTH);
        assert_true(sc->rules[0].action.bytes_per_s == b[i].bytes);
        kc_scenario_free(sc);
    }
}

static void test_durations(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        uint64_t ns;
    } ok[] = {{"7ns", 7},           {"250us", 250000},         {"250ms", 250000000},
              {"1.5s", 1500000000}, {"10m", 600000000000ull},  {"2h", 7200000000000ull},
              {"0.1s", 100000000},  {"0ms", 0},                {"1.25ms", 1250000}};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        uint64_t ns = 1;
        assert_int_equal(kc_fault_duration_parse(ok[i].s, &ns), 0);
        assert_true(ns == ok[i].ns);
        char rule[64];
        snprintf(rule, sizeof(rule), "{drop: true, at: %s}", ok[i].s);
        kc_scenario_t *sc = one_rule(rule);
        assert_true(sc->rules[0].window.at_ns == ok[i].ns);
        kc_scenario_free(sc);
    }
    static const char *const nots[] = {"", "5", "1.5", "5 s", "s", ".5s", "1.s", "-1s", "+1s",
                                      "1sec", "1S", "1e3ms", "1d", "1.5.2s"};
    for (size_t i = 0; i < sizeof(nots) / sizeof(nots[0]); i++) {
        uint64_t ns;
        if (kc_fault_duration_parse(nots[i], &ns) != -EINVAL)
            fail_msg("'%s' taken as a duration", nots[i]);
    }
    uint64_t ns;
    assert_int_equal(kc_fault_duration_parse("6000000h", &ns), -ERANGE);
    static const char *const badb[] = {"", "1.5", "KB", "1 KB", "1kb", "-1", "1TB", "0x10"};
    for (size_t i = 0; i < sizeof(badb) / sizeof(badb[0]); i++) {
        uint64_t b;
        if (kc_fault_bytes_parse(badb[i], &b) != -EINVAL)
            fail_msg("'%s' taken as a size", badb[i]);
    }
}

static void test_matchers(void **state)
{
    (void)state;
    kc_scenario_t *sc = one_rule("{stall: true, match: {api: 3, versions: [1, 12], "
                                 "partitions: 7, brokers: 0}}");
    kc_fault_match_t *m = &sc->rules[0].match;
    assert_int_equal(m->api, KC_API_METADATA);
    assert_true(m->version_min == 1 && m->version_max == 12);
    assert_true(m->npartitions == 1 && m->partitions[0] == 7);
    assert_true(m->nbrokers == 1 && m->brokers[0] == 0);
    kc_scenario_free(sc);

    sc = one_rule("{drop: true, match: {api: any, versions: 4, acks: 0, idempotent: false, "
                  "transactional: false}}");
    m = &sc->rules[0].match;
    assert_int_equal(m->api, KC_ANY);
    assert_true(m->version_min == 4 && m->version_max == 4);
    assert_true(m->acks == 0 && m->idempotent == 0 && m->transactional == 0);
    kc_scenario_free(sc);

    sc = one_rule("{drop: true, match: {acks: -1, transactional: true}}");
    assert_true(sc->rules[0].match.acks == -1 && sc->rules[0].match.transactional == 1);
    kc_scenario_free(sc);

    /* Every api in the table by its snake_case name. */
    static const struct {
        const char *name;
        int16_t key;
    } apis[] = {{"produce", 0},         {"fetch", 1},           {"list_offsets", 2},
                {"metadata", 3},        {"leader_and_isr", 4},  {"find_coordinator", 10},
                {"api_versions", 18},   {"init_producer_id", 22},
                {"offset_for_leader_epoch", 23}, {"describe_cluster", 60},
                {"share_acknowledge", 79}, {"unregister_controller", 94}};
    for (size_t i = 0; i < sizeof(apis) / sizeof(apis[0]); i++) {
        char rule[128];
        snprintf(rule, sizeof(rule), "{drop: true, match: {api: %s}}", apis[i].name);
        sc = one_rule(rule);
        assert_int_equal(sc->rules[0].match.api, apis[i].key);
        kc_scenario_free(sc);
    }
    int count, known = 0;
    const kc_api_t *t = kc_api_table(&count);
    for (int i = 0; i < count; i++) {
        if (!t[i].name)
            continue;
        char rule[128];
        snprintf(rule, sizeof(rule), "{drop: true, match: {api: %d, versions: 0-%d}}", i,
                 t[i].max_known);
        sc = one_rule(rule);
        assert_int_equal(sc->rules[0].match.api, i);
        kc_scenario_free(sc);
        known++;
    }
    assert_true(known > 90);
}

static void test_load_file(void **state)
{
    (void)state;
    char path[] = "/tmp/kc_test_scenario_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *text = "name: from-file\nrules:\n  - drop: true\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    kc_scenario_diags_t d = {0};
    kc_scenario_t *sc = kc_scenario_load(path, &d);
    assert_non_null(sc);
    assert_string_equal(sc->name, "from-file");
    assert_string_equal(sc->file, path);
    kc_scenario_free(sc);
    unlink(path);

    sc = kc_scenario_load(path, &d);
    assert_null(sc);
    assert_int_equal(d.n, 1);
    char want[128];
    snprintf(want, sizeof(want), "%s:1:1: cannot open: No such file or directory", path);
    assert_string_equal(d.v[0], want);
    kc_scenario_diags_free(&d);
    assert_int_equal(d.n, 0);
}

/* A syntax error stops at libyaml's first; the names the engine logs. */
static void test_syntax_and_names(void **state)
{
    (void)state;
    expect_diags("name: x\nrules: [drop: true\n",
                 "t.yaml:3:1: did not find expected ',' or ']' (while parsing a flow sequence)");
    expect_diags("name: \"x\x01\"\nrules: []\n",
                 "t.yaml:1:9: control characters are not allowed");
    expect_diags("name: x\nrules:\n  - drop: true\n---\n",
                 "t.yaml:4:1: a second document: a file holds one scenario");
    kc_scenario_t *sc = scenario_ok("---\nname: x\nrules:\n  - drop: true\n...\n");
    kc_scenario_free(sc);
    static const char *const kinds[] = {"error", "latency", "throttle", "disconnect", "stall",
                                        "drop", "refuse", "bandwidth", "leader"};
    for (int k = 0; k < KC_FAULT_KINDS; k++)
        assert_string_equal(kc_fault_kind_name((kc_fault_kind_t)k), kinds[k]);
    assert_string_equal(kc_fault_when_name(KC_WHEN_BEFORE), "before");
    assert_string_equal(kc_fault_when_name(KC_WHEN_AFTER), "after");
    assert_string_equal(kc_fault_when_name(KC_WHEN_MID), "mid");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_broken),
        cmocka_unit_test(test_several_problems),
        cmocka_unit_test(test_full_scenario),
        cmocka_unit_test(test_error_forms),
        cmocka_unit_test(test_produce_errors),
        cmocka_unit_test(test_latency_forms),
        cmocka_unit_test(test_other_actions),
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_matchers),
        cmocka_unit_test(test_load_file),
        cmocka_unit_test(test_syntax_and_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
