/* proxy/kafka/api_versions.c: ApiVersions request (KIP-511 client software), the response
 * clamp and the removal of unknown api keys, and the UNSUPPORTED_VERSION answer. */
#include "kafka/api_versions.h"

#include "kc_test.h"

/* ---- requests ---- */

static uint8_t *copy; /* the last message parsed: the strings point into it */

static int req(const tb_t *t, size_t len, int16_t v, kc_str_t *name, kc_str_t *ver)
{
    free(copy);
    copy = malloc(len ? len : 1);
    memcpy(copy, t->b, len);
    kc_rd_t r;
    kc_rd_init(&r, copy, len, v >= 3);
    int rc = kc_api_versions_request_parse(&r, v, name, ver);
    if (rc == 0 && name->len >= 0)
        assert_true((const uint8_t *)name->p >= copy &&
                    (const uint8_t *)ver->p + ver->len <= copy + len);
    return rc;
}

static void test_request(void **state)
{
    (void)state;
    kc_str_t name, ver;
    tb_t empty = {0};
    for (int16_t v = 0; v <= 2; v++) {
        assert_int_equal(req(&empty, 0, v, &name, &ver), 0);
        assert_int_equal(name.len, -1);
        assert_int_equal(ver.len, -1);
    }
    for (int16_t v = 3; v <= 5; v++) {
        tb_t t = {0};
        tb_str(&t, true, "librdkafka");
        tb_str(&t, true, "2.0.2");
        if (v >= 5) {
            tb_str(&t, true, "cluster-1"); /* KIP-1242: cluster id, node id */
            tb_i32(&t, 3);
        }
        tb_tags0(&t, true);
        assert_int_equal(req(&t, t.n, v, &name, &ver), 0);
        assert_int_equal(name.len, 10);
        assert_memory_equal(name.p, "librdkafka", 10);
        assert_int_equal(ver.len, 5);
        assert_memory_equal(ver.p, "2.0.2", 5);
        for (size_t cut = 0; cut < 1 + 10 + 1 + 5; cut++)
            assert_int_equal(req(&t, cut, v, &name, &ver), -KC_EPROTO);
    }
}

/* ---- responses ---- */

typedef struct entry {
    int key, min, max;
} entry_t;

/* ApiVersionsResponse.json: header v0 (correlation id only, KIP-511), then the body. */
static size_t av_msg(tb_t *t, int v, int err, const entry_t *e, int n, bool features)
{
    bool flex = v >= 3;
    tb_i32(t, 0x0a0b0c0d);
    tb_i16(t, err);
    tb_arr(t, flex, n);
    for (int i = 0; i < n; i++) {
        tb_i16(t, e[i].key);
        tb_i16(t, e[i].min);
        tb_i16(t, e[i].max);
        if (flex && i == 1) {
            tb_uv(t, 1);
            tb_tag(t, 9, "k", 1); /* unknown element tag */
        } else {
            tb_tags0(t, flex);
        }
    }
    size_t array_end = t->n;
    if (v >= 1) tb_i32(t, 0); /* throttle_time_ms */
    if (!flex) return array_end;
    if (!features) {
        tb_tags0(t, true);
        return array_end;
    }
    /* supported_features, finalized_features_epoch, finalized_features, zk_migration_ready:
     * bytes Java clients read; they must pass untouched. */
    tb_uv(t, 4);
    tb_tag(t, 0, "\x02\x11transaction.version\x00\x00\x00\x02\x00", 23);
    tb_tag(t, 1, "\x00\x00\x00\x00\x00\x00\x00\x2a", 8);
    tb_tag(t, 2, "\x02\x11transaction.version\x00\x02\x00\x00\x00", 23);
    tb_tag(t, 3, "\x00", 1);
    return array_end;
}

typedef struct av_out {
    int rc;
    kc_api_versions_edit_t edit;
    bool spliced;
    size_t len;
    uint8_t b[4096];
} av_out_t;

static void av_run(const tb_t *t, size_t len, int16_t v, kc_pool_t *pool, av_out_t *o)
{
    uint8_t *m = malloc(len ? len : 1);
    memcpy(m, t->b, len);
    kc_rd_t r;
    kc_rd_init(&r, m, len, v >= 3);
    r.p += len < 4 ? len : 4;
    kc_splice_t sp = {0};
    o->rc = kc_api_versions_response_rewrite(m, &r, pool, &sp, &o->edit);
    o->spliced = sp.buf != NULL;
    if (o->rc) assert_null(sp.buf);
    o->len = splice_apply(m, len, &sp, o->b, sizeof(o->b));
    kc_splice_release(pool, &sp);
    free(m);
}

