/* proxy/util/arena.c: bump allocation over pool buffers. */
#include "util/arena.h"

#include "kc_test.h"

static void test_alloc_and_reset(void **state)
{
    (void)state;
    kc_pool_t pool;
    kc_buf_pool_init(&pool, 1 << 20);
    kc_arena_t a;
    kc_arena_init(&a, &pool);
    uint8_t *prev = NULL;
    for (int i = 0; i < 1000; i++) {
        size_t n = (size_t)(i % 37) + 1;
        uint8_t *p = kc_arena_alloc(&a, n);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 8, 0);
        for (size_t k = 0; k < n; k++)
            assert_int_equal(p[k], 0); /* zeroed */
        memset(p, 0xab, n);
        assert_true(p != prev);
        prev = p;
    }
    /* Larger than a block: a block of its own. */
    uint8_t *big = kc_arena_alloc(&a, 100000);
    assert_non_null(big);
    memset(big, 1, 100000);
    assert_non_null(kc_arena_alloc(&a, 0));
    assert_true(pool.live_bytes > 100000);
    kc_arena_reset(&a);
    assert_int_equal(pool.live_bytes, 0);
    /* Usable again; a second reset of an empty arena is harmless. */
    assert_non_null(kc_arena_alloc(&a, 16));
    kc_arena_reset(&a);
    kc_arena_reset(&a);
    assert_int_equal(pool.live_bytes, 0);
    assert_null(kc_arena_alloc(&a, SIZE_MAX - 4));
    kc_buf_pool_free(&pool);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alloc_and_reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
