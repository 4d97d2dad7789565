/* The frame reader: see framer.h. */
#include "framer.h"

#include <errno.h>
#include <string.h>

#include "wire.h"

#define CHUNK (64 * 1024)
#define MIN_SPACE 2048 /* a chunk with less room than this is not worth a read */
/* One read into a frame of its own takes at most this much: what a pair can add to memory in
 * one read stays small, so a cap on buffered bytes (--max-buffered-bytes) is overshot by at
 * most this per connection, not by a socket buffer's worth. */
#define BIG_READ (128 * 1024)

void kc_framer_init(kc_framer_t *f, kc_pool_t *pool, uint32_t max_frame)
{
    *f = (kc_framer_t){.pool = pool, .max_frame = max_frame, .need = 4};
}

void kc_framer_free(kc_framer_t *f)
{
    kc_buf_unref(f->pool, f->chunk);
    kc_buf_unref(f->pool, f->big);
    f->chunk = f->big = NULL;
}

void kc_framer_alloc(kc_framer_t *f, uv_buf_t *out)
{
    if (f->big) {
        uint32_t left = f->big_len - f->big_fill;
        *out = uv_buf_init((char *)f->big->data + f->big_fill, left < BIG_READ ? left : BIG_READ);
        return;
    }
    if (f->chunk && f->start == f->fill && f->chunk->refs == 1)
        f->start = f->fill = 0; /* every frame in it is gone: reuse in place */
    if (!f->chunk || f->chunk->cap - f->fill < MIN_SPACE || f->start + f->need > f->chunk->cap) {
        /* Move the partial frame (smaller than a chunk, see feed) to a fresh chunk. */
        kc_buf_t *nb = kc_buf_get(f->pool, CHUNK);
        if (!nb) {
            *out = uv_buf_init(NULL, 0);
            return;
        }
        uint32_t part = f->fill - f->start;
        if (part)
            memcpy(nb->data, f->chunk->data + f->start, part);
        kc_buf_unref(f->pool, f->chunk);
        f->chunk = nb;
        f->start = 0;
        f->fill = part;
    }
    *out = uv_buf_init((char *)f->chunk->data + f->fill, (unsigned)(f->chunk->cap - f->fill));
}

static int emit_big(kc_framer_t *f, kc_frame_fn emit, void *ctx)
{
    kc_frame_t fr = {.buf = f->big, .data = f->big->data, .len = f->big_len};
    f->big = NULL;
    f->need = 4;
    return emit(ctx, &fr);
}

int kc_framer_feed(kc_framer_t *f, size_t n, kc_frame_fn emit, void *ctx, int32_t *bad_size)
{
    if (f->big) {
        f->big_fill += (uint32_t)n;
        return f->big_fill == f->big_len ? emit_big(f, emit, ctx) : 0;
    }
    f->fill += (uint32_t)n;
    for (;;) {
        uint32_t have = f->fill - f->start;
        uint8_t *p = f->chunk->data + f->start;
        if (have < 4) {
            f->need = 4;
            return 0;
        }
        int32_t size = (int32_t)kc_be32(p);
        if (size < 0 || (uint32_t)size > f->max_frame) {
            *bad_size = size;
            return -KC_EFRAMESIZE;
        }
        f->need = 4 + (uint32_t)size;
        if (have < f->need) {
            if (f->need <= CHUNK)
                return 0; /* fits in a chunk: alloc moves it to a fresh one if need be */
            /* Too big for a chunk: give it a buffer of its own and read the rest into it. */
            kc_buf_t *b = kc_buf_get(f->pool, f->need);
            if (!b)
                return -KC_ENOMEM;
            memcpy(b->data, p, have);
            f->big = b;
            f->big_len = f->need;
            f->big_fill = have;
            f->fill = f->start;
            return 0;
        }
        kc_frame_t fr = {.buf = kc_buf_ref(f->chunk), .data = p, .len = f->need};
        f->start += f->need;
        f->need = 4;
        int rc = emit(ctx, &fr);
        if (rc)
            return rc;
    }
}