/* Expected output, a second pass that changes nothing, failing truncations, no leak. */
static void av_check(const tb_t *in, size_t end, const tb_t *want, int16_t v, int clamped,
                     int removed)
{
    kc_pool_t pool;
    kc_buf_pool_init(&pool, 1 << 20);
    av_out_t o, o2;
    av_run(in, in->n, v, &pool, &o);
    assert_int_equal(o.rc, 0);
    assert_int_equal(o.edit.nclamped, clamped);
    assert_int_equal(o.edit.nremoved, removed);
    assert_int_equal(o.spliced, removed > 0); /* a clamp is a patch in place */
    assert_int_equal(o.len, want->n);
    assert_memory_equal(o.b, want->b, want->n);
    tb_t again = {0};
    tb_raw(&again, o.b, o.len);
    av_run(&again, again.n, v, &pool, &o2);
    assert_int_equal(o2.rc, 0);
    assert_int_equal(o2.edit.nclamped, 0);
    assert_int_equal(o2.edit.nremoved, 0);
    assert_false(o2.spliced);
    /* The rewriter reads to the end of the api_keys array; the tail passes unread. */
    for (size_t cut = 4; cut < in->n; cut++) {
        av_run(in, cut, v, &pool, &o2);
        if (cut < end)
            assert_int_not_equal(o2.rc, 0);
        else
            assert_int_equal(o2.rc, 0);
    }
    assert_int_equal(pool.live_bytes, 0);
    kc_buf_pool_free(&pool);
}

static void test_clamp_v0(void **state)
{
    (void)state;
    static const entry_t in_e[] = {
        {0, 0, 14}, /* Produce: decoded to 13 -> clamped */
        {1, 4, 19}, /* Fetch: to 18 */
        {2, 1, 99}, /* ListOffsets: not decoded, untouched */
        {3, 0, 13}, /* Metadata: already at 13 */
        {18, 0, 6}, /* ApiVersions: to 5 */
        {60, 0, 1}, /* DescribeCluster: lower than kchaos reads, untouched */
    };
    static const entry_t want_e[] = {{0, 0, 13}, {1, 4, 18}, {2, 1, 99},
                                     {3, 0, 13}, {18, 0, 5}, {60, 0, 1}};
    tb_t in = {0}, want = {0};
    size_t end = av_msg(&in, 0, 0, in_e, 6, false);
    av_msg(&want, 0, 0, want_e, 6, false);
    av_check(&in, end, &want, 0, 3, 0);
    /* Spelled out: a Produce entry 0..14 becomes 0..13, two bytes change. */
    tb_t one = {0}, one_want = {0};
    tb_hex(&one, "00000001 0000 00000001 0000 0000 000e");
    tb_hex(&one_want, "00000001 0000 00000001 0000 0000 000d");
    av_check(&one, one.n, &one_want, 0, 1, 0);
}

static void test_min_never_changes(void **state)
{
    (void)state;
    /* KAFKA-18659: Kafka 4.x lists Produce from v0 though it rejects v0-2; mins are never
     * "corrected". An API offered only above what kchaos decodes (min 7 > FindCoordinator's 6)
     * can't be clamped to a valid range: it leaves the list. */
    static const entry_t in_e[] = {{0, 3, 20}, {10, 7, 9}};
    static const entry_t want_e[] = {{0, 3, 13}};
    tb_t in = {0}, want = {0};
    size_t end = av_msg(&in, 2, 0, in_e, 2, false);
    av_msg(&want, 2, 0, want_e, 1, false);
    av_check(&in, end, &want, 2, 1, 1);
}

static void test_remove_unknown_v3(void **state)
{
    (void)state;
    static const entry_t in_e[] = {
        {0, 0, 13}, {95, 0, 0}, {3, 0, 14}, {32000, 0, 3}, {18, 0, 4}, {-1, 0, 0},
    };
    static const entry_t want_e[] = {{0, 0, 13}, {3, 0, 13}, {18, 0, 4}};
    for (int16_t v = 3; v <= 5; v++) {
        tb_t in = {0}, want = {0};
        size_t end = av_msg(&in, v, 0, in_e, 6, true);
        /* The element with the unknown tag is index 1 in the input (removed): build the
         * expected array by hand so each survivor keeps its own bytes. */
        tb_i32(&want, 0x0a0b0c0d);
        tb_i16(&want, 0);
        tb_arr(&want, true, 3);
        for (int i = 0; i < 3; i++) {
            tb_i16(&want, want_e[i].key);
            tb_i16(&want, want_e[i].min);
            tb_i16(&want, want_e[i].max);
            tb_tags0(&want, true);
        }
        tb_i32(&want, 0);
        tb_uv(&want, 4);
        tb_tag(&want, 0, "\x02\x11transaction.version\x00\x00\x00\x02\x00", 23);
        tb_tag(&want, 1, "\x00\x00\x00\x00\x00\x00\x00\x2a", 8);
        tb_tag(&want, 2, "\x02\x11transaction.version\x00\x02\x00\x00\x00", 23);
        tb_tag(&want, 3, "\x00", 1);
        av_check(&in, end, &want, v, 1, 3);

        kc_pool_t pool;
        kc_buf_pool_init(&pool, 1 << 20);
        av_out_t o;
        av_run(&in, in.n, v, &pool, &o);
        assert_int_equal(o.edit.removed[0], 95);
        assert_int_equal(o.edit.removed[1], 32000);
        assert_int_equal(o.edit.removed[2], -1);
        kc_buf_pool_free(&pool);
    }
    /* A known element keeps its unknown tagged field. */
    static const entry_t keep_e[] = {{0, 0, 13}, {3, 0, 12}, {500, 0, 0}};
    tb_t in = {0}, want = {0};
    size_t end = av_msg(&in, 3, 0, keep_e, 3, false);
    av_msg(&want, 3, 0, keep_e, 2, false);
    av_check(&in, end, &want, 3, 0, 1);
}

