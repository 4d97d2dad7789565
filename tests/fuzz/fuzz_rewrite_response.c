/* Fuzz kc_rewrite_response (proxy/route/rewrite.c) for every api key and version it handles,
 * with the real broker map behind it. Input: a byte choosing the api key, a byte choosing the
 * version (bounded to what the rewriter handles for that key), then the response message
 * (header and body).
 *
 * Invariant beyond "no crash": a successful rewrite's output, parsed again by the same
 * rewriter, is a no-op: every address in it is already kchaos's, the ApiVersions clamp has
 * nothing left to lower or remove, so no splice and no byte patched in place. */
#include "kafka/api.h"
#include "route/rewrite.h"
#include "fuzz.h"

static const struct {
    int16_t key, from; /* first version the rewriter reads */
} apis[] = {
    {KC_API_PRODUCE, 10},     {KC_API_FETCH, 16},
    {KC_API_METADATA, 0},     {KC_API_FIND_COORDINATOR, 0},
    {KC_API_API_VERSIONS, 0}, {KC_API_DESCRIBE_CLUSTER, 0},
    {KC_API_SHARE_FETCH, 0},  {KC_API_SHARE_ACKNOWLEDGE, 0},
};

static kc_pool_t pool;
static int pool_ready;

/* The spliced message as the client would receive it. */
static uint8_t *apply(const uint8_t *m, size_t len, const kc_splice_t *sp, size_t *out_len)
{
    CHECK((size_t)sp->off + sp->len <= len);
    size_t n = len - sp->len + sp->buf_len;
    uint8_t *o = malloc(n ? n : 1);
    CHECK(o != NULL);
    memcpy(o, m, sp->off);
    memcpy(o + sp->off, sp->buf->data, sp->buf_len);
    memcpy(o + sp->off + sp->buf_len, m + sp->off + sp->len, len - sp->off - sp->len);
    *out_len = n;
    return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    if (!pool_ready) {
        kc_buf_pool_init(&pool, 1 << 22);
        pool_ready = 1;
    }
    int16_t key = apis[data[0] % (sizeof(apis) / sizeof(apis[0]))].key;
    int16_t from = apis[data[0] % (sizeof(apis) / sizeof(apis[0]))].from;
    int16_t max = kc_api_get(key)->decode_max;
    int16_t v = (int16_t)(from + data[1] % (max - from + 1));
    size_t len = size - 2;
    uint8_t *m = fuzz_copy(data + 2, len);

    kc_route_t rt;
    kc_route_init(&rt, "kchaos.test", 29000, 0, NULL, 0);
    kc_splice_t sp;
    kc_rewrite_info_t info;
    int rc = kc_rewrite_response(&rt, &pool, key, v, m, len, &sp, &info);
    if (rc) {
        CHECK(sp.buf == NULL); /* nothing to release, nothing to send */
        goto out;
    }
    CHECK(info.api_versions.nclamped >= 0 && info.api_versions.nremoved >= 0);
    if (key != KC_API_API_VERSIONS)
        CHECK(info.api_versions.nclamped == 0 && info.api_versions.nremoved == 0);
    else
        CHECK(info.naddrs == 0);
    /* Each address noted is the port the broker map gives that node. */
    CHECK(info.naddrs >= 0);
    for (int i = 0; i < info.naddrs && i < KC_REWRITE_ADDRS; i++) {
        uint16_t port;
        CHECK(kc_route_port(&rt, info.addrs[i].node_id, &port) == 0);
        CHECK(port == info.addrs[i].port);
    }
    CHECK(rt.nbrokers <= info.naddrs); /* every broker learned was handed out */

    size_t out_len = len;
    uint8_t *out;
    if (sp.buf) {
        CHECK(sp.off >= 4); /* never inside the correlation id */
        out = apply(m, len, &sp, &out_len);
    } else {
        out = fuzz_copy(m, len);
    }
    kc_splice_release(&pool, &sp);

    /* Second pass over what the client would get. */
    uint8_t *before = fuzz_copy(out, out_len);
    kc_splice_t sp2;
    kc_rewrite_info_t info2;
    int rc2 = kc_rewrite_response(&rt, &pool, key, v, out, out_len, &sp2, &info2);
    CHECK(rc2 == 0);
    CHECK(sp2.buf == NULL);
    CHECK(info2.api_versions.nclamped == 0 && info2.api_versions.nremoved == 0);
    CHECK(info2.naddrs == info.naddrs); /* the same addresses, already kchaos's */
    CHECK(memcmp(out, before, out_len) == 0);
    kc_splice_release(&pool, &sp2);
    free(before);
    free(out);
    /* Every broker the map learned got the port the rule gives. */
    for (int i = 0; i < rt.nbrokers; i++) {
        uint16_t port;
        CHECK(kc_route_port(&rt, rt.brokers[i].node_id, &port) == 0);
        CHECK(port == rt.brokers[i].listen_port);
        CHECK(i == 0 || rt.brokers[i - 1].node_id < rt.brokers[i].node_id);
    }
out:
    kc_route_free(&rt);
    free(m);
    CHECK(pool.live_bytes == 0);
    return 0;
}
