/* ApiVersions (ApiVersionsRequest.json / ApiVersionsResponse.json, v0-5, flexible 3+; the
 * response header is always v0). */
#include "api_versions.h"

#include "api.h"

#include <stdbool.h>

int kc_api_versions_request_parse(kc_rd_t *r, int16_t v, kc_str_t *name, kc_str_t *version)
{
    *name = *version = (kc_str_t){NULL, -1};
    if (v >= 3) {
        *name = kc_rd_str(r);
        *version = kc_rd_str(r);
    }
    return r->err;
}

typedef struct entry {
    uint32_t off; /* of the element */
    int16_t key, min, max;
} entry_t;

static void read_entry(kc_rd_t *r, entry_t *e)
{
    e->off = (uint32_t)kc_rd_off(r);
    e->key = kc_rd_i16(r);
    e->min = kc_rd_i16(r);
    e->max = kc_rd_i16(r);
    kc_rd_tags_skip(r);
}

/* Keys kchaos does not know might carry addresses; a decoded API whose every version is newer
 * than kchaos reads can't be clamped into a valid range. Both leave the list. */
static bool keep(const entry_t *e)
{
    const kc_api_t *a = kc_api_get(e->key);
    return a && !(a->decode_max >= 0 && e->min > a->decode_max);
}

/* Second pass, only when keys must go: copy the array without them. */
static int remove_unknown(const kc_rd_t *r, int32_t n, size_t from, size_t to, kc_pool_t *pool,
                          kc_splice_t *sp, int nremoved)
{
    kc_rd_t a = *r;
    a.p = a.start + from;
    kc_rd_array(&a, 6);
    kc_wr_t w;
    kc_wr_init(&w, pool, to - from, r->flex);
    kc_wr_array(&w, n - nremoved);
    for (int32_t i = 0; i < n && !a.err; i++) {
        entry_t e;
        read_entry(&a, &e);
        if (keep(&e))
            kc_wr_raw(&w, a.start + e.off, kc_rd_off(&a) - e.off);
    }
    if (a.err || w.err) {
        kc_wr_release(&w);
        return -KC_EPROTO;
    }
    size_t len;
    sp->off = (uint32_t)from;
    sp->len = (uint32_t)(to - from);
    sp->buf = kc_wr_take(&w, &len);
    sp->buf_len = (uint32_t)len;
    return 0;
}

int kc_api_versions_response_rewrite(uint8_t *msg, kc_rd_t *r, kc_pool_t *pool,
                                     kc_splice_t *sp, kc_api_versions_edit_t *edit)
{
    *edit = (kc_api_versions_edit_t){0};
    /* An error response (KIP-511: UNSUPPORTED_VERSION, answered in v0 by Kafka and in other
     * shapes by other brokers) lists at most the ApiVersions range, which the client uses only
     * to retry; kchaos answers too-new retries itself. It passes as it is. */
    if (kc_rd_i16(r) != 0 || r->err)
        return r->err;
    size_t from = kc_rd_off(r);
    int32_t n = kc_rd_array(r, 6);
    for (int32_t i = 0; i < n && !r->err; i++) {
        entry_t e;
        read_entry(r, &e);
        const kc_api_t *a = kc_api_get(e.key);
        if (!keep(&e)) {
            if (edit->nremoved < (int)(sizeof(edit->removed) / sizeof(edit->removed[0])))
                edit->removed[edit->nremoved] = e.key;
            edit->nremoved++;
        } else if (a->decode_max >= 0 && e.max > a->decode_max && !r->err) {
            kc_put_be16(msg + e.off + 4, (uint16_t)a->decode_max);
            edit->nclamped++;
        }
    }
    if (r->err)
        return r->err;
    /* throttle_time_ms (v1+) and the v3+ feature tags follow and pass as they are. */
    if (edit->nremoved)
        return remove_unknown(r, n, from, kc_rd_off(r), pool, sp, edit->nremoved);
    return 0;
}

int kc_api_versions_unsupported(kc_wr_t *w, int32_t correlation_id)
{
    const kc_api_t *a = kc_api_get(KC_API_API_VERSIONS);
    size_t at = w->len;
    kc_wr_i32(w, 0); /* size, patched below */
    kc_wr_i32(w, correlation_id);
    kc_wr_i16(w, KC_ERR_UNSUPPORTED_VERSION);
    kc_wr_array(w, 1);
    kc_wr_i16(w, KC_API_API_VERSIONS);
    kc_wr_i16(w, 0);
    kc_wr_i16(w, a->decode_max);
    if (!w->err)
        kc_put_be32(w->buf->data + at, (uint32_t)(w->len - at - 4));
    return w->err;
}
