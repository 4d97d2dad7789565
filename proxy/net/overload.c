/* Overload: what a loop does when peers push harder than it should give way to. The memory
 * cap (--max-buffered-bytes) in levels, shedding the requests furthest from complete, the idle
 * and frame timeouts, and the lines about refused connections. conn.c asks here whether to
 * read and reports what each pair holds. */
#include "overload.h"

#include <stdarg.h>
#include <stdio.h>

#include "../proxy.h"

#define FRAME_GRACE_NS 1000000000ull /* a frame arriving for longer than this is a slow one */

/* How long the client's current request has been arriving, less the time kchaos itself did
 * not read it (back-pressure, memory): 0 between requests. */
static uint64_t frame_took(const kc_conn_t *c, uint64_t now)
{
    if (!c->frame_start)
        return 0;
    uint64_t paused = c->frame_paused + (c->pause_start ? now - c->pause_start : 0);
    return now - c->frame_start > paused ? now - c->frame_start - paused : 0;
}

#define FRAME_NEARLY_DONE (1024 * 1024) /* the producers' default max.request.size */

/* Whether a side mid-frame must wait for memory. Over three quarters of the cap, a frame with
 * more than 1 MiB still to come waits (a client announcing a huge request and trickling it);
 * any request up to the producers' default max.request.size goes on, so the stalled frames
 * can never take the room the others need to finish. Over the cap, every frame waits (and a
 * second later the furthest from complete are shed: kc_conn_shed). */
bool kc_overload_wait(kc_conn_t *c, bool client)
{
    uint32_t whole;
    int level = c->px->mem_level;
    uint32_t part = level ? kc_session_partial(&c->session, client, &whole) : 0;
    if (!part)
        return false;
    return level >= 2 || (whole > part && whole - part > FRAME_NEARLY_DONE);
}

/* The loop's memory: what every pair holds, against --max-buffered-bytes. Level 1 above three
 * quarters of the cap (frames far from complete wait), level 2 above the cap (every frame
 * waits); a level
 * is left at 7/8 of its threshold, and the pairs that waited are looked at again. Reaching
 * the cap is logged, at most once a minute. */
static void on_shed(uv_timer_t *t) { kc_conn_shed(t->data, uv_hrtime()); }

void kc_overload_memory(kc_proxy_t *px)
{
    uint64_t soft = px->buffer_cap / 4 * 3, hard = px->buffer_cap;
    int level = px->mem_level;
    if (px->buffered > hard)
        level = 2;
    else if (level == 2 && px->buffered <= hard / 8 * 7)
        level = px->buffered > soft ? 1 : 0;
    else if (level < 2 && px->buffered > soft)
        level = 1;
    else if (level == 1 && px->buffered <= soft / 8 * 7)
        level = 0;
    if (level == px->mem_level)
        return;
    int was = px->mem_level;
    px->mem_level = level;
    kc_log(KC_LOG_DEBUG, "buffered-bytes level %d -> %d: %zu bytes held", was, level,
           (size_t)px->buffered);
    if (level > was) {
        if (level == 2)
            uv_timer_start(&px->shed_timer, on_shed, FRAME_GRACE_NS / 1000000, 0);
        uint64_t now = uv_now(px->loop);
        if (px->mem_pauses++ == 0 || now - px->pressure_log_at >= 60000) {
            px->pressure_log_at = now;
            kc_log(KC_LOG_WARN,
                   "buffered-bytes cap %s: %zu bytes in partial and queued frames (cap %llu for "
                   "this loop, --max-buffered-bytes); %s (%llu time(s) so far)",
                   level == 2 ? "reached" : "three quarters full", (size_t)px->buffered,
                   (unsigned long long)px->buffer_cap,
                   level == 2 ? "not reading connections mid-frame until it drops"
                              : "frames with more than 1 MiB to come wait",
                   (unsigned long long)px->mem_pauses);
        }
    }
    if (level < was) {
        if (level == 0)
            kc_log(KC_LOG_INFO, "buffered-bytes cap: %zu bytes held, every connection read again",
                   (size_t)px->buffered);
        for (kc_conn_t *c = px->conns; c; c = c->next)
            if (c->mem_paused)
                kc_conn_flow(c);
    }
}

