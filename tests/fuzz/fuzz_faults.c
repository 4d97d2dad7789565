/* Fuzz the fault engine (proxy/fault/engine.c, note.c, kafka/produce_split.c, the Metadata
 * leaderless patch) inside a session, as kchaos runs it: bytes from the client and the broker in
 * any order and read size, clock ticks, and a scenario of every action that edits or holds
 * frames, partition-exact errors before and after the broker, latency both ways, enforced
 * throttle, disconnects after and mid-response, drops, stalls, bandwidth and leaderless
 * Metadata, each firing on some matches and not others.
 *
 * Input: commands as fuzz_session's (bits 0-1: 0 client bytes, 1 broker bytes, 2 tick, 3 a
 * fresh copy of the scenario, restarting its clock); a byte count follows for bytes.
 *
 * Invariants: every frame handed out carries a size prefix equal to its length on the wire
 * (except the one cut mid-response, which must be the last thing sent before the close); a
 * closed session hands out nothing more; the held byte counts never underflow; every buffer
 * returns to the pool. */
#include "fault/engine.h"
#include "pipeline.h"
#include "session_drive.h"

static const char SCENARIO[] =
    "name: fuzz\n"
    "seed: 7\n"
    "rules:\n"
    "  - {match: {topic: 'o*', partitions: [1]}, every: 2, error: NOT_LEADER_OR_FOLLOWER}\n"
    "  - {match: {topic: a*}, every: 3, error: {code: NOT_ENOUGH_REPLICAS_AFTER_APPEND, when: after}}\n"
    "  - {match: {api: produce}, every: 5, throttle: {ms: 3, enforce: true}}\n"
    "  - {match: {api: produce}, every: 4, latency: {ms: 1, jitter_ms: 1, path: response}}\n"
    "  - {match: {api: list_offsets}, every: 2, latency: 2ms}\n"
    "  - {match: {api: list_offsets}, every: 7, drop: true}\n"
    "  - {every: 11, disconnect: {when: after}}\n"
    "  - {match: {api: metadata}, every: 13, disconnect: {when: mid, reset: true}}\n"
    "  - {match: {topic: '*', partitions: [0, 2]}, every: 2, leader: none}\n"
    "  - {at: 5ms, for: 2ms, period: 20ms, stall: true}\n"
    "  - {bandwidth: 1MiB}\n";

static void start(kc_faults_t *f, uint64_t now)
{
    kc_scenario_diags_t d = {0};
    kc_scenario_t *sc = kc_scenario_parse("fuzz.yaml", SCENARIO, sizeof(SCENARIO) - 1, &d);
    CHECK(sc != NULL);
    kc_scenario_diags_free(&d);
    kc_faults_put(f, sc, now, NULL);
}

/* Command 3: a fresh copy of the scenario, its clock starting now. */
static void restart(void *ctx, uint8_t arg, const uint8_t *in, size_t size, size_t *i,
                    uint64_t now)
{
    (void)arg, (void)in, (void)size, (void)i;
    start(ctx, now);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool quiet;
    if (!quiet) { /* the engine logs every injection at info */
        kc_log_init(KC_LOG_ERROR, false, stderr);
        quiet = true;
    }
    uint8_t *in = fuzz_copy(data, size);
    kc_pool_t pool;
    kc_buf_pool_init(&pool, 1 << 22);
    kc_route_t route;
    kc_route_init(&route, "kchaos.fuzz", 29000, 0, NULL, 0);
    kc_intern_t ids;
    CHECK(kc_intern_init(&ids, 64) == 0);
    kc_faults_t *faults = kc_faults_new();
    CHECK(faults != NULL);
    uint64_t now = 1000000;
    start(faults, now);
    fuzz_owner_t st = {.pool = &pool, .allow_cut = true};
    kc_pipe_env_t env = {.pool = &pool, .route = &route, .client_ids = &ids, .max_frame = 1 << 20,
                         .decide_request = kc_fault_decide_request,
                         .decide_response = kc_fault_decide_response, .decide_ctx = faults};
    kc_session_t s;
    CHECK(kc_session_init(&s, &env, &fuzz_io, &st, (kc_log_ctx_t){.conn = 1}) == 0);
    fuzz_drive(&s, &st.closed, in, size, now, 250000, restart, faults);
    kc_session_free(&s);
    kc_faults_free(faults);
    kc_route_free(&route);
    kc_intern_free(&ids);
    CHECK(pool.live_bytes == 0);
    kc_buf_pool_free(&pool);
    free(in);
    return 0;
}
