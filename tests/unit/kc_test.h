/* Helpers shared by the unit tests.
 *
 * `tb_*` is a tiny byte encoder written independently of proxy/kafka/wire.c, so that the bytes
 * a test expects are never produced by the code under test. `test_map` is an address map that
 * records its calls and can refuse one node id. `rw_check` runs a response rewriter on a body
 * and checks everything a rewriter promises: the exact output, that a second pass over the
 * output changes nothing, that every truncation fails (inside what the rewriter reads) without
 * reading out of bounds, and that no pool buffer leaks (`rw_check_hex`: the same, the bytes
 * spelled out in hex); `rw_env_*` give a test the same surroundings to look at runs itself.
 * Header-only (static inline). */
#ifndef KC_TEST_H
#define KC_TEST_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kafka/endpoint.h"
#include "util/frame.h"
#include "kafka/wire.h"
#include "util/buf.h"

/* ---- the local encoder ---- */

typedef struct tb {
    uint8_t b[16384];
    size_t n;
} tb_t;

static inline void tb_raw(tb_t *t, const void *p, size_t n)
{
    assert_true(t->n + n <= sizeof(t->b));
    if (n) memcpy(t->b + t->n, p, n);
    t->n += n;
}

static inline void tb_u8(tb_t *t, unsigned v)
{
    uint8_t x = (uint8_t)v;
    tb_raw(t, &x, 1);
}

static inline void tb_be(tb_t *t, uint64_t v, int bytes)
{
    for (int i = bytes - 1; i >= 0; i--)
        tb_u8(t, (unsigned)(v >> (8 * i)) & 0xff);
}

static inline void tb_i8(tb_t *t, int v)
{
    tb_be(t, (uint64_t)(int64_t)v, 1);
}
static inline void tb_i16(tb_t *t, int v)
{
    tb_be(t, (uint64_t)(int64_t)v, 2);
}
static inline void tb_i32(tb_t *t, int64_t v)
{
    tb_be(t, (uint64_t)v, 4);
}
static inline void tb_i64(tb_t *t, int64_t v)
{
    tb_be(t, (uint64_t)v, 8);
}

/* Protobuf base-128, least significant group first. */
static inline void tb_uv(tb_t *t, uint64_t v)
{
    while (v >= 0x80) {
        tb_u8(t, (unsigned)(v & 0x7f) | 0x80);
        v >>= 7;
    }
    tb_u8(t, (unsigned)v);
}

/* STRING / NULLABLE_STRING (INT16 length, -1 null) or COMPACT (uvarint N+1, 0 null). */
static inline void tb_str(tb_t *t, bool flex, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (flex)
        tb_uv(t, s ? n + 1 : 0);
    else
        tb_i16(t, s ? (int)n : -1);
    tb_raw(t, s, n);
}

/* BYTES (INT32 length) or COMPACT_BYTES; p NULL for null. */
static inline void tb_bytes(tb_t *t, bool flex, const void *p, size_t n)
{
    if (flex)
        tb_uv(t, p ? n + 1 : 0);
    else
        tb_i32(t, p ? (int64_t)n : -1);
    if (p) tb_raw(t, p, n);
}

/* ARRAY (INT32 count) or COMPACT_ARRAY; -1 for null. */
static inline void tb_arr(tb_t *t, bool flex, int32_t n)
{
    if (flex)
        tb_uv(t, (uint64_t)((int64_t)n + 1));
    else
        tb_i32(t, n);
}

/* An empty tagged section in flexible versions, nothing otherwise. */
static inline void tb_tags0(tb_t *t, bool flex)
{
    if (flex) tb_u8(t, 0);
}

/* One tagged field: tag, size, value (the caller writes the section's count first). */
static inline void tb_tag(tb_t *t, uint32_t tag, const void *v, size_t n)
{
    tb_uv(t, tag);
    tb_uv(t, n);
    tb_raw(t, v, n);
}

static inline void tb_uuid(tb_t *t, uint8_t fill)
{
    for (int i = 0; i < 16; i++)
        tb_u8(t, (unsigned)(fill + i));
}

static inline void tb_hex(tb_t *t, const char *hex)
{
    for (;;) {
        while (*hex == ' ')
            hex++;
        if (!hex[0]) break;
        assert_true(hex[1] != 0 && hex[1] != ' ');
        unsigned v;
        char two[3] = {hex[0], hex[1], 0};
        assert_int_equal(sscanf(two, "%2x", &v), 1);
        tb_u8(t, v);
        hex += 2;
    }
}

/* Patch a 4-byte big-endian size prefix written at `at` to cover everything after it. */
static inline void tb_size_at(tb_t *t, size_t at)
{
    uint64_t n = t->n - at - 4;
    for (int i = 0; i < 4; i++)
        t->b[at + (size_t)i] = (uint8_t)(n >> (8 * (3 - i)));
}

