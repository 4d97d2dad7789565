/* The Kafka protocol error codes: every code kafka-clients knows, its name as Kafka spells it
 * (org.apache.kafka.common.protocol.Errors) and whether a client retries it. Scenarios name
 * errors, metrics count them by name and by retriable or not; this is the one table. */
#ifndef KC_KAFKA_ERRORS_H
#define KC_KAFKA_ERRORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct kc_kafka_error {
    int16_t code;
    bool retriable; /* the Java exception extends RetriableException */
    const char *name; /* "NOT_LEADER_OR_FOLLOWER" */
} kc_kafka_error_t;

/* The codes a response writes most often; the table has them all. */
enum kc_kafka_error_code {
    KC_KERR_UNKNOWN_SERVER_ERROR = -1,
    KC_KERR_NONE = 0,
    KC_KERR_UNKNOWN_TOPIC_OR_PARTITION = 3,
    KC_KERR_LEADER_NOT_AVAILABLE = 5,
    KC_KERR_NOT_LEADER_OR_FOLLOWER = 6,
    KC_KERR_REQUEST_TIMED_OUT = 7,
    KC_KERR_NOT_ENOUGH_REPLICAS = 19,
    KC_KERR_UNKNOWN_TOPIC_ID = 100,
};

/* NULL for a code this table does not know (a newer Kafka). */
const kc_kafka_error_t *kc_kafka_error_get(int16_t code);
/* "NOT_LEADER_OR_FOLLOWER", or "UNKNOWN_ERROR_CODE_1234" for unknown codes (static storage per
 * thread, valid until the thread's next call). */
const char *kc_kafka_error_name(int16_t code);
/* Case-insensitive lookup of a name (not NUL-terminated): 0 and *code set, or -ENOENT. */
int kc_kafka_error_by_name(const char *name, size_t len, int16_t *code);
/* False for unknown codes: a client cannot know it may retry them. */
bool kc_kafka_error_retriable(int16_t code);

/* The whole table in code order, for tests and listings. */
const kc_kafka_error_t *kc_kafka_error_table(size_t *count);

#endif
