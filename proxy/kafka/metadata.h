/* MetadataResponse (api key 3, v0-13): the brokers array is where clients learn addresses. */
#ifndef KC_KAFKA_METADATA_H
#define KC_KAFKA_METADATA_H

#include <stdbool.h>

#include "endpoint.h"

/* r is positioned at the response body. Rewrites brokers[].host/port through map; the rest of
 * the response (cluster id, controller id, topics) passes untouched. */
int kc_metadata_response_rewrite(kc_rd_t *r, int16_t version, const kc_addr_map_t *map,
                                 kc_pool_t *pool, kc_splice_t *sp);

/* What the topics array says about each topic and partition: produce metrics resolve Produce
 * v13 topic ids to names with it, and see leaders move. Strings and ids point into the frame. */
typedef struct kc_metadata_topic {
    int16_t error_code;
    kc_str_t name;           /* nullable from v12 (a topic asked for by id that is unknown) */
    const uint8_t *topic_id; /* v10+ (KIP-516): 16 bytes; NULL before */
    bool is_internal;        /* v1+ */
    int32_t partition_count;
} kc_metadata_topic_t;

typedef struct kc_metadata_partition {
    int16_t error_code;
    int32_t index;
    int32_t leader_id;
    int32_t leader_epoch; /* v7+; -1 before */
    uint32_t off;         /* where its error_code lies, from the reader's start */
} kc_metadata_partition_t;

typedef struct kc_metadata_walk {
    /* Once per topic, before its partitions; either callback may be NULL. */
    void (*topic)(void *ctx, const kc_metadata_topic_t *t);
    void (*partition)(void *ctx, const kc_metadata_topic_t *t, const kc_metadata_partition_t *p);
    void *ctx;
} kc_metadata_walk_t;

/* Walk the topics of a response (r at the body), reading it to its end; brokers are skipped.
 * Returns 0 or -KC_EPROTO. Nothing is changed: the rewrite above is a separate pass. */
int kc_metadata_response_topics(kc_rd_t *r, int16_t version, const kc_metadata_walk_t *walk);

/* A Metadata fault: the partitions pick() chooses become leaderless, error_code
 * LEADER_NOT_AVAILABLE (5) and leader_id -1, as a broker says during an election (the
 * leader_epoch stays: kchaos never invents one). Both fields are fixed width, so each partition
 * is one patch edit of the frame at the original message's offsets, after the brokers array the
 * address rewrite may have edited. *count: partitions patched. On an error the partitions
 * patched so far stay patched (each patch stands alone). topic_id is NULL before v10. */
typedef bool (*kc_metadata_pick_fn)(void *ctx, kc_str_t topic, const uint8_t *topic_id,
                                    int32_t partition);
int kc_metadata_response_leaderless(kc_pool_t *pool, kc_frame_t *f, int16_t version,
                                    kc_metadata_pick_fn pick, void *ctx, int *count);

/* A MetadataRequest v1 asking for no topics: brokers and controller only. kchaos sends it at
 * start-up to learn the brokers (v1 is answered by every broker from 0.10 to Kafka 4.x, whose
 * KAFKA-18648 kept v0-3). Writes the whole frame, size prefix included. */
int kc_metadata_request_brokers(kc_wr_t *w, int32_t correlation_id, const char *client_id);

#endif
