/* Fuzz the admin listener's HTTP request reader (proxy/admin/http.c) the way a connection drives
 * it: bytes arrive in reads of any size, the consumer pauses the reader now and then (a full
 * answer queue) and resumes it later, nothing is read after a request without keep-alive, and
 * the peer's EOF ends the stream.
 *
 * Input: bytes 0-1 seed the read sizes and pauses; the rest is the byte stream.
 *
 * Invariants: every request has a method, a path starting with '/', strings within their
 * bounds, and a NUL-terminated body within the limit; once the input is refused the status is
 * one the listener sends (400, 411, 413, 414, 431) with a reason, and nothing more is consumed; and the outcome (every request's fields, in
 * order, then the final status) is the same as when the whole stream is fed at once: how the
 * bytes were cut must never change what was asked (one exception below, the parser's). */
#include "admin/http.h"
#include "fuzz.h"

typedef struct run {
    uint64_t digest; /* of every request seen, in order */
    int n;
    bool stop;       /* a request without keep-alive: nothing more is read */
    int pause_every; /* 0: never */
} run_t;

static uint64_t mix(uint64_t h, const char *s)
{
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return (h ^ 0xff) * 0x100000001b3ull; /* a separator, so "ab"+"c" differs from "a"+"bc" */
}

static int on_request(void *ctx, const kc_http_request_t *req)
{
    run_t *r = ctx;
    CHECK(req->method && *req->method);
    CHECK(req->path[0] == '/');
    CHECK(strlen(req->path) <= KC_HTTP_URL_MAX && strlen(req->query) <= KC_HTTP_URL_MAX);
    CHECK(strlen(req->accept) <= KC_HTTP_ACCEPT_MAX);
    CHECK(strlen(req->authorization) <= KC_HTTP_AUTH_MAX);
    CHECK(req->body && req->body_len <= KC_HTTP_BODY_MAX && req->body[req->body_len] == 0);
    uint64_t h = r->digest ? r->digest : 0xcbf29ce484222325ull;
    h = mix(h, req->method), h = mix(h, req->path), h = mix(h, req->query);
    h = mix(h, req->accept), h = mix(h, req->authorization);
    h = mix(h, req->auth_bad ? "1" : "0"), h = mix(h, req->keep_alive ? "1" : "0");
    for (size_t i = 0; i < req->body_len; i++) /* the body may hold NULs: byte by byte */
        h = (h ^ (unsigned char)req->body[i]) * 0x100000001b3ull;
    char n[24];
    snprintf(n, sizeof(n), "%zu", req->body_len);
    h = mix(h, n);
    r->digest = h;
    r->n++;
    if (!req->keep_alive)
        r->stop = true;
    return r->stop || (r->pause_every && r->n % r->pause_every == 0);
}

static void check_refused(const kc_http_reader_t *rd)
{
    if (!rd->status)
        return;
    CHECK(rd->status == 400 || rd->status == 411 || rd->status == 413 || rd->status == 414 ||
          rd->status == 431);
    CHECK(rd->why && *rd->why);
}

/* Feed the stream in reads of the sizes rng picks (0: all at once); returns the final status. */
static int drive(run_t *r, const char *data, size_t len, uint32_t rng)
{
    kc_http_reader_t *rd = malloc(sizeof(*rd));
    CHECK(rd != NULL);
    kc_http_reader_init(rd, on_request, r);
    size_t off = 0;
    while (off < len && !r->stop && !rd->status) {
        size_t want = len - off;
        if (rng) {
            rng ^= rng << 13, rng ^= rng >> 17, rng ^= rng << 5;
            size_t cut = 1 + rng % 64;
            want = want < cut ? want : cut;
        }
        /* Each read is a copy of exactly its size, as a socket read would be. */
        char *chunk = (char *)fuzz_copy((const uint8_t *)data + off, want);
        size_t done = 0;
        while (done < want) {
            size_t n = kc_http_reader_feed(rd, chunk + done, want - done);
            CHECK(n <= want - done);
            done += n;
            check_refused(rd);
            if (rd->status || r->stop)
                break;
            if (done < want)
                kc_http_reader_resume(rd); /* it paused: the queue drained */
        }
        if (rd->status) /* refused: nothing more is taken */
            CHECK(kc_http_reader_feed(rd, chunk, want) == 0);
        free(chunk);
        off += done;
    }
    if (!r->stop)
        kc_http_reader_eof(rd);
    check_refused(rd);
    int status = rd->status;
    kc_http_reader_free(rd);
    free(rd);
    return status;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    uint32_t seed = (uint32_t)data[0] << 8 | data[1];
    const char *stream = (const char *)data + 2;
    size_t len = size - 2;
    run_t whole = {0}, cut = {.pause_every = 1 + data[0] % 3};
    int s1 = drive(&whole, stream, len, 0);
    int s2 = drive(&cut, stream, len, seed | 1);
    CHECK(whole.n == cut.n);
    CHECK(whole.digest == cut.digest);
    /* One exception, the library's: it counts a header value's bytes against the 16 KiB limit
     * when the value ends (or the read does), so a header section both too large and malformed
     * may be refused as either, depending on where the reads ended. Refused all the same. */
    CHECK(s1 == s2 || (s1 + s2 == 400 + 431));
    return 0;
}
