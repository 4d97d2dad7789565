/* Bounds-checked reader and writer for Kafka wire data: see wire.h. Encodings follow
 * org.apache.kafka.common.protocol.types.Type and KIP-482 (compact forms, tagged fields). */
#include "wire.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void kc_rd_init(kc_rd_t *r, const void *p, size_t n, bool flex)
{
    r->start = r->p = p;
    r->end = r->p + n;
    r->err = 0;
    r->flex = flex;
    r->strict = false;
}

void kc_rd_fail(kc_rd_t *r)
{
    if (!r->err)
        r->err = -KC_EPROTO;
    r->p = r->end; /* every later read underflows */
}

const uint8_t *kc_rd_raw(kc_rd_t *r, size_t n)
{
    if (r->err || kc_rd_left(r) < n) {
        kc_rd_fail(r);
        return NULL;
    }
    const uint8_t *p = r->p;
    r->p += n;
    return p;
}

int8_t kc_rd_i8(kc_rd_t *r)
{
    const uint8_t *p = kc_rd_raw(r, 1);
    return p ? (int8_t)p[0] : 0;
}

int16_t kc_rd_i16(kc_rd_t *r)
{
    const uint8_t *p = kc_rd_raw(r, 2);
    return p ? (int16_t)kc_be16(p) : 0;
}

int32_t kc_rd_i32(kc_rd_t *r)
{
    const uint8_t *p = kc_rd_raw(r, 4);
    return p ? (int32_t)kc_be32(p) : 0;
}

int64_t kc_rd_i64(kc_rd_t *r)
{
    const uint8_t *p = kc_rd_raw(r, 8);
    return p ? (int64_t)((uint64_t)kc_be32(p) << 32 | kc_be32(p + 4)) : 0;
}

void kc_rd_uuid(kc_rd_t *r, uint8_t out[16])
{
    const uint8_t *p = kc_rd_raw(r, 16);
    if (p)
        memcpy(out, p, 16);
    else
        memset(out, 0, 16);
}

static uint64_t rd_uvarint_n(kc_rd_t *r, int max_bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < max_bytes; i++) {
        const uint8_t *p = kc_rd_raw(r, 1);
        if (!p)
            return 0;
        v |= (uint64_t)(*p & 0x7f) << (7 * i);
        if (!(*p & 0x80)) {
            if (r->strict && i > 0 && *p == 0) {
                kc_rd_fail(r); /* over-long: a trailing zero group no writer emits */
                return 0;
            }
            return v;
        }
    }
    kc_rd_fail(r); /* too many continuation bytes */
    return 0;
}

uint32_t kc_rd_uvarint(kc_rd_t *r)
{
    uint64_t v = rd_uvarint_n(r, 5);
    if (v > UINT32_MAX) {
        kc_rd_fail(r);
        return 0;
    }
    return (uint32_t)v;
}

int32_t kc_rd_varint(kc_rd_t *r)
{
    uint32_t z = kc_rd_uvarint(r);
    return (int32_t)((z >> 1) ^ (~(z & 1) + 1));
}

int64_t kc_rd_varlong(kc_rd_t *r)
{
    uint64_t z = rd_uvarint_n(r, 10);
    return (int64_t)((z >> 1) ^ (~(z & 1) + 1));
}

/* Length of a nullable string/bytes/array: classic width, or compact N+1. */
static int64_t rd_len(kc_rd_t *r, int classic_width)
{
    if (r->flex)
        return (int64_t)kc_rd_uvarint(r) - 1;
    return classic_width == 2 ? kc_rd_i16(r) : kc_rd_i32(r);
}

static kc_str_t rd_str_len(kc_rd_t *r, int64_t n)
{
    kc_str_t s = {NULL, -1};
    if (n < -1) {
        kc_rd_fail(r);
        return s;
    }
    if (n >= 0) {
        s.p = (const char *)kc_rd_raw(r, (size_t)n);
        s.len = s.p ? (int32_t)n : -1;
    }
    return s;
}

kc_str_t kc_rd_str(kc_rd_t *r) { return rd_str_len(r, rd_len(r, 2)); }

kc_str_t kc_rd_str16(kc_rd_t *r) { return rd_str_len(r, kc_rd_i16(r)); }

