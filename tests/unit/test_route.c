/* proxy/route/route.c: node id <-> real address <-> local port. */
#include "route/route.h"

#include "kc_test.h"

static kc_str_t S(const char *s)
{
    return (kc_str_t){s, (int32_t)strlen(s)};
}

static void test_port_rule(void **state)
{
    (void)state;
    kc_route_t rt;
    kc_route_init(&rt, "127.0.0.1", 29000, 0, NULL, 0);
    uint16_t port = 0;
    assert_int_equal(kc_route_port(&rt, 0, &port), 0);
    assert_int_equal(port, 29000);
    assert_int_equal(kc_route_port(&rt, 5, &port), 0);
    assert_int_equal(port, 29005);
    assert_int_equal(kc_route_port(&rt, 36535, &port), 0);
    assert_int_equal(port, 65535);
    port = 7;
    assert_int_equal(kc_route_port(&rt, 36536, &port), -KC_ENOPORT); /* port 65536 */
    assert_int_equal(kc_route_port(&rt, INT32_MAX, &port), -KC_ENOPORT);
    assert_int_equal(kc_route_port(&rt, -1, &port), -KC_ENOPORT);
    assert_int_equal(kc_route_port(&rt, INT32_MIN, &port), -KC_ENOPORT);
    assert_int_equal(port, 7); /* untouched on failure */
    kc_route_free(&rt);

    /* START + id - BASE, and ids below BASE have no port. */
    kc_route_init(&rt, "127.0.0.1", 9100, 1000, NULL, 0);
    assert_int_equal(kc_route_port(&rt, 1000, &port), 0);
    assert_int_equal(port, 9100);
    assert_int_equal(kc_route_port(&rt, 1003, &port), 0);
    assert_int_equal(port, 9103);
    assert_int_equal(kc_route_port(&rt, 999, &port), -KC_ENOPORT);
    assert_int_equal(kc_route_port(&rt, 0, &port), -KC_ENOPORT);
    kc_route_free(&rt);

    /* A rule that lands on port 0. */
    kc_route_init(&rt, "h", 0, 0, NULL, 0);
    assert_int_equal(kc_route_port(&rt, 0, &port), -KC_ENOPORT);
    assert_int_equal(kc_route_port(&rt, 1, &port), 0);
    assert_int_equal(port, 1);
    kc_route_free(&rt);
}

static void test_overrides(void **state)
{
    (void)state;
    static const kc_port_override_t ov[] = {{7, 31000}, {2, 40000}, {5000, 12345}};
    kc_route_t rt;
    kc_route_init(&rt, "127.0.0.1", 29000, 3, ov, 3);
    uint16_t port;
    assert_int_equal(kc_route_port(&rt, 7, &port), 0);
    assert_int_equal(port, 31000);
    assert_int_equal(kc_route_port(&rt, 2, &port), 0); /* below BASE, but explicit */
    assert_int_equal(port, 40000);
    assert_int_equal(kc_route_port(&rt, 5000, &port), 0);
    assert_int_equal(port, 12345);
    assert_int_equal(kc_route_port(&rt, 4, &port), 0); /* no override: the rule */
    assert_int_equal(port, 29001);
    kc_route_free(&rt);
}

typedef struct opener {
    int calls;
    int fail_left; /* fail this many calls first */
    int32_t last_node;
    uint16_t last_port;
    char last_host[64];
    int token;
} opener_t;

static int on_new(void *ctx, kc_broker_t *b)
{
    opener_t *o = ctx;
    o->calls++;
    o->last_node = b->node_id;
    o->last_port = b->listen_port;
    snprintf(o->last_host, sizeof(o->last_host), "%s", b->host ? b->host : "(null)");
    if (o->fail_left > 0) {
        o->fail_left--;
        return -EADDRINUSE;
    }
    b->listener = &o->token;
    return 0;
}

static void test_learn(void **state)
{
    (void)state;
    kc_route_t rt;
    kc_route_init(&rt, "kchaos.local", 29000, 0, NULL, 0);
    opener_t o = {0};
    rt.on_new = on_new;
    rt.ctx = &o;

    char host[] = "b5.internal";
    kc_broker_t *b = NULL;
    assert_int_equal(kc_route_learn(&rt, 5, S(host), 9092, &b), 0);
    assert_non_null(b);
    assert_int_equal(o.calls, 1);
    assert_int_equal(o.last_node, 5);
    assert_int_equal(o.last_port, 29005);
    assert_string_equal(o.last_host, "b5.internal"); /* the address is known when it opens */
    host[0] = 'X';                                   /* the route owns a copy */
    assert_string_equal(b->host, "b5.internal");
    assert_int_equal(b->port, 9092);

    assert_int_equal(kc_route_learn(&rt, 1, S("b1.internal"), 9093, &b), 0);
    assert_int_equal(kc_route_learn(&rt, 3, S("b3.internal"), 9094, &b), 0);
    assert_int_equal(o.calls, 3);
    assert_int_equal(rt.nbrokers, 3);
    assert_int_equal(rt.brokers[0].node_id, 1);
    assert_int_equal(rt.brokers[1].node_id, 3);
    assert_int_equal(rt.brokers[2].node_id, 5);
    assert_ptr_equal(kc_route_find(&rt, 3), &rt.brokers[1]);
    assert_null(kc_route_find(&rt, 4));
    assert_null(kc_route_find(&rt, 6));
    assert_null(kc_route_find(&rt, 0));

    /* Known again: the address is updated, the listener is not opened twice. */
    assert_int_equal(kc_route_learn(&rt, 5, S("b5.moved"), 19092, &b), 0);
    assert_int_equal(o.calls, 3);
    assert_ptr_equal(b, kc_route_find(&rt, 5));
    assert_string_equal(b->host, "b5.moved");
    assert_int_equal(b->port, 19092);
    assert_int_equal(b->listen_port, 29005);
    assert_int_equal(rt.nbrokers, 3);
    /* Same address: nothing changes. */
    const char *keep = b->host;
    assert_int_equal(kc_route_learn(&rt, 5, S("b5.moved"), 19092, &b), 0);
    assert_ptr_equal(b->host, keep);
    kc_route_free(&rt);
    assert_int_equal(rt.nbrokers, 0);
}

