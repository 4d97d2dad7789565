/* Fuzz the frame reader (proxy/net/frame.c) the way libuv drives it: kc_framer_alloc hands
 * out a buffer, a "read" fills part of it, kc_framer_feed emits frames. The input decides the
 * stream, the size of every read, and which frames the consumer holds on to while later reads
 * arrive (so chunk reuse is exercised against live frames).
 *
 * Input: byte 0 picks the mode and max_frame, bytes 1-8 seed the read sizes and holds. In raw
 * mode the rest is the byte stream itself; in synthetic mode each 3 bytes of the rest describe
 * one frame (size, possibly tripled past 64 KiB or made invalid), so that small inputs reach the
 * large-frame path.
 *
 * Invariants: the frames emitted are exactly the size-delimited frames of the stream, in
 * order, byte for byte (a frame held across later reads is still intact when released); an
 * error comes exactly at the first invalid prefix, with that size; without an error, emitted
 * lengths plus the incomplete tail add up to what was fed; a frame up to 64 KiB lives in a
 * chunk, a larger one in a buffer of its own; every buffer returns to the pool. */
#include "kafka/framer.h"
#include "kafka/wire.h"
#include "fuzz.h"

#define CHUNK (64 * 1024)
#define HOLD 8

typedef struct state {
    kc_pool_t *pool;
    const uint8_t *stream;
    size_t len;
    uint64_t rng;
    /* the model: offsets of the expected frames */
    size_t next_off;  /* where the next expected frame starts in the stream */
    uint64_t emitted; /* bytes emitted */
    int nframes;
    kc_frame_t held[HOLD];
    size_t held_off[HOLD];
    int nheld;
} state_t;

static uint32_t rnd(state_t *s)
{
    s->rng ^= s->rng << 13, s->rng ^= s->rng >> 7, s->rng ^= s->rng << 17;
    return (uint32_t)(s->rng >> 11);
}

static void check_release(state_t *s, kc_frame_t *f, size_t off)
{
    CHECK(memcmp(f->data, s->stream + off, f->len) == 0);
    kc_frame_release(s->pool, f);
}

static int on_frame(void *ctx, kc_frame_t *f)
{
    state_t *s = ctx;
    size_t off = s->next_off;
    CHECK(off + 4 <= s->len);
    uint32_t size = kc_be32(s->stream + off);
    CHECK(f->len == 4 + size);
    CHECK(off + f->len <= s->len);
    CHECK(f->edits == NULL);
    CHECK(f->data >= f->buf->data && f->data + f->len <= f->buf->data + f->buf->cap);
    if (f->len <= CHUNK)
        CHECK(f->buf->cap == CHUNK); /* zero copy: a reference into a read chunk */
    else
        CHECK(f->data == f->buf->data); /* its own buffer */
    CHECK(memcmp(f->data, s->stream + off, f->len) == 0);
    s->next_off += f->len;
    s->emitted += f->len;
    s->nframes++;
    if (s->nheld < HOLD && rnd(s) % 3 == 0) {
        s->held[s->nheld] = *f;
        s->held_off[s->nheld++] = off;
    } else {
        check_release(s, f, off);
    }
    if (s->nheld && rnd(s) % 4 == 0) { /* release the oldest hold */
        check_release(s, &s->held[0], s->held_off[0]);
        memmove(s->held, s->held + 1, (size_t)(s->nheld - 1) * sizeof(s->held[0]));
        memmove(s->held_off, s->held_off + 1, (size_t)(s->nheld - 1) * sizeof(s->held_off[0]));
        s->nheld--;
    }
    return 0;
}

