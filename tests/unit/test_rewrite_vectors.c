/* Every version of every message kchaos decodes, checked byte for byte against frames built by
 * Kafka's own codec (tests/tools/kafka-vectors, kafka-clients at the pinned version).
 *
 * RESP lines: the broker's frame goes through kc_rewrite_response() with the routing rule the
 * generator used (host kchaos.test, port 29000 + node id) and must come out exactly as the
 * expected frame. REQ lines: the request decoders must summarise the frame as Kafka's classes
 * did. Usage: test_rewrite_vectors VECTORS_FILE */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka/api.h"
#include "kafka/api_versions.h"
#include "kafka/header.h"
#include "kafka/metadata.h"
#include "kafka/produce.h"
#include "kafka/records.h"
#include "route/rewrite.h"
#include "vectors.h"

static kc_pool_t pool;
static kc_route_t route;
static int failures, checked;

static void fail(const char *name, const char *fmt, const char *detail)
{
    failures++;
    fprintf(stderr, "FAIL %s: ", name);
    fprintf(stderr, fmt, detail);
    fprintf(stderr, "\n");
}

/* Metadata: the topics walk reads every response Kafka builds to its last byte. */
static int metadata_walked, metadata_parts;

static void count_part(void *ctx, const kc_metadata_topic_t *t, const kc_metadata_partition_t *p)
{
    (void)ctx, (void)t, (void)p;
    metadata_parts++;
}

static void check_metadata_topics(int ver, const char *name, const uint8_t *frame, size_t n)
{
    int32_t corr;
    uint32_t body;
    if (kc_resp_header_parse(frame + 4, n - 4, KC_API_METADATA, (int16_t)ver, &corr, &body)) {
        fail(name, "%s", "metadata header");
        return;
    }
    kc_rd_t r;
    kc_rd_init(&r, frame + 4 + body, n - 4 - body, kc_api_flexible(kc_api_get(3), (int16_t)ver));
    kc_metadata_walk_t w = {NULL, count_part, NULL};
    if (kc_metadata_response_topics(&r, (int16_t)ver, &w) || kc_rd_left(&r))
        fail(name, "%s", "metadata topics walk failed or stopped short");
    metadata_walked++;
}

static void check_response(int api, int ver, const char *name, const char *in_hex,
                           const char *exp_hex)
{
    size_t n, en;
    uint8_t *in = unhex(in_hex, &n), *exp = unhex(exp_hex, &en);
    if (api == KC_API_METADATA)
        check_metadata_topics(ver, name, in, n);
    kc_splice_t sp;
    kc_rewrite_info_t info;
    int rc = kc_rewrite_response(&route, &pool, (int16_t)api, (int16_t)ver, in + 4, n - 4, &sp, &info);
    if (rc) {
        fail(name, "rewrite returned %s", rc == -KC_EPROTO ? "-KC_EPROTO" : "an error");
        goto out;
    }
    /* Apply the splice the way the connection writer does. */
    size_t out_len = n - sp.len + sp.buf_len;
    uint8_t *out = malloc(out_len);
    size_t before = 4 + sp.off;
    memcpy(out, in, before);
    if (sp.buf)
        memcpy(out + before, sp.buf->data, sp.buf_len);
    memcpy(out + before + sp.buf_len, in + before + sp.len, n - before - sp.len);
    kc_put_be32(out, (uint32_t)(out_len - 4));
    if (out_len != en || memcmp(out, exp, en) != 0) {
        size_t i = 0;
        while (i < out_len && i < en && out[i] == exp[i])
            i++;
        char where[96];
        snprintf(where, sizeof(where), "%zu (got %zu bytes, expected %zu)", i, out_len, en);
        fail(name, "output differs from Kafka's at byte %s", where);
    }
    free(out);
    kc_splice_release(&pool, &sp);
out:
    checked++;
    free(in);
    free(exp);
}

/* ---- request summaries, in the generator's format ---- */

typedef struct summary {
    char text[8192];
    size_t n;
    int parts;
} summary_t;

