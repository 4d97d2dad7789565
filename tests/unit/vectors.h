/* Shared by the programs that check kchaos against vectors written by Kafka's own codec
 * (tests/tools/kafka-vectors): the file's hex fields back to bytes. */
#ifndef KC_TEST_VECTORS_H
#define KC_TEST_VECTORS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A malloc'ed copy of the bytes written as hex in s; *n their count. */
static inline uint8_t *unhex(const char *s, size_t *n)
{
    size_t len = strlen(s) / 2;
    uint8_t *out = malloc(len ? len : 1);
    for (size_t i = 0; i < len; i++)
        sscanf(s + 2 * i, "%2hhx", &out[i]);
    *n = len;
    return out;
}

#endif
