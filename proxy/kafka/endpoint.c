/* Broker endpoints inside responses: see endpoint.h. */
#include "endpoint.h"

#include <string.h>

int kc_endpoint_copy(kc_rd_t *r, kc_wr_t *w, const kc_addr_map_t *map)
{
    int32_t node_id = kc_rd_i32(r);
    kc_str_t host = kc_rd_str(r);
    int32_t port = kc_rd_i32(r);
    if (r->err)
        return r->err;
    if (node_id >= 0 && host.len >= 0) {
        int rc = map->fn(map->ctx, node_id, host, port, &host, &port);
        if (rc)
            return rc;
    }
    kc_wr_i32(w, node_id);
    kc_wr_str(w, host);
    kc_wr_i32(w, port);
    return w->err;
}

int kc_endpoint_array_copy(kc_rd_t *r, kc_wr_t *w, int16_t version, kc_endpoint_rest_fn rest,
                           const kc_addr_map_t *map)
{
    /* Smallest element: node_id, empty host, port. */
    int32_t n = kc_rd_array(r, 9);
    kc_wr_array(w, n);
    for (int32_t i = 0; i < n && !r->err; i++) {
        int rc = kc_endpoint_copy(r, w, map);
        if (rc)
            return rc;
        const uint8_t *p = r->p;
        rest(r, version);
        kc_wr_raw(w, p, (size_t)(r->p - p));
    }
    return r->err ? r->err : w->err;
}

void kc_endpoint_skip_rack_tags(kc_rd_t *r, int16_t version)
{
    (void)version;
    kc_rd_str(r); /* rack */
    kc_rd_tags_skip(r);
}

int kc_endpoint_finish(kc_rd_t *r, kc_wr_t *w, size_t from, int rc, kc_splice_t *sp)
{
    if (!rc)
        rc = r->err ? r->err : w->err;
    size_t len = kc_rd_off(r) - from;
    if (rc || (w->len == len && memcmp(w->buf->data, r->start + from, len) == 0)) {
        kc_wr_release(w); /* failed, or nothing changed: forward the original bytes */
        return rc;
    }
    size_t n;
    sp->off = (uint32_t)from;
    sp->len = (uint32_t)len;
    sp->buf = kc_wr_take(w, &n);
    sp->buf_len = (uint32_t)n;
    return 0;
}

int kc_endpoint_tags_rewrite(kc_rd_t *r, uint32_t tag, const kc_addr_map_t *map, kc_pool_t *pool,
                             kc_splice_t *sp)
{
    if (!r->flex)
        return 0;
    size_t from = kc_rd_off(r);
    kc_wr_t w, val;
    kc_wr_init(&w, pool, 512, true);
    kc_wr_init(&val, pool, 512, true);
    uint32_t n = kc_rd_uvarint(r);
    kc_wr_uvarint(&w, n);
    int rc = 0;
    for (uint32_t i = 0; i < n && !r->err && !rc; i++) {
        uint32_t t = kc_rd_uvarint(r);
        uint32_t size = kc_rd_uvarint(r);
        const uint8_t *v = kc_rd_raw(r, size);
        if (!v)
            break;
        kc_wr_uvarint(&w, t);
        if (t != tag) {
            kc_wr_uvarint(&w, size);
            kc_wr_raw(&w, v, size);
            continue;
        }
        kc_rd_t sub;
        kc_rd_init(&sub, v, size, true);
        val.len = 0;
        rc = kc_endpoint_array_copy(&sub, &val, 0, kc_endpoint_skip_rack_tags, map);
        kc_wr_raw(&val, sub.p, kc_rd_left(&sub)); /* keep anything after the array as it was */
        kc_wr_uvarint(&w, (uint32_t)val.len);
        kc_wr_raw(&w, val.buf ? val.buf->data : NULL, val.len);
    }
    kc_wr_release(&val);
    return kc_endpoint_finish(r, &w, from, rc, sp);
}
