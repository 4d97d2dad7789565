/* proxy/kafka/wire.c: the bounds-checked reader and writer (Type.java encodings, KIP-482). */
#include "kc_test.h"

static kc_rd_t rd(const tb_t *t, bool flex)
{
    kc_rd_t r;
    kc_rd_init(&r, t->b, t->n, flex);
    return r;
}

static void test_fixed_ints(void **state)
{
    (void)state;
    tb_t t = {0};
    tb_hex(&t, "80 7f ff 80 00 7f ff 00 01 80 00 00 00 ff ff ff ff 01 02 03 04"
               "80 00 00 00 00 00 00 00 01 02 03 04 05 06 07 08 ff ff ff ff ff ff ff ff");
    kc_rd_t r = rd(&t, false);
    assert_int_equal(kc_rd_i8(&r), -128);
    assert_int_equal(kc_rd_i8(&r), 127);
    assert_int_equal(kc_rd_i8(&r), -1);
    assert_int_equal(kc_rd_i16(&r), INT16_MIN);
    assert_int_equal(kc_rd_i16(&r), INT16_MAX);
    assert_int_equal(kc_rd_i16(&r), 1);
    assert_int_equal(kc_rd_off(&r), 9);
    assert_int_equal(kc_rd_i32(&r), INT32_MIN);
    assert_int_equal(kc_rd_i32(&r), -1);
    assert_int_equal(kc_rd_i32(&r), 0x01020304);
    assert_true(kc_rd_i64(&r) == INT64_MIN);
    assert_true(kc_rd_i64(&r) == 0x0102030405060708LL);
    assert_true(kc_rd_i64(&r) == -1);
    assert_int_equal(kc_rd_left(&r), 0);
    assert_int_equal(r.err, 0);
}

static void test_uuid_raw(void **state)
{
    (void)state;
    tb_t t = {0};
    tb_uuid(&t, 0xa0);
    tb_hex(&t, "0102");
    kc_rd_t r = rd(&t, false);
    uint8_t id[16];
    kc_rd_uuid(&r, id);
    assert_memory_equal(id, t.b, 16);
    const uint8_t *p = kc_rd_raw(&r, 2);
    assert_ptr_equal(p, t.b + 16);
    assert_null(kc_rd_raw(&r, 1));
    kc_rd_uuid(&r, id); /* failed reads zero the output */
    uint8_t zero[16] = {0};
    assert_memory_equal(id, zero, 16);
    assert_int_equal(r.err, -KC_EPROTO);
}

typedef struct uv_case {
    const char *hex;
    uint32_t v;
} uv_case_t;

static void test_uvarint(void **state)
{
    (void)state;
    static const uv_case_t ok[] = {
        {"00", 0},          {"01", 1},       {"7f", 127},       {"8001", 128},
        {"ac02", 300},      {"ff7f", 16383}, {"808001", 16384}, {"ffffffff0f", UINT32_MAX},
        {"80808080 00", 0}, /* non-canonical but within 5 bytes: Java reads it too */
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        tb_t t = {0};
        tb_hex(&t, ok[i].hex);
        kc_rd_t r = rd(&t, true);
        assert_int_equal(kc_rd_uvarint(&r), ok[i].v);
        assert_int_equal(r.err, 0);
        assert_int_equal(kc_rd_left(&r), 0);
    }
    static const char *bad[] = {
        "",                           /* nothing */
        "80",                         /* continuation with nothing after */
        "ffffffff",                   /* truncated 5-byte */
        "ffffffff10",                 /* 5 bytes, 33 bits: over UINT32_MAX */
        "ffffffff1f", "808080808000", /* 6 bytes: too long */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        tb_t t = {0};
        tb_hex(&t, bad[i]);
        kc_rd_t r = rd(&t, true);
        assert_int_equal(kc_rd_uvarint(&r), 0);
        assert_int_equal(r.err, -KC_EPROTO);
    }
}

