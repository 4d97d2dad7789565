/* Fuzz the Produce split and merge (proxy/kafka/produce_split.c). Input: byte 0 the version
 * (mod 14), byte 1 the picks (bit k % 8 picks the k-th partition), bytes 2-3 the length L of a
 * ProduceRequest body that follows, and the rest a ProduceResponse body (the broker's answer).
 *
 * Invariants beyond "no crash": the cut request parses and holds exactly the kept partitions, in
 * order, with their records byte for byte; an uncut request is left untouched; a merged answer
 * decodes and holds every partition of the broker's answer plus one per picked partition; errors
 * and a throttle set on it hold. */
#include <errno.h>

#include "kafka/header.h"
#include "kafka/produce_split.h"
#include "fuzz.h"

static kc_pool_t pool;
static int pool_ready;

typedef struct picks {
    unsigned mask, n;
} picks_t;

static bool pick_bits(void *ctx, const kc_produce_part_t *p)
{
    (void)p;
    picks_t *c = ctx;
    return (c->mask >> (c->n++ % 8)) & 1;
}

typedef struct parts {
    kc_produce_part_t *v;
    int32_t n, cap;
} parts_t;

static void collect(void *ctx, const kc_produce_part_t *p)
{
    parts_t *ps = ctx;
    CHECK(ps->n < ps->cap);
    ps->v[ps->n++] = *p;
}

/* A whole frame: size, a header for (key 0, v), body. */
static kc_frame_t frame(int16_t v, bool request, const uint8_t *body, size_t len)
{
    size_t cap = len + 16;
    kc_buf_t *b = kc_buf_get(&pool, cap);
    CHECK(b != NULL);
    uint8_t *p = b->data + 4;
    if (request) {
        kc_put_be16(p, 0), kc_put_be16(p + 2, (uint16_t)v), kc_put_be32(p + 4, 5);
        kc_put_be16(p + 8, 0xffff); /* client_id null */
        p += 10;
    } else {
        kc_put_be32(p, 5);
        p += 4;
    }
    if (v >= 9)
        *p++ = 0; /* header tags */
    memcpy(p, body, len);
    return kc_frame_of(b, (uint32_t)(p + len - b->data));
}

/* Parse a request message's partitions into ps (its head skipped). */
static int request_parts(const uint8_t *msg, size_t len, int16_t v, parts_t *ps)
{
    kc_req_header_t h;
    if (kc_req_header_parse(msg, len, &h) || !h.body_off)
        return -KC_EPROTO;
    kc_rd_t r;
    kc_rd_init(&r, msg + h.body_off, len - h.body_off, v >= 9);
    kc_produce_req_t head;
    kc_produce_request_head(&r, v, &head);
    return kc_produce_request_parts(&r, v, collect, ps);
}

static bool same_part(int16_t v, const kc_produce_part_t *a, const kc_produce_part_t *b)
{
    if (a->partition != b->partition || a->records_len != b->records_len)
        return false;
    if (a->records_len > 0 && memcmp(a->records, b->records, (size_t)a->records_len))
        return false;
    if (v >= 13)
        return memcmp(a->topic_id, b->topic_id, 16) == 0;
    return a->topic.len == b->topic.len && !memcmp(a->topic.p, b->topic.p, (size_t)a->topic.len);
}

static void check_cut(int16_t v, kc_frame_t *f, const kc_produce_split_t *s, const uint8_t *orig,
                      uint32_t orig_len)
{
    if (!(s->kept && s->picked)) {
        CHECK(f->edits == NULL);
        CHECK(f->len == orig_len && memcmp(f->data, orig, orig_len) == 0);
        return;
    }
    parts_t before = {.v = calloc((size_t)s->part_count + 1, sizeof(kc_produce_part_t)),
                      .cap = s->part_count};
    parts_t after = {.v = calloc((size_t)s->kept + 1, sizeof(kc_produce_part_t)), .cap = s->kept};
    uint32_t n = kc_frame_wire_len(f) - 4;
    CHECK(kc_be32(f->data) == n);
    uint8_t *flat = malloc(n);
    kc_frame_flatten(f, flat);
    CHECK(request_parts(kc_frame_msg(f), kc_frame_msg_len(f), v, &before) == 0);
    CHECK(request_parts(flat, n, v, &after) == 0);
    CHECK(before.n == s->part_count && after.n == s->kept);
    int32_t j = 0;
    for (int32_t i = 0; i < before.n; i++) {
        CHECK(s->parts[i].partition == before.v[i].partition);
        CHECK(s->parts[i].topic == before.v[i].topic_index);
        if (!s->parts[i].picked)
            CHECK(same_part(v, &before.v[i], &after.v[j++]));
    }
    free(flat);
    free(before.v);
    free(after.v);
}

