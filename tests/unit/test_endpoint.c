/* proxy/kafka/endpoint.c: the endpoint copy shared by every address rewriter. */
#include "kafka/endpoint.h"

#include "kc_test.h"

static void test_copy(void **state)
{
    (void)state;
    kc_pool_t pool;
    kc_buf_pool_init(&pool, 1 << 20);
    test_map_t m;
    kc_addr_map_t map = test_map(&m);
    for (int flex = 0; flex <= 1; flex++) {
        tb_t in = {0}, want = {0};
        tb_endpoint(&in, flex, false, 3, "real-host", 9092);
        tb_endpoint(&in, flex, false, -1, "", -1);    /* no node: unchanged */
        tb_endpoint(&in, flex, false, 4, NULL, 9092); /* null host: unchanged */
        tb_endpoint(&want, flex, true, 3, "real-host", 9092);
        tb_endpoint(&want, flex, true, -1, "", -1);
        tb_endpoint(&want, flex, true, 4, NULL, 9092);
        kc_rd_t r;
        kc_rd_init(&r, in.b, in.n, flex);
        kc_wr_t w;
        kc_wr_init(&w, &pool, 0, flex);
        m.calls = 0;
        for (int i = 0; i < 3; i++)
            assert_int_equal(kc_endpoint_copy(&r, &w, &map), 0);
        assert_int_equal(m.calls, 1);
        assert_int_equal(m.last_node, 3);
        assert_string_equal(m.last_host, "real-host");
        assert_int_equal(m.last_port, 9092);
        assert_int_equal(kc_rd_left(&r), 0);
        assert_int_equal(w.len, want.n);
        assert_memory_equal(w.buf->data, want.b, want.n);
        kc_wr_release(&w);
    }
    /* Truncated: the reader's error, nothing mapped. */
    tb_t t = {0};
    tb_hex(&t, "00000001 0005 6162");
    kc_rd_t r;
    kc_rd_init(&r, t.b, t.n, false);
    kc_wr_t w;
    kc_wr_init(&w, &pool, 0, false);
    m.calls = 0;
    assert_int_equal(kc_endpoint_copy(&r, &w, &map), -KC_EPROTO);
    assert_int_equal(m.calls, 0);
    kc_wr_release(&w);
    assert_int_equal(pool.live_bytes, 0);
    kc_buf_pool_free(&pool);
}

static void test_finish(void **state)
{
    (void)state;
    kc_pool_t pool;
    kc_buf_pool_init(&pool, 1 << 20);
    tb_t t = {0};
    tb_hex(&t, "0102030405060708");
    /* Same bytes: no splice, writer consumed. */
    kc_rd_t r;
    kc_rd_init(&r, t.b, t.n, false);
    kc_rd_raw(&r, 2);
    kc_rd_raw(&r, 3);
    kc_wr_t w;
    kc_wr_init(&w, &pool, 0, false);
    kc_wr_raw(&w, "\x03\x04\x05", 3);
    kc_splice_t sp = {0};
    assert_int_equal(kc_endpoint_finish(&r, &w, 2, 0, &sp), 0);
    assert_null(sp.buf);
    assert_null(w.buf);
    /* Different bytes: a splice of [2, 5). */
    kc_wr_init(&w, &pool, 0, false);
    kc_wr_raw(&w, "\x09\x09\x09\x09", 4);
    assert_int_equal(kc_endpoint_finish(&r, &w, 2, 0, &sp), 0);
    assert_non_null(sp.buf);
    assert_int_equal(sp.off, 2);
    assert_int_equal(sp.len, 3);
    assert_int_equal(sp.buf_len, 4);
    assert_memory_equal(sp.buf->data, "\x09\x09\x09\x09", 4);
    kc_splice_release(&pool, &sp);
    /* An error passed in (or found in the reader) wins, and leaves no splice. */
    kc_wr_init(&w, &pool, 0, false);
    kc_wr_raw(&w, "\x09", 1);
    assert_int_equal(kc_endpoint_finish(&r, &w, 2, -ERANGE, &sp), -ERANGE);
    assert_null(sp.buf);
    kc_rd_fail(&r);
    kc_wr_init(&w, &pool, 0, false);
    kc_wr_raw(&w, "\x09", 1);
    assert_int_equal(kc_endpoint_finish(&r, &w, 2, 0, &sp), -KC_EPROTO);
    assert_null(sp.buf);
    assert_int_equal(pool.live_bytes, 0);
    kc_buf_pool_free(&pool);
}

