/* Fuzz kc_records_walk (proxy/kafka/records.c): any bytes as a RECORDS payload. */
#include "kafka/records.h"
#include "kafka/wire.h"
#include "fuzz.h"

typedef struct walk {
    int n;
    uint64_t bytes;
} walk_t;

static void on_batch(void *arg, const kc_batch_t *b)
{
    walk_t *w = arg;
    CHECK(b->magic >= 0 && b->magic <= 2);
    CHECK(b->size >= (b->magic == 2 ? 61u : 18u));
    CHECK(b->compression >= 0 && b->compression <= 7);
    w->n++;
    w->bytes += b->size;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > INT32_MAX) return 0;
    uint8_t *p = fuzz_copy(data, size);
    walk_t w = {0};
    int n = kc_records_walk(p, (int32_t)size, on_batch, &w);
    if (n >= 0) {
        CHECK(n == w.n);
        CHECK(w.bytes == size); /* the batches tile the payload exactly */
    } else {
        CHECK(n == -KC_EPROTO);
        CHECK(w.bytes < size);
    }
    /* Walking again without a callback gives the same answer. */
    CHECK(kc_records_walk(p, (int32_t)size, NULL, NULL) == n);
    free(p);
    return 0;
}