static int32_t total_parts(int16_t v, const uint8_t *msg, size_t len, kc_arena_t *a,
                           kc_produce_resp_t *out)
{
    int32_t corr;
    uint32_t off;
    CHECK(kc_resp_header_parse(msg, len, 0, v, &corr, &off) == 0 && corr == 5);
    kc_rd_t r;
    kc_rd_init(&r, msg + off, len - off, v >= 9);
    if (kc_produce_response_decode(&r, v, a, out))
        return -1;
    int32_t n = 0;
    for (int32_t i = 0; i < out->topic_count; i++)
        n += out->topics[i].part_count;
    return n;
}

static bool pick_all(void *ctx, kc_str_t t, const uint8_t *id, int32_t p)
{
    (void)ctx, (void)t, (void)id, (void)p;
    return true;
}

static void merge(int16_t v, const kc_produce_split_t *s, const uint8_t *body, size_t len)
{
    kc_frame_t f = frame(v, false, body, len);
    kc_arena_t a;
    kc_arena_init(&a, &pool);
    kc_produce_resp_t resp;
    int32_t broker = total_parts(v, kc_frame_msg(&f), kc_frame_msg_len(&f), &a, &resp);
    kc_arena_reset(&a);
    int rc = kc_produce_response_merge(&pool, &f, v, s, 6);
    CHECK(rc == 0 || rc == -KC_EPROTO);
    CHECK((rc == 0) == (broker >= 0));
    if (rc == 0) {
        int32_t n = total_parts(v, kc_frame_msg(&f), kc_frame_msg_len(&f), &a, &resp);
        CHECK(n == broker + s->picked);
        kc_arena_reset(&a);
        if (v >= 1)
            CHECK(kc_produce_response_set_throttle(&pool, &f, v, 1234) == 0);
        int count;
        CHECK(kc_produce_response_set_errors(&pool, &f, v, pick_all, NULL, 7, &count) == 0);
        CHECK(count == n);
        uint32_t wl = kc_frame_wire_len(&f) - 4;
        uint8_t *flat = malloc(wl);
        kc_frame_flatten(&f, flat);
        CHECK(total_parts(v, flat, wl, &a, &resp) == n);
        if (v >= 1)
            CHECK(resp.throttle_time_ms == 1234);
        for (int32_t i = 0; i < resp.topic_count; i++)
            for (int32_t j = 0; j < resp.topics[i].part_count; j++)
                CHECK(resp.topics[i].parts[j].error_code == 7);
        kc_arena_reset(&a);
        free(flat);
    }
    kc_frame_release(&pool, &f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    if (!pool_ready) {
        kc_buf_pool_init(&pool, 1 << 22);
        pool_ready = 1;
    }
    int16_t v = (int16_t)(data[0] % 14);
    size_t rl = (size_t)data[2] << 8 | data[3];
    if (rl > size - 4)
        rl = size - 4;
    kc_frame_t f = frame(v, true, data + 4, rl);
    uint8_t *orig = fuzz_copy(f.data, f.len);
    uint32_t orig_len = f.len;
    picks_t c = {.mask = data[1]};
    kc_produce_split_t s;
    int rc = kc_produce_request_split(&pool, &f, v, pick_bits, &c, &s);
    CHECK(rc == 0 || rc == -KC_EPROTO);
    if (rc == 0) {
        CHECK((int32_t)c.n == s.part_count);
        CHECK(s.kept + s.picked == s.part_count || (s.kept == 0 && s.picked == s.part_count));
        check_cut(v, &f, &s, orig, orig_len);
        kc_frame_release(&pool, &f);
        merge(v, &s, data + 4 + rl, size - 4 - rl);
        kc_produce_split_free(&s);
    } else {
        CHECK(f.edits == NULL && memcmp(f.data, orig, orig_len) == 0);
        CHECK(s.mem == NULL);
        kc_frame_release(&pool, &f);
    }
    free(orig);
    CHECK(pool.live_bytes == 0);
    return 0;
}
