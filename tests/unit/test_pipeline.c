/* proxy/pipeline.c and the session around it, without sockets: bytes in from either side,
 * frames and decisions out through a recording io. Covers the states the fault, metrics and TLS
 * stages build on: pipelining, acks=0, held requests and responses, local answers between
 * forwarded ones, several edits on one frame, merges, drops, SASL v0 opaque mode, and bad
 * input closing the pair. */
#include "pipeline.h"

#include "kafka/api.h"
#include "kc_test.h"
#include "session_fx.h"


/* ---- tests ---- */

static void test_pipelined_pass_byte_for_byte(void **state)
{
    (void)state;
    fx_t *f = fx_new(NULL, NULL, NULL);
    tb_t in = {0}, out = {0};
    for (int i = 1; i <= 3; i++)
        list_offsets(&in, i);
    assert_int_equal(feed_step(f, true, &in, 7, 100), 0); /* split across reads */
    check_corrs(&f->rec, 0, (int32_t[]){1, 2, 3}, 3);
    assert_int_equal(f->rec.bytes[0].n, in.n);
    assert_memory_equal(f->rec.bytes[0].b, in.b, in.n);
    assert_int_equal(kc_session_pending(&f->s), 3);
    for (int i = 1; i <= 3; i++)
        resp_opaque(&out, i, "body");
    assert_int_equal(feed(f, false, &out, 200), 0);
    check_corrs(&f->rec, 1, (int32_t[]){1, 2, 3}, 3);
    assert_memory_equal(f->rec.bytes[1].b, out.b, out.n);
    assert_int_equal(kc_session_pending(&f->s), 0);
    assert_string_equal(f->s.log.client_id, "test-client");
    assert_false(f->rec.closed);
    fx_free(f);
}

static void test_acks0_in_order(void **state)
{
    (void)state;
    fx_t *f = fx_new(NULL, NULL, NULL);
    tb_t in = {0}, out = {0};
    produce_v3(&in, 1, 0); /* acks=0: no response */
    list_offsets(&in, 2);
    produce_v3(&in, 3, 1);
    assert_int_equal(feed(f, true, &in, 1), 0);
    check_corrs(&f->rec, 0, (int32_t[]){1, 2, 3}, 3);
    resp_opaque(&out, 2, "x");
    resp_opaque(&out, 3, "y");
    assert_int_equal(feed(f, false, &out, 2), 0);
    check_corrs(&f->rec, 1, (int32_t[]){2, 3}, 2);
    assert_int_equal(kc_session_pending(&f->s), 0);
    /* A broker that answers acks=0 after all (librdkafka's mock does): passed on. */
    tb_t in2 = {0}, out2 = {0};
    produce_v3(&in2, 4, 0);
    assert_int_equal(feed(f, true, &in2, 3), 0);
    resp_opaque(&out2, 4, "stray");
    assert_int_equal(feed(f, false, &out2, 4), 0);
    check_corrs(&f->rec, 1, (int32_t[]){2, 3, 4}, 3);
    assert_false(f->rec.closed);
    fx_free(f);
}

/* acks=0 Produce requests first..last from the client, or (answer) the broker's answers to
 * them but `skip`, one frame per read; the recorder's byte log is emptied as it goes. */
static void acks0_run(fx_t *f, bool answer, int first, int last, int skip)
{
    for (int i = first; i <= last; i++) {
        tb_t t = {0};
        if (i == skip)
            continue;
        if (answer)
            resp_opaque(&t, i, "s");
        else
            produce_v3(&t, i, 0);
        assert_int_equal(feed(f, !answer, &t, (uint64_t)i), 0);
        f->rec.bytes[answer].n = 0;
    }
}

/* Many acks=0 requests on their way before the broker answers any (kafkajs does not wait):
 * every answer is passed on; one the broker skipped is forgotten once a later one arrives. */
static void test_acks0_many_strays(void **state)
{
    (void)state;
    fx_t *f = fx_new(NULL, NULL, NULL);
    enum { N = 300 };
    acks0_run(f, false, 1, N, 0);
    assert_int_equal(f->rec.n[0], N);
    acks0_run(f, true, 1, N, 7); /* the broker skips 7 */
    assert_false(f->rec.closed);
    assert_int_equal(f->rec.n[1], N - 1);
    assert_int_equal(f->s.acks0_n, 0);
    /* 7 was forgotten when 8 came: an answer to it now is to no request. */
    tb_t late = {0};
    resp_opaque(&late, 7, "late");
    assert_int_equal(feed(f, false, &late, 3), -KC_ECLOSED);
    assert_true(f->rec.closed);
    fx_free(f);
}

