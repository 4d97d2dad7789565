/* proxy/util/buf.c: pooled, reference-counted buffers in power-of-two classes. */
#include "kc_test.h"

static void test_classes(void **state)
{
    (void)state;
    kc_pool_t pool;
    kc_buf_pool_init(&pool, 0);
    static const struct {
        size_t min, cap;
        int cls;
    } cases[] = {
        {0, 4096, 0},    {1, 4096, 0},      {4096, 4096, 0},    {4097, 8192, 1},
        {8192, 8192, 1}, {65536, 65536, 4}, {65537, 131072, 5}, {1 << 20, 1 << 20, 8},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        kc_buf_t *b = kc_buf_get(&pool, cases[i].min);
        assert_non_null(b);
        assert_int_equal(b->cap, cases[i].cap);
        assert_int_equal(b->cls, cases[i].cls);
        assert_int_equal(b->refs, 1);
        assert_int_equal(pool.live_bytes, cases[i].cap);
        memset(b->data, 0x5a, b->cap); /* all of it is usable (the sanitizer build checks) */
        kc_buf_unref(&pool, b);
        assert_int_equal(pool.live_bytes, 0);
    }
    /* Above the largest class: refused without trying to allocate. */
    uint64_t allocs = pool.allocs;
    assert_null(kc_buf_get(&pool, ((size_t)1 << KC_BUF_MAX_SHIFT) + 1));
    assert_int_equal(pool.allocs, allocs);
    assert_int_equal(pool.live_bytes, 0);
    kc_buf_pool_free(&pool);
}

static void test_reuse(void **state)
{
    (void)state;
    kc_pool_t pool;
    kc_buf_pool_init(&pool, 1 << 20);
    kc_buf_t *first = kc_buf_get(&pool, 100);
    kc_buf_unref(&pool, first);
    assert_int_equal(pool.allocs, 1);
    assert_int_equal(pool.nfree[0], 1);
    assert_int_equal(pool.cached_bytes, 4096);
    for (int i = 0; i < 1000; i++) {
        kc_buf_t *a = kc_buf_get(&pool, 3000);
        kc_buf_t *b = kc_buf_get(&pool, 20000);
        assert_int_equal(a->refs, 1);
        assert_null(a->next);
        kc_buf_unref(&pool, b);
        kc_buf_unref(&pool, a);
    }
    /* Steady state: one buffer of each class was ever allocated. */
    assert_int_equal(pool.allocs, 2);
    kc_buf_t *again = kc_buf_get(&pool, 1);
    assert_ptr_equal(again, first); /* the free list is LIFO */
    assert_int_equal(pool.cached_bytes, 32768);
    kc_buf_unref(&pool, again);
    assert_int_equal(pool.live_bytes, 0);
    kc_buf_pool_free(&pool);
    assert_int_equal(pool.cached_bytes, 0);
    assert_null(pool.free[0]);
    assert_int_equal(pool.nfree[0], 0);
}

static void test_cache_limit(void **state)
{
    (void)state;
    kc_pool_t pool;
    kc_buf_pool_init(&pool, 8192);
    kc_buf_t *b[3];
    for (int i = 0; i < 3; i++)
        b[i] = kc_buf_get(&pool, 4096);
    assert_int_equal(pool.live_bytes, 3 * 4096);
    for (int i = 0; i < 3; i++)
        kc_buf_unref(&pool, b[i]);
    assert_int_equal(pool.live_bytes, 0);
    assert_int_equal(pool.cached_bytes, 8192); /* the third one was freed */
    assert_int_equal(pool.nfree[0], 2);
    /* A buffer larger than the whole cache is never kept. */
    kc_buf_t *big = kc_buf_get(&pool, 16384);
    kc_buf_unref(&pool, big);
    assert_int_equal(pool.cached_bytes, 8192);
    assert_int_equal(pool.nfree[2], 0);
    kc_buf_pool_free(&pool);

    /* Limit 0: nothing is cached, every get allocates. */
    kc_buf_pool_init(&pool, 0);
    for (int i = 0; i < 5; i++)
        kc_buf_unref(&pool, kc_buf_get(&pool, 10));
    assert_int_equal(pool.allocs, 5);
    assert_int_equal(pool.cached_bytes, 0);
    kc_buf_pool_free(&pool);
}

static void test_refcounts(void **state)
{
    (void)state;
    kc_pool_t pool;
    kc_buf_pool_init(&pool, 1 << 20);
    kc_buf_t *b = kc_buf_get(&pool, 10);
    assert_ptr_equal(kc_buf_ref(b), b);
    assert_ptr_equal(kc_buf_ref(b), b);
    assert_int_equal(b->refs, 3);
    kc_buf_unref(&pool, b);
    kc_buf_unref(&pool, b);
    assert_int_equal(b->refs, 1);
    assert_int_equal(pool.live_bytes, 4096); /* still out */
    assert_int_equal(pool.nfree[0], 0);
    kc_buf_unref(&pool, b);
    assert_int_equal(pool.live_bytes, 0);
    assert_int_equal(pool.nfree[0], 1);
    kc_buf_unref(&pool, NULL); /* allowed, like free(NULL) */
    assert_int_equal(pool.nfree[0], 1);
    kc_buf_pool_free(&pool);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classes),
        cmocka_unit_test(test_reuse),
        cmocka_unit_test(test_cache_limit),
        cmocka_unit_test(test_refcounts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