/* ---- broker endpoints as responses carry them ---- */

#define TEST_HOST "proxy.test"
#define TEST_PORT(node) (30000 + (node))

/* node_id, host, port: as the broker sent it, or (mapped) as kchaos must pass it on. Endpoints
 * with a negative node id or a null host are never mapped. */
static inline void tb_endpoint(tb_t *t, bool flex, bool mapped, int32_t node, const char *host,
                               int32_t port)
{
    bool m = mapped && node >= 0 && host;
    tb_i32(t, node);
    tb_str(t, flex, m ? TEST_HOST : host);
    tb_i32(t, m ? TEST_PORT(node) : port);
}

/* A real-looking broker host for node n. */
static inline const char *test_broker_host(int32_t n)
{
    static char h[8][64];
    char *p = h[n & 7];
    snprintf(p, 64, "broker-%d.kafka.cluster.internal", n);
    return p;
}

/* KIP-951 node_endpoints (always compact): nodes first..first+n-1, with a rack on odd nodes and
 * an unknown tagged field on the second element. */
static inline void tb_node_endpoints(tb_t *t, bool mapped, int32_t first, int n)
{
    tb_arr(t, true, n);
    for (int i = 0; i < n; i++) {
        int32_t node = first + i;
        tb_endpoint(t, true, mapped, node, test_broker_host(node), 9092 + node);
        tb_str(t, true, node % 2 ? "rack-a" : NULL);
        if (i == 1) {
            tb_uv(t, 1);
            tb_tag(t, 4, "\x01\x02\x03\x04\x05", 5);
        } else {
            tb_tags0(t, true);
        }
    }
}

/* A tagged field whose value is built by fn (its size is only known once it is written). */
static inline void tb_tag_with(tb_t *t, uint32_t tag, void (*fn)(tb_t *, void *), void *ctx)
{
    tb_t *v = malloc(sizeof(*v));
    assert_non_null(v);
    v->n = 0;
    fn(v, ctx);
    tb_tag(t, tag, v->b, v->n);
    free(v);
}

/* ---- an address map for the rewriters ---- */

typedef struct test_map {
    int calls;
    int32_t fail_node; /* this node id cannot be mapped: -ERANGE */
    int32_t last_node;
    char last_host[256];
    int32_t last_port;
} test_map_t;

static inline int test_map_fn(void *ctx, int32_t node_id, kc_str_t host, int32_t port,
                              kc_str_t *out_host, int32_t *out_port)
{
    test_map_t *m = ctx;
    m->calls++;
    m->last_node = node_id;
    assert_true(host.len >= 0 && (size_t)host.len < sizeof(m->last_host));
    memcpy(m->last_host, host.p, (size_t)host.len);
    m->last_host[host.len] = 0;
    m->last_port = port;
    if (node_id == m->fail_node) return -ERANGE;
    *out_host = (kc_str_t){TEST_HOST, (int32_t)strlen(TEST_HOST)};
    *out_port = TEST_PORT(node_id);
    return 0;
}

static inline kc_addr_map_t test_map(test_map_t *m)
{
    *m = (test_map_t){.fail_node = INT32_MIN};
    return (kc_addr_map_t){test_map_fn, m};
}

/* ---- splices ---- */

/* The message as it goes on the wire once sp is applied. */
static inline size_t splice_apply(const uint8_t *msg, size_t len, const kc_splice_t *sp,
                                  uint8_t *out, size_t cap)
{
    if (!sp->buf) {
        assert_true(len <= cap);
        memcpy(out, msg, len);
        return len;
    }
    assert_true((size_t)sp->off + sp->len <= len);
    size_t n = len - sp->len + sp->buf_len;
    assert_true(n <= cap);
    memcpy(out, msg, sp->off);
    memcpy(out + sp->off, sp->buf->data, sp->buf_len);
    memcpy(out + sp->off + sp->buf_len, msg + sp->off + sp->len, len - sp->off - sp->len);
    return n;
}

/* ---- running a response rewriter on a body ---- */

typedef int (*test_rw_fn)(kc_rd_t *r, int16_t version, const kc_addr_map_t *map, kc_pool_t *pool,
                          kc_splice_t *sp);

typedef struct rw_out {
    int rc;
    size_t end; /* reader offset when the rewriter returned */
    bool spliced;
    kc_splice_t sp; /* offsets only; the buffer is gone */
    size_t len;
    uint8_t b[16384];
} rw_out_t;

