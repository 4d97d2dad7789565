/* A Produce request as the fault matchers see it: acks, whether its batches are idempotent or
 * transactional, and its partitions with their topic names (a v13 topic id named by the map
 * kchaos learned from Metadata). Read once per request, only for rules that need it. */
#ifndef KC_FAULT_VIEW_H
#define KC_FAULT_VIEW_H

#include <stdbool.h>

#include "fault/rule.h"
#include "route/topics.h"
#include "util/frame.h"

typedef struct kc_fault_view {
    kc_fault_req_t q;
    kc_fault_part_t *parts; /* malloc'd when built */
    char *names;            /* the parts' topic names, NUL-terminated, one after the other */
    size_t names_len, names_cap;
    int cap;
    bool built, failed;
    kc_topics_t *topics;
} kc_fault_view_t;

/* Whether a rule must read a Produce request's parts: to match them, or to know which
 * partitions its error goes to. Others decide on the header alone (the cheap path). */
bool kc_fault_needs_view(const kc_fault_rule_t *r);
/* Read f (a Produce request of this version) into v, whose q the caller has set up; a request
 * that cannot be read leaves no parts. */
void kc_fault_view_build(kc_fault_view_t *v, const kc_frame_t *f, int16_t version);
void kc_fault_view_free(kc_fault_view_t *v);

#endif