/* A broker that never answers acks=0 (Kafka) leaves the ring full: the oldest ids go, the
 * memory stays at KC_ACKS0_MAX ids, the newest are still recognised. */
static void test_acks0_ring_bounded(void **state)
{
    (void)state;
    fx_t *f = fx_new(NULL, NULL, NULL);
    const int n = (int)KC_ACKS0_MAX + 100;
    acks0_run(f, false, 1, n, 0);
    assert_int_equal(f->s.acks0_n, KC_ACKS0_MAX);
    assert_int_equal(f->s.acks0_cap, KC_ACKS0_MAX);
    acks0_run(f, true, n, n, 0);
    assert_false(f->rec.closed);
    assert_int_equal(f->s.acks0_n, 0);
    fx_free(f);
}

/* A script of decisions, one per request or response in order. */
typedef struct script {
    kc_decision_t req[8], resp[8];
    int nreq, nresp;
    kc_pool_t *pool;
} script_t;

static void decide_req(void *ctx, kc_session_t *s, kc_inflight_t *e, kc_frame_t *f, kc_decision_t *d)
{
    (void)s, (void)e, (void)f;
    script_t *sc = ctx;
    *d = sc->req[sc->nreq++];
}

static void decide_resp(void *ctx, kc_session_t *s, kc_inflight_t *e, kc_frame_t *f, kc_decision_t *d)
{
    (void)s, (void)e, (void)f;
    script_t *sc = ctx;
    *d = sc->resp[sc->nresp++];
}

static void test_response_held_holds_later(void **state)
{
    (void)state;
    script_t sc = {.resp = {{.verdict = KC_HOLD, .until = 5000}, {.verdict = KC_PASS}}};
    fx_t *f = fx_new(NULL, decide_resp, &sc);
    tb_t in = {0}, out = {0};
    list_offsets(&in, 1);
    list_offsets(&in, 2);
    assert_int_equal(feed(f, true, &in, 1000), 0);
    resp_opaque(&out, 1, "slow");
    resp_opaque(&out, 2, "fast");
    assert_int_equal(feed(f, false, &out, 1100), 0);
    assert_int_equal(f->rec.n[1], 0);      /* 2 is ready but waits behind 1 */
    assert_int_equal(f->rec.wake, 5000);   /* the owner is asked to wake the session */
    assert_true(kc_session_held(&f->s, KC_TO_CLIENT) == out.n); /* counted for back-pressure */
    kc_session_tick(&f->s, 4999);
    assert_int_equal(f->rec.n[1], 0);
    kc_session_tick(&f->s, 5000);
    check_corrs(&f->rec, 1, (int32_t[]){1, 2}, 2);
    assert_int_equal(kc_session_held(&f->s, KC_TO_CLIENT), 0);
    assert_int_equal(f->s.wake, 0); /* nothing left to wait for */
    assert_int_equal(f->rec.wakes, 2); /* asked for 5000 again after the early tick */
    fx_free(f);
}

static void test_request_held_holds_later(void **state)
{
    (void)state;
    script_t sc = {.req = {{.verdict = KC_HOLD, .until = 9000}, {.verdict = KC_PASS},
                           {.verdict = KC_PASS}}};
    fx_t *f = fx_new(decide_req, NULL, &sc);
    tb_t in = {0};
    list_offsets(&in, 1);
    list_offsets(&in, 2);
    produce_v3(&in, 3, 0); /* acks=0 waits in line too */
    assert_int_equal(feed(f, true, &in, 1000), 0);
    assert_int_equal(f->rec.n[0], 0); /* a broker works through a connection in order */
    assert_int_equal(kc_session_held(&f->s, KC_TO_UPSTREAM), in.n);
    assert_int_equal(f->rec.wake, 9000);
    kc_session_tick(&f->s, 9000);
    check_corrs(&f->rec, 0, (int32_t[]){1, 2, 3}, 3);
    assert_memory_equal(f->rec.bytes[0].b, in.b, in.n);
    assert_int_equal(kc_session_held(&f->s, KC_TO_UPSTREAM), 0);
    assert_int_equal(f->s.q.ring[0].t_sent, 9000); /* latency is measured from here */
    fx_free(f);
}

