/* Scenarios: what a YAML scenario file says, checked, as the fault engine reads it.
 *
 * A scenario is a name, a description, an optional seed, an optional max duration, a dry-run
 * flag and rules. A rule is one matcher, one trigger, one time window and one action; a story
 * ("at 5 s partition 0 of orders loses its leader for 3 s, then broker 2 is slow") is several
 * rules with their own windows. scenarios/README.md is the user's description of the format and
 * scenarios/scenario.schema.json its JSON Schema; scenario.c is the only reader.
 *
 * Everything a scenario holds is allocated by kc_scenario_parse and freed by kc_scenario_free,
 * except the counters, which the engine updates (atomics: every loop counts into the same
 * rule, so "every Nth" and "at most N" hold across --threads). */
#ifndef KC_FAULT_SCENARIO_H
#define KC_FAULT_SCENARIO_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KC_ANY (-100) /* an int matcher or field left out */

typedef enum kc_fault_kind {
    KC_FAULT_ERROR,      /* Produce: matching partitions answered with `error` */
    KC_FAULT_LATENCY,    /* hold the request or the response */
    KC_FAULT_THROTTLE,   /* Produce responses: throttle_time_ms set, optionally enforced */
    KC_FAULT_DISCONNECT, /* close the client connection (FIN or RST) */
    KC_FAULT_STALL,      /* pass no bytes (either way) until the window ends */
    KC_FAULT_DROP,       /* the request is never forwarded nor answered */
    KC_FAULT_REFUSE,     /* new connections to a broker's listener are refused (RST) */
    KC_FAULT_BANDWIDTH,  /* bytes per second on matching connections, each direction */
    KC_FAULT_LEADER,     /* Metadata: matching partitions leaderless (-1, LEADER_NOT_AVAILABLE) */
    KC_FAULT_KINDS,
} kc_fault_kind_t;

/* Where an error or a disconnect happens. */
typedef enum kc_fault_when {
    KC_WHEN_BEFORE, /* before the broker: not forwarded, nothing written */
    KC_WHEN_AFTER,  /* forwarded and written; the answer is replaced (error) or lost (disconnect) */
    KC_WHEN_MID,    /* disconnect only: in the middle of the response frame */
} kc_fault_when_t;

typedef enum kc_fault_path { KC_PATH_REQUEST, KC_PATH_RESPONSE } kc_fault_path_t;

typedef enum kc_fault_dist {
    KC_DIST_FIXED,       /* ms, plus uniform jitter in [-jitter, +jitter] when given */
    KC_DIST_UNIFORM,     /* uniform in [min, max] */
    KC_DIST_NORMAL,      /* mean ms, stddev; clamped at 0 */
    KC_DIST_EXPONENTIAL, /* mean ms */
} kc_fault_dist_t;

/* Every field is optional; a left-out one matches anything. Globs are fnmatch(3) patterns. */
typedef struct kc_fault_match {
    int16_t api;                      /* api key; KC_ANY for `any` */
    int16_t version_min, version_max; /* inclusive; KC_ANY: unbounded */
    char *client_id;                  /* glob */
    char *host;                       /* glob over the client's IP address */
    char *software;                   /* glob over "name/version" from ApiVersions v3+ */
    char *principal;                  /* glob over the SASL user the broker authenticated */
    char *topic;                      /* glob (Produce v13: the name kchaos learned) */
    int32_t *partitions;              /* NULL: any */
    int npartitions;
    int32_t *brokers;                 /* node ids of the broker the connection goes to; NULL: any */
    int nbrokers;
    int16_t acks;                     /* 0, 1 or -1 (all); KC_ANY */
    int8_t idempotent;                /* 0 or 1; -1: any */
    int8_t transactional;             /* 0 or 1; -1: any */
} kc_fault_match_t;

typedef struct kc_fault_trigger {
    double probability; /* 0 < p <= 1; 1 when left out */
    uint64_t every;     /* every Nth match (after skip); 1 when left out */
    uint64_t skip;      /* the first N matches pass */
    uint64_t max;       /* at most N injections; 0: no limit */
} kc_fault_trigger_t;

/* Active from `at` for `for` after the scenario starts; with a period, again every period. */
typedef struct kc_fault_window {
    uint64_t at_ns;
    uint64_t for_ns;    /* 0: until the scenario ends */
    uint64_t period_ns; /* 0: once */
} kc_fault_window_t;

typedef struct kc_fault_action {
    kc_fault_kind_t kind;
    kc_fault_when_t when;   /* error: before|after; disconnect: before|after|mid */
    kc_fault_path_t path;   /* latency: request (default) or response */
    int16_t error;          /* error: the Kafka error code */
    bool reset;             /* disconnect: RST instead of FIN */
    kc_fault_dist_t dist;   /* latency */
    double ms, jitter_ms, min_ms, max_ms, stddev_ms; /* latency, by dist */
    uint32_t throttle_ms;   /* throttle */
    bool enforce;           /* throttle: hold the connection as a broker does (KIP-219) */
    uint64_t bytes_per_s;   /* bandwidth */
} kc_fault_action_t;

typedef struct kc_fault_rule {
    char *name;   /* given, or "rule-N" (N from 1, in file order) */
    int line;     /* where the rule begins in its file */
    kc_fault_match_t match;
    kc_fault_trigger_t trigger;
    kc_fault_window_t window;
    kc_fault_action_t action;
    /* The engine's counters, shared by every loop. */
    _Atomic uint64_t matches;  /* requests (or connections, responses) the matcher accepted */
    _Atomic uint64_t injected; /* faults applied (or that would have been, in a dry run) */
} kc_fault_rule_t;

typedef struct kc_scenario {
    char *name;          /* [A-Za-z0-9._-]{1,64}: used in URLs and metric labels */
    char *description;   /* may be NULL */
    char *file;          /* where it came from ("<api>" for a body PUT over the admin API) */
    uint64_t seed;       /* the random source's seed (0 when left out: fixed, still reproducible) */
    bool dry_run;        /* rules match and count; nothing is injected */
    uint64_t max_duration_ns; /* 0: none; past it the scenario switches itself off */
    kc_fault_rule_t *rules;
    int nrules;
    uint64_t started_ns; /* set by the engine when it starts the scenario (uv_hrtime clock) */
} kc_scenario_t;

/* Problems found in a file, one line each: "FILE:LINE:COLUMN: reason". */
typedef struct kc_scenario_diags {
    char **v;
    int n, cap;
} kc_scenario_diags_t;

/* Parse and check one scenario. `file` names it in messages. Returns the scenario, or NULL
 * with at least one line in *diags (every problem found, not only the first). */
kc_scenario_t *kc_scenario_parse(const char *file, const char *text, size_t len,
                                 kc_scenario_diags_t *diags);
/* Read and parse a file (a read error is a diagnostic too). */
kc_scenario_t *kc_scenario_load(const char *path, kc_scenario_diags_t *diags);
void kc_scenario_free(kc_scenario_t *sc);
/* What a rule's match holds (its globs and lists); for rules built outside a scenario. */
void kc_scenario_match_free(kc_fault_match_t *m);
void kc_scenario_diags_free(kc_scenario_diags_t *d);

/* Names, for logs, metrics labels and the admin API. */
const char *kc_fault_kind_name(kc_fault_kind_t k);
const char *kc_fault_when_name(kc_fault_when_t w);

#endif
