/* Actions as scenarios write them (see action.h): each has a short form (a scalar) and, where
 * it has options, a mapping. */
#include "action.h"

#include <stdlib.h>
#include <string.h>

#include "fault/units.h"
#include "kafka/errors.h"

/* What a ProduceResponse carries: the partition errors Kafka's ProduceResponse documents and
 * brokers send (ReplicaManager.appendRecords and the producer-state checks), plus the
 * request-level ones (authorization, transactional state). Others, such as
 * THROTTLING_QUOTA_EXCEEDED (KIP-599: admin requests only), would be a response no broker
 * writes, and clients' handling of them is not what a scenario means to test. */
static const char *const produce_errors[] = {
    "UNKNOWN_SERVER_ERROR",
    "CORRUPT_MESSAGE",
    "UNKNOWN_TOPIC_OR_PARTITION",
    "LEADER_NOT_AVAILABLE",
    "NOT_LEADER_OR_FOLLOWER",
    "REQUEST_TIMED_OUT",
    "MESSAGE_TOO_LARGE",
    "NETWORK_EXCEPTION",
    "INVALID_TOPIC_EXCEPTION",
    "RECORD_LIST_TOO_LARGE",
    "NOT_ENOUGH_REPLICAS",
    "NOT_ENOUGH_REPLICAS_AFTER_APPEND",
    "INVALID_REQUIRED_ACKS",
    "TOPIC_AUTHORIZATION_FAILED",
    "CLUSTER_AUTHORIZATION_FAILED",
    "UNSUPPORTED_FOR_MESSAGE_FORMAT",
    "INVALID_PRODUCER_EPOCH",
    "OUT_OF_ORDER_SEQUENCE_NUMBER",
    "DUPLICATE_SEQUENCE_NUMBER",
    "INVALID_TIMESTAMP",
    "TRANSACTIONAL_ID_AUTHORIZATION_FAILED",
    "UNKNOWN_PRODUCER_ID",
    "KAFKA_STORAGE_ERROR",
    "INVALID_RECORD",
    "INVALID_TXN_STATE",
    "PRODUCER_FENCED",
    "CONCURRENT_TRANSACTIONS",
    "TRANSACTION_ABORTABLE",
    "INVALID_PRODUCER_ID_MAPPING",
    "UNKNOWN_TOPIC_ID", /* Produce v13 names topics by id (KIP-516) */
    NULL,
};

bool kc_fault_produce_error_ok(int16_t code)
{
    const char *name = kc_kafka_error_name(code);
    for (int i = 0; produce_errors[i]; i++)
        if (!strcmp(produce_errors[i], name))
            return true;
    return false;
}

#define MAX_MS 86400000.0 /* one day: longer is a stall, not a latency */

static const char *const when_words[] = {"before", "after", "mid", NULL};
static const char *const when_error[] = {"before", "after", NULL};

static int error_code(kc_yr_t *y, const yaml_node_t *n, kc_fault_action_t *a)
{
    kc_yr_kind_t k = kc_yr_kind(n);
    int64_t code;
    if (k == KC_YR_INT) {
        if (kc_yr_int(y, n, "error", -1, INT16_MAX, &code))
            return -1;
        if (!kc_kafka_error_get((int16_t)code)) {
            kc_yr_diag(y, n, "error: %d is not a Kafka error code", (int)code);
            return -1;
        }
    } else if (k == KC_YR_STR) {
        const char *s = kc_yr_text(n);
        int16_t c;
        if (kc_kafka_error_by_name(s, strlen(s), &c)) {
            kc_yr_diag(y, n, "error: unknown error '%s' (a name such as NOT_LEADER_OR_FOLLOWER, "
                       "or a code)", s);
            return -1;
        }
        if (strcmp(s, kc_kafka_error_name(c))) {
            kc_yr_diag(y, n, "error: write '%s' as %s", s, kc_kafka_error_name(c));
            return -1;
        }
        code = c;
    } else {
        kc_yr_diag(y, n, "error: expected an error name or code, got %s", kc_yr_kind_name(k));
        return -1;
    }
    if (code == 0) {
        kc_yr_diag(y, n, "error: NONE is not an error");
        return -1;
    }
    if (!kc_fault_produce_error_ok((int16_t)code)) {
        kc_yr_diag(y, n, "error %s is never returned by Produce", kc_kafka_error_name((int16_t)code));
        return -1;
    }
    a->error = (int16_t)code;
    return 0;
}

