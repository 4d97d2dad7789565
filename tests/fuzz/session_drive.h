/* The command loop fuzz_session and fuzz_faults share: bytes from the client or the broker in
 * any read size, clock ticks, and a third command each target gives its own meaning.
 *
 * Command byte: bits 0-1 what (0 client bytes, 1 broker bytes, 2 tick, 3 the target's own),
 * bits 2-7 an argument; for bytes, one more byte follows: the count is it + argument * 256. A
 * tick advances the clock by argument * tick_ns and ticks the session. After every command the
 * held byte counts must not have underflowed. */
#ifndef KC_FUZZ_SESSION_DRIVE_H
#define KC_FUZZ_SESSION_DRIVE_H

#include "fuzz.h"
#include "session.h"

/* The session's owner in a fuzz target: it checks every frame handed out (its size prefix
 * equal to its length on the wire, unless allow_cut: then a response may promise more than it
 * holds, a frame cut mid-response, and nothing may follow it) and that nothing follows a close.
 * A target's own state begins with it, so the io's ctx serves both. */
typedef struct fuzz_owner {
    kc_pool_t *pool;
    bool closed, cut, allow_cut;
} fuzz_owner_t;

static inline int fuzz_io_send(void *ctx, kc_dir_t to, kc_frame_t *f)
{
    fuzz_owner_t *o = ctx;
    CHECK(!o->closed && !o->cut);
    uv_buf_t iov[1024];
    CHECK(kc_frame_niov(f) <= 1024);
    unsigned n = kc_frame_iov(f, iov);
    size_t total = 0;
    for (unsigned i = 0; i < n; i++)
        total += iov[i].len;
    CHECK(total == kc_frame_wire_len(f));
    CHECK(iov[0].len >= 4);
    uint32_t said = kc_be32((uint8_t *)iov[0].base);
    if (said != total - 4) {
        CHECK(o->allow_cut && to == KC_TO_CLIENT && said > total - 4);
        o->cut = true;
    }
    kc_frame_release(o->pool, f);
    return 0;
}

static inline void fuzz_io_close(void *ctx, kc_log_level_t level, bool reset, const char *why)
{
    (void)level, (void)reset, (void)why;
    fuzz_owner_t *o = ctx;
    CHECK(!o->closed);
    o->closed = true;
}

static inline void fuzz_io_wake(void *ctx, uint64_t at) { (void)ctx, (void)at; }

static const kc_session_io_t fuzz_io __attribute__((unused)) = {fuzz_io_send, fuzz_io_close,
                                                                 fuzz_io_wake};

typedef void (*fuzz_own_fn)(void *ctx, uint8_t arg, const uint8_t *in, size_t size, size_t *i,
                            uint64_t now);

static inline void fuzz_drive(kc_session_t *s, const bool *closed, const uint8_t *in, size_t size,
                              uint64_t now, uint64_t tick_ns, fuzz_own_fn own, void *ctx)
{
    size_t i = 0;
    while (i < size && !*closed) {
        uint8_t cmd = in[i++];
        uint8_t arg = cmd >> 2;
        switch (cmd & 3) {
        case 0:
        case 1: {
            bool client = (cmd & 3) == 0;
            size_t want = i < size ? in[i++] + (size_t)arg * 256 : 0;
            while (want && i < size && !*closed) {
                uv_buf_t b;
                kc_session_alloc(s, client, &b);
                CHECK(b.base != NULL && b.len > 0);
                size_t k = want < b.len ? want : b.len;
                k = k < size - i ? k : size - i;
                memcpy(b.base, in + i, k);
                i += k, want -= k;
                if (kc_session_recv(s, client, k, now) != 0)
                    CHECK(*closed);
            }
            break;
        }
        case 2:
            now += (uint64_t)arg * tick_ns;
            kc_session_tick(s, now);
            break;
        default:
            own(ctx, arg, in, size, &i, now);
            break;
        }
        CHECK(s->held_req_bytes < (1u << 30) && s->held_resp_bytes < (1u << 30)); /* no underflow */
    }
}

#endif
