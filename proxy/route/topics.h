/* Topic ids to names (KIP-516): Produce v13 and Fetch v13+ name topics by id only, so kchaos
 * learns the names from the Metadata responses it carries. With --threads N a Produce may
 * cross a loop that never carried that Metadata, so the map is the process's: a read-mostly
 * table behind a read-write lock, in front of which each loop keeps its own cache (a hit
 * takes no lock; a Metadata response is learned before it reaches the client, so the client
 * cannot use an id before kchaos knows it). Names are kept for the process's life, up to a
 * cap. */
#ifndef KC_ROUTE_TOPICS_H
#define KC_ROUTE_TOPICS_H

#include <stdint.h>
#include <uv.h>

#include "../kafka/wire.h"

#define KC_TOPICS_MAX 1000000 /* distinct topic ids remembered (a cluster has fewer) */

typedef struct kc_topic_slot {
    uint8_t id[16];
    const char *name; /* NULL: empty slot */
} kc_topic_slot_t;

typedef struct kc_topic_map {
    kc_topic_slot_t *slots;
    uint32_t mask, count;
} kc_topic_map_t;

/* The process's map; one for all loops. */
typedef struct kc_topics_shared {
    uv_rwlock_t lock;
    kc_topic_map_t map; /* names owned here */
} kc_topics_shared_t;

/* One loop's view: its cache, then the shared map. */
typedef struct kc_topics {
    kc_topics_shared_t *shared;
    kc_topic_map_t cache; /* names point into the shared map */
} kc_topics_t;

int kc_topics_shared_init(kc_topics_shared_t *s);
void kc_topics_shared_free(kc_topics_shared_t *s);
int kc_topics_init(kc_topics_t *t, kc_topics_shared_t *shared);
void kc_topics_free(kc_topics_t *t);

/* The name of a topic id, or NULL when no Metadata has named it yet. */
const char *kc_topics_name(kc_topics_t *t, const uint8_t id[16]);
/* A Metadata response named this id (a null or empty name, or the zero id, is ignored). */
void kc_topics_learn(kc_topics_t *t, const uint8_t id[16], kc_str_t name);
/* Kafka's own text for an id (base64url, no padding, 22 characters) into out[23]. */
void kc_topics_id_text(const uint8_t id[16], char out[23]);

#endif