/* Run fn over a heap copy of exactly len bytes (so the sanitizer build sees any read past it). */
static inline void rw_run(test_rw_fn fn, int16_t v, bool flex, const uint8_t *body, size_t len,
                          const kc_addr_map_t *map, kc_pool_t *pool, rw_out_t *o)
{
    uint8_t *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    if (len) memcpy(copy, body, len);
    kc_rd_t r;
    kc_rd_init(&r, copy, len, flex);
    kc_splice_t sp = {0};
    o->rc = fn(&r, v, map, pool, &sp);
    o->end = kc_rd_off(&r);
    assert_true(o->end <= len);
    o->spliced = sp.buf != NULL;
    if (o->rc) assert_null(sp.buf); /* a failed rewrite leaves nothing to release */
    o->len = splice_apply(copy, len, &sp, o->b, sizeof(o->b));
    o->sp = sp;
    o->sp.buf = NULL;
    kc_splice_release(pool, &sp);
    free(copy);
}

/* A rewriter's surroundings for tests that look at its runs themselves: a pool, the recording
 * map and one output. rw_env_free checks that no pool buffer leaked. */
typedef struct rw_env {
    kc_pool_t pool;
    test_map_t m;
    kc_addr_map_t map;
    rw_out_t o;
} rw_env_t;

static inline rw_env_t *rw_env_new(void)
{
    rw_env_t *e = malloc(sizeof(*e));
    assert_non_null(e);
    kc_buf_pool_init(&e->pool, 1 << 20);
    e->map = test_map(&e->m);
    return e;
}

/* Run fn over in into e->o. */
static inline rw_out_t *rw_env_run(rw_env_t *e, test_rw_fn fn, int16_t v, bool flex,
                                   const tb_t *in)
{
    rw_run(fn, v, flex, in->b, in->n, &e->map, &e->pool, &e->o);
    return &e->o;
}

/* Run fn over bytes spelled out in hex (tb_hex) into e->o. */
static inline rw_out_t *rw_env_run_hex(rw_env_t *e, test_rw_fn fn, int16_t v, bool flex,
                                       const char *hex)
{
    tb_t *in = calloc(1, sizeof(*in));
    assert_non_null(in);
    tb_hex(in, hex);
    rw_env_run(e, fn, v, flex, in);
    free(in);
    return &e->o;
}

static inline void rw_env_free(rw_env_t *e)
{
    assert_int_equal(e->pool.live_bytes, 0);
    kc_buf_pool_free(&e->pool);
    free(e);
}

/* The full contract of a rewriter for one valid input: output == expected, a second pass over
 * the output is a no-op, truncations fail exactly when they cut what the rewriter reads, and
 * the pool is back to empty. Returns the number of addresses mapped in the first pass. */
static inline int rw_check(test_rw_fn fn, int16_t v, bool flex, const tb_t *in, const tb_t *want)
{
    rw_env_t *e = rw_env_new();
    rw_out_t *o = &e->o, *o2 = malloc(sizeof(*o2));
    assert_non_null(o2);

    rw_run(fn, v, flex, in->b, in->n, &e->map, &e->pool, o);
    assert_int_equal(o->rc, 0);
    assert_int_equal(o->len, want->n);
    assert_memory_equal(o->b, want->b, want->n);
    assert_int_equal(o->spliced, in->n != want->n || memcmp(in->b, want->b, in->n) != 0);
    int calls = e->m.calls;

    /* Addresses already mapped map to themselves: nothing changes the second time. */
    rw_run(fn, v, flex, o->b, o->len, &e->map, &e->pool, o2);
    assert_int_equal(o2->rc, 0);
    assert_false(o2->spliced);

    for (size_t cut = 0; cut < in->n; cut++) {
        rw_run(fn, v, flex, in->b, cut, &e->map, &e->pool, o2);
        if (cut < o->end) {
            assert_int_not_equal(o2->rc, 0);
        } else {
            assert_int_equal(o2->rc, 0);
            assert_int_equal(o2->spliced, o->spliced);
        }
    }
    rw_env_free(e);
    free(o2);
    return calls;
}

/* rw_check of a body and its expected output spelled out in hex (tb_hex). */
static inline int rw_check_hex(test_rw_fn fn, int16_t v, bool flex, const char *in_hex,
                               const char *want_hex)
{
    tb_t *in = calloc(1, sizeof(*in)), *want = calloc(1, sizeof(*want));
    assert_non_null(in);
    assert_non_null(want);
    tb_hex(in, in_hex);
    tb_hex(want, want_hex);
    int calls = rw_check(fn, v, flex, in, want);
    free(in);
    free(want);
    return calls;
}

/* A rewriter must refuse a response naming a node the map cannot place, and leave no splice. */
static inline void rw_check_unmappable(test_rw_fn fn, int16_t v, bool flex, const tb_t *in,
                                       int32_t node)
{
    rw_env_t *e = rw_env_new();
    e->m.fail_node = node;
    rw_out_t *o = rw_env_run(e, fn, v, flex, in);
    assert_int_equal(o->rc, -ERANGE);
    assert_false(o->spliced);
    assert_int_equal(e->m.last_node, node);
    rw_env_free(e);
}

#endif
