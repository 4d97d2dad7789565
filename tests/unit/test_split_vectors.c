/* kchaos's fault rewrites against Kafka's own codec (tests/tools/kafka-vectors):
 *
 * - SPLIT lines: kc_produce_request_split on Kafka's ProduceRequest, picking by topic index and
 *   partition, gives byte for byte the request Kafka encodes without those partitions (flattened,
 *   size prefix included); kc_produce_response_merge on Kafka's broker answer to it gives the
 *   merged answer Kafka encodes (original order, the picked partitions with the error).
 * - SETERR lines: kc_produce_response_set_errors and kc_produce_response_set_throttle on a broker's
 *   answer give Kafka's encoding of it with those results replaced and the throttle set (in both
 *   orders when a line has both).
 * - LEADERLESS lines: kc_metadata_response_leaderless gives Kafka's encoding of the Metadata
 *   response with the picked partitions at LEADER_NOT_AVAILABLE, leader -1.
 *
 * Usage: test_split_vectors [--leaderless] VECTORS_FILE. --leaderless: the file must carry
 * LEADERLESS lines (the main file does; the legacy 3.9 file has Produce lines only). */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vectors.h"
#include "kafka/api.h"
#include "kafka/metadata.h"
#include "kafka/produce_split.h"

#define MAX_PICKS 64
#define MAX_VERSION 32

static kc_pool_t pool;
static int failures;

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

/* ---- picks ---- */

typedef struct pick {
    int32_t topic_index;    /* SPLIT */
    uint8_t key[256];       /* SETERR, LEADERLESS: the topic's name bytes, or its 16-byte id */
    int key_len;
    bool by_id;
    int32_t partition;
    int hits;
} pick_t;

typedef struct picks {
    pick_t p[MAX_PICKS];
    int n;
} picks_t;

/* "-", or comma-separated "<topic_index>:<partition>" (by_index) or
 * "<n + hex name | i + hex id>:<partition>". */
static bool parse_picks(const char *s, bool by_index, picks_t *out)
{
    out->n = 0;
    if (!strcmp(s, "-"))
        return true;
    while (*s) {
        if (out->n == MAX_PICKS)
            return false;
        pick_t *p = &out->p[out->n++];
        memset(p, 0, sizeof(*p));
        const char *colon = strchr(s, ':');
        if (!colon)
            return false;
        if (by_index) {
            p->topic_index = atoi(s);
        } else {
            if (*s != 'n' && *s != 'i')
                return false;
            p->by_id = *s == 'i';
            size_t hex_len = (size_t)(colon - s - 1);
            if (hex_len % 2 || hex_len / 2 > sizeof(p->key))
                return false;
            for (size_t i = 0; i < hex_len / 2; i++)
                sscanf(s + 1 + 2 * i, "%2hhx", &p->key[i]);
            p->key_len = (int)(hex_len / 2);
        }
        p->partition = atoi(colon + 1);
        const char *comma = strchr(colon, ',');
        s = comma ? comma + 1 : colon + strlen(colon);
    }
    return true;
}

static bool pick_request(void *ctx, const kc_produce_part_t *part)
{
    picks_t *ps = ctx;
    for (int i = 0; i < ps->n; i++)
        if (ps->p[i].topic_index == part->topic_index && ps->p[i].partition == part->partition) {
            ps->p[i].hits++;
            return true;
        }
    return false;
}

static bool pick_named(picks_t *ps, kc_str_t topic, const uint8_t *topic_id, int32_t partition)
{
    for (int i = 0; i < ps->n; i++) {
        pick_t *p = &ps->p[i];
        bool same = p->by_id ? topic_id && p->key_len == 16 && !memcmp(p->key, topic_id, 16)
                             : !topic_id && topic.len == p->key_len &&
                                   !memcmp(topic.p, p->key, (size_t)p->key_len);
        if (same && p->partition == partition) {
            p->hits++;
            return true;
        }
    }
    return false;
}

static bool pick_result(void *ctx, kc_str_t topic, const uint8_t *topic_id, int32_t partition)
{
    return pick_named(ctx, topic, topic_id, partition);
}

static bool pick_metadata(void *ctx, kc_str_t topic, const uint8_t *topic_id, int32_t partition)
{
    (void)topic_id; /* LEADERLESS picks name topics; v10+ responses carry the id as well */
    return pick_named(ctx, topic, NULL, partition);
}

static void reset_hits(picks_t *ps)
{
    for (int i = 0; i < ps->n; i++)
        ps->p[i].hits = 0;
}

