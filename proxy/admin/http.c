/* The admin HTTP request reader: see http.h. */
#include "http.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <uv.h>

enum { H_OTHER, H_ACCEPT, H_AUTH };

static uv_once_t once = UV_ONCE_INIT;

/* The library counts the request line and headers itself and stops with HPE_HEADER_OVERFLOW;
 * its limit is process-wide (80 KiB as built), and the admin listener is its only user here. */
static void set_limit(void) { http_parser_set_max_header_size(KC_HTTP_HEAD_MAX); }

static kc_http_reader_t *reader(http_parser *p) { return p->data; }

/* Refuse the input: the parser stops at the next callback return and reads nothing more. */
static int refuse(kc_http_reader_t *r, int status, const char *why)
{
    if (!r->status) {
        r->status = status;
        r->why = why;
    }
    return -1;
}

/* Append [at, at+len) to buf (cap bytes of room besides the NUL); false when it does not fit
 * (buf then holds what fitted). */
static bool append(char *buf, size_t *n, size_t cap, const char *at, size_t len)
{
    size_t room = cap - *n, take = len < room ? len : room;
    memcpy(buf + *n, at, take);
    *n += take;
    buf[*n] = 0;
    return take == len;
}

static int on_message_begin(http_parser *p)
{
    kc_http_reader_t *r = reader(p);
    r->url_len = r->field_len = r->accept_len = r->auth_len = 0;
    free(r->body);
    r->body = NULL;
    r->body_len = r->body_cap = 0;
    r->url[0] = r->accept[0] = r->auth[0] = 0;
    r->in_value = r->auth_bad = r->url_long = false;
    r->header = H_OTHER;
    return 0;
}

static int on_url(http_parser *p, const char *at, size_t len)
{
    kc_http_reader_t *r = reader(p);
    /* Refused only once the headers are in: the parser reports a bad byte in the target when
     * it reaches it, while this callback comes whenever a read ends, so refusing here would let
     * the way the bytes were cut decide between 400 and 414. */
    if (!append(r->url, &r->url_len, KC_HTTP_URL_MAX, at, len))
        r->url_long = true;
    return 0;
}

static int on_headers_complete(http_parser *p)
{
    kc_http_reader_t *r = reader(p);
    if (r->url_long)
        return refuse(r, 414, "request target too long");
    bool chunked = p->flags & F_CHUNKED, sized = p->flags & F_CONTENTLENGTH;
    /* A PUT or POST carries its body framed (RFC 9112 6.3): without Content-Length or chunked
     * the body would run to the connection's end, which a request cannot do. */
    if ((p->method == HTTP_PUT || p->method == HTTP_POST) && !chunked && !sized)
        return refuse(r, 411, "no Content-Length on a PUT or POST");
    /* Refused before any of it is read: the peer learns at once, and nothing is buffered. */
    if (sized && p->content_length > KC_HTTP_BODY_MAX)
        return refuse(r, 413, "request body too large");
    if (sized && p->content_length) { /* the exact size up front, instead of growing to it */
        if (!(r->body = malloc(p->content_length + 1)))
            return refuse(r, 503, "out of memory for a request body");
        r->body_cap = p->content_length;
    }
    return 0;
}

static int on_header_field(http_parser *p, const char *at, size_t len)
{
    kc_http_reader_t *r = reader(p);
    if (r->in_value) { /* a new header begins */
        r->in_value = false;
        r->field_len = 0;
    }
    /* A name longer than the buffer is none we keep: its cut prefix cannot equal one either,
     * since both kept names are shorter than the buffer and the length must match. */
    append(r->field, &r->field_len, sizeof(r->field) - 1, at, len);
    return 0;
}

/* The header whose value starts now. */
static int start_value(kc_http_reader_t *r)
{
    r->in_value = true;
    r->header = H_OTHER;
    if (r->field_len == 6 && !strcasecmp(r->field, "accept")) {
        r->header = H_ACCEPT;
        /* A list header given twice means the same as one joined with commas (RFC 9110 5.3). */
        if (r->accept_len)
            append(r->accept, &r->accept_len, KC_HTTP_ACCEPT_MAX, ", ", 2);
    } else if (r->field_len == 13 && !strcasecmp(r->field, "authorization")) {
        r->header = H_AUTH;
        if (r->auth_len)
            r->auth_bad = true; /* two credentials: ambiguous, so neither is taken */
    }
    return 0;
}

static int on_header_value(http_parser *p, const char *at, size_t len)
{
    kc_http_reader_t *r = reader(p);
    if (!r->in_value)
        start_value(r);
    if (r->header == H_ACCEPT)
        append(r->accept, &r->accept_len, KC_HTTP_ACCEPT_MAX, at, len);
    else if (r->header == H_AUTH && !append(r->auth, &r->auth_len, KC_HTTP_AUTH_MAX, at, len))
        r->auth_bad = true;
    return 0;
}

