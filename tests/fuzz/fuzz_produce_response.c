/* Fuzz the ProduceResponse codec (proxy/kafka/produce_response.c). Input: one byte, then the
 * message. Byte bits 0-6 choose the version (mod 14); bit 7 clear: the rest is a response body,
 * bit 7 set: the rest is a ProduceRequest's topic_data to answer locally.
 *
 * Invariants beyond "no crash": a body that decodes encodes back to exactly its bytes, and still
 * encodes and decodes after fault injection's edits; a local answer decodes back with one
 * partition per request partition and the error codes given. */
#include <errno.h>

#include "kafka/produce.h"
#include "fuzz.h"

static kc_pool_t pool;
static int pool_ready;

static int16_t code_for(void *ctx, const kc_produce_part_t *p)
{
    int *n = ctx;
    (*n)++;
    return (int16_t)(p->partition & 0x7f);
}

static void encode(int16_t v, const kc_produce_resp_t *resp, kc_wr_t *w)
{
    kc_wr_init(w, &pool, 64, false);
    CHECK(kc_produce_response_encode(w, v, resp) == 0);
    CHECK(!w->flex);
}

static void decode_again(int16_t v, const kc_wr_t *w, kc_arena_t *a, kc_produce_resp_t *out)
{
    kc_rd_t r;
    kc_rd_init(&r, w->buf->data, w->len, v >= 9);
    CHECK(kc_produce_response_decode(&r, v, a, out) == 0);
}

static void round_trip(int16_t v, const uint8_t *body, size_t len)
{
    kc_arena_t a, a2;
    kc_arena_init(&a, &pool);
    kc_arena_init(&a2, &pool);
    kc_rd_t r;
    kc_rd_init(&r, body, len, v >= 9);
    kc_produce_resp_t resp, again;
    int rc = kc_produce_response_decode(&r, v, &a, &resp);
    CHECK(rc == 0 || rc == -KC_EPROTO);
    if (rc == 0) {
        kc_wr_t w;
        encode(v, &resp, &w);
        CHECK(w.len == len && memcmp(w.buf->data, body, len) == 0);
        kc_wr_release(&w);

        /* What fault injection does: replace every partition's result, add a leader hint. */
        for (int32_t i = 0; i < resp.topic_count; i++)
            for (int32_t j = 0; j < resp.topics[i].part_count; j++) {
                kc_produce_part_result_t *p = &resp.topics[i].parts[j];
                p->error_code = 6;
                p->base_offset = -1;
                p->has_current_leader = true;
                p->leader_id = i;
                p->leader_epoch = j;
            }
        encode(v, &resp, &w);
        decode_again(v, &w, &a2, &again);
        CHECK(again.topic_count == resp.topic_count);
        for (int32_t i = 0; i < again.topic_count; i++)
            for (int32_t j = 0; j < again.topics[i].part_count; j++) {
                const kc_produce_part_result_t *p = &again.topics[i].parts[j];
                CHECK(p->error_code == 6 && p->base_offset == -1);
                CHECK(p->has_current_leader == (v >= 10));
            }
        kc_wr_release(&w);
    }
    kc_arena_reset(&a);
    kc_arena_reset(&a2);
}

static void local(int16_t v, const uint8_t *body, size_t len)
{
    kc_arena_t a, a2;
    kc_arena_init(&a, &pool);
    kc_arena_init(&a2, &pool);
    kc_rd_t r;
    kc_rd_init(&r, body, len, v >= 9);
    kc_produce_resp_t resp, again;
    int calls = 0;
    int rc = kc_produce_response_local(&r, v, code_for, &calls, &a, &resp);
    CHECK(rc == 0 || rc == -KC_EPROTO);
    if (rc == 0) {
        kc_wr_t w;
        encode(v, &resp, &w);
        decode_again(v, &w, &a2, &again);
        int parts = 0;
        CHECK(again.topic_count == resp.topic_count);
        for (int32_t i = 0; i < again.topic_count; i++)
            for (int32_t j = 0; j < again.topics[i].part_count; j++, parts++) {
                const kc_produce_part_result_t *p = &again.topics[i].parts[j];
                CHECK(p->error_code == (p->index & 0x7f));
                CHECK(p->base_offset == -1 && p->record_error_count == 0);
            }
        CHECK(parts == calls);
        kc_wr_release(&w);
    }
    kc_arena_reset(&a);
    kc_arena_reset(&a2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    if (!pool_ready) {
        kc_buf_pool_init(&pool, 1 << 22);
        pool_ready = 1;
    }
    int16_t v = (int16_t)((data[0] & 0x7f) % 14);
    size_t len = size - 1;
    uint8_t *body = fuzz_copy(data + 1, len);
    if (data[0] & 0x80)
        local(v, body, len);
    else
        round_trip(v, body, len);
    free(body);
    CHECK(pool.live_bytes == 0);
    return 0;
}