static bool all_hit_once(const picks_t *ps)
{
    for (int i = 0; i < ps->n; i++)
        if (ps->p[i].hits != 1)
            return false;
    return true;
}

/* ---- frames ---- */

static kc_frame_t frame_of_hex(const char *hex)
{
    size_t n;
    uint8_t *bytes = unhex(hex, &n);
    kc_buf_t *b = kc_buf_get(&pool, n);
    if (!b) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    memcpy(b->data, bytes, n);
    free(bytes);
    return kc_frame_of(b, (uint32_t)n);
}

/* The frame as it goes out (size prefix + flattened message) against Kafka's bytes. */
static void compare(const char *name, const char *what, const kc_frame_t *f, const char *want_hex)
{
    size_t n;
    uint8_t *want = unhex(want_hex, &n);
    uint32_t len = kc_frame_wire_len(f);
    uint8_t *got = malloc(len);
    kc_put_be32(got, len - 4);
    kc_frame_flatten(f, got + 4);
    if (kc_be32(f->data) != len - 4)
        fail(name, "%s: the frame's own size prefix says %u, the message is %u bytes", what,
             kc_be32(f->data), len - 4);
    if (len != n || memcmp(got, want, n) != 0) {
        size_t i = 0;
        while (i < len && i < n && got[i] == want[i])
            i++;
        fail(name, "%s differs from Kafka's at byte %zu (got %u bytes, expected %zu)", what, i,
             len, n);
    }
    free(got);
    free(want);
}

/* ---- SPLIT ---- */

static void check_split(int16_t v, const char *name, char **f)
{
    /* f: request picks error reduced broker merged */
    picks_t picks;
    if (!parse_picks(f[1], true, &picks)) {
        fail(name, "bad picks %s", f[1]);
        return;
    }
    int16_t error = (int16_t)atoi(f[2]);
    kc_frame_t req = frame_of_hex(f[0]);
    kc_produce_split_t split;
    int rc = kc_produce_request_split(&pool, &req, v, pick_request, &picks, &split);
    if (rc) {
        fail(name, "split returned %d", rc);
        kc_frame_release(&pool, &req);
        return;
    }
    if (!all_hit_once(&picks) || split.picked != picks.n)
        fail(name, "split picked %d partitions, the line picks %d", split.picked, picks.n);
    compare(name, "reduced request", &req, f[3]);
    kc_frame_release(&pool, &req); /* the merge must not need the request frame any more */

    kc_frame_t resp = frame_of_hex(f[4]);
    rc = kc_produce_response_merge(&pool, &resp, v, &split, error);
    if (rc)
        fail(name, "merge returned %d", rc);
    else
        compare(name, "merged answer", &resp, f[5]);
    kc_frame_release(&pool, &resp);
    kc_produce_split_free(&split);
}

/* ---- SETERR ---- */

static int set_errors(const char *name, kc_frame_t *resp, int16_t v, picks_t *picks,
                      int16_t error)
{
    int count = 0;
    reset_hits(picks);
    int rc = kc_produce_response_set_errors(&pool, resp, v, pick_result, picks, error, &count);
    if (rc)
        fail(name, "set_errors returned %d", rc);
    else if (count != picks->n || !all_hit_once(picks))
        fail(name, "set_errors changed %d partitions, the line picks %d", count, picks->n);
    return rc;
}

static int set_throttle(const char *name, kc_frame_t *resp, int16_t v, const char *throttle)
{
    int rc = kc_produce_response_set_throttle(&pool, resp, v, (int32_t)strtol(throttle, NULL, 10));
    if (rc)
        fail(name, "set_throttle returned %d", rc);
    return rc;
}

static void check_seterr(int16_t v, const char *name, char **f)
{
    /* f: answer picks error throttle expected */
    picks_t picks;
    if (!parse_picks(f[1], false, &picks)) {
        fail(name, "bad picks %s", f[1]);
        return;
    }
    int16_t error = (int16_t)atoi(f[2]);
    bool throttle = strcmp(f[3], "-") != 0;
    for (int order = 0; order < (throttle && picks.n ? 2 : 1); order++) {
        kc_frame_t resp = frame_of_hex(f[0]);
        int rc = 0;
        if (throttle && order == 1)
            rc = set_throttle(name, &resp, v, f[3]);
        if (!rc)
            rc = set_errors(name, &resp, v, &picks, error); /* no picks: frame left as it is */
        if (!rc && throttle && order == 0)
            rc = set_throttle(name, &resp, v, f[3]);
        if (!rc)
            compare(name, order ? "answer (throttle, then errors)" : "answer", &resp, f[4]);
        kc_frame_release(&pool, &resp);
    }
}

