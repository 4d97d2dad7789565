/* Fuzz the MetadataResponse topics walk (proxy/kafka/metadata.c). Input: one byte for the
 * version (mod 14), then the response body. Everything the walk reports points inside the body,
 * and a partition is only reported under the topic announced before it. */
#include "kafka/metadata.h"
#include "fuzz.h"

typedef struct ctx {
    const uint8_t *body;
    size_t len;
    int16_t v;
    int32_t left; /* partitions still expected for the current topic */
} ctx_t;

static void on_topic(void *arg, const kc_metadata_topic_t *t)
{
    ctx_t *c = arg;
    CHECK(c->left == 0);
    CHECK(t->partition_count >= 0);
    if (t->name.len >= 0) CHECK(in_range(t->name.p, (size_t)t->name.len, c->body, c->len));
    if (c->v >= 10)
        CHECK(t->topic_id && in_range(t->topic_id, 16, c->body, c->len));
    else
        CHECK(t->topic_id == NULL);
    c->left = t->partition_count;
}

static void on_partition(void *arg, const kc_metadata_topic_t *t, const kc_metadata_partition_t *p)
{
    ctx_t *c = arg;
    (void)t;
    CHECK(c->left > 0);
    c->left--;
    if (c->v < 7) CHECK(p->leader_epoch == -1);
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
    kc_metadata_walk_t w = {on_topic, on_partition, &c};
    int rc = kc_metadata_response_topics(&r, v, &w);
    CHECK(rc == 0 || rc == -KC_EPROTO);
    if (rc == 0) CHECK(c.left == 0);
    CHECK(kc_rd_off(&r) <= c.len);
    free(body);
    return 0;
}
