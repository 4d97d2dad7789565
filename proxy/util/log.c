/* Leveled logging: see log.h. Lines are assembled in a stack buffer and written with one
 * fwrite so that lines from one process never interleave. */
#include "log.h"

#include <string.h>
#include <sys/time.h>
#include <time.h>

static kc_log_level_t min_level = KC_LOG_INFO;
static bool as_json;
static FILE *sink;

static const char *names[] = {"error", "warn", "info", "debug"};

void kc_log_init(kc_log_level_t level, bool json, FILE *out)
{
    min_level = level;
    as_json = json;
    sink = out;
}

int kc_log_parse_level(const char *s, kc_log_level_t *level)
{
    for (int i = 0; i <= KC_LOG_DEBUG; i++) {
        if (strcmp(s, names[i]) == 0) {
            *level = (kc_log_level_t)i;
            return 0;
        }
    }
    if (strcmp(s, "warning") == 0) {
        *level = KC_LOG_WARN;
        return 0;
    }
    return -1;
}

bool kc_log_enabled(kc_log_level_t level) { return level <= min_level; }

size_t kc_log_json_escape(char *out, size_t cap, const char *s, int len)
{
    size_t n = 0;
    if (!s)
        return 0;
    if (len < 0)
        len = (int)strlen(s);
    for (int i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];
        size_t k;
        if (c == '"' || c == '\\') {
            esc[0] = '\\', esc[1] = (char)c, k = 2;
        } else if (c < 0x20 || c == 0x7f) {
            k = (size_t)snprintf(esc, sizeof(esc), "\\u%04x", c);
        } else {
            esc[0] = (char)c, k = 1;
        }
        if (n + k + 1 > cap)
            break;
        memcpy(out + n, esc, k);
        n += k;
    }
    if (cap)
        out[n < cap ? n : cap - 1] = 0;
    return n;
}

typedef struct line {
    char buf[4096];
    size_t n;
} line_t;

static void put(line_t *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(line_t *l, const char *fmt, ...)
{
    if (l->n >= sizeof(l->buf))
        return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(l->buf + l->n, sizeof(l->buf) - l->n, fmt, ap);
    va_end(ap);
    if (k > 0)
        l->n += (size_t)k < sizeof(l->buf) - l->n ? (size_t)k : sizeof(l->buf) - l->n - 1;
}

static void put_json_str(line_t *l, const char *key, const char *v)
{
    if (!v)
        return;
    put(l, ",\"%s\":\"", key);
    l->n += kc_log_json_escape(l->buf + l->n, sizeof(l->buf) - l->n, v, -1);
    put(l, "\"");
}

static void stamp(line_t *l, kc_log_level_t level)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    char ts[32];
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
    if (as_json)
        put(l, "{\"ts\":\"%s.%03ldZ\",\"level\":\"%s\"", ts, (long)tv.tv_usec / 1000,
            names[level]);
    else
        put(l, "%s.%03ldZ %-5s ", ts, (long)tv.tv_usec / 1000, names[level]);
}

static const char *present(const char *s) { return s && *s ? s : NULL; }

static void emit(kc_log_level_t level, const kc_log_ctx_t *in, const char *event,
                 const char *fields, const char *msg)
{
    line_t l = {.n = 0};
    /* An address not known yet is an empty string in its owner's array: left out. */
    kc_log_ctx_t c;
    const kc_log_ctx_t *ctx = NULL;
    if (in) {
        c = (kc_log_ctx_t){in->conn, present(in->listener), present(in->client),
                           present(in->upstream), in->client_id};
        ctx = &c;
    }
    stamp(&l, level);
    if (as_json) {
        if (ctx && ctx->conn)
            put(&l, ",\"conn\":%llu", (unsigned long long)ctx->conn);
        if (ctx) {
            put_json_str(&l, "listener", ctx->listener);
            put_json_str(&l, "client", ctx->client);
            put_json_str(&l, "upstream", ctx->upstream);
            put_json_str(&l, "client_id", ctx->client_id);
        }
        put_json_str(&l, "event", event);
        put_json_str(&l, "msg", msg);
        if (fields && *fields)
            put(&l, ",%s", fields);
        put(&l, "}\n");
    } else {
        if (ctx && ctx->conn)
            put(&l, "conn=%llu ", (unsigned long long)ctx->conn);
        if (ctx && ctx->listener)
            put(&l, "[%s] ", ctx->listener);
        if (ctx && ctx->client)
            put(&l, "client=%s ", ctx->client);
        if (ctx && ctx->client_id)
            put(&l, "client_id=%s ", ctx->client_id);
        if (ctx && ctx->upstream)
            put(&l, "upstream=%s ", ctx->upstream);
        if (event)
            put(&l, "%s ", event);
        put(&l, "%s", msg ? msg : "");
        if (fields && *fields)
            put(&l, " {%s}", fields);
        put(&l, "\n");
    }
    if (l.n >= sizeof(l.buf))
        l.n = sizeof(l.buf) - 1;
    if (l.buf[l.n - 1] != '\n')
        l.buf[l.n - 1] = '\n'; /* truncated: still one line */
    /* Text lines carry strings from the wire unescaped (client_id): a client id with a line
     * break in it would forge log lines. JSON escapes them; here they become '?'. */
    for (size_t i = 0; !as_json && i + 1 < l.n; i++)
        if ((unsigned char)l.buf[i] < 0x20 || l.buf[i] == 0x7f)
            l.buf[i] = '?';
    fwrite(l.buf, 1, l.n, sink ? sink : stderr);
    fflush(sink ? sink : stderr);
}

static void vlog(kc_log_level_t level, const kc_log_ctx_t *ctx, const char *fmt, va_list ap)
{
    char msg[2048];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    emit(level, ctx, NULL, NULL, msg);
}

void kc_log(kc_log_level_t level, const char *fmt, ...)
{
    if (!kc_log_enabled(level))
        return;
    va_list ap;
    va_start(ap, fmt);
    vlog(level, NULL, fmt, ap);
    va_end(ap);
}

void kc_log_c(kc_log_level_t level, const kc_log_ctx_t *ctx, const char *fmt, ...)
{
    if (!kc_log_enabled(level))
        return;
    va_list ap;
    va_start(ap, fmt);
    vlog(level, ctx, fmt, ap);
    va_end(ap);
}

void kc_log_event(kc_log_level_t level, const kc_log_ctx_t *ctx, const char *event,
                  const char *fields)
{
    if (kc_log_enabled(level))
        emit(level, ctx, event, fields, NULL);
}