static void test_learn_retries_open(void **state)
{
    (void)state;
    kc_route_t rt;
    kc_route_init(&rt, "kchaos.local", 29000, 0, NULL, 0);
    opener_t o = {.fail_left = 2};
    rt.on_new = on_new;
    rt.ctx = &o;
    kc_broker_t *b;
    assert_int_equal(kc_route_learn(&rt, 2, S("b2"), 9092, &b), -EADDRINUSE);
    assert_int_equal(kc_route_learn(&rt, 2, S("b2"), 9092, &b), -EADDRINUSE);
    assert_int_equal(o.calls, 2);
    assert_null(b->listener);
    assert_int_equal(kc_route_learn(&rt, 2, S("b2"), 9092, &b), 0);
    assert_int_equal(o.calls, 3);
    assert_ptr_equal(b->listener, &o.token);
    assert_int_equal(kc_route_learn(&rt, 2, S("b2"), 9092, &b), 0);
    assert_int_equal(o.calls, 3); /* open: no more calls */
    assert_int_equal(rt.nbrokers, 1);
    kc_route_free(&rt);
}

static void test_learn_out_of_range(void **state)
{
    (void)state;
    kc_route_t rt;
    kc_route_init(&rt, "kchaos.local", 65000, 0, NULL, 0);
    opener_t o = {0};
    rt.on_new = on_new;
    rt.ctx = &o;
    kc_broker_t *b = NULL;
    assert_int_equal(kc_route_learn(&rt, 600, S("far"), 9092, &b), -KC_ENOPORT);
    assert_int_equal(rt.nbrokers, 0);
    assert_int_equal(o.calls, 0);
    kc_route_free(&rt);
}

static void test_many_brokers(void **state)
{
    (void)state;
    kc_route_t rt;
    kc_route_init(&rt, "kchaos.local", 20000, 0, NULL, 0);
    kc_broker_t *b;
    char h[32];
    for (int32_t id = 40; id >= 0; id -= 2) {
        snprintf(h, sizeof(h), "b%d", id);
        assert_int_equal(kc_route_learn(&rt, id, S(h), 9000 + id, &b), 0);
    }
    assert_int_equal(rt.nbrokers, 21);
    for (int i = 0; i < rt.nbrokers; i++) {
        assert_int_equal(rt.brokers[i].node_id, 2 * i);
        assert_int_equal(rt.brokers[i].port, 9000 + 2 * i);
        assert_int_equal(rt.brokers[i].listen_port, 20000 + 2 * i);
        snprintf(h, sizeof(h), "b%d", 2 * i);
        assert_string_equal(rt.brokers[i].host, h);
        assert_ptr_equal(kc_route_find(&rt, 2 * i), &rt.brokers[i]);
        assert_null(kc_route_find(&rt, 2 * i + 1));
    }
    kc_route_free(&rt);
}

static void test_addr_map(void **state)
{
    (void)state;
    kc_route_t rt;
    kc_route_init(&rt, "kchaos.test", 29000, 0, NULL, 0);
    opener_t o = {0};
    rt.on_new = on_new;
    rt.ctx = &o;
    kc_addr_map_t map = kc_route_addr_map(&rt);
    kc_str_t oh = {NULL, -1};
    int32_t op = 0;
    assert_int_equal(map.fn(map.ctx, 4, S("real-4"), 9092, &oh, &op), 0);
    assert_int_equal(oh.len, 11);
    assert_memory_equal(oh.p, "kchaos.test", 11);
    assert_int_equal(op, 29004);
    assert_int_equal(o.calls, 1);
    kc_broker_t *b = kc_route_find(&rt, 4);
    assert_non_null(b);
    assert_string_equal(b->host, "real-4");
    assert_int_equal(b->port, 9092);
    /* A node without a port is refused: the response must not reach the client. */
    assert_int_equal(map.fn(map.ctx, 40000, S("real"), 9092, &oh, &op), -KC_ENOPORT);
    /* A failing open fails the mapping too. */
    o.fail_left = 1;
    assert_int_equal(map.fn(map.ctx, 5, S("real-5"), 9092, &oh, &op), -EADDRINUSE);
    kc_route_free(&rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_port_rule),
        cmocka_unit_test(test_overrides),
        cmocka_unit_test(test_learn),
        cmocka_unit_test(test_learn_retries_open),
        cmocka_unit_test(test_learn_out_of_range),
        cmocka_unit_test(test_many_brokers),
        cmocka_unit_test(test_addr_map),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
