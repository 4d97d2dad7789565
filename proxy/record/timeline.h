/* A recording as a timeline, for the admin page (GET /api/v1/recordings/timeline, proxy/admin/
 * timeline.html): per topic and partition the Produce results, their errors by code, the
 * leaderless Metadata and the leader moves ("leaders": [window, from (-1: not known), to] each,
 * never merged); per broker the Produce latency (count, p50, p99, max of the broker leg)
 * and failed or reset connections; per client the throttle; and, as bands over the same windows,
 * the scenario rules that were active: the recording's own export (kc_record_rules, "where each
 * rule came from") and the scenarios running in the engine.
 *
 * Bounded whatever the recording holds: a query covers windows [from, to); past
 * KC_TL_MAX_COLUMNS windows they are merged into columns of `step` windows (counts summed,
 * histograms merged before their percentiles), so a lane has at most KC_TL_MAX_COLUMNS entries,
 * and only non-empty ones are written; at most KC_TL_MAX_BANDS bands (then "bands_cut"). */
#ifndef KC_RECORD_TIMELINE_H
#define KC_RECORD_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fault/scenario.h"
#include "record/recorder.h"

#define KC_TL_MAX_COLUMNS 600u
#define KC_TL_MAX_BANDS 1024

/* One rule active over windows [from, to). */
typedef struct kc_tl_band {
    char *scenario; /* owned: the scenario's name */
    char *rule;     /* owned */
    char *what;     /* owned: the match and the action in a few words */
    char *comment;  /* owned: the export's comment for a recorded rule, else NULL */
    kc_fault_kind_t kind;
    bool recorded; /* from the recording's export, not a running scenario */
    bool dry_run;
    uint32_t from, to;
} kc_tl_band_t;

typedef struct kc_tl_bands {
    kc_tl_band_t *v; /* owned */
    int n, cap;
    bool oom, cut; /* out of memory; past KC_TL_MAX_BANDS */
} kc_tl_bands_t;

/* Append the windows of [0, nwindows) in which each of sc's rules was active. sc's time zero lies
 * zero_ns after the recording's (negative: before it); a periodic rule gives one band a cycle.
 * comments (may be NULL): one per rule, copied. */
void kc_tl_bands_add(kc_tl_bands_t *b, const kc_scenario_t *sc, char *const *comments,
                     int64_t zero_ns, uint32_t nwindows, bool recorded);
void kc_tl_bands_free(kc_tl_bands_t *b);

/* The timeline of windows [from, to) of d (to 0 or past the end: the end) as JSON, malloc'd, or
 * NULL when memory ran out. The recording's own rules are added to `running` (the running
 * scenarios' bands; may be NULL); state (may be NULL) is written as "recording", a JSON object
 * (kc_recorder_json's). */
char *kc_record_timeline_json(const kc_record_data_t *d, uint32_t from, uint32_t to,
                              const kc_tl_bands_t *running, const char *state, size_t *len);

#endif
