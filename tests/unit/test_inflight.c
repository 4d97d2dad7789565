/* proxy/inflight.c: the in-flight queue and the states of its entries. */
#include "inflight.h"

#include "kc_test.h"

static kc_inflight_t *push(kc_inflight_q_t *q, int32_t corr)
{
    kc_inflight_t *e = kc_inflight_push(q);
    assert_non_null(e);
    assert_int_equal(e->state, KC_IF_HELD);
    e->correlation_id = corr;
    return e;
}

/* Push and forward at once, as a request nothing holds. */
static kc_inflight_t *push_fwd(kc_inflight_q_t *q, int32_t corr)
{
    kc_inflight_t *e = push(q, corr);
    assert_ptr_equal(kc_inflight_next_forward(q, 0), e);
    kc_inflight_forwarded(q, e, 0);
    assert_int_equal(e->state, KC_IF_FORWARDED);
    return e;
}

static void test_order(void **state)
{
    (void)state;
    kc_inflight_q_t q;
    assert_int_equal(kc_inflight_init(&q, 4), 0);
    assert_null(kc_inflight_expect(&q));
    assert_null(kc_inflight_ready_head(&q, 0));
    push_fwd(&q, 1);
    push_fwd(&q, 2);
    push_fwd(&q, 3);
    assert_int_equal(kc_inflight_count(&q), 3);
    kc_inflight_t *e = kc_inflight_expect(&q);
    assert_int_equal(e->correlation_id, 1);
    assert_ptr_equal(kc_inflight_expect(&q), e); /* asking again does not advance */
    assert_null(kc_inflight_ready_head(&q, 0));  /* nothing answered yet */
    e->state = KC_IF_READY;
    assert_ptr_equal(kc_inflight_ready_head(&q, 0), e);
    e = kc_inflight_expect(&q);
    assert_int_equal(e->correlation_id, 2);
    e->state = KC_IF_READY;
    kc_inflight_pop(&q, NULL);
    assert_int_equal(kc_inflight_count(&q), 2);
    assert_int_equal(kc_inflight_ready_head(&q, 0)->correlation_id, 2);
    kc_inflight_pop(&q, NULL);
    assert_null(kc_inflight_ready_head(&q, 0)); /* 3 is not answered */
    assert_int_equal(kc_inflight_expect(&q)->correlation_id, 3);
    kc_inflight_free(&q, NULL);
}

static void test_held_head(void **state)
{
    (void)state;
    kc_inflight_q_t q;
    assert_int_equal(kc_inflight_init(&q, 4), 0);
    kc_inflight_t *a = push_fwd(&q, 10);
    kc_inflight_t *b = push(&q, 11);
    b->state = KC_IF_ANSWERED; /* answered locally */
    assert_null(kc_inflight_next_forward(&q, 0)); /* passed over: never forwarded */
    assert_null(kc_inflight_ready_head(&q, 0));   /* 10 is still at the broker */
    a->state = KC_IF_READY;
    assert_int_equal(kc_inflight_ready_head(&q, 0)->correlation_id, 10);
    kc_inflight_pop(&q, NULL);
    assert_int_equal(kc_inflight_ready_head(&q, 0)->correlation_id, 11);
    kc_inflight_pop(&q, NULL);
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
        push_fwd(&q, -1)->state = KC_IF_READY;
        kc_inflight_pop(&q, NULL);
    }
    for (int32_t i = 0; i < 37; i++)
        push_fwd(&q, 100 + i);
    assert_int_equal(kc_inflight_count(&q), 37);
    assert_int_equal(q.mask, 63);
    for (int32_t i = 0; i < 37; i++) {
        kc_inflight_t *e = kc_inflight_expect(&q);
        assert_int_equal(e->correlation_id, 100 + i);
        e->state = KC_IF_READY;
        assert_ptr_equal(kc_inflight_ready_head(&q, 0), e);
        kc_inflight_pop(&q, NULL);
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
    kc_inflight_t *a = push_fwd(&q, 1);
    push(&q, 2)->state = KC_IF_LOST;     /* dropped here: never answered */
    push(&q, 3)->state = KC_IF_ANSWERED; /* answered here */
    kc_inflight_t *d = push(&q, 4);
    assert_ptr_equal(kc_inflight_next_forward(&q, 0), d); /* 2 and 3 passed over */
    kc_inflight_forwarded(&q, d, 0);
    assert_ptr_equal(kc_inflight_expect(&q), a);
    a->state = KC_IF_READY;
    /* The broker's next response answers 4: 2 and 3 never reach it. */
    assert_int_equal(kc_inflight_expect(&q)->correlation_id, 4);
    kc_inflight_pop(&q, NULL);
    assert_null(kc_inflight_ready_head(&q, 0)); /* the lost 2 holds 3 and 4 for good */
    kc_inflight_free(&q, NULL);
}

