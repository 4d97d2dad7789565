/* Typed values out of a libyaml document, for the scenario loader: every problem becomes one
 * "FILE:LINE:COLUMN: reason" line (1-based, at the offending node), collected rather than
 * returned at the first, then sorted by position. Plain scalars are typed as YAML 1.2's core
 * schema types them (what an editor checking the file against the JSON Schema sees): 42 is an
 * integer, true a boolean, "42" and 42s strings, ~ and an empty value null. */
#ifndef KC_FAULT_YAML_READ_H
#define KC_FAULT_YAML_READ_H

#include <stdbool.h>
#include <stdint.h>
#include <yaml.h>

#include "fault/scenario.h"

typedef enum kc_yr_kind {
    KC_YR_NULL,
    KC_YR_BOOL,
    KC_YR_INT,
    KC_YR_FLOAT,
    KC_YR_STR,
    KC_YR_LIST,
    KC_YR_MAP,
} kc_yr_kind_t;

typedef struct kc_yr_diag {
    size_t line, col, seq;
    char *msg; /* owned: "FILE:LINE:COLUMN: reason" */
} kc_yr_diag_t;

typedef struct kc_yr {
    const char *file;
    yaml_document_t *doc;
    kc_yr_diag_t *v; /* owned until kc_yr_flush */
    size_t n, cap;
} kc_yr_t;

/* The keys a mapping may hold, and after kc_yr_fields the key and value nodes found for each
 * (NULL when left out). At most KC_YR_MAXKEYS names. */
#define KC_YR_MAXKEYS 24
typedef struct kc_yr_fields {
    const char *const *names; /* NULL-terminated */
    yaml_node_t *key[KC_YR_MAXKEYS], *val[KC_YR_MAXKEYS];
} kc_yr_fields_t;

void kc_yr_diag(kc_yr_t *y, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same at a 0-based line and column (for errors libyaml itself reports). */
void kc_yr_diag_at(kc_yr_t *y, size_t line, size_t col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Move the lines, sorted by position, to d; returns how many there were. */
int kc_yr_flush(kc_yr_t *y, kc_scenario_diags_t *d);

yaml_node_t *kc_yr_node(kc_yr_t *y, int id);
kc_yr_kind_t kc_yr_kind(const yaml_node_t *n);
/* "a list", "an integer", ...: what a node is, for messages. */
const char *kc_yr_kind_name(kc_yr_kind_t k);
/* A scalar's text (NULL for a collection). */
const char *kc_yr_text(const yaml_node_t *n);

/* Fill f from mapping m: unknown and repeated keys are reported (`where` names the mapping in
 * messages: "match", "rule"). False, reported, when m is not a mapping. */
bool kc_yr_fields(kc_yr_t *y, const yaml_node_t *m, const char *where, kc_yr_fields_t *f);
/* The index of name in f->names (which must hold it). */
int kc_yr_index(const kc_yr_fields_t *f, const char *name);

/* Each reads node n of key `key` (the key's name, for messages) and reports what is wrong.
 * 0 on success, -1 when reported. */
int kc_yr_str(kc_yr_t *y, const yaml_node_t *n, const char *key, char **out);
int kc_yr_bool(kc_yr_t *y, const yaml_node_t *n, const char *key, bool *out);
int kc_yr_int(kc_yr_t *y, const yaml_node_t *n, const char *key, int64_t lo, int64_t hi,
              int64_t *out);
int kc_yr_u64(kc_yr_t *y, const yaml_node_t *n, const char *key, uint64_t *out);
/* An integer or a decimal number, finite, in [lo, hi]. */
int kc_yr_number(kc_yr_t *y, const yaml_node_t *n, const char *key, double lo, double hi,
                 double *out);
/* A duration string (units.h). */
int kc_yr_duration(kc_yr_t *y, const yaml_node_t *n, const char *key, uint64_t *ns);
/* One of a NULL-terminated list of words; the index. */
int kc_yr_word(kc_yr_t *y, const yaml_node_t *n, const char *key, const char *const *words,
               int *out);

#endif