static void test_varint_zigzag(void **state)
{
    (void)state;
    static const struct {
        const char *hex;
        int32_t v;
    } cases[] = {
        {"00", 0},
        {"01", -1},
        {"02", 1},
        {"7f", -64},
        {"8001", 64},
        {"7e", 63},
        {"feffffff0f", INT32_MAX},
        {"ffffffff0f", INT32_MIN},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        tb_t t = {0};
        tb_hex(&t, cases[i].hex);
        kc_rd_t r = rd(&t, false); /* varints don't depend on flex */
        assert_int_equal(kc_rd_varint(&r), cases[i].v);
        assert_int_equal(r.err, 0);
        assert_int_equal(kc_rd_left(&r), 0);
    }
    tb_t t = {0};
    tb_hex(&t, "8080808080");
    kc_rd_t r = rd(&t, false);
    kc_rd_varint(&r);
    assert_int_equal(r.err, -KC_EPROTO);
}

static void test_varlong(void **state)
{
    (void)state;
    static const struct {
        const char *hex;
        int64_t v;
    } cases[] = {
        {"00", 0},
        {"01", -1},
        {"02", 1},
        {"8001", 64},
        {"ffffffff0f", INT32_MIN},
        {"feffffffffffffffff01", INT64_MAX},
        {"ffffffffffffffffff01", INT64_MIN},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        tb_t t = {0};
        tb_hex(&t, cases[i].hex);
        kc_rd_t r = rd(&t, false);
        assert_true(kc_rd_varlong(&r) == cases[i].v);
        assert_int_equal(r.err, 0);
        assert_int_equal(kc_rd_left(&r), 0);
    }
    static const char *bad[] = {"ffffffffffffffffffff01", "ffff", ""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        tb_t t = {0};
        tb_hex(&t, bad[i]);
        kc_rd_t r = rd(&t, false);
        assert_true(kc_rd_varlong(&r) == 0);
        assert_int_equal(r.err, -KC_EPROTO);
    }
}

static void test_classic_strings(void **state)
{
    (void)state;
    tb_t t = {0};
    tb_str(&t, false, "abc");
    tb_str(&t, false, NULL);
    tb_str(&t, false, "");
    kc_rd_t r = rd(&t, false);
    kc_str_t s = kc_rd_str(&r);
    assert_int_equal(s.len, 3);
    assert_memory_equal(s.p, "abc", 3);
    assert_ptr_equal(s.p, (const char *)t.b + 2); /* points into the frame: no copy */
    s = kc_rd_str(&r);
    assert_int_equal(s.len, -1);
    assert_null(s.p);
    s = kc_rd_str(&r);
    assert_int_equal(s.len, 0);
    assert_non_null(s.p);
    assert_int_equal(r.err, 0);
    assert_int_equal(kc_rd_left(&r), 0);

    tb_t bad = {0};
    tb_i16(&bad, -2); /* only -1 means null */
    r = rd(&bad, false);
    assert_int_equal(kc_rd_str(&r).len, -1);
    assert_int_equal(r.err, -KC_EPROTO);

    tb_t over = {0};
    tb_i16(&over, 4);
    tb_raw(&over, "abc", 3);
    r = rd(&over, false);
    s = kc_rd_str(&r);
    assert_int_equal(s.len, -1);
    assert_null(s.p);
    assert_int_equal(r.err, -KC_EPROTO);
}

static void test_compact_strings(void **state)
{
    (void)state;
    tb_t t = {0};
    tb_str(&t, true, "abc");
    tb_str(&t, true, NULL);
    tb_str(&t, true, "");
    tb_str(&t, false, "xy"); /* header client_id: classic even when flex */
    assert_int_equal(t.b[0], 4);
    kc_rd_t r = rd(&t, true);
    kc_str_t s = kc_rd_str(&r);
    assert_int_equal(s.len, 3);
    assert_memory_equal(s.p, "abc", 3);
    s = kc_rd_str(&r);
    assert_int_equal(s.len, -1);
    s = kc_rd_str(&r);
    assert_int_equal(s.len, 0);
    s = kc_rd_str16(&r);
    assert_int_equal(s.len, 2);
    assert_memory_equal(s.p, "xy", 2);
    assert_int_equal(r.err, 0);
    assert_int_equal(kc_rd_left(&r), 0);

    tb_t over = {0};
    tb_uv(&over, 5);
    tb_raw(&over, "abc", 3);
    r = rd(&over, true);
    assert_int_equal(kc_rd_str(&r).len, -1);
    assert_int_equal(r.err, -KC_EPROTO);
}