static void endpoints(tb_t *t, void *ctx)
{
    tb_node_endpoints(t, *(bool *)ctx, 1, 2);
}

static void test_tags_rewrite(void **state)
{
    (void)state;
    kc_pool_t pool;
    kc_buf_pool_init(&pool, 1 << 20);
    test_map_t m;
    kc_addr_map_t map = test_map(&m);
    bool no = false, yes = true;
    /* Tags around the one rewritten stay byte for byte, with their own sizes. */
    tb_t in = {0}, want = {0};
    tb_uv(&in, 3);
    tb_tag(&in, 0, "a", 1);
    tb_tag_with(&in, 2, endpoints, &no);
    tb_tag(&in, 9999, "zzz", 3);
    tb_hex(&in, "ee"); /* after the section */
    tb_uv(&want, 3);
    tb_tag(&want, 0, "a", 1);
    tb_tag_with(&want, 2, endpoints, &yes);
    tb_tag(&want, 9999, "zzz", 3);
    tb_hex(&want, "ee");
    kc_rd_t r;
    kc_rd_init(&r, in.b, in.n, true);
    kc_splice_t sp;
    assert_int_equal(kc_endpoint_tags_rewrite(&r, 2, &map, &pool, &sp), 0);
    assert_int_equal(kc_rd_left(&r), 1);
    assert_int_equal(m.calls, 2);
    uint8_t out[1024];
    size_t n = splice_apply(in.b, in.n, &sp, out, sizeof(out));
    assert_int_equal(n, want.n);
    assert_memory_equal(out, want.b, want.n);
    kc_splice_release(&pool, &sp);

    /* The tag absent: no splice. */
    kc_rd_init(&r, in.b, in.n, true);
    m.calls = 0;
    assert_int_equal(kc_endpoint_tags_rewrite(&r, 1, &map, &pool, &sp), 0);
    assert_null(sp.buf);
    assert_int_equal(m.calls, 0);
    /* Not flexible: no section at all, nothing read. */
    kc_rd_init(&r, in.b, in.n, false);
    assert_int_equal(kc_endpoint_tags_rewrite(&r, 2, &map, &pool, &sp), 0);
    assert_int_equal(kc_rd_off(&r), 0);
    assert_null(sp.buf);
    /* Bytes after the array inside the tag value are kept. */
    tb_t extra = {0}, extra_want = {0};
    tb_hex(&extra, "01 00 0e 02 00000001 02 68 00002384 00 00 ab");
    tb_hex(&extra_want, "01 00 17 02 00000001 0b 70726f78792e74657374 00007531 00 00 ab");
    kc_rd_init(&r, extra.b, extra.n, true);
    assert_int_equal(kc_endpoint_tags_rewrite(&r, 0, &map, &pool, &sp), 0);
    n = splice_apply(extra.b, extra.n, &sp, out, sizeof(out));
    assert_int_equal(n, extra_want.n);
    assert_memory_equal(out, extra_want.b, extra_want.n);
    kc_splice_release(&pool, &sp);
    /* A malformed array inside the value fails the rewrite. */
    tb_t bad = {0};
    tb_hex(&bad, "01 00 05 05 00000001");
    kc_rd_init(&r, bad.b, bad.n, true);
    assert_int_equal(kc_endpoint_tags_rewrite(&r, 0, &map, &pool, &sp), -KC_EPROTO);
    assert_null(sp.buf);
    assert_int_equal(pool.live_bytes, 0);
    kc_buf_pool_free(&pool);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_copy),
        cmocka_unit_test(test_finish),
        cmocka_unit_test(test_tags_rewrite),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
