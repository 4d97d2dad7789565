/* Shared by the libFuzzer targets: an invariant check that stays on in every build type, and
 * a heap copy of the input of exactly its size, so that AddressSanitizer sees any read past
 * the end (libFuzzer's own buffer may have slack). */
#ifndef KC_FUZZ_H
#define KC_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka/records.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);           \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* Byte 0 of the input picks a version (0..versions-1), the rest is a body: copied (see below)
 * into *body, *len bytes. 0 when the input is empty. */
static inline int fuzz_versioned(const uint8_t *d, size_t n, int versions, int16_t *v,
                                 uint8_t **body, size_t *len);

static inline uint8_t *fuzz_copy(const uint8_t *d, size_t n)
{
    uint8_t *p = malloc(n ? n : 1);
    CHECK(p != NULL);
    if (n) memcpy(p, d, n);
    return p;
}

static inline int in_range(const void *p, size_t n, const uint8_t *start, size_t len)
{
    const uint8_t *q = p;
    return q >= start && q <= start + len && n <= (size_t)(start + len - q);
}

/* What every batch a records walk reports must satisfy, and a tally the caller checks against
 * the walk's result (the batches must tile the payload exactly). */
typedef struct fuzz_walk {
    int n;
    uint64_t bytes;
} fuzz_walk_t;

static inline void fuzz_on_batch(void *arg, const kc_batch_t *b)
{
    fuzz_walk_t *w = arg;
    CHECK(b->magic >= 0 && b->magic <= 2);
    CHECK(b->size >= (b->magic == 2 ? 61u : 18u));
    CHECK(b->compression >= 0 && b->compression <= 7);
    if (b->magic < 2)
        CHECK(b->records == 1 && b->producer_id == -1 && !b->transactional && !b->control);
    w->n++;
    w->bytes += b->size;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline int fuzz_versioned(const uint8_t *d, size_t n, int versions, int16_t *v,
                                 uint8_t **body, size_t *len)
{
    if (n < 1)
        return 0;
    *v = (int16_t)(d[0] % versions);
    *len = n - 1;
    *body = fuzz_copy(d + 1, n - 1);
    return 1;
}

#endif
