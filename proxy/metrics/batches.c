/* Batch identities: see batches.h. */
#include "batches.h"

#include <stdlib.h>

#define WINDOW 8

void kc_batches_free(kc_batches_t *b)
{
    free(b->slots);
    b->slots = NULL;
}

kc_bid_t *kc_batches_find(kc_batches_t *b, uint64_t key)
{
    if (!b->slots)
        return NULL;
    for (uint32_t i = 0; i < WINDOW; i++) {
        kc_bid_t *s = &b->slots[(key + i) & (KC_BATCHES_SLOTS - 1)];
        if (s->key == key)
            return s;
    }
    return NULL;
}

kc_bid_t *kc_batches_get(kc_batches_t *b, uint64_t key, bool *found)
{
    if (!b->slots && !(b->slots = calloc(KC_BATCHES_SLOTS, sizeof(*b->slots))))
        return NULL;
    b->clock++;
    kc_bid_t *victim = NULL;
    for (uint32_t i = 0; i < WINDOW; i++) {
        kc_bid_t *s = &b->slots[(key + i) & (KC_BATCHES_SLOTS - 1)];
        if (s->key == key) {
            *found = true;
            s->seen = b->clock;
            return s;
        }
        if (!victim || (victim->key && (!s->key || s->seen < victim->seen)))
            victim = s;
    }
    if (victim->key)
        b->evicted++;
    *victim = (kc_bid_t){.key = key, .ok_offset = -1, .seen = b->clock};
    *found = false;
    return victim;
}