int32_t kc_rd_bytes(kc_rd_t *r, const uint8_t **b)
{
    int64_t n = rd_len(r, 4);
    *b = NULL;
    if (n < -1 || n > (int64_t)kc_rd_left(r)) {
        kc_rd_fail(r);
        return -1;
    }
    if (n >= 0)
        *b = kc_rd_raw(r, (size_t)n);
    return (int32_t)n;
}

int32_t kc_rd_array(kc_rd_t *r, size_t min_elem)
{
    int64_t n = rd_len(r, 4);
    if (r->err || n < -1 || (n > 0 && (uint64_t)n * (min_elem ? min_elem : 1) > kc_rd_left(r))) {
        kc_rd_fail(r);
        return -1;
    }
    return (int32_t)n;
}

void kc_rd_tags(kc_rd_t *r, kc_rd_tag_fn fn, void *ctx)
{
    if (!r->flex || r->err)
        return;
    uint32_t n = kc_rd_uvarint(r);
    for (uint32_t i = 0; i < n && !r->err; i++) {
        uint32_t tag = kc_rd_uvarint(r);
        uint32_t size = kc_rd_uvarint(r);
        const uint8_t *v = kc_rd_raw(r, size);
        if (!v || !fn)
            continue;
        kc_rd_t sub;
        kc_rd_init(&sub, v, size, true);
        sub.strict = r->strict;
        if (fn(ctx, tag, &sub) != 0)
            kc_rd_fail(r);
    }
}

void kc_rd_tags_kept(kc_rd_t *r, uint32_t known, kc_rd_known_fn fn, void *ctx, kc_tags_kept_t *out)
{
    *out = (kc_tags_kept_t){0};
    if (!r->flex || r->err)
        return;
    uint32_t n = kc_rd_uvarint(r);
    const uint8_t *from = r->p;
    bool seen = false;
    for (uint32_t i = 0; i < n && !r->err; i++) {
        const uint8_t *entry = r->p;
        uint32_t tag = kc_rd_uvarint(r);
        uint32_t size = kc_rd_uvarint(r);
        const uint8_t *v = kc_rd_raw(r, size);
        if (!v)
            break;
        if (!fn || tag != known) {
            out->count++;
            continue;
        }
        kc_rd_t sub;
        kc_rd_init(&sub, v, size, true);
        sub.strict = r->strict;
        if (seen || fn(ctx, &sub) != 0 || sub.err || kc_rd_left(&sub)) {
            kc_rd_fail(r); /* twice, or a value the decoder cannot read back exactly */
            break;
        }
        seen = true;
        out->before = (kc_raw_t){from, (uint32_t)(entry - from)};
        from = r->p;
    }
    if (r->err) {
        *out = (kc_tags_kept_t){0};
        return;
    }
    out->after = (kc_raw_t){from, (uint32_t)(r->p - from)};
}

kc_raw_t kc_rd_tags_raw(kc_rd_t *r)
{
    const uint8_t *from = r->p;
    kc_rd_tags_skip(r);
    if (r->err)
        return (kc_raw_t){NULL, 0};
    return (kc_raw_t){from, (uint32_t)(r->p - from)};
}

void kc_rd_tags_skip(kc_rd_t *r) { kc_rd_tags(r, NULL, NULL); }

/* ---- writer ---- */

void kc_wr_init(kc_wr_t *w, kc_pool_t *pool, size_t hint, bool flex)
{
    *w = (kc_wr_t){.pool = pool, .flex = flex};
    w->buf = kc_buf_get(pool, hint ? hint : 256);
    if (!w->buf)
        w->err = -KC_ENOMEM;
}

static uint8_t *wr_space(kc_wr_t *w, size_t n)
{
    if (w->err)
        return NULL;
    if (w->len + n > w->buf->cap) {
        kc_buf_t *nb = kc_buf_get(w->pool, (w->len + n) * 2);
        if (!nb) {
            w->err = -KC_ENOMEM;
            return NULL;
        }
        memcpy(nb->data, w->buf->data, w->len);
        kc_buf_unref(w->pool, w->buf);
        w->buf = nb;
    }
    uint8_t *p = w->buf->data + w->len;
    w->len += n;
    return p;
}

