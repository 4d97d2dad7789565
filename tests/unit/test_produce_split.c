/* proxy/kafka/produce_split.c: a ProduceRequest split by frame edits (v0-13), the broker's answer
 * merged back, and errors or a throttle set on a broker's answer. Every frame kchaos produces is
 * checked byte for byte against the same message written directly by the test's own encoder
 * (kc_test.h): the request without the picked partitions, the response with every partition in
 * the original order. */
#include "kafka/produce_split.h"

#include <errno.h>

#include "kc_test.h"

#define FLEX_FROM 9
#define NPARTS 6 /* 2 topics x 3 partitions; position k = topic * 3 + i */
#define ALL ((1u << NPARTS) - 1)
#define CORR 77

static const int32_t part_id[NPARTS] = {0, 1, 2, 5, 3, 9};
static const char *topic_name[2] = {"alpha", "beta"};

static int pos_of(int topic, int32_t partition)
{
    for (int i = 0; i < 3; i++)
        if (part_id[topic * 3 + i] == partition)
            return topic * 3 + i;
    fail_msg("partition %d not in topic %d", partition, topic);
    return -1;
}

static void topic_key(tb_t *t, int v, int topic)
{
    if (v >= 13)
        tb_uuid(t, (uint8_t)(topic ? 0xb0 : 0xa0));
    else
        tb_str(t, v >= FLEX_FROM, topic_name[topic]);
}

/* ---- requests ---- */

/* A whole ProduceRequest frame with the partitions in `keep`; topics with none are left out. */
static void req_frame(tb_t *t, int v, unsigned keep)
{
    bool flex = v >= FLEX_FROM;
    tb_i32(t, 0);
    tb_i16(t, 0);
    tb_i16(t, v);
    tb_i32(t, CORR);
    tb_str(t, false, "cli");
    tb_tags0(t, flex);
    if (v >= 3) tb_str(t, flex, v % 2 ? "txn-1" : NULL);
    tb_i16(t, -1);
    tb_i32(t, 30000);
    int topics = ((keep & 7) != 0) + ((keep & 070) != 0);
    tb_arr(t, flex, topics);
    for (int topic = 0; topic < 2; topic++) {
        unsigned mine = (keep >> (3 * topic)) & 7;
        if (!mine) continue;
        topic_key(t, v, topic);
        tb_arr(t, flex, __builtin_popcount(mine));
        for (int i = 0; i < 3; i++) {
            int k = topic * 3 + i;
            if (!(mine & (1u << i))) continue;
            tb_i32(t, part_id[k]);
            uint8_t rec[16];
            memset(rec, 0x10 + k, sizeof(rec));
            if (k == 4)
                tb_bytes(t, flex, NULL, 0);
            else
                tb_bytes(t, flex, rec, (size_t)k + 3);
            if (flex && k == 1) {
                tb_uv(t, 1);
                tb_tag(t, 42, "?", 1); /* unknown partition tag: goes with its partition */
            } else {
                tb_tags0(t, flex);
            }
        }
        tb_tags0(t, flex);
    }
    tb_tags0(t, flex);
    tb_size_at(t, 0);
}

static kc_frame_t frame_of(kc_pool_t *pool, const tb_t *t)
{
    kc_buf_t *b = kc_buf_get(pool, t->n);
    assert_non_null(b);
    memcpy(b->data, t->b, t->n);
    return kc_frame_of(b, (uint32_t)t->n);
}

/* The frame as it goes out (size prefix included) equals want. */
static void assert_frame(const kc_frame_t *f, const tb_t *want)
{
    uint32_t n = kc_frame_wire_len(f);
    assert_int_equal(n, want->n);
    assert_int_equal(kc_be32(f->data), n - 4);
    uint8_t *out = malloc(n);
    assert_non_null(out);
    kc_frame_flatten(f, out + 4);
    memcpy(out, f->data, 4);
    assert_memory_equal(out, want->b, n);
    free(out);
}

typedef struct pick_ctx {
    unsigned mask;
    int calls;
    int16_t v;
} pick_ctx_t;