static void test_many_removed(void **state)
{
    (void)state;
    entry_t e[40];
    for (int i = 0; i < 40; i++)
        e[i] = (entry_t){i % 2 ? 1000 + i : 3, 0, 13};
    tb_t in = {0};
    av_msg(&in, 1, 0, e, 40, false);
    kc_pool_t pool;
    kc_buf_pool_init(&pool, 1 << 20);
    av_out_t o;
    av_run(&in, in.n, 1, &pool, &o);
    assert_int_equal(o.rc, 0);
    assert_int_equal(o.edit.nremoved, 20);
    assert_int_equal(o.edit.removed[0], 1001);
    assert_int_equal(o.edit.removed[15], 1031); /* only the first 16 are kept for the log */
    assert_int_equal(o.len, in.n - 20 * 6);
    assert_int_equal(pool.live_bytes, 0);
    kc_buf_pool_free(&pool);
}

static void test_error_passes(void **state)
{
    (void)state;
    /* UNSUPPORTED_VERSION, answered in v0 whatever the request version: nothing is read past
     * the error code, nothing changes (even a max kchaos would clamp). */
    static const entry_t e[] = {{18, 0, 9}, {4242, 0, 1}};
    for (int16_t v = 0; v <= 5; v++) {
        tb_t in = {0};
        av_msg(&in, 0, KC_ERR_UNSUPPORTED_VERSION, e, 2, false);
        kc_pool_t pool;
        kc_buf_pool_init(&pool, 1 << 20);
        av_out_t o;
        av_run(&in, in.n, v, &pool, &o);
        assert_int_equal(o.rc, 0);
        assert_int_equal(o.edit.nclamped, 0);
        assert_int_equal(o.edit.nremoved, 0);
        assert_false(o.spliced);
        assert_memory_equal(o.b, in.b, in.n);
        kc_buf_pool_free(&pool);
    }
}

static void test_malformed(void **state)
{
    (void)state;
    kc_pool_t pool;
    kc_buf_pool_init(&pool, 1 << 20);
    av_out_t o;
    tb_t t = {0};
    tb_hex(&t, "00000001 0000 7fffffff 0000 0000 000e");
    av_run(&t, t.n, 0, &pool, &o);
    assert_int_equal(o.rc, -KC_EPROTO);
    tb_t g = {0};
    tb_hex(&g, "00000001 0000 02 0000 0000 000e 01 00 05 00"); /* element tag runs past */
    av_run(&g, g.n, 3, &pool, &o);
    assert_int_equal(o.rc, -KC_EPROTO);
    assert_int_equal(pool.live_bytes, 0);
    kc_buf_pool_free(&pool);
}

static void test_unsupported_answer(void **state)
{
    (void)state;
    kc_pool_t pool;
    kc_buf_pool_init(&pool, 1 << 20);
    kc_wr_t w;
    kc_wr_init(&w, &pool, 64, false);
    kc_wr_raw(&w, "xy", 2); /* appends: the size covers only its own frame */
    assert_int_equal(kc_api_versions_unsupported(&w, 0x11223344), 0);
    tb_t want = {0};
    tb_hex(&want, "7879 00000010 11223344 0023 00000001 0012 0000 0005");
    assert_int_equal(w.len, want.n);
    assert_memory_equal(w.buf->data, want.b, want.n);
    kc_wr_release(&w);
    kc_buf_pool_free(&pool);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request),           cmocka_unit_test(test_clamp_v0),
        cmocka_unit_test(test_min_never_changes), cmocka_unit_test(test_remove_unknown_v3),
        cmocka_unit_test(test_many_removed),      cmocka_unit_test(test_error_passes),
        cmocka_unit_test(test_malformed),         cmocka_unit_test(test_unsupported_answer),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    free(copy);
    return rc;
}
