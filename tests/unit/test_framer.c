/* proxy/kafka/framer.c: the frame reader, driven through kc_framer_alloc/kc_framer_feed exactly
 * as libuv's alloc and read callbacks drive it, without sockets. */
#include "kafka/framer.h"

#include "kc_test.h"

#define CHUNK (64 * 1024)

typedef struct sink {
    kc_frame_t frames[512];
    int n;
    int stop_after; /* emit returns 42 once this many frames arrived; 0: never */
} sink_t;

static int on_frame(void *ctx, kc_frame_t *f)
{
    sink_t *s = ctx;
    assert_true(s->n < (int)(sizeof(s->frames) / sizeof(s->frames[0])));
    s->frames[s->n++] = *f;
    return s->stop_after && s->n >= s->stop_after ? 42 : 0;
}

/* One socket read of up to n bytes into what the framer offers; returns bytes consumed. */
static size_t one_read(kc_framer_t *fr, const uint8_t *p, size_t n, sink_t *s, int *rc,
                       int32_t *bad)
{
    uv_buf_t b;
    kc_framer_alloc(fr, &b);
    assert_non_null(b.base);
    assert_true(b.len > 0);
    size_t k = n < b.len ? n : b.len;
    memcpy(b.base, p, k);
    *rc = kc_framer_feed(fr, k, on_frame, s, bad);
    return k;
}

/* Feed everything in reads of at most `step` bytes. */
static int feed(kc_framer_t *fr, const uint8_t *p, size_t n, size_t step, sink_t *s, int32_t *bad)
{
    while (n) {
        int rc;
        size_t k = one_read(fr, p, n < step ? n : step, s, &rc, bad);
        if (rc) return rc;
        p += k;
        n -= k;
    }
    return 0;
}

static uint8_t pat(int frame, size_t j)
{
    return (uint8_t)(frame * 31 + (int)j * 7 + 1);
}

/* A stream of frames with the given payload sizes and recognisable contents. */
static uint8_t *stream(const uint32_t *sizes, int n, size_t *len)
{
    size_t total = 0;
    for (int i = 0; i < n; i++)
        total += 4 + sizes[i];
    uint8_t *b = malloc(total), *p = b;
    assert_non_null(b);
    for (int i = 0; i < n; i++) {
        kc_put_be32(p, sizes[i]);
        for (size_t j = 0; j < sizes[i]; j++)
            p[4 + j] = pat(i, j);
        p += 4 + sizes[i];
    }
    *len = total;
    return b;
}

static void check_frames(const sink_t *s, const uint32_t *sizes, int n)
{
    assert_int_equal(s->n, n);
    for (int i = 0; i < n; i++) {
        const kc_frame_t *f = &s->frames[i];
        assert_int_equal(f->len, 4 + sizes[i]);
        assert_int_equal(kc_frame_msg_len(f), sizes[i]);
        assert_int_equal(kc_be32(f->data), sizes[i]);
        assert_null(f->edits);
        assert_non_null(f->buf);
        assert_true(f->data >= f->buf->data && f->data + f->len <= f->buf->data + f->buf->cap);
        for (size_t j = 0; j < sizes[i]; j++)
            if (kc_frame_msg(f)[j] != pat(i, j)) fail_msg("frame %d byte %zu differs", i, j);
    }
}

static void release_all(kc_pool_t *pool, sink_t *s)
{
    for (int i = 0; i < s->n; i++)
        kc_frame_release(pool, &s->frames[i]);
    s->n = 0;
}

static void finish(kc_pool_t *pool, kc_framer_t *fr, sink_t *s)
{
    release_all(pool, s);
    kc_framer_free(fr);
    assert_int_equal(pool->live_bytes, 0);
    kc_buf_pool_free(pool);
}

static void test_many_frames_one_read(void **state)
{
    (void)state;
    kc_pool_t pool;
    kc_buf_pool_init(&pool, 1 << 22);
    kc_framer_t fr;
    kc_framer_init(&fr, &pool, 1 << 20);
    static const uint32_t sizes[] = {0, 1, 8, 100, 3, 1000, 12, 64, 2, 500};
    size_t len;
    uint8_t *b = stream(sizes, 10, &len);
    sink_t s = {0};
    int rc;
    int32_t bad = 0;
    assert_int_equal(one_read(&fr, b, len, &s, &rc, &bad), len);
    assert_int_equal(rc, 0);
    check_frames(&s, sizes, 10);
    /* Zero copy: every frame is a reference into the one chunk, back to back. */
    assert_int_equal(pool.allocs, 1);
    size_t off = 0;
    for (int i = 0; i < 10; i++) {
        assert_ptr_equal(s.frames[i].buf, fr.chunk);
        assert_ptr_equal(s.frames[i].data, fr.chunk->data + off);
        off += s.frames[i].len;
    }
    assert_int_equal(fr.chunk->refs, 11);
    release_all(&pool, &s);
    assert_int_equal(fr.chunk->refs, 1);
    free(b);
    finish(&pool, &fr, &s);
}

