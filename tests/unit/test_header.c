/* proxy/kafka/header.c: request headers v0-2 and response headers v0-1. */
#include "kafka/header.h"

#include "kc_test.h"

/* Parse from a heap copy of exactly the message, so reads past it are caught. The copy lives
 * until the next call, so that client_id can be checked. */
static uint8_t *copy;

static int req(const tb_t *t, size_t len, kc_req_header_t *h)
{
    free(copy);
    copy = malloc(len ? len : 1);
    memcpy(copy, t->b, len);
    int rc = kc_req_header_parse(copy, len, h);
    if (rc == 0 && h->client_id.len >= 0) /* client_id points into the message */
        assert_true((const uint8_t *)h->client_id.p >= copy &&
                    (const uint8_t *)h->client_id.p + h->client_id.len <= copy + len);
    return rc;
}

static void test_v0(void **state)
{
    (void)state;
    /* ControlledShutdown v0: no client_id at all. */
    tb_t t = {0};
    tb_hex(&t, "0007 0000 01020304 ffff");
    kc_req_header_t h;
    assert_int_equal(req(&t, t.n, &h), 0);
    assert_int_equal(h.api_key, 7);
    assert_int_equal(h.api_version, 0);
    assert_int_equal(h.correlation_id, 0x01020304);
    assert_int_equal(h.client_id.len, -1);
    assert_int_equal(h.body_off, 8);
}

static void test_v1(void **state)
{
    (void)state;
    tb_t t = {0};
    tb_i16(&t, 0);
    tb_i16(&t, 8); /* Produce v8: header v1 */
    tb_i32(&t, -5);
    tb_str(&t, false, "abc");
    tb_hex(&t, "00"); /* body: not a tagged section */
    kc_req_header_t h;
    assert_int_equal(req(&t, t.n, &h), 0);
    assert_int_equal(h.api_key, 0);
    assert_int_equal(h.api_version, 8);
    assert_int_equal(h.correlation_id, -5);
    assert_int_equal(h.client_id.len, 3);
    assert_memory_equal(h.client_id.p, "abc", 3);
    assert_int_equal(h.body_off, 13);

    tb_t n = {0};
    tb_hex(&n, "0003 0001 00000001 ffff"); /* null client id */
    assert_int_equal(req(&n, n.n, &h), 0);
    assert_int_equal(h.client_id.len, -1);
    assert_null(h.client_id.p);
    assert_int_equal(h.body_off, 10);

    tb_t e = {0};
    tb_hex(&e, "0003 0001 00000001 0000"); /* empty client id */
    assert_int_equal(req(&e, e.n, &h), 0);
    assert_int_equal(h.client_id.len, 0);
    assert_int_equal(h.body_off, 10);
}

static void test_v2(void **state)
{
    (void)state;
    tb_t t = {0};
    tb_i16(&t, 3);
    tb_i16(&t, 12); /* Metadata v12: header v2 */
    tb_i32(&t, 77);
    tb_str(&t, false, "client-1"); /* still INT16 length */
    tb_hex(&t, "00");              /* empty tagged section */
    tb_hex(&t, "0102");            /* body */
    kc_req_header_t h;
    assert_int_equal(req(&t, t.n, &h), 0);
    assert_int_equal(h.client_id.len, 8);
    assert_memory_equal(h.client_id.p, "client-1", 8);
    assert_int_equal(h.body_off, 8 + 2 + 8 + 1);

    /* Tagged fields in the header are skipped, unknown ones included. */
    tb_t g = {0};
    tb_i16(&g, 0);
    tb_i16(&g, 13);
    tb_i32(&g, 78);
    tb_str(&g, false, NULL);
    tb_uv(&g, 2);
    tb_tag(&g, 0, "\x01\x02\x03", 3);
    tb_tag(&g, 300, "", 0);
    size_t body = g.n;
    tb_hex(&g, "ff");
    assert_int_equal(req(&g, g.n, &h), 0);
    assert_int_equal(h.body_off, body);

    /* Every truncation inside the header fails. */
    for (size_t cut = 0; cut < body; cut++)
        assert_int_equal(req(&g, cut, &h), -KC_EPROTO);
    assert_int_equal(req(&g, body, &h), 0);
}

