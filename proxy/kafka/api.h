/* The Kafka API table: every api key kchaos knows, its name, the first version that uses the
 * flexible (KIP-482) encoding, the newest version in the schemas, and for the APIs kchaos
 * decodes, the newest version it can decode. Header versions follow from it. This is the one
 * place that knows these numbers. */
#ifndef KC_KAFKA_API_H
#define KC_KAFKA_API_H

#include <stdbool.h>
#include <stdint.h>

enum kc_api_key {
    KC_API_PRODUCE = 0,
    KC_API_FETCH = 1,
    KC_API_METADATA = 3,
    KC_API_CONTROLLED_SHUTDOWN = 7,
    KC_API_FIND_COORDINATOR = 10,
    KC_API_SASL_HANDSHAKE = 17,
    KC_API_API_VERSIONS = 18,
    KC_API_SASL_AUTHENTICATE = 36,
    KC_API_DESCRIBE_CLUSTER = 60,
    KC_API_SHARE_FETCH = 78,
    KC_API_SHARE_ACKNOWLEDGE = 79,
};

#define KC_FLEX_NEVER INT16_MAX
#define KC_API_MAX_KEY 127 /* table size - 1; keys above are unknown */

typedef struct kc_api {
    int16_t key;
    int16_t flex_from;  /* first flexible version, KC_FLEX_NEVER if none */
    int16_t max_known;  /* newest version in the schemas kchaos was written against */
    int16_t decode_max; /* newest version kchaos decodes; -1: passes without decoding */
    const char *name;
} kc_api_t;

/* NULL for an api key kchaos does not know (a newer Kafka). */
const kc_api_t *kc_api_get(int16_t key);
/* "Produce", or "api-1234" for unknown keys (static storage per thread). */
const char *kc_api_name(int16_t key);

static inline bool kc_api_flexible(const kc_api_t *a, int16_t version)
{
    return a && version >= a->flex_from;
}

/* Request header version: 2 for flexible versions, 1 otherwise, 0 for ControlledShutdown v0. */
int kc_api_request_header_version(int16_t key, int16_t version);
/* Response header version: 1 for flexible versions, 0 otherwise and always 0 for ApiVersions
 * (KIP-511: a client must read it before it knows what the broker supports). */
int kc_api_response_header_version(int16_t key, int16_t version);

/* The table indexed by key, KC_API_MAX_KEY + 1 entries; unknown keys have name == NULL. */
const kc_api_t *kc_api_table(int *count);

#endif