static int on_body(http_parser *p, const char *at, size_t len)
{
    kc_http_reader_t *r = reader(p);
    /* Only a chunked body can grow past the limit here: a Content-Length was checked. */
    if (len > KC_HTTP_BODY_MAX - r->body_len)
        return refuse(r, 413, "request body too large");
    if (r->body_len + len > r->body_cap) {
        size_t cap = r->body_cap ? r->body_cap : 4096;
        while (cap < r->body_len + len)
            cap *= 2;
        cap = cap < KC_HTTP_BODY_MAX ? cap : KC_HTTP_BODY_MAX;
        char *b = realloc(r->body, cap + 1);
        if (!b)
            return refuse(r, 503, "out of memory for a request body");
        r->body = b;
        r->body_cap = cap;
    }
    memcpy(r->body + r->body_len, at, len);
    r->body_len += len;
    return 0;
}

/* Split the request target into path and query with the library's URL parser. */
static int split_url(kc_http_reader_t *r)
{
    struct http_parser_url u;
    http_parser_url_init(&u);
    if (!r->url_len || http_parser_parse_url(r->url, r->url_len, 0, &u))
        return -1;
    if (u.field_set & (1 << UF_PATH)) {
        memcpy(r->path, r->url + u.field_data[UF_PATH].off, u.field_data[UF_PATH].len);
        r->path[u.field_data[UF_PATH].len] = 0;
    } else {
        strcpy(r->path, "/"); /* "http://host" names the root */
    }
    if (r->path[0] != '/')
        return -1; /* "*" (asterisk-form, OPTIONS *) names no route here */
    size_t qlen = 0;
    if (u.field_set & (1 << UF_QUERY)) {
        qlen = u.field_data[UF_QUERY].len;
        memcpy(r->query, r->url + u.field_data[UF_QUERY].off, qlen);
    }
    r->query[qlen] = 0;
    return 0;
}

static int on_message_complete(http_parser *p)
{
    kc_http_reader_t *r = reader(p);
    if (p->method == HTTP_CONNECT || split_url(r))
        return refuse(r, 400, "malformed request target");
    /* Trailing blanks are not part of a credential. */
    while (r->auth_len && (r->auth[r->auth_len - 1] == ' ' || r->auth[r->auth_len - 1] == '\t'))
        r->auth[--r->auth_len] = 0;
    kc_http_request_t req = {
        .method = http_method_str((enum http_method)p->method),
        .path = r->path,
        .query = r->query,
        .accept = r->accept,
        .authorization = r->auth,
        .body = r->body ? r->body : "",
        .body_len = r->body_len,
        .auth_bad = r->auth_bad,
        .keep_alive = http_should_keep_alive(p) && !p->upgrade,
    };
    if (r->body)
        r->body[r->body_len] = 0; /* room for it was kept */
    int pause = r->on_request(r->ctx, &req);
    free(r->body); /* handed on: the consumer copied what it keeps */
    r->body = NULL;
    r->body_len = r->body_cap = 0;
    if (pause)
        http_parser_pause(p, 1);
    return 0;
}

void kc_http_reader_free(kc_http_reader_t *r)
{
    free(r->body);
    r->body = NULL;
}

void kc_http_reader_init(kc_http_reader_t *r, kc_http_request_fn fn, void *ctx)
{
    uv_once(&once, set_limit);
    memset(r, 0, sizeof(*r));
    http_parser_init(&r->parser, HTTP_REQUEST);
    r->parser.data = r;
    http_parser_settings_init(&r->settings);
    r->settings.on_message_begin = on_message_begin;
    r->settings.on_url = on_url;
    r->settings.on_header_field = on_header_field;
    r->settings.on_header_value = on_header_value;
    r->settings.on_headers_complete = on_headers_complete;
    r->settings.on_body = on_body;
    r->settings.on_message_complete = on_message_complete;
    r->on_request = fn;
    r->ctx = ctx;
}

/* The parser's error, as the status the peer gets. */
static void parser_error(kc_http_reader_t *r)
{
    enum http_errno e = HTTP_PARSER_ERRNO(&r->parser);
    if (e == HPE_HEADER_OVERFLOW)
        refuse(r, 431, "request header section too large");
    else
        refuse(r, 400, http_errno_description(e));
}

size_t kc_http_reader_feed(kc_http_reader_t *r, const char *data, size_t len)
{
    if (r->status || !len) /* no bytes is the parser's signal for EOF: not ours to give here */
        return 0;
    size_t n = http_parser_execute(&r->parser, &r->settings, data, len);
    enum http_errno e = HTTP_PARSER_ERRNO(&r->parser);
    if (r->status || e == HPE_PAUSED)
        return n;
    if (e != HPE_OK) {
        parser_error(r);
        return n;
    }
    /* An upgrade (or CONNECT) ends HTTP on this connection: whatever follows is not ours. */
    if (r->parser.upgrade)
        refuse(r, 400, "protocol upgrade not supported");
    return n;
}

void kc_http_reader_resume(kc_http_reader_t *r)
{
    if (HTTP_PARSER_ERRNO(&r->parser) == HPE_PAUSED)
        http_parser_pause(&r->parser, 0);
}

void kc_http_reader_eof(kc_http_reader_t *r)
{
    if (r->status)
        return;
    http_parser_execute(&r->parser, &r->settings, NULL, 0);
    enum http_errno e = HTTP_PARSER_ERRNO(&r->parser);
    if (e != HPE_OK && e != HPE_PAUSED)
        parser_error(r);
}

const char *kc_http_reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 201: return "Created";
    case 204: return "No Content";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Unknown";
    }
}