static void test_bytes(void **state)
{
    (void)state;
    for (int flex = 0; flex <= 1; flex++) {
        tb_t t = {0};
        tb_bytes(&t, flex, "xyz", 3);
        tb_bytes(&t, flex, NULL, 0);
        tb_bytes(&t, flex, "", 0);
        kc_rd_t r = rd(&t, flex);
        const uint8_t *b = NULL;
        assert_int_equal(kc_rd_bytes(&r, &b), 3);
        assert_memory_equal(b, "xyz", 3);
        assert_int_equal(kc_rd_bytes(&r, &b), -1);
        assert_null(b);
        assert_int_equal(kc_rd_bytes(&r, &b), 0);
        assert_non_null(b);
        assert_int_equal(r.err, 0);
        assert_int_equal(kc_rd_left(&r), 0);

        tb_t over = {0};
        if (flex)
            tb_uv(&over, 10);
        else
            tb_i32(&over, 9);
        tb_raw(&over, "12345678", 8);
        r = rd(&over, flex);
        assert_int_equal(kc_rd_bytes(&r, &b), -1);
        assert_null(b);
        assert_int_equal(r.err, -KC_EPROTO);
    }
    tb_t neg = {0};
    tb_i32(&neg, -2);
    kc_rd_t r = rd(&neg, false);
    const uint8_t *b;
    kc_rd_bytes(&r, &b);
    assert_int_equal(r.err, -KC_EPROTO);
}

static void test_arrays(void **state)
{
    (void)state;
    /* Classic: the count must fit in what is left, at min_elem bytes an element. */
    tb_t t = {0};
    tb_i32(&t, 3);
    tb_raw(&t, "123456789012", 12);
    kc_rd_t r = rd(&t, false);
    assert_int_equal(kc_rd_array(&r, 4), 3);
    assert_int_equal(r.err, 0);
    r = rd(&t, false);
    assert_int_equal(kc_rd_array(&r, 5), -1); /* 15 > 12 */
    assert_int_equal(r.err, -KC_EPROTO);

    tb_t big = {0};
    tb_i32(&big, INT32_MAX);
    r = rd(&big, false);
    assert_int_equal(kc_rd_array(&r, 0), -1); /* min_elem 0 counts as 1 */
    assert_int_equal(r.err, -KC_EPROTO);

    tb_t null = {0};
    tb_i32(&null, -1);
    tb_i32(&null, 0);
    tb_i32(&null, -2);
    r = rd(&null, false);
    assert_int_equal(kc_rd_array(&r, 8), -1);
    assert_int_equal(r.err, 0); /* null is valid */
    assert_int_equal(kc_rd_array(&r, 8), 0);
    assert_int_equal(r.err, 0);
    assert_int_equal(kc_rd_array(&r, 8), -1);
    assert_int_equal(r.err, -KC_EPROTO);

    /* Compact: N+1, 0 = null. */
    tb_t c = {0};
    tb_uv(&c, 0);
    tb_uv(&c, 1);
    tb_uv(&c, 3);
    tb_raw(&c, "ab", 2);
    r = rd(&c, true);
    assert_int_equal(kc_rd_array(&r, 1), -1);
    assert_int_equal(kc_rd_array(&r, 1), 0);
    assert_int_equal(r.err, 0);
    assert_int_equal(kc_rd_array(&r, 1), 2);
    assert_int_equal(r.err, 0);

    tb_t cbig = {0};
    tb_uv(&cbig, UINT32_MAX);
    r = rd(&cbig, true);
    assert_int_equal(kc_rd_array(&r, 1), -1);
    assert_int_equal(r.err, -KC_EPROTO);

    /* A failed count read is a failure, not a null array. */
    tb_t shortc = {0};
    tb_hex(&shortc, "0000");
    r = rd(&shortc, false);
    assert_int_equal(kc_rd_array(&r, 1), -1);
    assert_int_equal(r.err, -KC_EPROTO);
}

