/* A session without sockets, for unit tests of the pipeline and the stages on it (faults): a
 * recording owner (every frame sent each way, closes, wakes), a fixture with a pool, a route
 * and an env, bytes fed from either side, and the frames the tests build. */
#ifndef KC_TEST_SESSION_FX_H
#define KC_TEST_SESSION_FX_H

#include "kafka/api.h"
#include "kc_test.h"
#include "pipeline.h"

/* ---- a recording owner ---- */

typedef struct rec {
    kc_pool_t *pool;
    int32_t corr[2][2048]; /* correlation ids sent, per direction (0 upstream, 1 client) */
    int n[2];
    tb_t bytes[2];       /* everything sent, per direction, as it went on the wire */
    bool closed, reset;
    char why[256];
    uint64_t wake;
    int wakes;
} rec_t;

static inline int io_send(void *ctx, kc_dir_t to, kc_frame_t *f)
{
    rec_t *r = ctx;
    int d = to == KC_TO_CLIENT;
    uv_buf_t iov[128];
    assert_true(kc_frame_niov(f) <= 128);
    unsigned k = kc_frame_iov(f, iov);
    size_t start = r->bytes[d].n;
    for (unsigned i = 0; i < k; i++)
        tb_raw(&r->bytes[d], iov[i].base, iov[i].len);
    /* Requests carry their correlation id after api key and version; responses first. */
    const uint8_t *m = r->bytes[d].b + start + 4;
    assert_true(r->n[d] < 2048);
    r->corr[d][r->n[d]++] = (int32_t)kc_be32(d ? m : m + 4);
    kc_frame_release(r->pool, f);
    return 0;
}

static inline void io_close(void *ctx, kc_log_level_t level, bool reset, const char *why)
{
    (void)level;
    rec_t *r = ctx;
    assert_false(r->closed); /* once */
    r->closed = true;
    r->reset = reset;
    snprintf(r->why, sizeof(r->why), "%s", why);
}

static inline void io_wake(void *ctx, uint64_t at)
{
    rec_t *r = ctx;
    r->wake = at;
    r->wakes++;
}

static const kc_session_io_t rec_io __attribute__((unused)) = {io_send, io_close, io_wake};

/* ---- fixture ---- */

typedef struct fx {
    kc_pool_t pool;
    kc_route_t route;
    kc_intern_t ids;
    kc_pipe_env_t env;
    kc_session_t s;
    rec_t rec;
} fx_t;

static inline fx_t *fx_new(kc_decide_fn req, kc_decide_fn resp, void *ctx)
{
    fx_t *f = calloc(1, sizeof(*f));
    kc_buf_pool_init(&f->pool, 1 << 22);
    kc_route_init(&f->route, "kchaos.test", 29000, 0, NULL, 0);
    assert_int_equal(kc_intern_init(&f->ids, 64), 0);
    f->env = (kc_pipe_env_t){.pool = &f->pool, .route = &f->route, .client_ids = &f->ids,
                             .max_frame = 1 << 20, .decide_request = req,
                             .decide_response = resp, .decide_ctx = ctx};
    f->rec.pool = &f->pool;
    assert_int_equal(kc_session_init(&f->s, &f->env, &rec_io, &f->rec, (kc_log_ctx_t){.conn = 1}), 0);
    return f;
}

static inline void fx_free(fx_t *f)
{
    kc_session_free(&f->s);
    kc_route_free(&f->route);
    kc_intern_free(&f->ids);
    assert_int_equal(f->pool.live_bytes, 0); /* every frame and edit went back */
    kc_buf_pool_free(&f->pool);
    free(f);
}

/* Bytes from one side, in reads of at most `step` bytes; returns the last recv's result. */
static inline int feed_step(fx_t *f, bool from_client, const tb_t *t, size_t step, uint64_t now)
{
    int rc = 0;
    for (size_t off = 0; off < t->n && rc == 0;) {
        uv_buf_t b;
        kc_session_alloc(&f->s, from_client, &b);
        assert_non_null(b.base);
        size_t k = t->n - off < b.len ? t->n - off : b.len;
        k = k < step ? k : step;
        memcpy(b.base, t->b + off, k);
        rc = kc_session_recv(&f->s, from_client, k, now);
        off += k;
    }
    return rc;
}

static inline int feed(fx_t *f, bool from_client, const tb_t *t, uint64_t now)
{
    return feed_step(f, from_client, t, SIZE_MAX, now);
}

/* ---- frames ---- */

/* A request with header v1 (non-flexible versions only here). */
static inline size_t req_begin(tb_t *t, int16_t key, int16_t ver, int32_t corr)
{
    size_t at = t->n;
    tb_i32(t, 0);
    tb_i16(t, key);
    tb_i16(t, ver);
    tb_i32(t, corr);
    tb_str(t, false, "test-client");
    return at;
}

/* ListOffsets v1: kchaos passes it without reading the body. */
static inline void list_offsets(tb_t *t, int32_t corr)
{
    size_t at = req_begin(t, 2, 1, corr);
    tb_i32(t, -1);
    tb_arr(t, false, 0);
    tb_size_at(t, at);
}

static inline void produce_v3(tb_t *t, int32_t corr, int16_t acks)
{
    size_t at = req_begin(t, KC_API_PRODUCE, 3, corr);
    tb_str(t, false, NULL); /* transactional_id */
    tb_i16(t, acks);
    tb_i32(t, 30000);
    tb_arr(t, false, 0);
    tb_size_at(t, at);
}

/* A response to a request kchaos does not rewrite: header v0 and an opaque body. */
static inline void resp_opaque(tb_t *t, int32_t corr, const char *body)
{
    size_t at = t->n;
    tb_i32(t, 0);
    tb_i32(t, corr);
    tb_raw(t, body, strlen(body));
    tb_size_at(t, at);
}


static inline void check_corrs(const rec_t *r, int d, const int32_t *want, int n)
{
    assert_int_equal(r->n[d], n);
    for (int i = 0; i < n; i++)
        assert_int_equal(r->corr[d][i], want[i]);
}

#endif