static int read_error(kc_yr_t *y, const yaml_node_t *n, kc_fault_action_t *a)
{
    if (kc_yr_kind(n) != KC_YR_MAP)
        return error_code(y, n, a);
    static const char *const keys[] = {"code", "when", NULL};
    kc_yr_fields_t f = {.names = keys};
    int when = KC_WHEN_BEFORE, rc = 0;
    kc_yr_fields(y, n, "error", &f);
    if (!f.val[0]) {
        kc_yr_diag(y, n, "error: missing code");
        rc = -1;
    } else {
        rc |= error_code(y, f.val[0], a);
    }
    if (f.val[1])
        rc |= kc_yr_word(y, f.val[1], "when", when_error, &when);
    a->when = (kc_fault_when_t)when;
    return rc;
}

/* Which latency fields each distribution needs (R) or takes (O). */
enum { L_MS, L_JITTER, L_MIN, L_MAX, L_STDDEV, L_DIST, L_PATH };
static const char *const latency_keys[] = {"ms",           "jitter_ms", "min_ms", "max_ms",
                                           "stddev_ms",    "distribution", "path", NULL};
static const char *const dist_words[] = {"fixed", "uniform", "normal", "exponential", NULL};
static const char *const dist_fields[] = {
    [KC_DIST_FIXED] = "RO---",
    [KC_DIST_UNIFORM] = "--RR-",
    [KC_DIST_NORMAL] = "R---R",
    [KC_DIST_EXPONENTIAL] = "R----",
};

static int read_latency(kc_yr_t *y, const yaml_node_t *n, kc_fault_action_t *a)
{
    uint64_t ns;
    a->dist = KC_DIST_FIXED;
    if (kc_yr_kind(n) != KC_YR_MAP) {
        if (kc_yr_duration(y, n, "latency", &ns))
            return -1;
        a->ms = (double)ns / 1e6;
        return 0;
    }
    kc_yr_fields_t f = {.names = latency_keys};
    int rc = 0, dist = KC_DIST_FIXED, path = KC_PATH_REQUEST;
    kc_yr_fields(y, n, "latency", &f);
    if (f.val[L_DIST] && kc_yr_word(y, f.val[L_DIST], "distribution", dist_words, &dist))
        return -1;
    if (f.val[L_PATH]) {
        static const char *const paths[] = {"request", "response", NULL};
        rc |= kc_yr_word(y, f.val[L_PATH], "path", paths, &path);
    }
    double *out[] = {&a->ms, &a->jitter_ms, &a->min_ms, &a->max_ms, &a->stddev_ms};
    for (int i = L_MS; i <= L_STDDEV; i++) {
        char need = dist_fields[dist][i];
        if (f.val[i] && need == '-') {
            kc_yr_diag(y, f.key[i], "latency: %s does not apply to distribution %s",
                       latency_keys[i], dist_words[dist]);
            rc = -1;
        } else if (f.val[i]) {
            rc |= kc_yr_number(y, f.val[i], latency_keys[i], 0, MAX_MS, out[i]);
        } else if (need == 'R') {
            kc_yr_diag(y, n, "latency: distribution %s needs %s", dist_words[dist],
                       latency_keys[i]);
            rc = -1;
        }
    }
    if (!rc && dist == KC_DIST_UNIFORM && a->min_ms > a->max_ms) {
        kc_yr_diag(y, f.val[L_MIN], "latency: min_ms %g is above max_ms %g", a->min_ms,
                   a->max_ms);
        rc = -1;
    }
    a->dist = (kc_fault_dist_t)dist;
    a->path = (kc_fault_path_t)path;
    return rc;
}