static bool pick_req(void *arg, const kc_produce_part_t *p)
{
    pick_ctx_t *c = arg;
    c->calls++;
    if (c->v >= 13) {
        assert_non_null(p->topic_id);
        assert_int_equal(p->topic_id[0], p->topic_index ? 0xb0 : 0xa0);
    } else {
        assert_int_equal(p->topic.len, (int)strlen(topic_name[p->topic_index]));
        assert_memory_equal(p->topic.p, topic_name[p->topic_index], (size_t)p->topic.len);
    }
    return (c->mask >> pos_of(p->topic_index, p->partition)) & 1;
}

/* ---- responses ---- */

enum { ABSENT, BROKER, LOCAL, LOCAL_TAGS };

static void leader_hint(tb_t *t, void *ctx)
{
    (void)ctx;
    tb_i32(t, 3);
    tb_i32(t, 7);
    tb_tags0(t, true);
}

static void endpoints(tb_t *t, void *ctx)
{
    (void)ctx;
    tb_node_endpoints(t, false, 1, 2);
}

/* One partition result: as the broker said it, or as kchaos answers (with the unknown tag the
 * broker had put there kept: LOCAL_TAGS). */
static void part_result(tb_t *t, int v, int k, int kind, int16_t error)
{
    bool flex = v >= FLEX_FROM, broker = kind == BROKER;
    tb_i32(t, part_id[k]);
    tb_i16(t, broker ? 0 : error);
    tb_i64(t, broker ? 100 + k : -1);
    if (v >= 2) tb_i64(t, broker ? 1000 + k : -1);
    if (v >= 5) tb_i64(t, broker ? 10 + k : -1);
    if (v >= 8) {
        bool errs = broker && k == 1;
        tb_arr(t, flex, errs);
        if (errs) {
            tb_i32(t, 0);
            tb_str(t, flex, "bad");
            tb_tags0(t, flex);
        }
        tb_str(t, flex, errs ? "partial" : NULL);
    }
    if (!flex) return;
    bool leader = broker && v >= 10 && k == 0, unknown = (broker || kind == LOCAL_TAGS) && k == 2;
    tb_uv(t, leader + unknown);
    if (leader) tb_tag_with(t, 0, leader_hint, NULL);
    if (unknown) tb_tag(t, 5, "zz", 2);
}

typedef struct resp_spec {
    int v;
    int kind[NPARTS];
    bool reverse; /* topics in the other order (a broker need not keep the request's) */
    int32_t throttle;
    int16_t error;
} resp_spec_t;

static void resp_frame(tb_t *t, const resp_spec_t *s)
{
    int v = s->v;
    bool flex = v >= FLEX_FROM;
    tb_i32(t, 0);
    tb_i32(t, CORR);
    tb_tags0(t, flex);
    int present[2] = {0, 0};
    for (int k = 0; k < NPARTS; k++)
        present[k / 3] += s->kind[k] != ABSENT;
    tb_arr(t, flex, (present[0] > 0) + (present[1] > 0));
    for (int n = 0; n < 2; n++) {
        int topic = s->reverse ? 1 - n : n;
        if (!present[topic]) continue;
        topic_key(t, v, topic);
        tb_arr(t, flex, present[topic]);
        for (int k = topic * 3; k < topic * 3 + 3; k++)
            if (s->kind[k] != ABSENT) part_result(t, v, k, s->kind[k], s->error);
        tb_tags0(t, flex);
    }
    if (v >= 1) tb_i32(t, s->throttle);
    if (flex) {
        tb_uv(t, v >= 10 ? 2 : 1);
        if (v >= 10) tb_tag_with(t, 0, endpoints, NULL);
        tb_tag(t, 3, "k", 1); /* unknown top-level tag: kept */
    }
    tb_size_at(t, 0);
}

/* ---- split then merge, every version, several picks ---- */

