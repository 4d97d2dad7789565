/* proxy/util/frame.c: frames and their edits. Any number of edits, in any order, must put the
 * bytes on the wire that a flat copy with the same changes would, with the size prefix right. */
#include "util/frame.h"

#include "kc_test.h"

/* A frame whose message is bytes 0..n-1 (value = offset & 0xff). */
static kc_frame_t msg_frame(kc_pool_t *pool, uint32_t n)
{
    kc_buf_t *b = kc_buf_get(pool, 4 + n);
    assert_non_null(b);
    for (uint32_t i = 0; i < n; i++)
        b->data[4 + i] = (uint8_t)i;
    return kc_frame_of(b, 4 + n);
}

static kc_splice_t edit(kc_pool_t *pool, uint32_t off, uint32_t len, const char *bytes)
{
    size_t n = strlen(bytes);
    kc_buf_t *b = kc_buf_get(pool, n ? n : 1);
    memcpy(b->data, bytes, n);
    return (kc_splice_t){.off = off, .len = len, .buf = b, .buf_len = (uint32_t)n};
}

/* What the writer sends, gathered from the iovecs. */
static size_t wire(const kc_frame_t *f, uint8_t *out)
{
    uv_buf_t iov[64];
    assert_true(kc_frame_niov(f) <= 64);
    unsigned n = kc_frame_iov(f, iov);
    assert_int_equal(n, kc_frame_niov(f));
    size_t len = 0;
    for (unsigned i = 0; i < n; i++) {
        memcpy(out + len, iov[i].base, iov[i].len);
        len += iov[i].len;
    }
    return len;
}

static void test_plain(void **state)
{
    (void)state;
    kc_pool_t pool;
    kc_buf_pool_init(&pool, 1 << 22);
    kc_frame_t f = msg_frame(&pool, 96);
    assert_int_equal(kc_frame_wire_len(&f), 100);
    assert_int_equal(kc_frame_msg_len(&f), 96);
    assert_int_equal(kc_be32(f.data), 96);
    assert_int_equal(kc_frame_niov(&f), 1);
    kc_frame_release(&pool, &f);
    assert_null(f.buf);
    assert_int_equal(pool.live_bytes, 0);
    kc_buf_pool_free(&pool);
}

static void test_several_edits(void **state)
{
    (void)state;
    kc_pool_t pool;
    kc_buf_pool_init(&pool, 1 << 22);
    kc_frame_t f = msg_frame(&pool, 100);
    /* Added out of order: a grown tail, a 2-byte patch, an insertion, a removal. */
    kc_splice_t e[] = {edit(&pool, 90, 10, "TAILTAILTAILTAIL"), edit(&pool, 10, 2, "EC"),
                       edit(&pool, 0, 0, "INS"), edit(&pool, 50, 20, "")};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(kc_frame_edit(&pool, &f, &e[i]), 0);
        assert_null(e[i].buf); /* taken */
    }
    uint8_t want[200], got[200], flat[200];
    size_t n = 0;
    memcpy(want + n, "INS", 3), n += 3;
    for (int i = 0; i < 10; i++) want[n++] = (uint8_t)i;
    memcpy(want + n, "EC", 2), n += 2;
    for (int i = 12; i < 50; i++) want[n++] = (uint8_t)i;
    for (int i = 70; i < 90; i++) want[n++] = (uint8_t)i;
    memcpy(want + n, "TAILTAILTAILTAIL", 16), n += 16;
    assert_int_equal(kc_frame_wire_len(&f), 4 + n);
    assert_int_equal(kc_frame_niov(&f), 9);
    size_t w = wire(&f, got);
    assert_int_equal(w, 4 + n);
    assert_int_equal(kc_be32(got), n); /* the size prefix follows the edits */
    assert_memory_equal(got + 4, want, n);
    kc_frame_flatten(&f, flat);
    assert_memory_equal(flat, want, n);
    kc_frame_release(&pool, &f); /* the frame, the edit list and every replacement */
    assert_int_equal(pool.live_bytes, 0);
    kc_buf_pool_free(&pool);
}

static void test_overlap_refused(void **state)
{
    (void)state;
    kc_pool_t pool;
    kc_buf_pool_init(&pool, 1 << 22);
    kc_frame_t f = msg_frame(&pool, 100);
    kc_splice_t a = edit(&pool, 20, 10, "x"), b = edit(&pool, 25, 10, "y"),
                c = edit(&pool, 95, 10, "z"), d = edit(&pool, 30, 0, "touch"),
                e = edit(&pool, 15, 5, "before");
    assert_int_equal(kc_frame_edit(&pool, &f, &a), 0);
    assert_int_equal(kc_frame_edit(&pool, &f, &b), -KC_EPROTO); /* overlaps a */
    assert_int_equal(kc_frame_edit(&pool, &f, &c), -KC_EPROTO); /* past the end */
    assert_int_equal(kc_frame_edit(&pool, &f, &d), 0);          /* touches a's end */
    assert_int_equal(kc_frame_edit(&pool, &f, &e), 0);          /* touches a's start */
    assert_null(b.buf);
    assert_null(c.buf); /* refused edits are released too */
    assert_int_equal(kc_frame_wire_len(&f), 100 - 10 + 1 + 5 + 6 - 5 + 4);
    kc_frame_release(&pool, &f);
    assert_int_equal(pool.live_bytes, 0);
    kc_buf_pool_free(&pool);
}

static void test_many_edits_grow(void **state)
{
    (void)state;
    kc_pool_t pool;
    kc_buf_pool_init(&pool, 1 << 22);
    kc_frame_t f = msg_frame(&pool, 4000);
    /* 300 one-byte patches (say, an error code in each of 300 partitions). */
    for (uint32_t i = 0; i < 300; i++) {
        kc_splice_t e = edit(&pool, i * 13, 1, "!");
        assert_int_equal(kc_frame_edit(&pool, &f, &e), 0);
    }
    assert_int_equal(kc_frame_wire_len(&f), 4004);
    assert_int_equal(kc_frame_niov(&f), 601);
    uint8_t *flat = malloc(4000);
    kc_frame_flatten(&f, flat);
    for (uint32_t i = 0; i < 4000; i++)
        assert_int_equal(flat[i], i % 13 == 0 && i / 13 < 300 ? '!' : (uint8_t)i);
    free(flat);
    kc_frame_release(&pool, &f);
    assert_int_equal(pool.live_bytes, 0);
    kc_buf_pool_free(&pool);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain),
        cmocka_unit_test(test_several_edits),
        cmocka_unit_test(test_overlap_refused),
        cmocka_unit_test(test_many_edits_grow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
