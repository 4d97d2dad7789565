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

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);           \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