static void test_sticky_error(void **state)
{
    (void)state;
    tb_t t = {0};
    tb_hex(&t, "0102 03");
    kc_rd_t r = rd(&t, false);
    assert_int_equal(kc_rd_i32(&r), 0); /* 3 bytes: underflow */
    assert_int_equal(r.err, -KC_EPROTO);
    /* Every later read fails and returns zero, even one that would fit the original data. */
    assert_int_equal(kc_rd_i8(&r), 0);
    assert_int_equal(kc_rd_i16(&r), 0);
    assert_int_equal(kc_rd_uvarint(&r), 0);
    assert_int_equal(kc_rd_str(&r).len, -1);
    assert_null(kc_rd_raw(&r, 0));
    const uint8_t *b = (const uint8_t *)"x";
    assert_true(kc_rd_bytes(&r, &b) <= 0); /* no payload: 0 or -1, and no pointer */
    assert_null(b);
    assert_int_equal(kc_rd_array(&r, 1), -1);
    assert_int_equal(r.err, -KC_EPROTO);
    assert_int_equal(kc_rd_left(&r), 0);

    /* kc_rd_fail from a decoder does the same. */
    r = rd(&t, false);
    kc_rd_fail(&r);
    assert_int_equal(r.err, -KC_EPROTO);
    assert_int_equal(kc_rd_i8(&r), 0);
    assert_int_equal(r.err, -KC_EPROTO);
}

typedef struct tag_log {
    int n;
    uint32_t tags[8];
    size_t sizes[8];
    int32_t first_i16;
    int fail_on;
} tag_log_t;

static int on_tag(void *ctx, uint32_t tag, kc_rd_t *val)
{
    tag_log_t *l = ctx;
    assert_true(val->flex);
    l->tags[l->n] = tag;
    l->sizes[l->n] = kc_rd_left(val);
    if (l->n == 0) l->first_i16 = kc_rd_i16(val);
    kc_rd_i64(val); /* reading past a value fails its sub-reader only */
    l->n++;
    return (int)tag == l->fail_on ? -1 : 0;
}

static void test_tagged_sections(void **state)
{
    (void)state;
    tb_t t = {0};
    tb_uv(&t, 3);
    tb_tag(&t, 0, "\x12\x34", 2);
    tb_tag(&t, 5, "", 0);
    uint8_t big[200];
    memset(big, 0xee, sizeof(big));
    tb_tag(&t, 1000, big, sizeof(big)); /* tag and size need 2-byte varints */
    tb_hex(&t, "7a");                   /* what follows the section */

    kc_rd_t r = rd(&t, true);
    tag_log_t log = {.fail_on = -1};
    kc_rd_tags(&r, on_tag, &log);
    assert_int_equal(r.err, 0);
    assert_int_equal(log.n, 3);
    assert_int_equal(log.tags[0], 0);
    assert_int_equal(log.tags[1], 5);
    assert_int_equal(log.tags[2], 1000);
    assert_int_equal(log.sizes[0], 2);
    assert_int_equal(log.sizes[1], 0);
    assert_int_equal(log.sizes[2], 200);
    assert_int_equal(log.first_i16, 0x1234);
    assert_int_equal(kc_rd_i8(&r), 0x7a);

    /* Skip: unknown tags and all. */
    r = rd(&t, true);
    kc_rd_tags_skip(&r);
    assert_int_equal(r.err, 0);
    assert_int_equal(kc_rd_left(&r), 1);

    /* A callback that refuses a value fails the reader. */
    r = rd(&t, true);
    log = (tag_log_t){.fail_on = 5};
    kc_rd_tags(&r, on_tag, &log);
    assert_int_equal(r.err, -KC_EPROTO);
    assert_int_equal(log.n, 2);

    /* Not flexible: there is no tagged section, nothing is read. */
    r = rd(&t, false);
    kc_rd_tags_skip(&r);
    assert_int_equal(kc_rd_off(&r), 0);

    /* A value longer than what is left. */
    tb_t trunc = {0};
    tb_hex(&trunc, "01 02 05 aabb");
    r = rd(&trunc, true);
    log = (tag_log_t){.fail_on = -1};
    kc_rd_tags(&r, on_tag, &log);
    assert_int_equal(r.err, -KC_EPROTO);
    assert_int_equal(log.n, 0);

    /* A huge count with nothing behind it fails quickly. */
    tb_t huge = {0};
    tb_uv(&huge, UINT32_MAX);
    r = rd(&huge, true);
    kc_rd_tags_skip(&r);
    assert_int_equal(r.err, -KC_EPROTO);

    /* An empty section is one zero byte. */
    tb_t empty = {0};
    tb_hex(&empty, "00");
    r = rd(&empty, true);
    kc_rd_tags_skip(&r);
    assert_int_equal(r.err, 0);
    assert_int_equal(kc_rd_off(&r), 1);
}

