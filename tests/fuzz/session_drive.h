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
