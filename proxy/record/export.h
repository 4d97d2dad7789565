/* A recording as a scenario (issue 16): an ordinary scenario file, in the format of
 * scenarios/README.md, that reproduces what the producers met, window by window:
 *   - per topic and partition, runs of windows in which the brokers answered Produce with an
 *     error become `error` rules (a run is consecutive windows with the same code, whichever
 *     broker answered: the leaders of the replay's cluster are its own): one per client that
 *     met them (client_id, max: what it met, so its first requests there meet them), when the
 *     recording knows who met each (export_errors.c); else the partition's (every: partition
 *     results / errors over the run, rounded, so the first request of the run meets it and
 *     the rate is the brokers');
 *   - per broker, windows whose Produce latency (the broker leg) is well above the recording's
 *     baseline become `latency` rules on the response path, normally distributed, the mean and
 *     spread of what was added to the baseline;
 *   - per client id, throttled windows become enforced `throttle` rules;
 *   - partitions Metadata showed leaderless become `leader: none`;
 *   - failed connects to a broker become `refuse`, its resets `disconnect {reset: true}` at most
 *     as many times as seen;
 *   - leaders that moved (seen in Metadata) are listed in the header, not replayed: the replay's
 *     leaders are its cluster's own, and what is reproduced is what the producers met.
 * Each rule carries a comment saying which windows and counts it came from (the recording's
 * own numbers, also when a range of it is exported). */
#ifndef KC_RECORD_EXPORT_H
#define KC_RECORD_EXPORT_H

#include <stddef.h>

#include "fault/scenario.h"
#include "record/recorder.h"

#define KC_EXPORT_MAPS 16

typedef struct kc_export_opts {
    const char *name;       /* the scenario's name (others than [A-Za-z0-9._-] become '-',
                               at most 64); NULL or "": "recorded" */
    const char *topic_from[KC_EXPORT_MAPS], *topic_to[KC_EXPORT_MAPS]; /* --topic-map old=new */
    int ntopic_maps;
    int32_t broker_from[KC_EXPORT_MAPS], broker_to[KC_EXPORT_MAPS];    /* --broker-map old=new */
    int nbroker_maps;
    /* Windows [from, to) only (to 0: to the end), shifted to start at 0: the rules are those of
     * the whole recording (its latency baseline is the whole's), cut to the range. */
    uint32_t from, to;
} kc_export_opts_t;

/* Parse "old=new" onto o (topic: any names; broker: node ids). 0 or -1 (malformed, too many). */
int kc_export_topic_map(kc_export_opts_t *o, const char *spec);
int kc_export_broker_map(kc_export_opts_t *o, const char *spec);

/* The recording's rules as a scenario (to be freed with kc_scenario_free), and in *comments
 * (when not NULL) one malloc'd comment per rule (free each, then the array). NULL: no memory. */
kc_scenario_t *kc_record_rules(const kc_record_data_t *d, const kc_export_opts_t *o,
                               char ***comments);
/* A scenario as YAML that kc_scenario_parse reads back into the same rules; comments (may be
 * NULL) are written above each rule, `header` (may be NULL) above everything. Only what the
 * export produces is written: name, description, max_duration; per rule name, match (api,
 * client_id, topic, partitions, brokers), at, for, probability, every, max and the action. */
char *kc_scenario_yaml(const kc_scenario_t *sc, char *const *comments, const char *header,
                       size_t *len);
/* The length of the well-formed UTF-8 character at s (its code point in *cp), or 0 (not UTF-8,
 * or the end). The YAML writer and the export's globs agree on it. */
int kc_export_utf8(const char *s, uint32_t *cp);
/* The leaders that moved, one line each ("window 3: orders[0] led by broker 1, then 2"), in
 * window order, topics and brokers mapped, at most max lines (then "and N more"); malloc'd, ""
 * when none moved, NULL: no memory. */
char *kc_record_leader_moves(const kc_record_data_t *d, const kc_export_opts_t *o, int max);
/* Both: the export of a recording as YAML, malloc'd; *nrules (when not NULL) how many rules it
 * holds (0: nothing to replay, which kc_scenario_parse would refuse). */
char *kc_record_export(const kc_record_data_t *d, const kc_export_opts_t *o, size_t *len,
                       int *nrules);

#endif