static void test_uvarint_len(void **state)
{
    (void)state;
    assert_int_equal(kc_uvarint_len(0), 1);
    assert_int_equal(kc_uvarint_len(127), 1);
    assert_int_equal(kc_uvarint_len(128), 2);
    assert_int_equal(kc_uvarint_len(16383), 2);
    assert_int_equal(kc_uvarint_len(16384), 3);
    assert_int_equal(kc_uvarint_len((1u << 21) - 1), 3);
    assert_int_equal(kc_uvarint_len(1u << 28), 5);
    assert_int_equal(kc_uvarint_len(UINT32_MAX), 5);
}

static void test_be_helpers(void **state)
{
    (void)state;
    uint8_t b[4];
    kc_put_be32(b, 0x01020304);
    assert_memory_equal(b, "\x01\x02\x03\x04", 4);
    assert_int_equal(kc_be32(b), 0x01020304);
    kc_put_be16(b, 0xfffe);
    assert_memory_equal(b, "\xff\xfe", 2);
    assert_int_equal(kc_be16(b), 0xfffe);
}

static void test_writer_round_trip(void **state)
{
    (void)state;
    kc_pool_t pool;
    kc_buf_pool_init(&pool, 1 << 20);
    for (int flex = 0; flex <= 1; flex++) {
        kc_wr_t w;
        kc_wr_init(&w, &pool, 0, flex);
        assert_int_equal(w.err, 0);
        kc_wr_i8(&w, -2);
        kc_wr_i16(&w, INT16_MIN);
        kc_wr_i32(&w, -559038737);
        kc_wr_i64(&w, INT64_MIN + 5);
        kc_wr_uvarint(&w, 0);
        kc_wr_uvarint(&w, 128);
        kc_wr_uvarint(&w, UINT32_MAX);
        kc_wr_str(&w, (kc_str_t){"hello", 5});
        kc_wr_str(&w, (kc_str_t){NULL, -1});
        kc_wr_str(&w, (kc_str_t){"", 0});
        kc_wr_array(&w, 2);
        kc_wr_array(&w, -1);
        kc_wr_tags_empty(&w);
        kc_wr_raw(&w, "\xaa\xbb", 2);
        kc_wr_raw(&w, NULL, 0);
        assert_int_equal(w.err, 0);

        /* The same bytes from the independent encoder. */
        tb_t t = {0};
        tb_i8(&t, -2);
        tb_i16(&t, INT16_MIN);
        tb_i32(&t, -559038737);
        tb_i64(&t, INT64_MIN + 5);
        tb_uv(&t, 0);
        tb_uv(&t, 128);
        tb_uv(&t, UINT32_MAX);
        tb_str(&t, flex, "hello");
        tb_str(&t, flex, NULL);
        tb_str(&t, flex, "");
        tb_arr(&t, flex, 2);
        tb_arr(&t, flex, -1);
        tb_tags0(&t, flex);
        tb_raw(&t, "\xaa\xbb", 2);
        assert_int_equal(w.len, t.n);
        assert_memory_equal(w.buf->data, t.b, t.n);

        /* And the reader gets the values back. */
        kc_rd_t r;
        kc_rd_init(&r, w.buf->data, w.len, flex);
        assert_int_equal(kc_rd_i8(&r), -2);
        assert_int_equal(kc_rd_i16(&r), INT16_MIN);
        assert_int_equal(kc_rd_i32(&r), -559038737);
        assert_true(kc_rd_i64(&r) == INT64_MIN + 5);
        assert_int_equal(kc_rd_uvarint(&r), 0);
        assert_int_equal(kc_rd_uvarint(&r), 128);
        assert_int_equal(kc_rd_uvarint(&r), UINT32_MAX);
        kc_str_t s = kc_rd_str(&r);
        assert_int_equal(s.len, 5);
        assert_memory_equal(s.p, "hello", 5);
        assert_int_equal(kc_rd_str(&r).len, -1);
        assert_int_equal(kc_rd_str(&r).len, 0);
        assert_int_equal(kc_rd_array(&r, 0), 2);
        assert_int_equal(kc_rd_array(&r, 0), -1);
        kc_rd_tags_skip(&r);
        assert_non_null(kc_rd_raw(&r, 2));
        assert_int_equal(r.err, 0);
        assert_int_equal(kc_rd_left(&r), 0);

        size_t len;
        kc_buf_t *b = kc_wr_take(&w, &len);
        assert_int_equal(len, t.n);
        assert_null(w.buf);
        assert_int_equal(w.len, 0);
        kc_wr_release(&w); /* nothing left: a no-op */
        kc_buf_unref(&pool, b);
    }
    assert_int_equal(pool.live_bytes, 0);
    kc_buf_pool_free(&pool);
}