static void test_split_at_every_byte(void **state)
{
    (void)state;
    static const uint32_t sizes[] = {5, 300, 0, 17};
    size_t len;
    uint8_t *b = stream(sizes, 4, &len);
    for (size_t cut = 0; cut <= len; cut++) {
        kc_pool_t pool;
        kc_buf_pool_init(&pool, 1 << 22);
        kc_framer_t fr;
        kc_framer_init(&fr, &pool, 1 << 20);
        sink_t s = {0};
        int32_t bad = 0;
        assert_int_equal(feed(&fr, b, cut, len, &s, &bad), 0);
        assert_int_equal(feed(&fr, b + cut, len - cut, len, &s, &bad), 0);
        check_frames(&s, sizes, 4);
        finish(&pool, &fr, &s);
    }
    /* And one byte per read. */
    kc_pool_t pool;
    kc_buf_pool_init(&pool, 1 << 22);
    kc_framer_t fr;
    kc_framer_init(&fr, &pool, 1 << 20);
    sink_t s = {0};
    int32_t bad = 0;
    assert_int_equal(feed(&fr, b, len, 1, &s, &bad), 0);
    check_frames(&s, sizes, 4);
    finish(&pool, &fr, &s);
    free(b);
}

static void test_big_frame(void **state)
{
    (void)state;
    static const uint32_t sizes[] = {10, 100000, 20, 70000};
    size_t len;
    uint8_t *b = stream(sizes, 4, &len);
    static const size_t steps[] = {4096, 1, 65536, 100003, 1 << 20};
    for (size_t k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
        kc_pool_t pool;
        kc_buf_pool_init(&pool, 1 << 22);
        kc_framer_t fr;
        kc_framer_init(&fr, &pool, 1 << 20);
        sink_t s = {0};
        int32_t bad = 0;
        assert_int_equal(feed(&fr, b, len, steps[k], &s, &bad), 0);
        check_frames(&s, sizes, 4);
        /* Frames bigger than a chunk get a buffer of their own, starting at its first byte. */
        for (int i = 1; i < 4; i += 2) {
            assert_ptr_equal(s.frames[i].data, s.frames[i].buf->data);
            assert_true(s.frames[i].buf->cap >= 4 + sizes[i]);
            assert_true(s.frames[i].buf->cap > CHUNK);
            assert_ptr_not_equal(s.frames[i].buf, s.frames[0].buf);
        }
        finish(&pool, &fr, &s);
    }
    free(b);
}

static void test_bad_sizes(void **state)
{
    (void)state;
    static const struct {
        uint32_t prefix;
        int32_t bad;
    } cases[] = {{0xffffffff, -1}, {0x80000000, INT32_MIN}, {1001, 1001}, {0x7fffffff, INT32_MAX}};
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        kc_pool_t pool;
        kc_buf_pool_init(&pool, 1 << 22);
        kc_framer_t fr;
        kc_framer_init(&fr, &pool, 1000);
        tb_t t = {0};
        tb_i32(&t, 1000); /* exactly max_frame: accepted */
        for (int i = 0; i < 1000; i++)
            tb_u8(&t, (unsigned)i);
        tb_i32(&t, cases[k].prefix);
        tb_hex(&t, "0102030405");
        sink_t s = {0};
        int32_t bad = 0;
        assert_int_equal(feed(&fr, t.b, t.n, t.n, &s, &bad), -KC_EFRAMESIZE);
        assert_int_equal(bad, cases[k].bad);
        assert_int_equal(s.n, 1); /* the good frame before it came out */
        assert_int_equal(s.frames[0].len, 1004);
        finish(&pool, &fr, &s);
    }
}