/* throttle_time_ms is an INT32 of whole milliseconds. */
static int read_throttle(kc_yr_t *y, const yaml_node_t *n, kc_fault_action_t *a)
{
    int64_t ms = 0;
    int rc = 0;
    if (kc_yr_kind(n) != KC_YR_MAP) {
        uint64_t ns;
        if (kc_yr_duration(y, n, "throttle", &ns))
            return -1;
        if (ns % 1000000 || ns == 0 || ns / 1000000 > INT32_MAX) {
            kc_yr_diag(y, n, "throttle: '%s' is not a whole number of milliseconds from 1ms to "
                       "2147483647ms", kc_yr_text(n));
            return -1;
        }
        a->throttle_ms = (uint32_t)(ns / 1000000);
        return 0;
    }
    static const char *const keys[] = {"ms", "enforce", NULL};
    kc_yr_fields_t f = {.names = keys};
    kc_yr_fields(y, n, "throttle", &f);
    if (!f.val[0]) {
        kc_yr_diag(y, n, "throttle: missing ms");
        rc = -1;
    } else {
        rc |= kc_yr_int(y, f.val[0], "ms", 1, INT32_MAX, &ms);
    }
    if (f.val[1])
        rc |= kc_yr_bool(y, f.val[1], "enforce", &a->enforce);
    a->throttle_ms = (uint32_t)ms;
    return rc;
}

static int read_disconnect(kc_yr_t *y, const yaml_node_t *n, kc_fault_action_t *a)
{
    int when = KC_WHEN_BEFORE, rc = 0;
    if (kc_yr_kind(n) != KC_YR_MAP) {
        rc = kc_yr_word(y, n, "disconnect", when_words, &when);
    } else {
        static const char *const keys[] = {"when", "reset", NULL};
        kc_yr_fields_t f = {.names = keys};
        kc_yr_fields(y, n, "disconnect", &f);
        if (f.val[0])
            rc |= kc_yr_word(y, f.val[0], "when", when_words, &when);
        if (f.val[1])
            rc |= kc_yr_bool(y, f.val[1], "reset", &a->reset);
    }
    a->when = (kc_fault_when_t)when;
    return rc;
}

static int read_bandwidth(kc_yr_t *y, const yaml_node_t *n, kc_fault_action_t *a)
{
    kc_yr_kind_t k = kc_yr_kind(n);
    uint64_t b = 0;
    int64_t i;
    if (k == KC_YR_INT) {
        if (kc_yr_int(y, n, "bandwidth", 1, INT64_MAX, &i))
            return -1;
        b = (uint64_t)i;
    } else if (k != KC_YR_STR || kc_fault_bytes_parse(kc_yr_text(n), &b) || b == 0) {
        kc_yr_diag(y, n, "bandwidth: expected bytes per second, at least 1 (an integer, or a "
                   "number and B, KB, MB, GB, KiB, MiB or GiB: 64KiB)");
        return -1;
    }
    a->bytes_per_s = b;
    return 0;
}

int kc_fault_action_read(kc_yr_t *y, kc_fault_kind_t kind, const yaml_node_t *val,
                         kc_fault_action_t *a)
{
    static const char *const none[] = {"none", NULL};
    static const char *const names[] = {KC_FAULT_ACTION_KEYS};
    a->kind = kind;
    bool on;
    int w;
    switch (kind) {
    case KC_FAULT_ERROR:
        return read_error(y, val, a);
    case KC_FAULT_LATENCY:
        return read_latency(y, val, a);
    case KC_FAULT_THROTTLE:
        return read_throttle(y, val, a);
    case KC_FAULT_DISCONNECT:
        return read_disconnect(y, val, a);
    case KC_FAULT_BANDWIDTH:
        return read_bandwidth(y, val, a);
    case KC_FAULT_LEADER:
        return kc_yr_word(y, val, "leader", none, &w);
    case KC_FAULT_STALL:
    case KC_FAULT_DROP:
    case KC_FAULT_REFUSE:
        if (kc_yr_bool(y, val, names[kind], &on))
            return -1;
        if (!on) {
            kc_yr_diag(y, val, "%s: false is no action (leave the rule out)", names[kind]);
            return -1;
        }
        return 0;
    default:
        abort();
    }
}