static void test_local_answer_between_forwarded(void **state)
{
    (void)state;
    script_t sc = {.req = {{.verdict = KC_PASS}, {.verdict = KC_ANSWER}, {.verdict = KC_PASS}}};
    fx_t *f = fx_new(decide_req, NULL, &sc);
    sc.pool = &f->pool;
    tb_t local = {0};
    resp_opaque(&local, 2, "made here");
    kc_buf_t *b = kc_buf_get(&f->pool, local.n);
    memcpy(b->data, local.b, local.n);
    sc.req[1].answer = kc_frame_of(b, (uint32_t)local.n);

    tb_t in = {0}, out = {0};
    for (int i = 1; i <= 3; i++)
        list_offsets(&in, i);
    assert_int_equal(feed(f, true, &in, 1), 0);
    check_corrs(&f->rec, 0, (int32_t[]){1, 3}, 2); /* 2 never reaches the broker */
    assert_int_equal(f->rec.n[1], 0);              /* and its answer waits for 1 */
    resp_opaque(&out, 1, "a");
    assert_int_equal(feed(f, false, &out, 2), 0);
    check_corrs(&f->rec, 1, (int32_t[]){1, 2}, 2);
    tb_t out3 = {0};
    resp_opaque(&out3, 3, "c"); /* the broker's next answer is 3's */
    assert_int_equal(feed(f, false, &out3, 3), 0);
    check_corrs(&f->rec, 1, (int32_t[]){1, 2, 3}, 3);
    fx_free(f);
}

/* Metadata v1: one broker and the controller id. The rewrite edits the broker's host and
 * port; a second edit (the decision stage) patches the controller id in the same frame. */
static void metadata_v1_resp(tb_t *t, int32_t corr, bool mapped, int32_t controller)
{
    size_t at = t->n;
    tb_i32(t, 0);
    tb_i32(t, corr);
    tb_arr(t, false, 1);
    tb_i32(t, 1);
    tb_str(t, false, mapped ? "kchaos.test" : "broker-1.internal");
    tb_i32(t, mapped ? 29001 : 9092);
    tb_str(t, false, NULL); /* rack */
    tb_i32(t, controller);
    tb_arr(t, false, 0);
    tb_size_at(t, at);
}

static void patch_controller(void *ctx, kc_session_t *s, kc_inflight_t *e, kc_frame_t *f,
                             kc_decision_t *d)
{
    (void)ctx, (void)e, (void)d;
    /* controller_id sits 4 bytes before the end (after it: an empty topics array). */
    kc_buf_t *b = kc_buf_get(s->env->pool, 4);
    kc_put_be32(b->data, 7);
    kc_splice_t sp = {.off = kc_frame_msg_len(f) - 8, .len = 4, .buf = b, .buf_len = 4};
    assert_int_equal(kc_frame_edit(s->env->pool, f, &sp), 0);
}

static void test_several_edits_one_frame(void **state)
{
    (void)state;
    fx_t *f = fx_new(NULL, patch_controller, NULL);
    tb_t in = {0}, out = {0}, want = {0};
    size_t at = req_begin(&in, KC_API_METADATA, 1, 5);
    tb_arr(&in, false, 0);
    tb_size_at(&in, at);
    assert_int_equal(feed(f, true, &in, 1), 0);
    metadata_v1_resp(&out, 5, false, 1);
    assert_int_equal(feed(f, false, &out, 2), 0);
    metadata_v1_resp(&want, 5, true, 7);
    assert_int_equal(f->rec.bytes[1].n, want.n); /* size prefix patched for both edits */
    assert_memory_equal(f->rec.bytes[1].b, want.b, want.n);
    kc_api_counts_t *rw = &f->s.rewrites;
    assert_int_equal(rw->n, 1);
    assert_int_equal(rw->v[0].count, 1); /* one address handed out */
    fx_free(f);
}

static int merge_calls;
static int merge_fn(void *data, kc_pool_t *pool, kc_inflight_t *e, kc_frame_t *resp)
{
    (void)e;
    merge_calls++;
    kc_buf_t *b = kc_buf_get(pool, 8);
    memcpy(b->data, data, 6);
    kc_splice_t sp = {.off = kc_frame_msg_len(resp), .len = 0, .buf = b, .buf_len = 6};
    return kc_frame_edit(pool, resp, &sp); /* local results appended */
}