static void test_writer_growth(void **state)
{
    (void)state;
    kc_pool_t pool;
    kc_buf_pool_init(&pool, 1 << 22);
    kc_wr_t w;
    kc_wr_init(&w, &pool, 16, false);
    assert_int_equal(w.buf->cap, 4096);
    assert_int_equal(pool.live_bytes, 4096);
    /* 40000 bytes in 7-byte pieces: the writer asks for twice what it needs, so it moves from
     * the 4 KiB class to 16 KiB and then 64 KiB, copying what it has each time. */
    uint8_t piece[7];
    size_t caps[8], ncaps = 0;
    caps[ncaps++] = w.buf->cap;
    for (uint32_t i = 0; i < 40000 / 7; i++) {
        for (int k = 0; k < 7; k++)
            piece[k] = (uint8_t)(i * 7 + (uint32_t)k);
        kc_wr_raw(&w, piece, 7);
        if (w.buf->cap != caps[ncaps - 1]) {
            assert_true(ncaps < 8);
            caps[ncaps++] = w.buf->cap;
        }
        /* Only the current buffer is live: the old one went back to the pool. */
        assert_int_equal(pool.live_bytes, w.buf->cap);
    }
    assert_int_equal(w.err, 0);
    assert_true(ncaps >= 3);
    for (size_t i = 1; i < ncaps; i++)
        assert_true(caps[i] > caps[i - 1]);
    assert_true(w.buf->cap >= w.len);
    for (size_t i = 0; i < w.len; i++)
        assert_int_equal(w.buf->data[i], (uint8_t)i);
    kc_wr_release(&w);
    assert_int_equal(pool.live_bytes, 0);

    /* Steady state: the same growth again takes every buffer from the free lists. */
    uint64_t allocs = pool.allocs;
    kc_wr_init(&w, &pool, 16, false);
    for (uint32_t i = 0; i < 40000 / 7; i++)
        kc_wr_raw(&w, piece, 7);
    kc_wr_release(&w);
    assert_int_equal(pool.allocs, allocs);
    kc_buf_pool_free(&pool);
}

static void test_writer_errors(void **state)
{
    (void)state;
    kc_pool_t pool;
    kc_buf_pool_init(&pool, 1 << 20);
    kc_wr_t w;
    /* A classic string cannot be longer than INT16_MAX. */
    static char longstr[40000];
    memset(longstr, 'x', sizeof(longstr));
    kc_wr_init(&w, &pool, 0, false);
    kc_wr_i8(&w, 1);
    kc_wr_str(&w, (kc_str_t){longstr, 32768});
    assert_int_equal(w.err, -KC_EPROTO);
    kc_wr_i32(&w, 5); /* sticky: nothing more is written */
    assert_int_equal(w.len, 1);
    kc_wr_release(&w);

    /* A compact one can. */
    kc_wr_init(&w, &pool, 0, true);
    kc_wr_str(&w, (kc_str_t){longstr, 32768});
    assert_int_equal(w.err, 0);
    assert_int_equal(w.len, 3 + 32768);
    kc_wr_release(&w);
    assert_int_equal(pool.live_bytes, 0);
    kc_buf_pool_free(&pool);
}

