/* Fuzz kc_records_walk (proxy/kafka/records.c): any bytes as a RECORDS payload. */
#include "kafka/records.h"
#include "kafka/wire.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > INT32_MAX) return 0;
    uint8_t *p = fuzz_copy(data, size);
    fuzz_walk_t w = {0};
    int n = kc_records_walk(p, (int32_t)size, fuzz_on_batch, &w);
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
