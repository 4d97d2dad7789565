/* The session: see session.h. Framing in, frames out, and the in-order release of both. */
#include "session.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka/api.h"
#include "kafka/wire.h"
#include "pipeline.h"

int kc_session_init(kc_session_t *s, kc_pipe_env_t *env, const kc_session_io_t *io, void *io_ctx,
                    kc_log_ctx_t log)
{
    *s = (kc_session_t){.env = env, .io = io, .io_ctx = io_ctx, .log = log, .host = "", .node_id = -1,
                          .principal_id = ""};
    s->log.client_id = NULL;
    kc_framer_init(&s->from_client, env->pool, env->max_frame);
    kc_framer_init(&s->from_upstream, env->pool, env->max_frame);
    return kc_inflight_init(&s->q, 16);
}

void kc_session_free(kc_session_t *s)
{
    kc_framer_free(&s->from_client);
    kc_framer_free(&s->from_upstream);
    kc_inflight_free(&s->q, s->env->pool);
    free(s->apis.v);
    free(s->rewrites.v);
    free(s->acks0);
    s->apis.v = s->rewrites.v = NULL;
    s->acks0 = NULL;
}

kc_log_ctx_t kc_session_log_ctx(const kc_session_t *s) { return s->log; }

void kc_session_set_host(kc_session_t *s, const char *ip)
{
    s->host = kc_intern(s->env->client_ids, ip, strlen(ip));
}

