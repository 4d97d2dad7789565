/* kchaos's own Kafka encoders and tables against Kafka's (tests/tools/kafka-vectors):
 *
 * - ERR lines: kchaos's error table (proxy/kafka/errors.c) holds exactly the codes of
 *   kafka-clients' Errors enum, with the same names and retriable flags, both ways.
 * - CODEC lines: a ProduceResponse frame built by Kafka decodes (proxy/kafka/produce_response.c)
 *   to the fields the summary lists, and encodes back to the same bytes, header included.
 * - LOCAL lines: the answer kchaos builds for a ProduceRequest, every partition given the listed
 *   error code, is byte for byte the frame Kafka encodes for it.
 *
 * Usage: test_codec_vectors [--errors] VECTORS_FILE. --errors: the file must carry ERR lines
 * (the main file does; the legacy 3.9 file does not). */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka/api.h"
#include "vectors.h"
#include "kafka/errors.h"
#include "kafka/header.h"
#include "kafka/produce.h"

static kc_pool_t pool;
static int failures, codec_count, local_count;

static void fail(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(const char *name, const char *fmt, ...)
{
    va_list ap;
    failures++;
    fprintf(stderr, "FAIL %s: ", name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n");
}

/* ---- the error table ---- */

static bool seen[1 << 16];
static int err_lines;

static void check_error(const char *code_s, const char *name, const char *retriable_s)
{
    int code = atoi(code_s);
    bool retriable = atoi(retriable_s) != 0;
    err_lines++;
    if (code < INT16_MIN || code > INT16_MAX) {
        fail("error-table", "code %d out of range", code);
        return;
    }
    seen[code - INT16_MIN] = true;
    const kc_kafka_error_t *e = kc_kafka_error_get((int16_t)code);
    if (!e) {
        fail("error-table", "Kafka has %d %s; kchaos does not", code, name);
        return;
    }
    if (strcmp(e->name, name) || e->retriable != retriable)
        fail("error-table", "%d: kchaos %s retriable %d, Kafka %s retriable %d", code, e->name,
             e->retriable, name, retriable);
}

static void check_no_extra_errors(void)
{
    size_t n;
    const kc_kafka_error_t *t = kc_kafka_error_table(&n);
    for (size_t i = 0; i < n; i++)
        if (!seen[t[i].code - INT16_MIN])
            fail("error-table", "kchaos has %d %s; Kafka does not", t[i].code, t[i].name);
}

/* ---- the summary of a decoded response, in the generator's grammar ---- */

typedef struct summary {
    char *text;
    size_t n, cap;
} summary_t;

static void put(summary_t *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(summary_t *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (s->n + (size_t)k + 1 > s->cap) {
        s->cap = (s->n + (size_t)k + 1) * 2;
        s->text = realloc(s->text, s->cap);
    }
    va_start(ap, fmt);
    vsnprintf(s->text + s->n, (size_t)k + 1, fmt, ap);
    va_end(ap);
    s->n += (size_t)k;
}

static void put_str(summary_t *s, kc_str_t str)
{
    if (str.len < 0) {
        put(s, "~");
        return;
    }
    for (int32_t i = 0; i < str.len; i++)
        put(s, "%02x", (uint8_t)str.p[i]);
}

/* Unknown tagged fields in a raw section: its leading count. */
static unsigned raw_count(kc_raw_t t)
{
    kc_rd_t r;
    kc_rd_init(&r, t.p, t.len, true);
    return t.len ? kc_rd_uvarint(&r) : 0;
}

static void summarise(summary_t *s, int16_t v, const kc_produce_resp_t *r)
{
    put(s, "thr=%d;tags=%u", r->throttle_time_ms, r->tags.count);
    for (int32_t i = 0; i < r->topic_count; i++) {
        const kc_produce_topic_result_t *t = &r->topics[i];
        put(s, "|T:");
        if (v >= 13) {
            put(s, "i");
            for (int k = 0; k < 16; k++)
                put(s, "%02x", t->topic_id[k]);
        } else {
            put(s, "n");
            put_str(s, t->name);
        }
        put(s, ":%u", raw_count(t->tags));
        for (int32_t j = 0; j < t->part_count; j++) {
            const kc_produce_part_result_t *p = &t->parts[j];
            put(s, "/P:%d:%d:%lld:%lld:%lld:", p->index, p->error_code, (long long)p->base_offset,
                (long long)p->log_append_time_ms, (long long)p->log_start_offset);
            put_str(s, p->error_message);
            if (p->has_current_leader)
                put(s, ":%d/%d/%u", p->leader_id, p->leader_epoch, raw_count(p->leader_tags));
            else
                put(s, ":-");
            put(s, ":%u", p->tags.count);
            for (int32_t k = 0; k < p->record_error_count; k++) {
                put(s, "+%d:", p->record_errors[k].batch_index);
                put_str(s, p->record_errors[k].message);
                put(s, ":%u", raw_count(p->record_errors[k].tags));
            }
        }
    }
    for (int32_t i = 0; r->has_node_endpoints && i < r->node_endpoint_count; i++) {
        const kc_node_endpoint_t *e = &r->node_endpoints[i];
        put(s, "|N:%d:", e->node_id);
        put_str(s, e->host);
        put(s, ":%d:", e->port);
        put_str(s, e->rack);
        put(s, ":%u", raw_count(e->tags));
    }
}

/* ---- CODEC ---- */

static void compare(const char *name, const kc_wr_t *w, const uint8_t *want, size_t n)
{
    if (w->err) {
        fail(name, "encoder failed (%d)", w->err);
        return;
    }
    if (w->len != n || memcmp(w->buf->data, want, n) != 0) {
        size_t i = 0;
        while (i < w->len && i < n && w->buf->data[i] == want[i])
            i++;
        fail(name, "encoded frame differs from Kafka's at byte %zu (got %zu bytes, expected %zu)",
             i, w->len, n);
    }
}

static void check_codec(int16_t v, const char *name, const char *hex, const char *want)
{
    size_t n;
    uint8_t *f = unhex(hex, &n);
    int32_t corr;
    uint32_t body;
    kc_arena_t a;
    kc_arena_init(&a, &pool);
    kc_produce_resp_t resp;
    summary_t s = {0};
    codec_count++;
    if (n < 4 || kc_be32(f) != n - 4 ||
        kc_resp_header_parse(f + 4, n - 4, KC_API_PRODUCE, v, &corr, &body)) {
        fail(name, "bad frame or header");
        goto out;
    }
    kc_rd_t r;
    kc_rd_init(&r, f + 4 + body, n - 4 - body, kc_api_flexible(kc_api_get(KC_API_PRODUCE), v));
    int rc = kc_produce_response_decode(&r, v, &a, &resp);
    if (rc) {
        fail(name, "decode returned %d at byte %zu", rc, kc_rd_off(&r));
        goto out;
    }
    summarise(&s, v, &resp);
    if (strcmp(s.text, want) != 0)
        fail(name, "decoded fields differ:\n  got      %s\n  expected %s", s.text, want);
    kc_wr_t w;
    kc_wr_init(&w, &pool, 256, false);
    kc_produce_response_frame(&w, v, corr, &resp);
    compare(name, &w, f, n);
    kc_wr_release(&w);
out:
    kc_arena_reset(&a);
    free(s.text);
    free(f);
}

/* ---- LOCAL ---- */

typedef struct codes {
    int16_t c[256];
    int n, next;
} codes_t;

static int16_t next_code(void *ctx, const kc_produce_part_t *p)
{
    (void)p;
    codes_t *c = ctx;
    return c->next < c->n ? c->c[c->next++] : -2;
}

static void check_local(int16_t v, const char *name, const char *req_hex, const char *errors,
                        const char *resp_hex)
{
    size_t n, en;
    uint8_t *req = unhex(req_hex, &n), *want = unhex(resp_hex, &en);
    codes_t codes = {.n = 0};
    for (const char *p = errors; *p && codes.n < 256; p = strchr(p, ',') ? strchr(p, ',') + 1 : "")
        codes.c[codes.n++] = (int16_t)atoi(p);
    kc_arena_t a;
    kc_arena_init(&a, &pool);
    kc_produce_resp_t resp;
    kc_req_header_t h;
    local_count++;
    if (n < 4 || kc_req_header_parse(req + 4, n - 4, &h) || h.api_version != v) {
        fail(name, "bad request frame");
        goto out;
    }
    kc_rd_t r;
    kc_rd_init(&r, req + 4, n - 4, kc_api_flexible(kc_api_get(KC_API_PRODUCE), v));
    r.p += h.body_off;
    kc_produce_req_t head;
    int rc = kc_produce_request_head(&r, v, &head);
    if (!rc)
        rc = kc_produce_response_local(&r, v, next_code, &codes, &a, &resp);
    if (rc || codes.next != codes.n) {
        fail(name, "local answer failed (%d), %d of %d codes used", rc, codes.next, codes.n);
        goto out;
    }
    kc_wr_t w;
    kc_wr_init(&w, &pool, 256, false);
    kc_produce_response_frame(&w, v, h.correlation_id, &resp);
    compare(name, &w, want, en);
    kc_wr_release(&w);
out:
    kc_arena_reset(&a);
    free(req);
    free(want);
}

int main(int argc, char **argv)
{
    bool want_errors = argc == 3 && !strcmp(argv[1], "--errors");
    if (argc != 2 && !want_errors) {
        fprintf(stderr, "usage: test_codec_vectors [--errors] VECTORS_FILE\n");
        return 2;
    }
    const char *path = argv[argc - 1];
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return 2;
    }
    kc_buf_pool_init(&pool, 1 << 20);
    size_t cap = 1 << 22;
    char *line = malloc(cap);
    int per_version[KC_PRODUCE_MAX_VERSION + 1][2] = {{0}};
    while (fgets(line, (int)cap, f)) {
        line[strcspn(line, "\n")] = 0;
        char *save = NULL;
        char *kind = strtok_r(line, " ", &save);
        if (!kind || kind[0] == '#')
            continue;
        char *f1 = strtok_r(NULL, " ", &save), *f2 = strtok_r(NULL, " ", &save),
             *f3 = strtok_r(NULL, " ", &save), *f4 = strtok_r(NULL, " ", &save),
             *f5 = strtok_r(NULL, " ", &save), *f6 = strtok_r(NULL, " ", &save);
        if (!strcmp(kind, "ERR") && f3) {
            check_error(f1, f2, f3);
            continue;
        }
        bool codec = !strcmp(kind, "CODEC"), local = !strcmp(kind, "LOCAL");
        if (!codec && !local)
            continue; /* RESP, REQ, API: test_rewrite_vectors */
        int v = f2 ? atoi(f2) : -1;
        if (!f5 || (local && !f6) || atoi(f1) != KC_API_PRODUCE || v < 0 ||
            v > KC_PRODUCE_MAX_VERSION) {
            fprintf(stderr, "malformed %s line\n", kind);
            return 2;
        }
        if (codec)
            check_codec((int16_t)v, f3, f4, f5);
        else
            check_local((int16_t)v, f3, f4, f5, f6);
        per_version[v][local]++;
    }
    free(line);
    fclose(f);
    if (err_lines)
        check_no_extra_errors();
    printf("%s: %d error codes, %d CODEC and %d LOCAL vectors, %d failed; per version:", path,
           err_lines, codec_count, local_count, failures);
    for (int v = 0; v <= KC_PRODUCE_MAX_VERSION; v++)
        if (per_version[v][0] || per_version[v][1])
            printf(" v%d=%d+%d", v, per_version[v][0], per_version[v][1]);
    printf("\n");
    if (pool.live_bytes != 0) {
        fprintf(stderr, "FAIL: buffers leaked\n");
        failures++;
    }
    kc_buf_pool_free(&pool);
    /* A file that lost its content must not pass. */
    if ((want_errors && err_lines < 100) || codec_count < 10 || local_count < 4) {
        fprintf(stderr, "FAIL: too few vectors\n");
        failures++;
    }
    return failures ? 1 : 0;
}
