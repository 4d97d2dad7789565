/* The admin listener's HTTP/1.1 request reader: bytes in, whole requests (or one error status)
 * out, with no socket in sight, so the unit tests and the fuzzer drive it directly. Parsing is
 * Debian's libhttp-parser (Node's former parser); this file only keeps the few parts of a
 * request the admin routes need, in fixed buffers (the body, up to 1 MiB, on the heap), and turns
 * the parser's errors and our limits into the status the connection is answered with before it
 * closes. */
#ifndef KC_ADMIN_HTTP_H
#define KC_ADMIN_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include <http_parser.h>

#define KC_HTTP_HEAD_MAX (16 * 1024) /* request line and headers: over it, 431 */
#define KC_HTTP_URL_MAX 4096         /* request target: over it, 414 */
#define KC_HTTP_BODY_MAX (1024 * 1024) /* a request body: over it, 413 (a Content-Length over it
                                        * is refused before any of the body is read) */
#define KC_HTTP_ACCEPT_MAX 1024      /* Accept kept up to this (longer is cut, never refused) */
#define KC_HTTP_AUTH_MAX 1024        /* Authorization: longer can match no token */

/* One parsed request. The strings live in the reader and are valid during the callback only. */
typedef struct kc_http_request {
    const char *method;        /* "GET", "HEAD", ... (http_method_str) */
    const char *path;          /* "/metrics": the request target without query or fragment */
    const char *query;         /* after '?', "" if none */
    const char *accept;        /* the Accept header(s), ", "-joined, or "" */
    const char *authorization; /* the Authorization header or "" */
    const char *body;          /* the body (de-chunked), NUL-terminated; "" if none */
    size_t body_len;
    bool auth_bad;             /* Authorization repeated or too long: matches no token */
    bool keep_alive;           /* the connection may carry another request after this one */
} kc_http_request_t;

/* Called for each complete request, in order. Return 0 to go on, 1 to pause the reader (the
 * bytes after this request are left unconsumed until kc_http_reader_resume). After a request
 * without keep_alive nothing more may be read: pause, and feed no more (the parser would refuse
 * the next bytes, or after an Upgrade they are not HTTP at all). */
typedef int (*kc_http_request_fn)(void *ctx, const kc_http_request_t *req);

typedef struct kc_http_reader {
    http_parser parser;
    http_parser_settings settings;
    kc_http_request_fn on_request;
    void *ctx;
    int status;      /* 0, or the error status (400, 411, 413, 414, 431) once the input is refused */
    const char *why; /* ... and why, for the log line (static text) */
    char *body;      /* the current request's body, owned; NULL until its first byte, freed once
                      * the request has been handed on (or by kc_http_reader_free) */
    size_t body_len, body_cap;
    bool in_value;   /* the last header callback was a value (the next field starts anew) */
    int header;      /* which header the current value belongs to (http.c's enum) */
    bool auth_bad;
    bool url_long;   /* the target did not fit in url: 414 once the headers are in */
    size_t url_len, field_len, accept_len, auth_len;
    char url[KC_HTTP_URL_MAX + 1];
    char field[32]; /* the current header's name, enough for the ones we keep */
    char accept[KC_HTTP_ACCEPT_MAX + 1];
    char auth[KC_HTTP_AUTH_MAX + 1];
    char path[KC_HTTP_URL_MAX + 1]; /* url split by http_parser_parse_url */
    char query[KC_HTTP_URL_MAX + 1];
} kc_http_reader_t;

void kc_http_reader_init(kc_http_reader_t *r, kc_http_request_fn fn, void *ctx);
/* Free what a request cut short left behind (its body so far); r itself is the caller's. */
void kc_http_reader_free(kc_http_reader_t *r);
/* Parse len bytes; returns how many were consumed. Fewer than len when the callback paused the
 * reader (feed the rest after kc_http_reader_resume) or the input was refused (r->status set;
 * nothing more is read from this connection). */
size_t kc_http_reader_feed(kc_http_reader_t *r, const char *data, size_t len);
void kc_http_reader_resume(kc_http_reader_t *r);
static inline bool kc_http_reader_paused(const kc_http_reader_t *r)
{
    return HTTP_PARSER_ERRNO(&r->parser) == HPE_PAUSED;
}
/* After the last byte (the peer closed its side): a request cut short is a 400. */
void kc_http_reader_eof(kc_http_reader_t *r);

/* "OK", "Not Found", ... for the status codes the admin listener sends. */
const char *kc_http_reason(int status);

#endif