void kc_session_close(kc_session_t *s, kc_log_level_t level, bool reset, const char *fmt, ...)
{
    if (s->closed)
        return;
    char why[192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    s->closed = true;
    s->io->close(s->io_ctx, level, reset, why);
}

int kc_session_send(kc_session_t *s, kc_dir_t to, kc_frame_t *f)
{
    if (s->closed) {
        kc_frame_release(s->env->pool, f);
        return -KC_ECLOSED;
    }
    if (s->io->send(s->io_ctx, to, f) == 0)
        return 0;
    kc_session_close(s, KC_LOG_ERROR, false, "out of memory queueing a frame for the %s",
                     to == KC_TO_CLIENT ? "client" : "broker");
    return -KC_ECLOSED;
}

/* acks=0 Produce: remembered in case the broker answers it after all (see pipeline.c). A
 * producer may have any number on their way (kafkajs does not wait for them), so the ring grows
 * to KC_ACKS0_MAX; a broker that never answers (Kafka) leaves it full, and the oldest goes. */
static void remember_acks0(kc_session_t *s, int32_t corr)
{
    if (s->acks0_n == s->acks0_cap && s->acks0_cap < KC_ACKS0_MAX) {
        uint32_t cap = s->acks0_cap ? 2 * s->acks0_cap : 16;
        int32_t *v = malloc(cap * sizeof(*v));
        if (v) {
            for (uint32_t i = 0; i < s->acks0_n; i++)
                v[i] = s->acks0[(s->acks0_head + i) & (s->acks0_cap - 1)];
            free(s->acks0);
            s->acks0 = v, s->acks0_cap = cap, s->acks0_head = 0;
        }
    }
    if (!s->acks0_cap)
        return; /* out of memory before the first: a stray answer will close the pair */
    if (s->acks0_n == s->acks0_cap) {
        s->acks0_head = (s->acks0_head + 1) & (s->acks0_cap - 1);
        s->acks0_n--;
    }
    s->acks0[(s->acks0_head + s->acks0_n++) & (s->acks0_cap - 1)] = corr;
}

bool kc_session_acks0_answered(kc_session_t *s, int32_t corr)
{
    for (uint32_t i = 0; i < s->acks0_n; i++) {
        if (s->acks0[(s->acks0_head + i) & (s->acks0_cap - 1)] == corr) {
            s->acks0_head = (s->acks0_head + i + 1) & (s->acks0_cap - 1);
            s->acks0_n -= i + 1;
            return true;
        }
    }
    return false;
}

int kc_session_pump(kc_session_t *s)
{
    kc_inflight_t *e;
    /* --max-inflight: what the broker has not answered yet bounds what it is given. */
    uint32_t max = s->env->max_inflight ? s->env->max_inflight : UINT32_MAX;
    while (!s->closed && s->at_broker < max && (e = kc_inflight_next_forward(&s->q, s->now))) {
        kc_frame_t f = e->frame;
        s->held_req_bytes -= kc_frame_wire_len(&f);
        if (!e->expect_response)
            remember_acks0(s, e->correlation_id);
        else
            s->at_broker++;
        kc_inflight_forwarded(&s->q, e, s->now);
        if (kc_session_send(s, KC_TO_UPSTREAM, &f))
            return -KC_ECLOSED;
    }
    while (!s->closed && (e = kc_inflight_ready_head(&s->q, s->now))) {
        kc_pipeline_delivered(s, e);
        kc_frame_t f = e->frame;
        bool resp = kc_inflight_has_response(e);
        e->frame = (kc_frame_t){0};
        kc_inflight_pop(&s->q, s->env->pool);
        if (!resp)
            continue;
        s->held_resp_bytes -= kc_frame_wire_len(&f);
        if (kc_session_send(s, KC_TO_CLIENT, &f))
            return -KC_ECLOSED;
    }
    if (s->closed)
        return -KC_ECLOSED;
    uint64_t due = kc_inflight_next_due(&s->q);
    if (due != s->wake) {
        s->wake = due;
        s->io->wake(s->io_ctx, due);
    }
    return 0;
}

void kc_session_tick(kc_session_t *s, uint64_t now)
{
    if (s->closed)
        return;
    s->now = now;
    s->wake = 0; /* the timer that called us has fired */
    kc_session_pump(s);
}

/* ---- reading ---- */

void kc_session_alloc(kc_session_t *s, bool from_client, uv_buf_t *buf)
{
    kc_framer_alloc(from_client ? &s->from_client : &s->from_upstream, buf);
}

static int on_request(void *ctx, kc_frame_t *f)
{
    kc_session_t *s = ctx;
    s->requests++;
    int rc = kc_pipeline_request(s, f);
    return rc ? rc : kc_session_pump(s);
}

static int on_response(void *ctx, kc_frame_t *f)
{
    kc_session_t *s = ctx;
    int rc = kc_pipeline_response(s, f);
    return rc ? rc : kc_session_pump(s);
}

/* What the first bytes of a frame that is far too big look like: a hint for the log. */
static const char *garbage_hint(int32_t size)
{
    uint8_t b[4];
    kc_put_be32(b, (uint32_t)size);
    if (b[0] == 0x16 && b[1] == 0x03)
        return " (looks like a TLS handshake: is the client using TLS?)";
    if (!memcmp(b, "GET ", 4) || !memcmp(b, "POST", 4) || !memcmp(b, "HEAD", 4) ||
        !memcmp(b, "PUT ", 4) || !memcmp(b, "HTTP", 4))
        return " (looks like HTTP)";
    return "";
}

int kc_session_recv(kc_session_t *s, bool from_client, size_t n, uint64_t now)
{
    if (s->closed)
        return -KC_ECLOSED;
    s->now = now;
    int32_t bad = 0;
    int rc = kc_framer_feed(from_client ? &s->from_client : &s->from_upstream, n,
                            from_client ? on_request : on_response, s, &bad);
    if (s->closed)
        return -KC_ECLOSED; /* a stage closed it and said why */
    const char *what = from_client ? "request" : "response";
    if (rc == -KC_EFRAMESIZE)
        kc_session_close(s, KC_LOG_WARN, false, "%s frame size %d %s%s", what, bad,
                         bad < 0 ? "is negative" : "exceeds --max-frame-bytes", garbage_hint(bad));
    else if (rc)
        kc_session_close(s, KC_LOG_ERROR, false, "%s: %s", what, kc_strerror(rc));
    return rc ? -KC_ECLOSED : 0;
}

/* ---- what it saw, for the close summary ---- */

void kc_api_counts_add(kc_api_counts_t *t, int16_t api_key, int16_t api_version, uint32_t n)
{
    int i = 0;
    while (i < t->n && (t->v[i].api_key < api_key ||
                        (t->v[i].api_key == api_key && t->v[i].api_version < api_version)))
        i++;
    if (i < t->n && t->v[i].api_key == api_key && t->v[i].api_version == api_version) {
        t->v[i].count += n;
        return;
    }
    if (t->n == KC_API_COUNTS_MAX) {
        t->dropped += n; /* a client cycling through garbage keys can't grow this */
        return;
    }
    if (t->n == t->cap) {
        int cap = t->cap ? t->cap * 2 : 8;
        kc_api_count_t *a = realloc(t->v, (size_t)cap * sizeof(*a));
        if (!a)
            return;
        t->v = a;
        t->cap = cap;
    }
    memmove(&t->v[i + 1], &t->v[i], (size_t)(t->n - i) * sizeof(*t->v));
    t->v[i] = (kc_api_count_t){api_key, api_version, n};
    t->n++;
}

/* {"Produce":{"13":4},...} into out; returns the bytes written (the JSON stays whole when
 * out is too small: entries that don't fit are left out). */
static size_t counts_json(const kc_api_counts_t *t, char *out, size_t cap)
{
    size_t n = 0;
    if (cap < 3)
        return 0;
    out[n++] = '{';
    for (int i = 0; i < t->n; i++) {
        const kc_api_count_t *a = &t->v[i];
        bool first = i == 0 || t->v[i - 1].api_key != a->api_key;
        bool last = i + 1 == t->n || t->v[i + 1].api_key != a->api_key;
        char item[96];
        int k = snprintf(item, sizeof(item), "%s%s%s%s\"%d\":%u%s", first && i ? "," : "",
                         first ? "\"" : "", first ? kc_api_name(a->api_key) : "",
                         first ? "\":{" : ",", a->api_version, a->count, last ? "}" : "");
        if (k < 0 || n + (size_t)k + 3 > cap) /* room left for two braces and the NUL */
            break;
        memcpy(out + n, item, (size_t)k);
        n += (size_t)k;
    }
    if (n > 1 && out[n - 1] != '}')
        out[n++] = '}'; /* truncated inside a key: close it */
    out[n++] = '}';
    out[n] = 0;
    return n;
}

/* snprintf at out + *n, never past cap (snprintf returns what it would have written). */
static void append(char *out, size_t *n, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void append(char *out, size_t *n, size_t cap, const char *fmt, ...)
{
    if (*n >= cap - 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(out + *n, cap - *n, fmt, ap);
    va_end(ap);
    *n = k < 0 ? *n : *n + (size_t)k < cap ? *n + (size_t)k : cap - 1;
}

size_t kc_session_summary(const kc_session_t *s, char *out, size_t cap)
{
    char software[200];
    size_t n = 0;
    kc_log_json_escape(software, sizeof(software), s->software, -1);
    append(out, &n, cap, "\"software\":\"%s\",\"apis\":", software);
    if (n < cap)
        n += counts_json(&s->apis, out + n, cap - n);
    append(out, &n, cap, ",\"rewrites\":");
    if (n < cap)
        n += counts_json(&s->rewrites, out + n, cap - n);
    if (s->apis.dropped)
        append(out, &n, cap, ",\"requests_not_counted\":%u", s->apis.dropped);
    return n;
}