static void split_case(kc_pool_t *pool, int v, unsigned mask, bool reverse)
{
    tb_t *in = calloc(1, sizeof(*in)), *want = calloc(1, sizeof(*want));
    assert_non_null(in);
    assert_non_null(want);
    req_frame(in, v, ALL);
    kc_frame_t f = frame_of(pool, in);
    pick_ctx_t c = {.mask = mask, .v = (int16_t)v};
    kc_produce_split_t s;
    assert_int_equal(kc_produce_request_split(pool, &f, (int16_t)v, pick_req, &c, &s), 0);
    assert_int_equal(c.calls, NPARTS);
    int picked = __builtin_popcount(mask);
    assert_int_equal(s.picked, picked);
    assert_int_equal(s.kept, picked == NPARTS ? 0 : NPARTS - picked);
    assert_int_equal(s.topic_count, 2);
    assert_int_equal(s.part_count, NPARTS);

    /* The request goes on without the picked partitions, or as it was. */
    if (picked == 0 || picked == NPARTS) {
        assert_null(f.edits);
        assert_frame(&f, in);
    } else {
        req_frame(want, v, ALL & ~mask);
        assert_frame(&f, want);
        /* Neighbouring deletions are one edit: topic 0's count, its partitions 1-2 and then the
         * whole of topic 1 (one run unless topic 0's tagged section lies between), the count of
         * topics. */
        if (mask == (ALL & ~1u))
            assert_int_equal(kc_frame_edits(&f)->n, v >= FLEX_FROM ? 4 : 3);
    }
    /* The split owns what it keeps: scribble over the request's bytes once it is gone. */
    memset(f.data, 0xee, f.len);
    kc_frame_release(pool, &f);
    for (int k = 0; k < NPARTS; k++) {
        const kc_produce_split_part_t *p = &s.parts[k];
        assert_int_equal(p->topic, k / 3);
        assert_int_equal(p->partition, part_id[k]);
        assert_int_equal(p->picked, (mask >> k) & 1);
        assert_int_equal(k - s.topics[p->topic].first, k % 3);
    }
    for (int t = 0; t < 2; t++) {
        assert_int_equal(s.topics[t].count, 3);
        assert_int_equal(s.topics[t].picked, __builtin_popcount((mask >> (3 * t)) & 7));
        if (v >= 13) {
            assert_int_equal(s.topics[t].topic_id[0], t ? 0xb0 : 0xa0);
            assert_int_equal(s.topics[t].name.len, -1);
        } else {
            assert_memory_equal(s.topics[t].name.p, topic_name[t], strlen(topic_name[t]));
        }
    }

    /* The broker answers the kept partitions; the merge gives every partition in order. */
    if (s.kept) {
        resp_spec_t bs = {.v = v, .reverse = reverse, .throttle = 25, .error = 6};
        resp_spec_t ms = {.v = v, .throttle = 25, .error = 6};
        for (int k = 0; k < NPARTS; k++) {
            bs.kind[k] = (mask >> k) & 1 ? ABSENT : BROKER;
            ms.kind[k] = (mask >> k) & 1 ? LOCAL : BROKER;
        }
        tb_t *br = calloc(1, sizeof(*br));
        assert_non_null(br);
        resp_frame(br, &bs);
        kc_frame_t r = frame_of(pool, br);
        assert_int_equal(kc_produce_response_merge(pool, &r, (int16_t)v, &s, 6), 0);
        want->n = 0;
        resp_frame(want, &ms);
        assert_frame(&r, want);
        kc_frame_release(pool, &r);
        free(br);
    }
    kc_produce_split_free(&s);
    free(in);
    free(want);
}

static void test_split_merge_every_version(void **state)
{
    (void)state;
    static const unsigned masks[] = {
        0,                  /* none: nothing to cut */
        1u << 1,            /* one partition */
        1u << 5,            /* the last one */
        07,                 /* a whole topic, the first */
        070,                /* a whole topic, the last */
        ALL & ~(1u << 4),   /* all but one */
        ALL & ~(1u << 0),   /* all but the first */
        025,                /* every other one */
        017,                /* a topic and a partition of the next */
        ALL,                /* all: answered locally, nothing cut */
    };
    kc_pool_t pool;
    kc_buf_pool_init(&pool, 1 << 20);
    for (int v = 0; v <= 13; v++)
        for (size_t i = 0; i < sizeof(masks) / sizeof(masks[0]); i++)
            for (int reverse = 0; reverse < 2; reverse++)
                split_case(&pool, v, masks[i], reverse);
    assert_int_equal(pool.live_bytes, 0);
    kc_buf_pool_free(&pool);
}