static void test_chunk_reuse(void **state)
{
    (void)state;
    kc_pool_t pool;
    kc_buf_pool_init(&pool, 1 << 22);
    kc_framer_t fr;
    kc_framer_init(&fr, &pool, 1 << 20);
    static const uint32_t sizes[] = {100, 200, 300};
    size_t len;
    uint8_t *b = stream(sizes, 3, &len);
    sink_t s = {0};
    int32_t bad = 0;
    assert_int_equal(feed(&fr, b, len, len, &s, &bad), 0);
    kc_buf_t *chunk = fr.chunk;

    /* One frame still held: the next read goes after the data, nothing is overwritten. */
    kc_frame_release(&pool, &s.frames[0]);
    kc_frame_release(&pool, &s.frames[1]);
    uv_buf_t ub;
    kc_framer_alloc(&fr, &ub);
    assert_ptr_equal(ub.base, (char *)chunk->data + len);
    assert_int_equal(kc_framer_feed(&fr, 0, on_frame, &s, &bad), 0);

    /* All released: the chunk is reused from its start, with no new allocation. */
    kc_frame_release(&pool, &s.frames[2]);
    s.n = 0;
    uint64_t allocs = pool.allocs;
    kc_framer_alloc(&fr, &ub);
    assert_ptr_equal(ub.base, (char *)chunk->data);
    assert_int_equal(ub.len, chunk->cap);
    memcpy(ub.base, b, len);
    assert_int_equal(kc_framer_feed(&fr, len, on_frame, &s, &bad), 0);
    check_frames(&s, sizes, 3);
    assert_ptr_equal(s.frames[0].buf, chunk);
    assert_int_equal(pool.allocs, allocs);
    free(b);
    finish(&pool, &fr, &s);
}

/* A partial frame near the end of a chunk moves to a fresh chunk; frames still held in the old
 * one keep it alive and intact. */
static void partial_move(uint32_t first, uint32_t second, size_t have_of_second)
{
    kc_pool_t pool;
    kc_buf_pool_init(&pool, 1 << 22);
    kc_framer_t fr;
    kc_framer_init(&fr, &pool, 1 << 20);
    uint32_t sizes[] = {first, second};
    size_t len;
    uint8_t *b = stream(sizes, 2, &len);
    sink_t s = {0};
    int rc;
    int32_t bad = 0;
    size_t head = 4 + first + have_of_second;
    assert_int_equal(one_read(&fr, b, head, &s, &rc, &bad), head);
    assert_int_equal(rc, 0);
    assert_int_equal(s.n, 1);
    kc_buf_t *old = fr.chunk;
    uv_buf_t ub;
    kc_framer_alloc(&fr, &ub);
    assert_ptr_not_equal(fr.chunk, old);
    assert_ptr_equal(ub.base, (char *)fr.chunk->data + have_of_second);
    memcpy(ub.base, b + head, len - head);
    assert_int_equal(kc_framer_feed(&fr, len - head, on_frame, &s, &bad), 0);
    check_frames(&s, sizes, 2); /* the first, held in the old chunk, is intact too */
    assert_ptr_equal(s.frames[0].buf, old);
    assert_ptr_equal(s.frames[1].buf, fr.chunk);
    free(b);
    finish(&pool, &fr, &s);
}

static void test_partial_frame_moves(void **state)
{
    (void)state;
    /* Less than 2 KiB left in the chunk. */
    partial_move(CHUNK - 1000, 3000, 500);
    /* Room left, but not for the whole frame. */
    partial_move(60000, 10000, 100);
    /* Only part of the size prefix. */
    partial_move(CHUNK - 6, 50, 2);
}

static void test_emit_stops(void **state)
{
    (void)state;
    kc_pool_t pool;
    kc_buf_pool_init(&pool, 1 << 22);
    kc_framer_t fr;
    kc_framer_init(&fr, &pool, 1 << 20);
    static const uint32_t sizes[] = {1, 2, 3, 4, 5};
    size_t len;
    uint8_t *b = stream(sizes, 5, &len);
    sink_t s = {.stop_after = 2};
    int rc;
    int32_t bad = 0;
    one_read(&fr, b, len, &s, &rc, &bad);
    assert_int_equal(rc, 42);
    assert_int_equal(s.n, 2);
    free(b);
    finish(&pool, &fr, &s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_many_frames_one_read),
        cmocka_unit_test(test_split_at_every_byte),
        cmocka_unit_test(test_big_frame),
        cmocka_unit_test(test_bad_sizes),
        cmocka_unit_test(test_chunk_reuse),
        cmocka_unit_test(test_partial_frame_moves),
        cmocka_unit_test(test_emit_stops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
