/* Fuzz the session and the pipeline behind it (proxy/session.c, proxy/pipeline.c) as the
 * connection pair drives them: bytes from the client and from the broker in any order and any
 * read size, clock ticks, and a decide stage whose verdicts (pass, hold, answer a Produce here,
 * drop, close) come from the input too.
 *
 * Input: a sequence of commands. Each command byte: bits 0-1 what (0 client bytes, 1 broker
 * bytes, 2 clock tick, 3 next verdicts), bits 2-7 an argument; a byte count follows for bytes.
 *
 * Invariants: every frame handed out carries a size prefix equal to its length on the wire; a
 * closed session hands out nothing more; the held byte counts never underflow and are zero
 * once nothing is held; every buffer returns to the pool. */
#include "pipeline.h"
#include "session_drive.h"

typedef struct st {
    fuzz_owner_t owner; /* first: the io's ctx */
    uint8_t verdicts[16];
    int nverdicts, next;
} st_t;

static uint8_t verdict(st_t *s)
{
    return s->nverdicts ? s->verdicts[s->next++ % s->nverdicts] : 0;
}

/* Command 3: the next verdicts, (arg & 15) bytes of them. */
static void verdicts(void *ctx, uint8_t arg, const uint8_t *in, size_t size, size_t *i,
                     uint64_t now)
{
    (void)now;
    st_t *st = ctx;
    st->nverdicts = 0, st->next = 0;
    for (int k = 0; k < (arg & 15) && *i < size; k++)
        st->verdicts[st->nverdicts++] = in[(*i)++];
}

static void decide_req(void *ctx, kc_session_t *ss, kc_inflight_t *e, kc_frame_t *f, kc_decision_t *d)
{
    (void)f;
    uint8_t v = verdict(ctx);
    switch (v & 7) {
    case 1: d->verdict = KC_HOLD, d->until = ss->now + (uint64_t)(v >> 3) * 1000; break;
    case 2:
        if (e->api_key == 0)
            kc_pipeline_answer_produce(ss, e, (int16_t)(v >> 3)); /* may refuse: then it passes */
        break;
    case 3: d->verdict = KC_DROP; break;
    case 4: d->verdict = KC_CLOSE, d->why = "fuzz"; break;
    default: break;
    }
}

static void decide_resp(void *ctx, kc_session_t *ss, kc_inflight_t *e, kc_frame_t *f, kc_decision_t *d)
{
    (void)e, (void)f;
    uint8_t v = verdict(ctx);
    switch ((v >> 4) & 3) {
    case 1: d->verdict = KC_HOLD, d->until = ss->now + (uint64_t)(v & 15) * 1000; break;
    case 2: d->verdict = (v & 1) ? KC_DROP : KC_PASS; break;
    default: break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *in = fuzz_copy(data, size);
    kc_pool_t pool;
    kc_buf_pool_init(&pool, 1 << 22);
    kc_route_t route;
    kc_route_init(&route, "kchaos.fuzz", 29000, 0, NULL, 0);
    kc_intern_t ids;
    CHECK(kc_intern_init(&ids, 64) == 0);
    st_t st = {.owner = {.pool = &pool}};
    kc_pipe_env_t env = {.pool = &pool, .route = &route, .client_ids = &ids, .max_frame = 1 << 20,
                         .decide_request = decide_req, .decide_response = decide_resp,
                         .decide_ctx = &st};
    kc_session_t s;
    CHECK(kc_session_init(&s, &env, &fuzz_io, &st, (kc_log_ctx_t){.conn = 1}) == 0);
    fuzz_drive(&s, &st.owner.closed, in, size, 1, 500, verdicts, &st);
    kc_session_free(&s);
    kc_route_free(&route);
    kc_intern_free(&ids);
    CHECK(pool.live_bytes == 0);
    kc_buf_pool_free(&pool);
    free(in);
    return 0;
}