static void test_split_exact_v9(void **state)
{
    (void)state;
    /* v9, one topic "t" with partitions 0 (records "ab") and 1 (null), picking partition 0:
     * the compact count goes from 3 (2 partitions) to 2, partition 0's 9 bytes go. */
    tb_t in = {0}, want = {0};
    tb_hex(&in, "00000000 0000 0009 00000001 ffff 00 00 ffff 00007530"
                "02 0274 03 00000000 03 6162 00 00000001 00 00 00 00");
    tb_size_at(&in, 0);
    tb_hex(&want, "00000000 0000 0009 00000001 ffff 00 00 ffff 00007530"
                  "02 0274 02 00000001 00 00 00 00");
    tb_size_at(&want, 0);
    kc_pool_t pool;
    kc_buf_pool_init(&pool, 1 << 20);
    kc_frame_t f = frame_of(&pool, &in);
    pick_ctx_t c = {.mask = 1, .v = 9};
    kc_produce_split_t s;
    topic_name[0] = "t"; /* pick_req checks the name */
    assert_int_equal(kc_produce_request_split(&pool, &f, 9, pick_req, &c, &s), 0);
    topic_name[0] = "alpha";
    assert_int_equal(s.kept, 1);
    assert_int_equal(kc_frame_edits(&f)->n, 2); /* the count, the partition */
    assert_frame(&f, &want);
    kc_frame_release(&pool, &f);
    kc_produce_split_free(&s);
    assert_int_equal(pool.live_bytes, 0);
    kc_buf_pool_free(&pool);
}

static void test_split_refuses(void **state)
{
    (void)state;
    kc_pool_t pool;
    kc_buf_pool_init(&pool, 1 << 20);
    for (int v = 0; v <= 13; v++) {
        tb_t *in = calloc(1, sizeof(*in));
        assert_non_null(in);
        req_frame(in, v, ALL);
        /* Every truncation of the message fails and leaves the frame as it was. */
        for (size_t cut = 8; cut < in->n; cut++) {
            tb_t *part = calloc(1, sizeof(*part));
            assert_non_null(part);
            tb_raw(part, in->b, cut);
            tb_size_at(part, 0);
            kc_frame_t f = frame_of(&pool, part);
            pick_ctx_t c = {.mask = 1, .v = (int16_t)v};
            kc_produce_split_t s;
            assert_int_equal(kc_produce_request_split(&pool, &f, (int16_t)v, pick_req, &c, &s),
                             -KC_EPROTO);
            assert_null(f.edits);
            assert_null(s.mem);
            assert_int_equal(kc_be32(f.data), cut - 4);
            kc_frame_release(&pool, &f);
            free(part);
        }
        /* A version the header does not carry. */
        kc_frame_t f = frame_of(&pool, in);
        pick_ctx_t c = {.mask = 1, .v = (int16_t)v};
        kc_produce_split_t s;
        assert_int_equal(kc_produce_request_split(&pool, &f, (int16_t)(v ^ 1), pick_req, &c, &s),
                         -KC_EPROTO);
        kc_frame_release(&pool, &f);
        free(in);
    }
    assert_int_equal(pool.live_bytes, 0);
    kc_buf_pool_free(&pool);
}

/* ---- after the broker: errors and throttle ---- */

static bool pick_result(void *arg, kc_str_t topic, const uint8_t *topic_id, int32_t partition)
{
    pick_ctx_t *c = arg;
    int t;
    if (c->v >= 13) {
        assert_non_null(topic_id);
        t = topic_id[0] == 0xb0;
    } else {
        assert_null(topic_id);
        t = topic.len == 4; /* "beta" */
    }
    c->calls++;
    return (c->mask >> pos_of(t, partition)) & 1;
}