static void test_unknown_api(void **state)
{
    (void)state;
    /* A key kchaos does not know: fixed fields and client_id parse, the body offset is
     * unknown (it might or might not be behind a tagged section). */
    tb_t t = {0};
    tb_i16(&t, 200);
    tb_i16(&t, 9);
    tb_i32(&t, 1);
    tb_str(&t, false, "x");
    tb_hex(&t, "05 0607");
    kc_req_header_t h;
    assert_int_equal(req(&t, t.n, &h), 0);
    assert_int_equal(h.api_key, 200);
    assert_int_equal(h.client_id.len, 1);
    assert_int_equal(h.body_off, 0);
    tb_t neg = {0};
    tb_hex(&neg, "ffff 0000 00000001 0000");
    assert_int_equal(req(&neg, neg.n, &h), 0);
    assert_int_equal(h.api_key, -1);
    assert_int_equal(h.body_off, 0);
}

static void test_malformed(void **state)
{
    (void)state;
    kc_req_header_t h;
    tb_t t = {0};
    tb_hex(&t, "0003 0001 000000");
    for (size_t cut = 0; cut <= t.n; cut++) {
        assert_int_equal(req(&t, cut, &h), -KC_EPROTO);
        assert_int_equal(h.body_off, 0);
    }
    tb_t l = {0};
    tb_hex(&l, "0003 0001 00000001 0005 6162"); /* client id longer than the message */
    assert_int_equal(req(&l, l.n, &h), -KC_EPROTO);
    tb_t m = {0};
    tb_hex(&m, "0003 0001 00000001 fffe"); /* length -2 */
    assert_int_equal(req(&m, m.n, &h), -KC_EPROTO);
    tb_t g = {0};
    tb_hex(&g, "0003 0009 00000001 0000 01 05 03 aa"); /* tag value past the end */
    assert_int_equal(req(&g, g.n, &h), -KC_EPROTO);
    assert_int_equal(h.body_off, 0);
}

static int resp(const tb_t *t, size_t len, int16_t key, int16_t v, int32_t *corr, uint32_t *body)
{
    uint8_t *m = malloc(len ? len : 1);
    memcpy(m, t->b, len);
    int rc = kc_resp_header_parse(m, len, key, v, corr, body);
    free(m);
    return rc;
}

static void test_response_headers(void **state)
{
    (void)state;
    tb_t t = {0};
    tb_hex(&t, "7fffffff 02 00010a 0500 11");
    int32_t corr;
    uint32_t body;
    /* v0 (Metadata v8): nothing after the correlation id. */
    assert_int_equal(resp(&t, t.n, 3, 8, &corr, &body), 0);
    assert_int_equal(corr, INT32_MAX);
    assert_int_equal(body, 4);
    /* v1 (Metadata v9): a tagged section, here with two tags. */
    assert_int_equal(resp(&t, t.n, 3, 9, &corr, &body), 0);
    assert_int_equal(body, 4 + 1 + 2 + 3);
    /* ApiVersions v3 is flexible but its response header is v0 (KIP-511). */
    assert_int_equal(resp(&t, t.n, 18, 3, &corr, &body), 0);
    assert_int_equal(body, 4);
    for (size_t cut = 0; cut < 4; cut++)
        assert_int_equal(resp(&t, cut, 3, 8, &corr, &body), -KC_EPROTO);
    for (size_t cut = 4; cut < 10; cut++)
        assert_int_equal(resp(&t, cut, 3, 9, &corr, &body), -KC_EPROTO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v0),        cmocka_unit_test(test_v1),
        cmocka_unit_test(test_v2),        cmocka_unit_test(test_unknown_api),
        cmocka_unit_test(test_malformed), cmocka_unit_test(test_response_headers),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    free(copy);
    return rc;
}