/* ---- LEADERLESS ---- */

static void check_leaderless(int16_t v, const char *name, char **f)
{
    /* f: response picks expected */
    picks_t picks;
    if (!parse_picks(f[1], false, &picks)) {
        fail(name, "bad picks %s", f[1]);
        return;
    }
    kc_frame_t resp = frame_of_hex(f[0]);
    int count = 0;
    int rc = kc_metadata_response_leaderless(&pool, &resp, v, pick_metadata, &picks, &count);
    if (rc)
        fail(name, "leaderless returned %d", rc);
    else if (count != picks.n || !all_hit_once(&picks))
        fail(name, "leaderless patched %d partitions, the line picks %d", count, picks.n);
    else
        compare(name, "response", &resp, f[2]);
    kc_frame_release(&pool, &resp);
}

int main(int argc, char **argv)
{
    bool want_leaderless = argc == 3 && !strcmp(argv[1], "--leaderless");
    if (argc != 2 && !want_leaderless) {
        fprintf(stderr, "usage: test_split_vectors [--leaderless] VECTORS_FILE\n");
        return 2;
    }
    const char *path = argv[argc - 1];
    FILE *file = fopen(path, "r");
    if (!file) {
        perror(path);
        return 2;
    }
    kc_buf_pool_init(&pool, 1 << 20);
    size_t cap = 1 << 22;
    char *line = malloc(cap);
    enum { SPLIT, SETERR, LEADERLESS, KINDS };
    static const char *const kinds[KINDS] = {"SPLIT", "SETERR", "LEADERLESS"};
    static const int fields[KINDS] = {6, 5, 3}; /* after <kind> <api> <version> <name> */
    static const int api[KINDS] = {KC_API_PRODUCE, KC_API_PRODUCE, KC_API_METADATA};
    int count[KINDS] = {0}, per_version[MAX_VERSION + 1][KINDS] = {{0}};
    while (fgets(line, (int)cap, file)) {
        line[strcspn(line, "\n")] = 0;
        char *save = NULL, *tok[10] = {0};
        int n = 0;
        for (char *t = strtok_r(line, " ", &save); t && n < 10; t = strtok_r(NULL, " ", &save))
            tok[n++] = t;
        int k = 0;
        while (k < KINDS && (!tok[0] || strcmp(tok[0], kinds[k])))
            k++;
        if (k == KINDS)
            continue; /* comments and the other kinds: test_rewrite_vectors, test_codec_vectors */
        int v = n > 2 ? atoi(tok[2]) : -1;
        if (n != 4 + fields[k] || atoi(tok[1]) != api[k] || v < 0 || v > MAX_VERSION) {
            fprintf(stderr, "malformed %s line\n", kinds[k]);
            return 2;
        }
        if (k == SPLIT)
            check_split((int16_t)v, tok[3], tok + 4);
        else if (k == SETERR)
            check_seterr((int16_t)v, tok[3], tok + 4);
        else
            check_leaderless((int16_t)v, tok[3], tok + 4);
        count[k]++;
        per_version[v][k]++;
    }
    free(line);
    fclose(file);
    printf("%s: %d SPLIT, %d SETERR and %d LEADERLESS vectors, %d failed; per version "
           "(split+seterr+leaderless):",
           path, count[SPLIT], count[SETERR], count[LEADERLESS], failures);
    for (int v = 0; v <= MAX_VERSION; v++)
        if (per_version[v][SPLIT] || per_version[v][SETERR] || per_version[v][LEADERLESS])
            printf(" v%d=%d+%d+%d", v, per_version[v][SPLIT], per_version[v][SETERR],
                   per_version[v][LEADERLESS]);
    printf("\n");
    if (pool.live_bytes != 0) {
        fprintf(stderr, "FAIL: buffers leaked (%zu bytes)\n", pool.live_bytes);
        failures++;
    }
    kc_buf_pool_free(&pool);
    /* A file that lost its content must not pass. */
    if (count[SPLIT] < 20 || count[SETERR] < 20 || (want_leaderless && count[LEADERLESS] < 14)) {
        fprintf(stderr, "FAIL: too few vectors\n");
        failures++;
    }
    return failures ? 1 : 0;
}