kc_buf_t *kc_wr_take(kc_wr_t *w, size_t *len)
{
    kc_buf_t *b = w->buf;
    *len = w->len;
    w->buf = NULL;
    w->len = 0;
    return b;
}

void kc_wr_release(kc_wr_t *w)
{
    if (w->buf)
        kc_buf_unref(w->pool, w->buf);
    w->buf = NULL;
    w->len = 0;
}

void kc_wr_raw(kc_wr_t *w, const void *p, size_t n)
{
    uint8_t *d = wr_space(w, n);
    if (d && n)
        memcpy(d, p, n);
}

void kc_wr_i8(kc_wr_t *w, int8_t v)
{
    uint8_t *d = wr_space(w, 1);
    if (d)
        d[0] = (uint8_t)v;
}

void kc_wr_i16(kc_wr_t *w, int16_t v)
{
    uint8_t *d = wr_space(w, 2);
    if (d)
        kc_put_be16(d, (uint16_t)v);
}

void kc_wr_i32(kc_wr_t *w, int32_t v)
{
    uint8_t *d = wr_space(w, 4);
    if (d)
        kc_put_be32(d, (uint32_t)v);
}

void kc_wr_i64(kc_wr_t *w, int64_t v)
{
    uint8_t *d = wr_space(w, 8);
    if (d) {
        kc_put_be32(d, (uint32_t)((uint64_t)v >> 32));
        kc_put_be32(d + 4, (uint32_t)v);
    }
}

size_t kc_uvarint_len(uint32_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

void kc_wr_uvarint(kc_wr_t *w, uint32_t v)
{
    uint8_t *d = wr_space(w, kc_uvarint_len(v));
    if (!d)
        return;
    while (v >= 0x80) {
        *d++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *d = (uint8_t)v;
}

static void wr_len(kc_wr_t *w, int32_t n, int classic_width)
{
    if (w->flex)
        kc_wr_uvarint(w, (uint32_t)(n + 1));
    else if (classic_width == 2)
        kc_wr_i16(w, (int16_t)n);
    else
        kc_wr_i32(w, n);
}

void kc_wr_str(kc_wr_t *w, kc_str_t s)
{
    if (s.len > INT16_MAX && !w->flex) {
        w->err = -KC_EPROTO;
        return;
    }
    wr_len(w, s.len < 0 ? -1 : s.len, 2);
    if (s.len > 0)
        kc_wr_raw(w, s.p, (size_t)s.len);
}

void kc_wr_array(kc_wr_t *w, int32_t count) { wr_len(w, count < 0 ? -1 : count, 4); }

void kc_wr_tags_empty(kc_wr_t *w)
{
    if (w->flex)
        kc_wr_uvarint(w, 0);
}

void kc_wr_tags_kept(kc_wr_t *w, const kc_tags_kept_t *t, uint32_t known, size_t size,
                     void (*fn)(kc_wr_t *w, const void *ctx), const void *ctx)
{
    if (!w->flex)
        return;
    bool with = size != SIZE_MAX;
    if (with && size > UINT32_MAX) {
        w->err = -KC_EPROTO;
        return;
    }
    kc_wr_uvarint(w, t->count + (with ? 1 : 0));
    kc_wr_raw(w, t->before.p, t->before.len);
    if (with) {
        kc_wr_uvarint(w, known);
        kc_wr_uvarint(w, (uint32_t)size);
        size_t at = w->len;
        fn(w, ctx);
        if (!w->err && w->len - at != size)
            abort(); /* the caller's size and its writer disagree: a bug, not bad input */
    }
    kc_wr_raw(w, t->after.p, t->after.len);
}

void kc_wr_tags_raw(kc_wr_t *w, kc_raw_t t)
{
    if (!w->flex)
        return;
    if (t.len)
        kc_wr_raw(w, t.p, t.len);
    else
        kc_wr_uvarint(w, 0);
}

size_t kc_wr_str_size(bool flex, kc_str_t s)
{
    size_t n = s.len > 0 ? (size_t)s.len : 0;
    return n + (flex ? kc_uvarint_len((uint32_t)(s.len < 0 ? 0 : s.len + 1)) : 2);
}

size_t kc_wr_array_size(bool flex, int32_t count)
{
    return flex ? kc_uvarint_len((uint32_t)(count < 0 ? 0 : count + 1)) : 4;
}