static void test_expect_after_pops(void **state)
{
    (void)state;
    /* Entries popped past the upstream cursor (answered locally at the head) move it along. */
    kc_inflight_q_t q;
    assert_int_equal(kc_inflight_init(&q, 4), 0);
    push(&q, 1)->state = KC_IF_ANSWERED;
    push(&q, 2)->state = KC_IF_ANSWERED;
    assert_null(kc_inflight_next_forward(&q, 0));
    kc_inflight_pop(&q, NULL);
    kc_inflight_pop(&q, NULL);
    push_fwd(&q, 3);
    assert_int_equal(kc_inflight_expect(&q)->correlation_id, 3);
    assert_true(q.up >= q.head);
    kc_inflight_free(&q, NULL);
}

static void test_hold_and_due(void **state)
{
    (void)state;
    kc_inflight_q_t q;
    assert_int_equal(kc_inflight_init(&q, 4), 0);
    kc_inflight_t *a = push(&q, 1);
    a->until = 500; /* held before the broker until t=500 */
    kc_inflight_t *b = push(&q, 2);
    assert_true(kc_inflight_holding(&q));
    assert_null(kc_inflight_next_forward(&q, 499));
    assert_int_equal(kc_inflight_next_due(&q), 500);
    assert_ptr_equal(kc_inflight_next_forward(&q, 500), a);
    kc_inflight_forwarded(&q, a, 500);
    assert_int_equal(a->t_sent, 500);
    assert_ptr_equal(kc_inflight_next_forward(&q, 500), b); /* released behind it */
    b->expect_response = false;                              /* acks=0 */
    kc_inflight_forwarded(&q, b, 500);
    assert_int_equal(b->state, KC_IF_DONE);
    assert_false(kc_inflight_holding(&q));
    /* A response held until 900 holds the acks=0 entry behind it too. */
    a->state = KC_IF_RESP_HELD;
    a->until = 900;
    assert_int_equal(kc_inflight_next_due(&q), 900);
    assert_null(kc_inflight_ready_head(&q, 899));
    assert_ptr_equal(kc_inflight_ready_head(&q, 900), a);
    kc_inflight_pop(&q, NULL);
    assert_ptr_equal(kc_inflight_ready_head(&q, 900), b); /* DONE: popped with nothing to send */
    kc_inflight_pop(&q, NULL);
    assert_int_equal(kc_inflight_count(&q), 0);
    assert_int_equal(kc_inflight_next_due(&q), 0);
    kc_inflight_free(&q, NULL);
}

static int merged;
static void merge_free(void *data) { merged += *(int *)data; }

static void test_free_releases_frames(void **state)
{
    (void)state;
    kc_pool_t pool;
    kc_buf_pool_init(&pool, 1 << 20);
    kc_inflight_q_t q;
    assert_int_equal(kc_inflight_init(&q, 4), 0);
    static int one = 1;
    for (int i = 0; i < 6; i++) {
        kc_inflight_t *e = push(&q, i);
        if (i % 2) {
            kc_buf_t *b = kc_buf_get(&pool, 64);
            e->frame = (kc_frame_t){.buf = b, .data = b->data, .len = 8};
            e->merge = (kc_merge_t){.free = merge_free, .data = &one};
        }
    }
    assert_int_equal(pool.live_bytes, 3 * 4096);
    merged = 0;
    kc_inflight_free(&q, &pool);
    assert_int_equal(pool.live_bytes, 0);
    assert_int_equal(merged, 3); /* local results freed with their entries */
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
        cmocka_unit_test(test_hold_and_due),
        cmocka_unit_test(test_free_releases_frames),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
