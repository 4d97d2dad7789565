/* Topic ids to names: see topics.h. */
#include "topics.h"

#include <stdlib.h>
#include <string.h>

#include "../util/error.h"

static uint32_t id_hash(const uint8_t id[16])
{
    uint64_t a, b;
    memcpy(&a, id, 8);
    memcpy(&b, id + 8, 8);
    uint64_t x = a ^ (b * 0x9e3779b97f4a7c15ull);
    x ^= x >> 31;
    return (uint32_t)(x * 0xbf58476d1ce4e5b9ull >> 32);
}

static int map_init(kc_topic_map_t *m)
{
    *m = (kc_topic_map_t){.mask = 63};
    m->slots = calloc(64, sizeof(*m->slots));
    return m->slots ? 0 : -KC_ENOMEM;
}

static kc_topic_slot_t *map_find(const kc_topic_map_t *m, const uint8_t id[16])
{
    for (uint32_t h = id_hash(id) & m->mask; m->slots[h].name; h = (h + 1) & m->mask)
        if (!memcmp(m->slots[h].id, id, 16))
            return &m->slots[h];
    return NULL;
}

/* Insert or replace; the map stays under half full. */
static int map_put(kc_topic_map_t *m, const uint8_t id[16], const char *name)
{
    kc_topic_slot_t *s = map_find(m, id);
    if (s) {
        s->name = name;
        return 0;
    }
    if (m->count >= KC_TOPICS_MAX)
        return -KC_ENOMEM;
    if (2 * (m->count + 1) > m->mask + 1) {
        uint32_t cap = (m->mask + 1) * 2;
        kc_topic_slot_t *v = calloc(cap, sizeof(*v));
        if (!v)
            return -KC_ENOMEM;
        kc_topic_map_t n = {.slots = v, .mask = cap - 1, .count = m->count};
        for (uint32_t i = 0; i <= m->mask; i++)
            if (m->slots[i].name) {
                uint32_t h = id_hash(m->slots[i].id) & n.mask;
                while (n.slots[h].name)
                    h = (h + 1) & n.mask;
                n.slots[h] = m->slots[i];
            }
        free(m->slots);
        *m = n;
    }
    uint32_t h = id_hash(id) & m->mask;
    while (m->slots[h].name)
        h = (h + 1) & m->mask;
    memcpy(m->slots[h].id, id, 16);
    m->slots[h].name = name;
    m->count++;
    return 0;
}

int kc_topics_shared_init(kc_topics_shared_t *s)
{
    if (uv_rwlock_init(&s->lock))
        return -KC_ENOMEM;
    return map_init(&s->map);
}

void kc_topics_shared_free(kc_topics_shared_t *s)
{
    for (uint32_t i = 0; s->map.slots && i <= s->map.mask; i++)
        free((char *)s->map.slots[i].name);
    free(s->map.slots);
    s->map.slots = NULL;
    uv_rwlock_destroy(&s->lock);
}

int kc_topics_init(kc_topics_t *t, kc_topics_shared_t *shared)
{
    t->shared = shared;
    return map_init(&t->cache);
}

void kc_topics_free(kc_topics_t *t)
{
    free(t->cache.slots);
    t->cache.slots = NULL;
}

const char *kc_topics_name(kc_topics_t *t, const uint8_t id[16])
{
    kc_topic_slot_t *s = map_find(&t->cache, id);
    if (s)
        return s->name;
    uv_rwlock_rdlock(&t->shared->lock);
    s = map_find(&t->shared->map, id);
    const char *name = s ? s->name : NULL;
    uv_rwlock_rdunlock(&t->shared->lock);
    if (name)
        map_put(&t->cache, id, name);
    return name;
}

void kc_topics_learn(kc_topics_t *t, const uint8_t id[16], kc_str_t name)
{
    static const uint8_t zero[16];
    if (name.len <= 0 || !memcmp(id, zero, 16))
        return;
    kc_topic_slot_t *s = map_find(&t->cache, id);
    if (s && (int32_t)strlen(s->name) == name.len && !memcmp(s->name, name.p, (size_t)name.len))
        return; /* known here already: the common case, no lock */
    uv_rwlock_wrlock(&t->shared->lock);
    kc_topic_slot_t *g = map_find(&t->shared->map, id);
    const char *stored = g ? g->name : NULL;
    if (!stored) {
        /* A topic id names one topic for its life (a recreated topic gets a new id). */
        char *copy = malloc((size_t)name.len + 1);
        if (copy) {
            memcpy(copy, name.p, (size_t)name.len);
            copy[name.len] = 0;
            if (map_put(&t->shared->map, id, copy) == 0)
                stored = copy;
            else
                free(copy);
        }
    }
    uv_rwlock_wrunlock(&t->shared->lock);
    if (stored)
        map_put(&t->cache, id, stored);
}

void kc_topics_id_text(const uint8_t id[16], char out[23])
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    int o = 0;
    for (int i = 0; i < 16; i += 3) {
        uint32_t v = (uint32_t)id[i] << 16 | (i + 1 < 16 ? (uint32_t)id[i + 1] << 8 : 0) |
                     (i + 2 < 16 ? id[i + 2] : 0);
        out[o++] = b64[v >> 18 & 63];
        out[o++] = b64[v >> 12 & 63];
        if (i + 1 < 16)
            out[o++] = b64[v >> 6 & 63];
        if (i + 2 < 16)
            out[o++] = b64[v & 63];
    }
    out[o] = 0;
}