static void test_merge_local_results(void **state)
{
    (void)state;
    script_t sc = {.req = {{.verdict = KC_PASS,
                            .merge = {.fn = merge_fn, .data = (void *)"+local"}}}};
    fx_t *f = fx_new(decide_req, NULL, &sc);
    tb_t in = {0}, out = {0}, want = {0};
    list_offsets(&in, 1);
    assert_int_equal(feed(f, true, &in, 1), 0);
    assert_int_equal(f->s.q.ring[0].state, KC_IF_MERGE);
    resp_opaque(&out, 1, "broker");
    assert_int_equal(feed(f, false, &out, 2), 0);
    resp_opaque(&want, 1, "broker+local");
    assert_int_equal(merge_calls, 1);
    assert_int_equal(f->rec.bytes[1].n, want.n);
    assert_memory_equal(f->rec.bytes[1].b, want.b, want.n);
    fx_free(f);
}

static void test_drop(void **state)
{
    (void)state;
    script_t sc = {.req = {{.verdict = KC_DROP}, {.verdict = KC_DROP}, {.verdict = KC_PASS}}};
    fx_t *f = fx_new(decide_req, NULL, &sc);
    tb_t in = {0}, out = {0};
    produce_v3(&in, 1, 0); /* acks=0 dropped: simply gone */
    list_offsets(&in, 2);  /* dropped with a response owed: never answered */
    list_offsets(&in, 3);
    assert_int_equal(feed(f, true, &in, 1), 0);
    check_corrs(&f->rec, 0, (int32_t[]){3}, 1);
    resp_opaque(&out, 3, "z");
    assert_int_equal(feed(f, false, &out, 2), 0);
    assert_int_equal(f->rec.n[1], 0); /* 3 waits behind the lost 2, as behind a lost request */
    assert_int_equal(kc_session_pending(&f->s), 2);
    fx_free(f);
}

/* A Produce answered here with NOT_LEADER_OR_FOLLOWER for each of its partitions: the
 * response decodes as Kafka's codec would write it (checked byte for byte in the vectors). */
static void answer_nlof(void *ctx, kc_session_t *s, kc_inflight_t *e, kc_frame_t *f, kc_decision_t *d)
{
    (void)ctx, (void)f;
    assert_int_equal(kc_pipeline_answer_produce(s, e, 6), 0);
    assert_int_equal(e->state, KC_IF_ANSWERED);
    d->verdict = KC_PASS; /* already answered: the stage's verdict changes nothing */
}

static void test_answer_produce_here(void **state)
{
    (void)state;
    fx_t *f = fx_new(answer_nlof, NULL, NULL);
    tb_t in = {0};
    size_t at = req_begin(&in, KC_API_PRODUCE, 7, 21);
    tb_str(&in, false, NULL);
    tb_i16(&in, -1);
    tb_i32(&in, 30000);
    tb_arr(&in, false, 1);
    tb_str(&in, false, "orders");
    tb_arr(&in, false, 2);
    for (int p = 0; p < 2; p++) {
        tb_i32(&in, p);
        tb_bytes(&in, false, "batch", 5);
    }
    tb_size_at(&in, at);
    assert_int_equal(feed(f, true, &in, 1), 0);
    assert_int_equal(f->rec.n[0], 0); /* never forwarded */
    check_corrs(&f->rec, 1, (int32_t[]){21}, 1);
    kc_rd_t r;
    kc_rd_init(&r, f->rec.bytes[1].b + 8, f->rec.bytes[1].n - 8, false);
    assert_int_equal(kc_rd_array(&r, 1), 1);
    kc_str_t name = kc_rd_str(&r);
    assert_int_equal(name.len, 6);
    assert_memory_equal(name.p, "orders", 6);
    assert_int_equal(kc_rd_array(&r, 1), 2);
    for (int p = 0; p < 2; p++) {
        assert_int_equal(kc_rd_i32(&r), p);
        assert_int_equal(kc_rd_i16(&r), 6);  /* NOT_LEADER_OR_FOLLOWER */
        assert_int_equal(kc_rd_i64(&r), -1); /* base_offset */
        kc_rd_i64(&r);                        /* log_append_time_ms */
        kc_rd_i64(&r);                        /* log_start_offset (v5+) */
    }
    assert_int_equal(kc_rd_i32(&r), 0); /* throttle_time_ms */
    assert_int_equal(kc_rd_left(&r), 0);
    assert_int_equal(r.err, 0);
    fx_free(f);
}

