/* A rule's action as a scenario writes it (`error: NOT_LEADER_OR_FOLLOWER`, `latency: {...}`),
 * read into kc_fault_action_t. What an action asks of the rest of its rule (match.api, the
 * triggers) is checked by scenario.c, which sees the whole rule. */
#ifndef KC_FAULT_ACTION_H
#define KC_FAULT_ACTION_H

#include <stdbool.h>
#include <stdint.h>

#include "fault/scenario.h"
#include "fault/yaml_read.h"

/* The action keys, in kc_fault_kind_t order (a rule's key table lists them the same way). */
#define KC_FAULT_ACTION_KEYS                                                                       \
    "error", "latency", "throttle", "disconnect", "stall", "drop", "refuse", "bandwidth", "leader"

/* Read the value of action `kind` into a (kind set, defaults filled). 0, or -1 when reported. */
int kc_fault_action_read(kc_yr_t *y, kc_fault_kind_t kind, const yaml_node_t *val,
                         kc_fault_action_t *a);

/* Whether a ProduceResponse can carry this error code (the codes a scenario may inject). */
bool kc_fault_produce_error_ok(int16_t code);

#endif
