/* Interned strings: see intern.h. FNV-1a hashing, linear probing, kept under 50% full. */
#include "intern.h"
#include "error.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int kc_intern_init(kc_intern_t *t, uint32_t max)
{
    *t = (kc_intern_t){.mask = 63, .max = max};
    t->slots = calloc(64, sizeof(char *));
    return t->slots ? 0 : -KC_ENOMEM;
}

void kc_intern_free(kc_intern_t *t)
{
    for (uint32_t i = 0; t->slots && i <= t->mask; i++)
        free(t->slots[i]);
    free(t->slots);
    t->slots = NULL;
}

static uint32_t hash(const char *s, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

static int grow(kc_intern_t *t)
{
    uint32_t cap = (t->mask + 1) * 2;
    char **slots = calloc(cap, sizeof(char *));
    if (!slots)
        return -KC_ENOMEM;
    for (uint32_t i = 0; i <= t->mask; i++) {
        if (!t->slots[i])
            continue;
        uint32_t j = hash(t->slots[i], strlen(t->slots[i])) & (cap - 1);
        while (slots[j])
            j = (j + 1) & (cap - 1);
        slots[j] = t->slots[i];
    }
    free(t->slots);
    t->slots = slots;
    t->mask = cap - 1;
    return 0;
}

const char *kc_intern(kc_intern_t *t, const char *s, size_t len)
{
    /* The stored copy is a C string: it can only stand for the bytes before a NUL. Without
     * this, a client id with a NUL in it (any INT16 string off the wire) never matched its
     * own copy (strlen differs from len) and took a new slot on every request, until the
     * cap turned every new client into "(other)". */
    const char *nul = len ? memchr(s, 0, len) : NULL;
    if (nul)
        len = (size_t)(nul - s);
    uint32_t i = hash(s, len) & t->mask;
    for (; t->slots[i]; i = (i + 1) & t->mask)
        if (strlen(t->slots[i]) == len && memcmp(t->slots[i], s, len) == 0)
            return t->slots[i];
    if (t->count >= t->max)
        return KC_INTERN_OVERFLOW; /* a literal: static storage like the stored strings */
    if ((t->count + 1) * 2 > t->mask + 1) {
        if (grow(t))
            return NULL;
        return kc_intern(t, s, len);
    }
    char *copy = malloc(len + 1);
    if (!copy)
        return NULL;
    memcpy(copy, s, len);
    copy[len] = 0;
    t->slots[i] = copy;
    t->count++;
    return copy;
}
