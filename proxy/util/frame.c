/* Frames and their edits: see frame.h. */
#include "frame.h"

#include <string.h>

#include "error.h"

#define EDITS_FIRST 4 /* room in a frame's first edit list; it doubles when full */

static inline void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

kc_frame_t kc_frame_of(kc_buf_t *b, uint32_t len)
{
    put_be32(b->data, len - 4);
    return (kc_frame_t){.buf = b, .data = b->data, .len = len};
}

static kc_buf_t *edits_alloc(kc_pool_t *pool, uint32_t cap)
{
    kc_buf_t *b = kc_buf_get(pool, sizeof(kc_edits_t) + cap * sizeof(kc_splice_t));
    if (b) {
        kc_edits_t *e = (kc_edits_t *)b->data;
        e->n = 0;
        e->cap = (uint32_t)((b->cap - sizeof(kc_edits_t)) / sizeof(kc_splice_t));
        e->delta = 0;
    }
    return b;
}

int kc_frame_edit(kc_pool_t *pool, kc_frame_t *f, kc_splice_t *sp)
{
    kc_splice_t s = *sp;
    *sp = (kc_splice_t){0};
    if (!s.buf)
        return 0;
    if ((uint64_t)s.off + s.len > kc_frame_msg_len(f)) {
        kc_buf_unref(pool, s.buf);
        return -KC_EPROTO;
    }
    if (!f->edits && !(f->edits = edits_alloc(pool, EDITS_FIRST))) {
        kc_buf_unref(pool, s.buf);
        return -KC_ENOMEM;
    }
    kc_edits_t *e = kc_frame_edits(f);
    uint32_t i = e->n;
    while (i > 0 && e->v[i - 1].off >= s.off + s.len && !(s.len == 0 && e->v[i - 1].off == s.off))
        i--;
    /* Overlap with the neighbours (an insertion, len 0, may touch but not enter a range). */
    if ((i > 0 && e->v[i - 1].off + e->v[i - 1].len > s.off) ||
        (i < e->n && e->v[i].off < s.off + s.len)) {
        kc_buf_unref(pool, s.buf);
        return -KC_EPROTO;
    }
    if (e->n == e->cap) {
        kc_buf_t *nb = edits_alloc(pool, e->cap * 2);
        if (!nb) {
            kc_buf_unref(pool, s.buf);
            return -KC_ENOMEM;
        }
        kc_edits_t *ne = (kc_edits_t *)nb->data;
        memcpy(ne->v, e->v, e->n * sizeof(*e->v));
        ne->n = e->n;
        ne->delta = e->delta;
        kc_buf_unref(pool, f->edits);
        f->edits = nb;
        e = ne;
    }
    memmove(&e->v[i + 1], &e->v[i], (e->n - i) * sizeof(*e->v));
    e->v[i] = s;
    e->n++;
    e->delta += (int64_t)s.buf_len - s.len;
    put_be32(f->data, kc_frame_wire_len(f) - 4);
    return 0;
}

unsigned kc_frame_iov(const kc_frame_t *f, uv_buf_t *iov)
{
    const kc_edits_t *e = kc_frame_edits(f);
    if (!e) {
        iov[0] = uv_buf_init((char *)f->data, f->len);
        return 1;
    }
    unsigned n = 0;
    uint32_t pos = 0; /* from f->data: the prefix is part of the first piece */
    for (uint32_t i = 0; i < e->n; i++) {
        uint32_t at = 4 + e->v[i].off;
        iov[n++] = uv_buf_init((char *)f->data + pos, at - pos);
        iov[n++] = uv_buf_init((char *)e->v[i].buf->data, e->v[i].buf_len);
        pos = at + e->v[i].len;
    }
    iov[n++] = uv_buf_init((char *)f->data + pos, f->len - pos);
    return n;
}

void kc_frame_flatten(const kc_frame_t *f, uint8_t *out)
{
    const kc_edits_t *e = kc_frame_edits(f);
    uint32_t pos = 4; /* the size prefix is not part of the message */
    for (uint32_t i = 0; e && i < e->n; i++) {
        uint32_t at = 4 + e->v[i].off;
        memcpy(out, f->data + pos, at - pos);
        out += at - pos;
        memcpy(out, e->v[i].buf->data, e->v[i].buf_len);
        out += e->v[i].buf_len;
        pos = at + e->v[i].len;
    }
    memcpy(out, f->data + pos, f->len - pos);
}

void kc_frame_release(kc_pool_t *pool, kc_frame_t *f)
{
    kc_edits_t *e = kc_frame_edits(f);
    for (uint32_t i = 0; e && i < e->n; i++)
        kc_buf_unref(pool, e->v[i].buf);
    kc_buf_unref(pool, f->edits);
    kc_buf_unref(pool, f->buf);
    f->buf = f->edits = NULL;
}

const uint8_t *kc_frame_read(kc_pool_t *pool, const kc_frame_t *f, kc_buf_t **tmp)
{
    *tmp = NULL;
    if (!f->edits)
        return kc_frame_msg(f);
    if (!(*tmp = kc_buf_get(pool, kc_frame_wire_len(f) - 4)))
        return NULL;
    kc_frame_flatten(f, (*tmp)->data);
    return (*tmp)->data;
}