static void test_set_errors_every_version(void **state)
{
    (void)state;
    static const unsigned masks[] = {0, 1, 04, 070, 052, ALL};
    kc_pool_t pool;
    kc_buf_pool_init(&pool, 1 << 20);
    for (int v = 0; v <= 13; v++)
        for (size_t i = 0; i < sizeof(masks) / sizeof(masks[0]); i++) {
            unsigned mask = masks[i];
            tb_t *in = calloc(1, sizeof(*in)), *want = calloc(1, sizeof(*want));
            resp_spec_t s = {.v = v, .throttle = 25, .error = 6};
            for (int k = 0; k < NPARTS; k++)
                s.kind[k] = BROKER;
            resp_frame(in, &s);
            kc_frame_t f = frame_of(&pool, in);
            /* A throttle first, as an edit: set_errors must read through it. */
            int rc = kc_produce_response_set_throttle(&pool, &f, (int16_t)v, 1500);
            assert_int_equal(rc, v >= 1 ? 0 : -ENOTSUP);
            s.throttle = 1500;
            pick_ctx_t c = {.mask = mask, .v = (int16_t)v};
            int count = -1;
            assert_int_equal(
                kc_produce_response_set_errors(&pool, &f, (int16_t)v, pick_result, &c, 6, &count),
                0);
            assert_int_equal(c.calls, NPARTS);
            assert_int_equal(count, __builtin_popcount(mask));
            for (int k = 0; k < NPARTS; k++)
                s.kind[k] = (mask >> k) & 1 ? LOCAL_TAGS : BROKER;
            resp_frame(want, &s);
            assert_frame(&f, want);
            if (!mask && v >= 1)
                assert_non_null(f.edits); /* nothing changed: the frame is not re-encoded */

            /* The throttle again, over the one set before. */
            if (v >= 1) {
                assert_int_equal(kc_produce_response_set_throttle(&pool, &f, (int16_t)v, 0), 0);
                assert_int_equal(kc_produce_response_set_throttle(&pool, &f, (int16_t)v, 7), 0);
                s.throttle = 7;
                want->n = 0;
                resp_frame(want, &s);
                assert_frame(&f, want);
            }
            kc_frame_release(&pool, &f);
            free(in);
            free(want);
        }
    assert_int_equal(pool.live_bytes, 0);
    kc_buf_pool_free(&pool);
}

static void test_merge_refuses(void **state)
{
    (void)state;
    kc_pool_t pool;
    kc_buf_pool_init(&pool, 1 << 20);
    tb_t *in = calloc(1, sizeof(*in));
    req_frame(in, 9, ALL);
    kc_frame_t f = frame_of(&pool, in);
    pick_ctx_t c = {.mask = 1, .v = 9};
    kc_produce_split_t s;
    assert_int_equal(kc_produce_request_split(&pool, &f, 9, pick_req, &c, &s), 0);
    kc_frame_release(&pool, &f);
    /* A response cut short is refused, the frame left as it came. */
    resp_spec_t bs = {.v = 9, .throttle = 0};
    for (int k = 1; k < NPARTS; k++)
        bs.kind[k] = BROKER;
    in->n = 0;
    resp_frame(in, &bs);
    in->n -= 3;
    tb_size_at(in, 0);
    kc_frame_t r = frame_of(&pool, in);
    uint8_t *data = r.data;
    assert_int_equal(kc_produce_response_merge(&pool, &r, 9, &s, 6), -KC_EPROTO);
    assert_ptr_equal(r.data, data);
    assert_null(r.edits);
    kc_frame_release(&pool, &r);
    kc_produce_split_free(&s);
    free(in);
    assert_int_equal(pool.live_bytes, 0);
    kc_buf_pool_free(&pool);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_merge_every_version),
        cmocka_unit_test(test_split_exact_v9),
        cmocka_unit_test(test_split_refuses),
        cmocka_unit_test(test_set_errors_every_version),
        cmocka_unit_test(test_merge_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
