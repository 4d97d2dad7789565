/* The partition leaders a recording has seen in Metadata (issue 16: "changed leaders seen in
 * Metadata"), so that a move is recorded once, when it is first seen, and not every time some
 * client's Metadata names the new leader again.
 *
 * A fixed table of KC_REC_LEADERS_SLOTS slots, at most half of them used (open addressing), keyed
 * by a 64-bit hash of (topic, partition): two partitions of one recording sharing a hash (about
 * one chance in 10^11 at the cap) would read as moves of one. A move is another leader named;
 * with leader epochs (Metadata v7+) one named with an older epoch than the last seen is a stale
 * answer (a broker that has not caught up), not a move back. The same epoch with another leader
 * is taken as a move: a real broker bumps the epoch, librdkafka's mock cluster does not.
 * Past the cap new partitions are not followed (counted). */
#ifndef KC_RECORD_LEADERS_H
#define KC_RECORD_LEADERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KC_REC_LEADERS_SLOTS 32768u
#define KC_REC_LEADERS_MAX (KC_REC_LEADERS_SLOTS / 2)

typedef struct kc_rec_leader {
    uint64_t key;  /* 0: empty */
    int32_t leader, epoch;
} kc_rec_leader_t;

typedef struct kc_rec_leaders {
    kc_rec_leader_t *v; /* KC_REC_LEADERS_SLOTS once the first is seen; NULL before */
    uint32_t n;
    uint64_t untracked; /* partitions seen past the cap */
} kc_rec_leaders_t;

#define KC_REC_LEADERS_BYTES ((size_t)KC_REC_LEADERS_SLOTS * sizeof(kc_rec_leader_t))

/* A partition's leader (>= 0) and leader epoch (-1: none) as a Metadata response names it. True
 * when it is a move, with the leader before it in *from; false for a first sighting, the same
 * leader, a stale answer, or no memory. */
bool kc_rec_leaders_see(kc_rec_leaders_t *t, const char *topic, int32_t partition, int32_t leader,
                        int32_t epoch, int32_t *from);
/* Forget them all (a new recording); the table is kept. */
void kc_rec_leaders_reset(kc_rec_leaders_t *t);
void kc_rec_leaders_free(kc_rec_leaders_t *t);
size_t kc_rec_leaders_bytes(const kc_rec_leaders_t *t);

#endif
