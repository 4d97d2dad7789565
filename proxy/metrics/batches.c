/* Batch identities: see batches.h. */
#include "batches.h"

#include <stdlib.h>

#define WINDOW 8

void kc_batches_free(kc_batches_t *b)
{
    free(b->slots);
    free(b->watch);
    b->slots = NULL;
    b->watch = NULL;
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
    if (!b->watch)
        b->watch = calloc(KC_BATCHES_WATCH, sizeof(*b->watch)); /* NULL: nothing is watched */
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

void kc_batches_watch(kc_batches_t *b, kc_bid_t *id, uint64_t now, const char *client_id,
                      const char *host)
{
    if (!b->watch || id->watched || id->ok_offset >= 0)
        return;
    id->watched = true;
    if (b->wn == KC_BATCHES_WATCH) { /* full: the oldest goes unjudged */
        b->whead = (b->whead + 1) % KC_BATCHES_WATCH;
        b->wn--;
        b->evicted++;
    }
    b->watch[(b->whead + b->wn++) % KC_BATCHES_WATCH] =
        (kc_bwatch_t){id->key, now, client_id, host};
}

void kc_batches_given_up(kc_batches_t *b, uint64_t now, uint64_t window_ns,
                         void (*gave_up)(void *ctx, const char *client_id, const char *host),
                         void *ctx)
{
    while (b->wn && now - b->watch[b->whead].err_ns >= window_ns) {
        const kc_bwatch_t *w = &b->watch[b->whead];
        const kc_bid_t *id = kc_batches_find(b, w->key);
        if (id && id->ok_offset < 0)
            gave_up(ctx, w->client_id, w->host);
        b->whead = (b->whead + 1) % KC_BATCHES_WATCH;
        b->wn--;
    }
}
