/* Fuzz the ProduceRequest decoder (proxy/kafka/produce.c) and the records walk
 * (proxy/kafka/records.c) on each partition. Input: one byte for the version (0-13), then the
 * request body. */
#include "kafka/produce.h"
#include "kafka/records.h"
#include "fuzz.h"

typedef struct ctx {
    const uint8_t *body;
    size_t len;
    int16_t v;
    int parts;
} ctx_t;

static void on_part(void *arg, const kc_produce_part_t *p)
{
    ctx_t *c = arg;
    c->parts++;
    if (c->v >= 13) {
        CHECK(p->topic.len == -1);
        CHECK(p->topic_id && in_range(p->topic_id, 16, c->body, c->len));
    } else {
        CHECK(!p->topic_id);
        if (p->topic.len >= 0) CHECK(in_range(p->topic.p, (size_t)p->topic.len, c->body, c->len));
    }
    CHECK(p->records_len >= -1);
    if (p->records_len < 0) {
        CHECK(p->records == NULL);
        return;
    }
    CHECK(p->records && in_range(p->records, (size_t)p->records_len, c->body, c->len));
    fuzz_walk_t w = {0};
    int n = kc_records_walk(p->records, p->records_len, fuzz_on_batch, &w);
    if (n >= 0) {
        /* A clean walk accounts for every byte, batch by batch. */
        CHECK(n == w.n);
        CHECK(w.bytes == (uint64_t)p->records_len);
    } else {
        CHECK(n == -KC_EPROTO);
        CHECK(w.bytes < (uint64_t)p->records_len);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int16_t v;
    uint8_t *body;
    size_t len;
    if (!fuzz_versioned(data, size, 14, &v, &body, &len)) return 0;
    ctx_t c = {.body = body, .len = len, .v = v};
    kc_rd_t r;
    kc_rd_init(&r, body, c.len, v >= 9);
    kc_produce_req_t req;
    int rc = kc_produce_request_head(&r, v, &req);
    CHECK(rc == r.err);
    if (rc == 0) {
        if (v < 3)
            CHECK(req.transactional_id.len == -1);
        else if (req.transactional_id.len >= 0)
            CHECK(in_range(req.transactional_id.p, (size_t)req.transactional_id.len, body, c.len));
        rc = kc_produce_request_parts(&r, v, on_part, &c);
        CHECK(rc == r.err);
    }
    CHECK(rc == 0 || rc == -KC_EPROTO);
    CHECK(kc_rd_off(&r) <= c.len);
    free(body);
    return 0;
}
