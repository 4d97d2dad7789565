/* Leveled logging: one line per event, as text or as JSON lines (--log-format json).
 *
 * A line may carry a context (connection id, addresses, client id) so that every event of a
 * connection can be found with one grep; structured events (a connection's summary when it
 * closes) pass their fields as a ready JSON object body. */
#ifndef KC_UTIL_LOG_H
#define KC_UTIL_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef enum kc_log_level {
    KC_LOG_ERROR,
    KC_LOG_WARN,
    KC_LOG_INFO,
    KC_LOG_DEBUG,
} kc_log_level_t;

typedef struct kc_log_ctx {
    uint64_t conn;         /* 0: none */
    const char *listener;  /* "bootstrap", "broker 1" */
    const char *client;    /* peer address of the client */
    const char *upstream;  /* broker address */
    const char *client_id;
} kc_log_ctx_t;

void kc_log_init(kc_log_level_t level, bool json, FILE *out);
/* "error", "warn", "info", "debug": 0 and *level, or -1. */
int kc_log_parse_level(const char *s, kc_log_level_t *level);
bool kc_log_enabled(kc_log_level_t level);

void kc_log(kc_log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void kc_log_c(kc_log_level_t level, const kc_log_ctx_t *ctx, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* An event with structured fields: `fields` is the inside of a JSON object ("\"a\":1,\"b\":2").
 * Text mode prints them after the message. */
void kc_log_event(kc_log_level_t level, const kc_log_ctx_t *ctx, const char *event,
                  const char *fields);

/* Append s to out as a JSON string body (without quotes), escaping as needed; returns bytes
 * written, truncating safely at cap. For callers building `fields`. */
size_t kc_log_json_escape(char *out, size_t cap, const char *s, int len);

#endif
