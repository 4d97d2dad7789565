/* One rule's arithmetic: is its window open, does a request or a connection match, does the
 * trigger fire, how long is the delay. Pure functions over the rule and what was read from the
 * wire, so the engine stays about frames and the tests need no session. */
#ifndef KC_FAULT_RULE_H
#define KC_FAULT_RULE_H

#include <stdbool.h>
#include <stdint.h>

#include "fault/scenario.h"

/* What a rule may look at. Strings are NUL-terminated ("" when unknown). */
typedef struct kc_fault_conn {
    const char *client_id, *host, *software;
    const char *principal;  /* the SASL user the broker authenticated; "" before, or without */
    int32_t node_id; /* the broker the connection goes to; -1: bootstrap (unknown) */
} kc_fault_conn_t;

typedef struct kc_fault_part {
    const char *topic;       /* name ("" when a v13 id is not known yet) */
    const uint8_t *topic_id; /* v13: 16 bytes; NULL before */
    int32_t partition;
} kc_fault_part_t;

/* A request as the matchers see it. Produce fields are filled only for Produce. */
typedef struct kc_fault_req {
    int16_t api_key, api_version;
    int16_t acks;             /* Produce */
    int8_t idempotent;        /* Produce: a batch with a producer id (-1: no batch seen) */
    int8_t transactional;     /* Produce: a transactional batch */
    const kc_fault_part_t *parts;
    int nparts;
} kc_fault_req_t;

/* Time into the scenario at `now`; whether the rule's window is open then, and if so when
 * it closes (UINT64_MAX: never). A finished scenario (past max_duration) has no open window. */
bool kc_fault_window_open(const kc_scenario_t *sc, const kc_fault_rule_t *r, uint64_t now,
                          uint64_t *closes);
bool kc_fault_scenario_over(const kc_scenario_t *sc, uint64_t now);

/* Connection-level matchers (client, host, software, broker). */
bool kc_fault_match_conn(const kc_fault_match_t *m, const kc_fault_conn_t *c);
/* Request-level matchers (api, versions, acks, idempotent, transactional) and, for topic and
 * partition matchers, whether one part at least matches. */
bool kc_fault_match_req(const kc_fault_match_t *m, const kc_fault_req_t *q);
/* Whether one part matches the topic and partition matchers. */
bool kc_fault_match_part(const kc_fault_match_t *m, const kc_fault_part_t *p);

/* Count a match and decide whether the trigger fires (skip, every, probability, max), exactly
 * across threads. *n is the match's number (from 1), the random source's input. */
bool kc_fault_trigger(const kc_scenario_t *sc, kc_fault_rule_t *r, int rule_index, uint64_t *n);
/* The delay of a latency action for match n, in nanoseconds (seeded: the same n, the same
 * delay). */
uint64_t kc_fault_latency_ns(const kc_scenario_t *sc, const kc_fault_rule_t *r, int rule_index,
                             uint64_t n);
/* A uniform double in [0, 1) from the seed, the rule and the match number. */
double kc_fault_uniform(uint64_t seed, int rule_index, uint64_t n, uint32_t draw);

#endif
