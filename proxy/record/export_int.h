/* The export's pieces shared by its files (export.c: options, helpers, latency and the other
 * rules, the scenario; export_errors.c: the error rules). Not for use outside proxy/record/. */
#ifndef KC_RECORD_EXPORT_INT_H
#define KC_RECORD_EXPORT_INT_H

#include <stdbool.h>

#include "record/export.h"

/* A rule being built, with the comment that says where it came from (owned). */
typedef struct kc_xr_rule {
    kc_fault_rule_t r;
    char *comment;
} kc_xr_rule_t;

typedef struct kc_xr_rules {
    kc_xr_rule_t *v;
    int n, cap;
    int oom;
} kc_xr_rules_t;

/* --topic-map and --broker-map applied (o may be NULL). */
const char *kc_xr_topic(const kc_export_opts_t *o, const char *t);
int32_t kc_xr_broker(const kc_export_opts_t *o, int32_t n);
/* A topic or client id as a glob that matches it alone, malloc'd. */
char *kc_xr_glob_exact(const char *s);
/* A one-element array, malloc'd. */
int32_t *kc_xr_one(int32_t v);
/* A new rule on windows [w0, w1] with its comment; NULL (rs->oom set) when memory ran out. */
kc_fault_rule_t *kc_xr_add(kc_xr_rules_t *rs, kc_fault_kind_t kind, int16_t api, uint32_t w0,
                           uint32_t w1, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* The windows [*from, *to) the export covers: the options' range, to the recording's end when
 * their `to` is 0 or past it. True when a range was asked for. */
bool kc_xr_range(const kc_record_data_t *d, const kc_export_opts_t *o, uint32_t *from,
                 uint32_t *to);
/* The error rules (export_errors.c). */
void kc_xr_error_rules(kc_xr_rules_t *rs, const kc_record_data_t *d, const kc_export_opts_t *o);

#endif