static void test_close_decision(void **state)
{
    (void)state;
    script_t sc = {.req = {{.verdict = KC_CLOSE, .reset = true, .why = "broker outage"}}};
    fx_t *f = fx_new(decide_req, NULL, &sc);
    tb_t in = {0};
    list_offsets(&in, 1);
    list_offsets(&in, 2);
    assert_true(feed(f, true, &in, 1) < 0);
    assert_true(f->rec.closed);
    assert_true(f->rec.reset);
    assert_non_null(strstr(f->rec.why, "broker outage"));
    assert_int_equal(f->rec.n[0], 0);
    fx_free(f);
}

static void test_sasl_v0_opaque(void **state)
{
    (void)state;
    fx_t *f = fx_new(NULL, NULL, NULL);
    tb_t in = {0}, out = {0}, tok = {0}, tok2 = {0};
    size_t at = req_begin(&in, KC_API_SASL_HANDSHAKE, 0, 9);
    tb_str(&in, false, "PLAIN");
    tb_size_at(&in, at);
    assert_int_equal(feed(f, true, &in, 1), 0);
    at = out.n;
    tb_i32(&out, 0);
    tb_i32(&out, 9);
    tb_i16(&out, 0); /* error_code NONE */
    tb_arr(&out, false, 1);
    tb_str(&out, false, "PLAIN");
    tb_size_at(&out, at);
    assert_int_equal(feed(f, false, &out, 2), 0);
    assert_true(f->s.opaque);
    /* Raw tokens: no Kafka header, and they pass both ways untouched. */
    tb_i32(&tok, 3);
    tb_raw(&tok, "\0u\0", 3);
    assert_int_equal(feed(f, true, &tok, 3), 0);
    assert_memory_equal(f->rec.bytes[0].b + in.n, tok.b, tok.n);
    tb_i32(&tok2, 0);
    assert_int_equal(feed(f, false, &tok2, 4), 0);
    assert_int_equal(f->rec.bytes[1].n, out.n + tok2.n);
    assert_false(f->rec.closed);
    fx_free(f);
}

/* KIP-152 SASL: SaslHandshake v1, then SaslAuthenticate (v2, flexible) frames. */
static void sasl_handshake_v1(fx_t *f, int32_t corr, const char *mech, uint64_t now)
{
    tb_t in = {0}, out = {0};
    size_t at = req_begin(&in, KC_API_SASL_HANDSHAKE, 1, corr);
    tb_str(&in, false, mech);
    tb_size_at(&in, at);
    assert_int_equal(feed(f, true, &in, now), 0);
    at = out.n;
    tb_i32(&out, 0);
    tb_i32(&out, corr);
    tb_i16(&out, 0);
    tb_arr(&out, false, 1);
    tb_str(&out, false, mech);
    tb_size_at(&out, at);
    assert_int_equal(feed(f, false, &out, now), 0);
}

static void sasl_authenticate(fx_t *f, int32_t corr, const void *tok, size_t n, int16_t error,
                              uint64_t now)
{
    tb_t in = {0}, out = {0};
    size_t at = in.n;
    tb_i32(&in, 0);
    tb_i16(&in, KC_API_SASL_AUTHENTICATE);
    tb_i16(&in, 2);
    tb_i32(&in, corr);
    tb_str(&in, false, "test-client"); /* request header v2: client_id stays INT16 */
    tb_tags0(&in, true);
    tb_bytes(&in, true, tok, n);
    tb_tags0(&in, true);
    tb_size_at(&in, at);
    assert_int_equal(feed(f, true, &in, now), 0);
    at = out.n;
    tb_i32(&out, 0);
    tb_i32(&out, corr);
    tb_tags0(&out, true); /* response header v1 */
    tb_i16(&out, error);
    tb_str(&out, true, error ? "Authentication failed" : NULL);
    tb_bytes(&out, true, "", 0);
    tb_i64(&out, 0); /* session_lifetime_ms */
    tb_tags0(&out, true);
    tb_size_at(&out, at);
    assert_int_equal(feed(f, false, &out, now), 0);
}

/* The principal is the user the mechanism names, and only once the broker says the exchange
 * succeeded: PLAIN after its one round, SCRAM after its second; a refusal names nobody. Every
 * frame passes untouched. */