static void test_strict_varints(void **state)
{
    (void)state;
    /* 0x80 0x00 is 0 spelled in two bytes: fine for a reader, refused by a strict one. */
    static const uint8_t overlong[] = {0x80, 0x00}, canonical[] = {0x80, 0x01};
    kc_rd_t r;
    kc_rd_init(&r, overlong, 2, true);
    assert_int_equal(kc_rd_uvarint(&r), 0);
    assert_int_equal(r.err, 0);
    kc_rd_init(&r, overlong, 2, true);
    r.strict = true;
    kc_rd_uvarint(&r);
    assert_int_equal(r.err, -KC_EPROTO);
    kc_rd_init(&r, canonical, 2, true);
    r.strict = true;
    assert_int_equal(kc_rd_uvarint(&r), 128);
    assert_int_equal(r.err, 0);
}

static int read_known(void *ctx, kc_rd_t *val)
{
    *(int32_t *)ctx = kc_rd_i32(val);
    return val->err;
}

static void write_known(kc_wr_t *w, const void *ctx) { kc_wr_i32(w, *(const int32_t *)ctx); }

static void test_tags_kept(void **state)
{
    (void)state;
    kc_pool_t pool;
    kc_buf_pool_init(&pool, 1 << 20);
    /* Three entries: tag 5 "a", tag 0 = int32 7, tag 9 "". */
    static const uint8_t sec[] = {3, 5, 1, 'a', 0, 4, 0, 0, 0, 7, 9, 0};
    kc_rd_t r;
    kc_rd_init(&r, sec, sizeof(sec), true);
    kc_tags_kept_t t;
    int32_t known = -1;
    kc_rd_tags_kept(&r, 0, read_known, &known, &t);
    assert_int_equal(r.err, 0);
    assert_int_equal(known, 7);
    assert_int_equal(t.count, 2);
    assert_int_equal(t.before.len, 3);
    assert_int_equal(t.after.len, 2);
    /* Written back with the known value where it was: the same bytes. */
    kc_wr_t w;
    kc_wr_init(&w, &pool, 16, true);
    int32_t seven = 7;
    kc_wr_tags_kept(&w, &t, 0, 4, write_known, &seven);
    assert_int_equal(w.len, sizeof(sec));
    assert_memory_equal(w.buf->data, sec, sizeof(sec));
    /* Without the known tag: only the others, count adjusted. */
    w.len = 0;
    kc_wr_tags_kept(&w, &t, 0, SIZE_MAX, write_known, &seven);
    assert_int_equal(w.len, 6);
    assert_memory_equal(w.buf->data, "\x02\x05\x01" "a\x09\x00", 6);
    kc_wr_release(&w);
    /* The known tag twice, or with bytes left in its value, is refused. */
    static const uint8_t twice[] = {2, 0, 4, 0, 0, 0, 7, 0, 4, 0, 0, 0, 7};
    static const uint8_t longer[] = {1, 0, 5, 0, 0, 0, 7, 0};
    kc_rd_init(&r, twice, sizeof(twice), true);
    kc_rd_tags_kept(&r, 0, read_known, &known, &t);
    assert_int_equal(r.err, -KC_EPROTO);
    kc_rd_init(&r, longer, sizeof(longer), true);
    kc_rd_tags_kept(&r, 0, read_known, &known, &t);
    assert_int_equal(r.err, -KC_EPROTO);
    /* Classic versions have no section. */
    kc_rd_init(&r, sec, sizeof(sec), false);
    kc_rd_tags_kept(&r, 0, read_known, &known, &t);
    assert_int_equal(kc_rd_off(&r), 0);
    assert_int_equal(t.count, 0);
    assert_int_equal(pool.live_bytes, 0);
    kc_buf_pool_free(&pool);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixed_ints),      cmocka_unit_test(test_uuid_raw),
        cmocka_unit_test(test_uvarint),         cmocka_unit_test(test_varint_zigzag),
        cmocka_unit_test(test_varlong),         cmocka_unit_test(test_classic_strings),
        cmocka_unit_test(test_compact_strings), cmocka_unit_test(test_bytes),
        cmocka_unit_test(test_arrays),          cmocka_unit_test(test_sticky_error),
        cmocka_unit_test(test_tagged_sections), cmocka_unit_test(test_uvarint_len),
        cmocka_unit_test(test_be_helpers),      cmocka_unit_test(test_writer_round_trip),
        cmocka_unit_test(test_writer_growth),   cmocka_unit_test(test_writer_errors),
        cmocka_unit_test(test_strict_varints),  cmocka_unit_test(test_tags_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
