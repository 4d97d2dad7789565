/* proxy/inflight.c: the per-connection queue of requests awaiting their response. */
#include "inflight.h"

#include "kc_test.h"

static kc_inflight_t *push(kc_inflight_q_t *q, int32_t corr, uint8_t flags)
{
    kc_inflight_t *e = kc_inflight_push(q);
    assert_non_null(e);
    assert_int_equal(e->flags, 0); /* a pushed entry starts clean */
    e->correlation_id = corr;
    e->flags = flags;
    return e;
}

static void test_order(void **state)
{
    (void)state;
    kc_inflight_q_t q;
    assert_int_equal(kc_inflight_init(&q, 4), 0);
    assert_null(kc_inflight_expect(&q));
    assert_null(kc_inflight_ready_head(&q));
    push(&q, 1, KC_IF_FORWARDED);
    push(&q, 2, KC_IF_FORWARDED);
    push(&q, 3, KC_IF_FORWARDED);
    assert_int_equal(kc_inflight_count(&q), 3);

    kc_inflight_t *e = kc_inflight_expect(&q);
    assert_int_equal(e->correlation_id, 1);
    assert_ptr_equal(kc_inflight_expect(&q), e); /* asking again does not advance */
    assert_null(kc_inflight_ready_head(&q));     /* nothing answered yet */
    e->flags |= KC_IF_READY;
    assert_ptr_equal(kc_inflight_ready_head(&q), e);
    e = kc_inflight_expect(&q);
    assert_int_equal(e->correlation_id, 2);
    e->flags |= KC_IF_READY;
    kc_inflight_pop(&q);
    assert_int_equal(kc_inflight_count(&q), 2);
    assert_int_equal(kc_inflight_ready_head(&q)->correlation_id, 2);
    kc_inflight_pop(&q);
    assert_null(kc_inflight_ready_head(&q)); /* 3 is not answered */
    assert_int_equal(kc_inflight_expect(&q)->correlation_id, 3);
    kc_inflight_free(&q, NULL);
    assert_null(q.ring);
}

static void test_held_head(void **state)
{
    (void)state;
    /* A later response that is ready waits behind an unanswered head. */
    kc_inflight_q_t q;
    assert_int_equal(kc_inflight_init(&q, 4), 0);
    kc_inflight_t *a = push(&q, 10, KC_IF_FORWARDED);
    kc_inflight_t *b = push(&q, 11, KC_IF_READY); /* answered locally */
    (void)b;
    assert_null(kc_inflight_ready_head(&q));
    a->flags |= KC_IF_READY;
    assert_int_equal(kc_inflight_ready_head(&q)->correlation_id, 10);
    kc_inflight_pop(&q);
    assert_int_equal(kc_inflight_ready_head(&q)->correlation_id, 11);
    kc_inflight_pop(&q);
    assert_int_equal(kc_inflight_count(&q), 0);
    kc_inflight_free(&q, NULL);
}

static void test_growth_wraps(void **state)
{
    (void)state;
    kc_inflight_q_t q;
    assert_int_equal(kc_inflight_init(&q, 4), 0);
    /* Move head to 3 so the ring is wrapped when it fills. */
    for (int i = 0; i < 3; i++) {
        push(&q, -1, KC_IF_READY);
        kc_inflight_pop(&q);
    }
    for (int32_t i = 0; i < 37; i++)
        push(&q, 100 + i, KC_IF_FORWARDED);
    assert_int_equal(kc_inflight_count(&q), 37);
    assert_int_equal(q.mask, 63);
    for (int32_t i = 0; i < 37; i++) {
        kc_inflight_t *e = kc_inflight_expect(&q);
        assert_int_equal(e->correlation_id, 100 + i);
        e->flags |= KC_IF_READY;
        kc_inflight_t *h = kc_inflight_ready_head(&q);
        assert_ptr_equal(h, e);
        kc_inflight_pop(&q);
    }
    assert_int_equal(kc_inflight_count(&q), 0);
    assert_null(kc_inflight_expect(&q));
    kc_inflight_free(&q, NULL);
}

static void test_expect_skips_local(void **state)
{
    (void)state;
    kc_inflight_q_t q;
    assert_int_equal(kc_inflight_init(&q, 8), 0);
    kc_inflight_t *a = push(&q, 1, KC_IF_FORWARDED);
    push(&q, 2, 0);           /* answered here, response not built yet */
    push(&q, 3, KC_IF_READY); /* answered here */
    push(&q, 4, KC_IF_FORWARDED);
    assert_ptr_equal(kc_inflight_expect(&q), a);
    a->flags |= KC_IF_READY;
    /* The broker's next response answers 4: 2 and 3 never reach it. */
    assert_int_equal(kc_inflight_expect(&q)->correlation_id, 4);
    kc_inflight_free(&q, NULL);
}

static void test_expect_after_pops(void **state)
{
    (void)state;
    /* Entries popped past the upstream cursor (answered locally at the head) move it along. */
    kc_inflight_q_t q;
    assert_int_equal(kc_inflight_init(&q, 4), 0);
    push(&q, 1, KC_IF_READY);
    push(&q, 2, KC_IF_READY);
    kc_inflight_pop(&q);
    kc_inflight_pop(&q);
    push(&q, 3, KC_IF_FORWARDED);
    assert_int_equal(kc_inflight_expect(&q)->correlation_id, 3);
    assert_true(q.up >= q.head);
    kc_inflight_free(&q, NULL);
}

static void test_free_releases_ready(void **state)
{
    (void)state;
    kc_pool_t pool;
    kc_buf_pool_init(&pool, 1 << 20);
    kc_inflight_q_t q;
    assert_int_equal(kc_inflight_init(&q, 4), 0);
    for (int i = 0; i < 6; i++) {
        kc_inflight_t *e = push(&q, i, KC_IF_FORWARDED);
        if (i % 2) {
            kc_buf_t *b = kc_buf_get(&pool, 64);
            e->resp = (kc_frame_t){.buf = b, .data = b->data, .len = 8};
            e->flags |= KC_IF_READY;
        }
    }
    assert_int_equal(pool.live_bytes, 3 * 4096);
    kc_inflight_free(&q, &pool);
    assert_int_equal(pool.live_bytes, 0);
    kc_buf_pool_free(&pool);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order),
        cmocka_unit_test(test_held_head),
        cmocka_unit_test(test_growth_wraps),
        cmocka_unit_test(test_expect_skips_local),
        cmocka_unit_test(test_expect_after_pops),
        cmocka_unit_test(test_free_releases_ready),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
