/* A fault note: what the rules decided for one request that is applied when its response comes
 * (an error after the broker, the merge of partitions answered here, throttle, a delay, a lost
 * acknowledgement). It rides on the in-flight entry as its kc_merge_t, so it is applied exactly
 * once and freed with the entry, whatever happens to the scenario meanwhile. */
#ifndef KC_FAULT_NOTE_H
#define KC_FAULT_NOTE_H

#include <stdbool.h>
#include <stdint.h>

#include "fault/rule.h"
#include "kafka/produce_split.h"
#include "session.h"

/* A stall with no end of its own holds a request this long at most (a scenario without
 * max_duration or `for`): an hour, long past any client's timeout. */
#define KC_FAULT_STALL_MAX_NS (3600ull * 1000000000ull)

typedef struct kc_fault_pick {
    char *topic;         /* owned; "" for an unknown v13 id */
    uint8_t topic_id[16];
    bool has_id;
    int32_t partition;
} kc_fault_pick_t;

typedef struct kc_fault_note {
    kc_pool_t *pool;
    int16_t error;            /* 0: none */
    bool error_after;         /* after the broker: the answer is replaced */
    kc_fault_pick_t *picks;   /* the partitions the error is for; owned */
    int npicks, cap;
    bool split;               /* before the broker, some partitions forwarded: merge */
    kc_produce_split_t sp;
    uint32_t throttle_ms;
    bool enforce;
    uint64_t delay_ns;        /* response latency */
    uint64_t stall_until;     /* responses too wait for the stall to end */
    int8_t disconnect;        /* -1, or KC_WHEN_AFTER / KC_WHEN_MID */
    bool reset;
    char label[128];          /* "SCENARIO rule RULE" for a disconnect's log line */
} kc_fault_note_t;

kc_fault_note_t *kc_fault_note_new(kc_pool_t *pool);
void kc_fault_note_free(kc_fault_note_t *nt);
int kc_fault_note_pick(kc_fault_note_t *nt, const kc_fault_part_t *p);
bool kc_fault_note_empty(const kc_fault_note_t *nt);
/* The note as the entry's merge hook (the entry owns it from then on). */
kc_merge_t kc_fault_note_merge(kc_fault_note_t *nt);
/* The note riding on e, or NULL. */
kc_fault_note_t *kc_fault_note_of(const kc_inflight_t *e);

/* An error before the broker on the picked partitions of e's Produce request (q: its parts).
 * Every partition picked: answered here, KC_FAULT_ANSWERED (the note is no longer needed). Some:
 * the request is rebuilt without them and the note will merge, 0. acks=0: dropped (nothing is
 * written and nothing is said), KC_FAULT_ANSWERED. Or a negative error. */
#define KC_FAULT_ANSWERED 1
int kc_fault_note_split(kc_fault_note_t *nt, kc_session_t *s, kc_inflight_t *e,
                        const kc_fault_req_t *q);
/* An error after the broker, on the response f of e: the broker wrote the picked partitions;
 * the metrics learn where, then their results become the error. 0 or a negative error. */
int kc_fault_note_after(kc_fault_note_t *nt, kc_session_t *s, kc_inflight_t *e, kc_frame_t *f);
/* A disconnect after the broker (the answer is lost) or in the middle of the answer. */
void kc_fault_note_disconnect(kc_fault_note_t *nt, kc_session_t *s, kc_inflight_t *e,
                              kc_frame_t *f, kc_decision_t *d);
/* Metadata: the partitions m picks reported leaderless in f. */
void kc_fault_note_leaderless(kc_session_t *s, kc_inflight_t *e, kc_frame_t *f,
                              const kc_fault_match_t *m, int *count);

#endif