/* Synthetic stream: 3 input bytes per frame. */
static uint8_t *synth(const uint8_t *d, size_t n, uint32_t max_frame, size_t *len)
{
    size_t cap = 1 << 16, used = 0;
    uint8_t *b = malloc(cap);
    CHECK(b != NULL);
    for (size_t i = 0; i + 3 <= n && used < (256u << 10); i += 3) {
        uint32_t size = (uint32_t)d[i] << 8 | d[i + 1];
        uint8_t flags = d[i + 2];
        if (flags & 0x80) size *= 3; /* up to 192 KiB: past a chunk */
        if ((flags & 0x7f) == 0x7f)
            size = (flags & 1) ? 0x80000000u | size : max_frame + 1 + size; /* invalid */
        uint32_t body = size <= max_frame ? size : 0;
        while (used + 4 + body > cap) {
            cap *= 2;
            b = realloc(b, cap);
            CHECK(b != NULL);
        }
        kc_put_be32(b + used, size);
        /* A fill per frame (memset: a byte loop here would dominate the run under trace-cmp),
         * and the frame's number at both ends. */
        memset(b + used + 4, (int)(i * 7 + 1) & 0xff, body);
        if (body >= 8) {
            kc_put_be32(b + used + 4, (uint32_t)i);
            kc_put_be32(b + used + body, (uint32_t)i);
        }
        used += 4 + body;
    }
    *len = used;
    return b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 9) return 0;
    static const uint32_t maxes[] = {16, 1000, 70000, 4u << 20};
    uint32_t max_frame = maxes[(data[0] >> 1) & 3];
    state_t s = {.rng = 0x9e3779b97f4a7c15ull};
    for (int i = 1; i <= 8; i++)
        s.rng = s.rng * 31 + data[i];
    if (!s.rng) s.rng = 1;
    uint8_t *owned = NULL;
    if (data[0] & 1) {
        owned = synth(data + 9, size - 9, max_frame, &s.len);
        s.stream = owned;
    } else {
        owned = fuzz_copy(data + 9, size - 9);
        s.stream = owned;
        s.len = size - 9;
    }
    /* One pool for the whole run, as one connection's loop has: buffers come back from its
     * free lists (and malloc under ASan is slow). */
    static kc_pool_t pool;
    static int pool_ready;
    if (!pool_ready) {
        kc_buf_pool_init(&pool, 1 << 24);
        pool_ready = 1;
    }
    s.pool = &pool;
    kc_framer_t fr;
    kc_framer_init(&fr, s.pool, max_frame);

    size_t fed = 0;
    int rc = 0;
    int32_t bad = 0;
    while (fed < s.len && rc == 0) {
        uv_buf_t b;
        kc_framer_alloc(&fr, &b);
        CHECK(b.base != NULL && b.len > 0);
        /* Reads of every size: 1 byte, a few, a few KiB, all that fits. */
        uint32_t pick = rnd(&s), r8 = pick % 8, x = pick >> 3;
        size_t want = r8 == 0 ? 1 : r8 == 1 ? 1 + x % 64 : r8 < 4 ? 1 + x % 8192 : b.len;
        size_t k = want < b.len ? want : b.len;
        if (k > s.len - fed) k = s.len - fed;
        memcpy(b.base, s.stream + fed, k);
        fed += k;
        rc = kc_framer_feed(&fr, k, on_frame, &s, &bad);
    }

    /* The model's view of where the stream stops. */
    size_t off = s.next_off;
    if (rc) {
        CHECK(rc == -KC_EFRAMESIZE);
        CHECK(off + 4 <= fed);
        int32_t want = (int32_t)kc_be32(s.stream + off);
        CHECK(want < 0 || (uint32_t)want > max_frame);
        CHECK(bad == want);
    } else {
        CHECK(fed == s.len);
        CHECK(s.emitted + (s.len - off) == s.len); /* emitted + incomplete tail = fed */
        if (s.len - off >= 4) {
            int32_t want = (int32_t)kc_be32(s.stream + off);
            CHECK(want >= 0 && (uint32_t)want <= max_frame);
            CHECK(off + 4 + (uint32_t)want > s.len); /* really incomplete */
        }
    }
    for (int i = 0; i < s.nheld; i++)
        check_release(&s, &s.held[i], s.held_off[i]);
    kc_framer_free(&fr);
    CHECK(s.pool->live_bytes == 0);
    free(owned);
    return 0;
}