static void test_sasl_principal(void **state)
{
    (void)state;
    fx_t *f = fx_new(NULL, NULL, NULL);
    static const char wrong[] = "\0alice\0not-her-password";
    sasl_handshake_v1(f, 1, "PLAIN", 1);
    sasl_authenticate(f, 2, wrong, sizeof(wrong) - 1, 58 /* SASL_AUTHENTICATION_FAILED */, 2);
    assert_string_equal(f->s.principal, "");
    static const char right[] = "\0alice\0alice-secret";
    sasl_handshake_v1(f, 3, "PLAIN", 3);
    sasl_authenticate(f, 4, right, sizeof(right) - 1, 0, 4);
    assert_string_equal(f->s.principal, "alice");
    assert_string_equal(f->s.principal_id, "alice");
    check_corrs(&f->rec, 0, (int32_t[]){1, 2, 3, 4}, 4); /* everything forwarded ... */
    check_corrs(&f->rec, 1, (int32_t[]){1, 2, 3, 4}, 4); /* ... and answered, in order */
    /* KIP-368 re-authentication as someone else, with SCRAM: named after the second round. */
    const char *first = "n,,n=bob,r=clientnonce";
    const char *final = "c=biws,r=clientnonceservernonce,p=cHJvb2Y=";
    sasl_handshake_v1(f, 5, "SCRAM-SHA-512", 5);
    sasl_authenticate(f, 6, first, strlen(first), 0, 6);
    assert_string_equal(f->s.principal, "alice");
    sasl_authenticate(f, 7, final, strlen(final), 0, 7);
    assert_string_equal(f->s.principal, "bob");
    assert_false(f->rec.closed);
    fx_free(f);
}

static void test_malformed_closes(void **state)
{
    (void)state;
    /* A header too short to hold api key, version and correlation id. */
    fx_t *f = fx_new(NULL, NULL, NULL);
    tb_t in = {0};
    tb_i32(&in, 3);
    tb_raw(&in, "abc", 3);
    assert_true(feed(f, true, &in, 1) < 0);
    assert_true(f->rec.closed);
    assert_non_null(strstr(f->rec.why, "malformed request header"));
    fx_free(f);
    /* A response to a request that was never made. */
    f = fx_new(NULL, NULL, NULL);
    tb_t in2 = {0}, out = {0};
    list_offsets(&in2, 1);
    assert_int_equal(feed(f, true, &in2, 1), 0);
    resp_opaque(&out, 77, "?");
    assert_true(feed(f, false, &out, 2) < 0);
    assert_non_null(strstr(f->rec.why, "does not match the request's 1"));
    fx_free(f);
    /* A size prefix that looks like HTTP. */
    f = fx_new(NULL, NULL, NULL);
    tb_t http = {0};
    tb_raw(&http, "GET / HTTP/1.1\r\n", 16);
    assert_true(feed(f, true, &http, 1) < 0);
    assert_non_null(strstr(f->rec.why, "looks like HTTP"));
    fx_free(f);
}

static void test_api_versions_too_new_answered_here(void **state)
{
    (void)state;
    fx_t *f = fx_new(NULL, NULL, NULL);
    tb_t in = {0};
    size_t at = req_begin(&in, KC_API_API_VERSIONS, 99, 3); /* KIP-511: newer than known */
    tb_tags0(&in, true); /* header v2 */
    tb_size_at(&in, at);
    assert_int_equal(feed(f, true, &in, 1), 0);
    assert_int_equal(f->rec.n[0], 0);
    check_corrs(&f->rec, 1, (int32_t[]){3}, 1);
    /* error_code UNSUPPORTED_VERSION (35) right after the v0 header. */
    assert_int_equal(kc_be16(f->rec.bytes[1].b + 8), 35);
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pipelined_pass_byte_for_byte),
        cmocka_unit_test(test_acks0_in_order),
        cmocka_unit_test(test_acks0_many_strays),
        cmocka_unit_test(test_acks0_ring_bounded),
        cmocka_unit_test(test_response_held_holds_later),
        cmocka_unit_test(test_request_held_holds_later),
        cmocka_unit_test(test_local_answer_between_forwarded),
        cmocka_unit_test(test_several_edits_one_frame),
        cmocka_unit_test(test_merge_local_results),
        cmocka_unit_test(test_drop),
        cmocka_unit_test(test_answer_produce_here),
        cmocka_unit_test(test_close_decision),
        cmocka_unit_test(test_sasl_v0_opaque),
        cmocka_unit_test(test_sasl_principal),
        cmocka_unit_test(test_malformed_closes),
        cmocka_unit_test(test_api_versions_too_new_answered_here),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
