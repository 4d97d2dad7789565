/* The fault engine: the running scenarios, and the decisions they make on every frame.
 *
 * One engine serves the process: every loop's sessions call its decide hooks (the pipeline's
 * decide stage), the admin API and SIGHUP change what runs. The set of scenarios sits behind
 * a read-write lock: a decision reads it, a change writes it, so a scenario is never freed
 * under a decision. With nothing running, a decision costs one atomic load.
 *
 * What a rule does to a request is decided when the request is read; what it does to the
 * response (an error after the broker, a delay, throttle, a lost acknowledgement) travels with
 * the in-flight entry as a note (its kc_merge_t), so removing a scenario never leaves a
 * half-applied fault behind, and counters such as "every Nth" are counted once per request. */
#ifndef KC_FAULT_ENGINE_H
#define KC_FAULT_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "fault/scenario.h"
#include "session.h"

typedef struct kc_faults kc_faults_t;

kc_faults_t *kc_faults_new(void);
void kc_faults_free(kc_faults_t *f);

/* Start sc at `now`, replacing a scenario of the same name (whose counters go with it). Takes
 * sc. *replaced says whether one was. */
void kc_faults_put(kc_faults_t *f, kc_scenario_t *sc, uint64_t now, bool *replaced);
/* 0, or -KC_ENOENT when no scenario has that name. */
int kc_faults_remove(kc_faults_t *f, const char *name);
/* The kill switch: every scenario goes at once. Returns how many were running. */
int kc_faults_off(kc_faults_t *f);
/* Load every file; if all parse, they replace the scenarios that came from files (SIGHUP) and
 * 0 comes back; otherwise nothing changes, and the problems are in *diags. */
int kc_faults_load_files(kc_faults_t *f, char *const *paths, int n, uint64_t now,
                         kc_scenario_diags_t *diags);
/* Whether any scenario runs (for the fast path and tests). */
bool kc_faults_any(const kc_faults_t *f);

/* fn for every scenario listed, in start order, under the read lock (fn must not call back). */
void kc_faults_each(kc_faults_t *f, void (*fn)(void *ctx, const kc_scenario_t *sc), void *ctx);

/* GET /api/v1/scenarios as JSON, and the engine's Prometheus families; malloc'd, *len set. */
char *kc_faults_json(kc_faults_t *f, uint64_t now, size_t *len);
char *kc_faults_prometheus(kc_faults_t *f, uint64_t now, size_t *len);

/* The pipeline's decide hooks (kc_pipe_env_t.decide_*, ctx the engine). */
void kc_fault_decide_request(void *ctx, kc_session_t *s, kc_inflight_t *e, kc_frame_t *f,
                             kc_decision_t *d);
void kc_fault_decide_response(void *ctx, kc_session_t *s, kc_inflight_t *e, kc_frame_t *f,
                              kc_decision_t *d);
/* Whether a new connection to node_id's listener (-1: bootstrap) from host must be refused;
 * *why names the scenario and rule (static storage until the next call on this thread). */
bool kc_fault_refuse(kc_faults_t *f, int32_t node_id, const char *host, uint64_t now,
                     const char **why);

#endif
