/* Fuzz the ApiVersions request parser and response rewrite (proxy/kafka/api_versions.c).
 * Input: a byte choosing request or response, a byte for the version (0-5), then the request
 * body, or the response message (correlation id, body).
 *
 * Response invariants: the output lists the input's known api keys in order with the same
 * min_version, every max_version at most what kchaos decodes and never raised, only unknown
 * keys removed; and a second pass changes nothing. */
#include "kafka/api.h"
#include "kafka/api_versions.h"
#include "fuzz.h"

static kc_pool_t pool;
static int pool_ready;

typedef struct entry {
    int16_t key, min, max;
} entry_t;

/* The api_keys array of a response message, or -1 when it does not parse. */
static int32_t read_keys(const uint8_t *m, size_t len, bool flex, entry_t **out)
{
    kc_rd_t r;
    kc_rd_init(&r, m, len, flex);
    kc_rd_i32(&r);
    kc_rd_i16(&r);
    int32_t n = kc_rd_array(&r, 6);
    *out = NULL;
    if (r.err) return -1;
    if (n < 0) n = 0; /* a null array (not valid Kafka, but it passes as it is) */
    entry_t *e = calloc((size_t)n + 1, sizeof(*e));
    CHECK(e != NULL);
    for (int32_t i = 0; i < n; i++) {
        e[i].key = kc_rd_i16(&r);
        e[i].min = kc_rd_i16(&r);
        e[i].max = kc_rd_i16(&r);
        kc_rd_tags_skip(&r);
    }
    if (r.err) {
        free(e);
        return -1;
    }
    *out = e;
    return n;
}

static void response(int16_t v, const uint8_t *data, size_t len)
{
    bool flex = v >= 3;
    uint8_t *m = fuzz_copy(data, len);
    uint8_t *orig = fuzz_copy(data, len);
    kc_rd_t r;
    kc_rd_init(&r, m, len, flex);
    kc_rd_i32(&r); /* correlation id: header v0 always (KIP-511) */
    if (r.err) goto out;
    kc_splice_t sp = {0};
    kc_api_versions_edit_t ed;
    int rc = kc_api_versions_response_rewrite(m, &r, &pool, &sp, &ed);
    if (rc) {
        CHECK(rc == -KC_EPROTO);
        CHECK(sp.buf == NULL);
        goto out;
    }
    CHECK((ed.nremoved > 0) == (sp.buf != NULL));
    size_t olen = len;
    uint8_t *o = m;
    if (sp.buf) {
        olen = len - sp.len + sp.buf_len;
        o = malloc(olen);
        memcpy(o, m, sp.off);
        memcpy(o + sp.off, sp.buf->data, sp.buf_len);
        memcpy(o + sp.off + sp.buf_len, m + sp.off + sp.len, len - sp.off - sp.len);
        kc_splice_release(&pool, &sp);
    }
    if ((int16_t)kc_be16(orig + 4) == 0) {
        entry_t *in, *outk;
        int32_t nin = read_keys(orig, len, flex, &in);
        int32_t nout = read_keys(o, olen, flex, &outk);
        CHECK(nin >= 0 && nout >= 0);
        CHECK(nout == nin - ed.nremoved);
        int32_t j = 0, clamped = 0;
        for (int32_t i = 0; i < nin; i++) {
            const kc_api_t *a = kc_api_get(in[i].key);
            /* Removed: unknown keys, and APIs offered only above what kchaos decodes. */
            if (!a || (a->decode_max >= 0 && in[i].min > a->decode_max))
                continue;
            CHECK(outk[j].key == in[i].key);
            CHECK(outk[j].min == in[i].min); /* never touched */
            CHECK(outk[j].max <= in[i].max);
            if (a->decode_max >= 0 && in[i].max > a->decode_max) {
                CHECK(outk[j].max == a->decode_max);
                clamped++;
            } else {
                CHECK(outk[j].max == in[i].max);
            }
            j++;
        }
        CHECK(j == nout);
        CHECK(clamped == ed.nclamped);
        free(in);
        free(outk);
    } else {
        /* Error responses pass untouched. */
        CHECK(ed.nclamped == 0 && ed.nremoved == 0);
        CHECK(memcmp(m, orig, len) == 0);
    }
    /* Second pass: nothing left to do. */
    uint8_t *again = fuzz_copy(o, olen);
    kc_rd_init(&r, again, olen, flex);
    kc_rd_i32(&r);
    kc_splice_t sp2 = {0};
    CHECK(kc_api_versions_response_rewrite(again, &r, &pool, &sp2, &ed) == 0);
    CHECK(ed.nclamped == 0 && ed.nremoved == 0 && sp2.buf == NULL);
    CHECK(memcmp(again, o, olen) == 0);
    free(again);
    if (o != m) free(o);
out:
    free(m);
    free(orig);
}

static void request(int16_t v, const uint8_t *data, size_t len)
{
    uint8_t *b = fuzz_copy(data, len);
    kc_rd_t r;
    kc_rd_init(&r, b, len, v >= 3);
    kc_str_t name, ver;
    int rc = kc_api_versions_request_parse(&r, v, &name, &ver);
    CHECK(rc == r.err);
    if (rc == 0) {
        if (v < 3) {
            CHECK(name.len == -1 && ver.len == -1 && kc_rd_off(&r) == 0);
        } else {
            if (name.len >= 0) CHECK(in_range(name.p, (size_t)name.len, b, len));
            if (ver.len >= 0) CHECK(in_range(ver.p, (size_t)ver.len, b, len));
        }
    }
    free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    if (!pool_ready) {
        kc_buf_pool_init(&pool, 1 << 22);
        pool_ready = 1;
    }
    int16_t v = (int16_t)(data[1] % 6);
    if (data[0] & 1)
        response(v, data + 2, size - 2);
    else
        request(v, data + 2, size - 2);
    CHECK(pool.live_bytes == 0);
    return 0;
}