static void put(summary_t *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(summary_t *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(s->text + s->n, sizeof(s->text) - s->n, fmt, ap);
    va_end(ap);
    if (k > 0 && s->n + (size_t)k < sizeof(s->text))
        s->n += (size_t)k;
}

typedef struct counts {
    int batches, records;
} counts_t;

static void count_batch(void *ctx, const kc_batch_t *b)
{
    counts_t *c = ctx;
    c->batches++;
    c->records += b->records;
}

static void summarise_part(void *ctx, const kc_produce_part_t *p)
{
    summary_t *s = ctx;
    put(s, "%s", s->parts++ ? "," : ";");
    if (p->topic_id)
        for (int i = 0; i < 16; i++)
            put(s, "%02x", p->topic_id[i]);
    else
        put(s, "%.*s", p->topic.len, p->topic.p);
    counts_t c = {0, 0};
    kc_records_walk(p->records, p->records_len, count_batch, &c);
    put(s, ":%d:%d:%d:%d", p->partition, c.batches, c.records, p->records_len < 0 ? 0 : p->records_len);
}

static void check_request(int api, int ver, const char *name, const char *in_hex,
                          const char *expected)
{
    size_t n;
    uint8_t *in = unhex(in_hex, &n);
    kc_req_header_t h;
    summary_t s = {.n = 0};
    if (kc_req_header_parse(in + 4, n - 4, &h) || h.api_key != api || h.api_version != ver) {
        fail(name, "%s", "request header mismatch");
        goto out;
    }
    kc_rd_t r;
    kc_rd_init(&r, in + 4, n - 4, kc_api_flexible(kc_api_get(h.api_key), h.api_version));
    r.p += h.body_off;
    if (api == KC_API_PRODUCE) {
        kc_produce_req_t req;
        kc_produce_request_head(&r, h.api_version, &req);
        put(&s, "acks=%d;timeout=%d;txn=", req.acks, req.timeout_ms);
        if (req.transactional_id.len < 0)
            put(&s, "-");
        else
            put(&s, "%.*s", req.transactional_id.len, req.transactional_id.p);
        kc_produce_request_parts(&r, h.api_version, summarise_part, &s);
    } else if (api == KC_API_API_VERSIONS) {
        kc_str_t sn, sv;
        kc_api_versions_request_parse(&r, h.api_version, &sn, &sv);
        if (h.api_version < 3)
            put(&s, "software=-");
        else
            put(&s, "software=%.*s/%.*s", sn.len < 0 ? 0 : sn.len, sn.p ? sn.p : "",
                sv.len < 0 ? 0 : sv.len, sv.p ? sv.p : "");
    } else {
        fail(name, "%s", "no request decoder for this api key");
        goto out;
    }
    if (r.err)
        fail(name, "%s", "request decoder failed");
    else if (strcmp(s.text, expected) != 0) {
        char detail[9000];
        snprintf(detail, sizeof(detail), "\n  got      %s\n  expected %s", s.text, expected);
        fail(name, "summary differs:%s", detail);
    }
out:
    checked++;
    free(in);
}

/* kchaos's api table against Kafka's ApiKeys: the name, the first flexible version and the
 * newest version of every key must agree (header versions and clamps follow from them). */
static void check_api(int key, const char *name, int flex, int oldest, int latest)
{
    char what[160];
    const kc_api_t *a = kc_api_get((int16_t)key);
    checked++;
    if (!a) {
        snprintf(what, sizeof(what), "api key %d (%s) missing from kchaos's table", key, name);
        fail("api-table", "%s", what);
        return;
    }
    if (latest < 0)
        return; /* no version left in this Kafka (the removed inter-broker APIs) */
    int a_flex = a->flex_from == KC_FLEX_NEVER ? -1 : a->flex_from;
    /* When the oldest version left is flexible, the schema's flexibleVersions may start lower
     * (versions removed since): kchaos keeps the schema's number. */
    bool flex_ok = a_flex == flex || (flex == oldest && a_flex >= 0 && a_flex <= flex);
    if (strcmp(a->name, name) || !flex_ok || a->max_known != latest) {
        snprintf(what, sizeof(what), "%d: kchaos %s flex %d max %d, Kafka %s flex %d max %d", key,
                 a->name, a_flex, a->max_known, name, flex, latest);
        fail("api-table", "%s", what);
    }
}

/* The clamp list the generator needs: every api kchaos decodes and its newest decoded version. */
static void print_clamp(void)
{
    int n;
    const kc_api_t *t = kc_api_table(&n);
    const char *sep = "";
    for (int i = 0; i < n; i++)
        if (t[i].name && t[i].decode_max >= 0) {
            printf("%s%d=%d", sep, t[i].key, t[i].decode_max);
            sep = ",";
        }
    printf("\n");
}

int main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "--print-clamp")) {
        print_clamp();
        return 0;
    }
    if (argc != 2) {
        fprintf(stderr, "usage: test_rewrite_vectors VECTORS_FILE\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "r");
    if (!f) {
        perror(argv[1]);
        return 2;
    }
    kc_buf_pool_init(&pool, 1 << 20);
    kc_route_init(&route, "kchaos.test", 29000, 0, NULL, 0);
    size_t cap = 1 << 22;
    char *line = malloc(cap);
    int resp = 0, req = 0;
    while (fgets(line, (int)cap, f)) {
        line[strcspn(line, "\n")] = 0;
        if (!line[0] || line[0] == '#')
            continue;
        char *save = NULL;
        char *kind = strtok_r(line, " ", &save), *api = strtok_r(NULL, " ", &save),
             *ver = strtok_r(NULL, " ", &save), *name = strtok_r(NULL, " ", &save),
             *in = strtok_r(NULL, " ", &save), *exp = strtok_r(NULL, "", &save);
        if (kind && !strcmp(kind, "API") && api && ver && name && in && exp) {
            /* API key name flex oldest latest */
            check_api(atoi(api), ver, atoi(name), atoi(in), atoi(exp));
            continue;
        }
        if (kind && (!strcmp(kind, "ERR") || !strcmp(kind, "CODEC") || !strcmp(kind, "LOCAL")))
            continue; /* kchaos's own encoders and error table: test_codec_vectors */
        if (kind && (!strcmp(kind, "SPLIT") || !strcmp(kind, "SETERR") || !strcmp(kind, "LEADERLESS")))
            continue; /* the fault rewrites: test_split_vectors */
        if (!kind || !api || !ver || !name || !in || !exp) {
            fprintf(stderr, "malformed vector line\n");
            return 2;
        }
        if (!strcmp(kind, "RESP"))
            check_response(atoi(api), atoi(ver), name, in, exp), resp++;
        else
            check_request(atoi(api), atoi(ver), name, in, exp), req++;
    }
    free(line);
    fclose(f);
    kc_route_free(&route);
    printf("%d vectors (%d responses, %d requests), %d failed; pool live bytes %zu\n", checked,
           resp, req, failures, pool.live_bytes);
    printf("metadata topics walk: %d responses, %d partitions\n", metadata_walked, metadata_parts);
    if (pool.live_bytes != 0) {
        fprintf(stderr, "FAIL: buffers leaked\n");
        failures++;
    }
    kc_buf_pool_free(&pool);
    /* A vector file that lost its content must not pass. */
    return failures || resp < 100 || req < 20 ? 1 : 0;
}
