/* The leaders a recording follows: see leaders.h. */
#include "record/leaders.h"

#include <stdlib.h>
#include <string.h>

static uint64_t key_of(const char *topic, int32_t partition)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a over the name, then the partition mixed in */
    for (const char *s = topic; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ull;
    h ^= (uint64_t)(uint32_t)partition * 0x9e3779b97f4a7c15ull;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h ? h : 1;
}

bool kc_rec_leaders_see(kc_rec_leaders_t *t, const char *topic, int32_t partition, int32_t leader,
                        int32_t epoch, int32_t *from)
{
    if (!t->v && !(t->v = calloc(KC_REC_LEADERS_SLOTS, sizeof(*t->v))))
        return false;
    uint64_t key = key_of(topic, partition);
    kc_rec_leader_t *e = NULL;
    for (uint32_t i = (uint32_t)key;; i++) {
        e = &t->v[i & (KC_REC_LEADERS_SLOTS - 1)];
        if (!e->key || e->key == key)
            break;
    }
    if (!e->key) { /* first sighting: the leader it had when the recording met it */
        if (t->n >= KC_REC_LEADERS_MAX) {
            t->untracked++;
            return false;
        }
        *e = (kc_rec_leader_t){key, leader, epoch};
        t->n++;
        return false;
    }
    if (epoch >= 0 && e->epoch >= 0 && epoch < e->epoch)
        return false; /* a broker behind, with an older epoch: no move back */
    bool moved = leader != e->leader;
    *from = e->leader;
    e->leader = leader, e->epoch = epoch;
    return moved;
}

void kc_rec_leaders_reset(kc_rec_leaders_t *t)
{
    if (t->v)
        memset(t->v, 0, KC_REC_LEADERS_SLOTS * sizeof(*t->v));
    t->n = 0, t->untracked = 0;
}

void kc_rec_leaders_free(kc_rec_leaders_t *t)
{
    free(t->v);
    memset(t, 0, sizeof(*t));
}

size_t kc_rec_leaders_bytes(const kc_rec_leaders_t *t)
{
    return t->v ? KC_REC_LEADERS_BYTES : 0;
}