/* What the pair holds now, into the loop's total. */
void kc_overload_account(kc_conn_t *c)
{
    size_t held = kc_session_buffered(&c->session) + c->client.out.bytes + c->upstream.out.bytes;
    c->px->buffered += held - c->accounted;
    c->accounted = held;
    kc_overload_memory(c->px);
}

/* A refused connection is logged at most once a second for each limit (kind), with how many
 * that limit refused since. */
void kc_overload_refused(kc_proxy_t *px, int kind, const char *fmt, ...)
{
    px->refused++;
    px->refused_by[kind]++;
    uint64_t now = uv_now(px->loop);
    if (px->refused_logged[kind] && now - px->refused_log_at[kind] < 1000)
        return;
    char what[192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    kc_log(KC_LOG_WARN, "%s (%llu refused since the last such line)", what,
           (unsigned long long)(px->refused_by[kind] - px->refused_logged[kind]));
    px->refused_logged[kind] = px->refused_by[kind];
    px->refused_log_at[kind] = now;
}

void kc_conn_sweep(kc_proxy_t *px, uint64_t now)
{
    const kc_config_t *cfg = px->cfg;
    uint64_t idle = (uint64_t)cfg->idle_timeout_ms * 1000000;
    uint64_t frame = (uint64_t)cfg->frame_timeout_ms * 1000000;
    for (kc_conn_t *c = px->conns, *next; c; c = next) {
        next = c->next;
        if (c->state != KC_CONN_OPEN)
            continue;
        if (c->linger_until && now >= c->linger_until) { /* maybe_finish */
            kc_conn_close(c, KC_LOG_INFO, false, "%s; the broker did not close within %llu ms",
                          c->reason, (unsigned long long)(KC_CONN_LINGER_NS / 1000000));
            continue;
        }
        /* Idle: nothing read either way and nothing owed (a request parked at the broker,
         * a long fetch, is not idleness). */
        if (idle && now - c->last_active >= idle && kc_session_pending(&c->session) == 0) {
            kc_conn_close(c, KC_LOG_INFO, false, "idle for %llu ms (--idle-timeout-ms)",
                          (unsigned long long)((now - c->last_active) / 1000000));
            continue;
        }
        uint64_t took = frame_took(c, now);
        if (!frame || took < frame)
            continue;
        uint32_t whole, part = kc_session_partial(&c->session, true, &whole);
        kc_conn_close(c, KC_LOG_WARN, false,
                      "frame timeout: %u of %u bytes of a request arrived in %llu ms "
                      "(--frame-timeout-ms)",
                      part, whole ? whole : 4, (unsigned long long)(took / 1000000));
    }
}

/* Still over --max-buffered-bytes a second later: nothing read can free memory while every
 * pair mid-frame waits, so the requests furthest from complete (a client announcing a huge
 * one and never sending it, above all) are given up, their connections closed with a line
 * each, until the loop is back under three quarters of the cap. A prompt producer's request
 * is nearly whole when it waits, so it is the last to go. */
void kc_conn_shed(kc_proxy_t *px, uint64_t now)
{
    for (int n = 0; n < 256 && px->mem_level == 2; n++) {
        kc_conn_t *worst = NULL;
        uint64_t most = 0;
        for (kc_conn_t *c = px->conns; c; c = c->next) {
            uint32_t whole, part = kc_session_partial(&c->session, true, &whole);
            uint64_t left = part && whole > part ? whole - part : 0;
            if (c->state == KC_CONN_OPEN && part && left >= most && (left > most || !worst))
                worst = c, most = left;
        }
        if (!worst)
            break;
        uint32_t whole, part = kc_session_partial(&worst->session, true, &whole);
        kc_conn_close(worst, KC_LOG_WARN, false,
                      "shed: %u of %u bytes of a request had arrived after %llu ms while the "
                      "loop held %zu bytes (--max-buffered-bytes %llu)",
                      part, whole, (unsigned long long)((now - worst->frame_start) / 1000000),
                      (size_t)px->buffered, (unsigned long long)px->buffer_cap);
    }
    if (px->mem_level == 2) /* what is left is not the clients': look again later */
        uv_timer_start(&px->shed_timer, on_shed, FRAME_GRACE_NS / 1000000, 0);
}
