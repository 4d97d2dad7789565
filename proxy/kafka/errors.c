/* The Kafka error table (see errors.h). Codes, names and the retriable flag follow kafka-clients
 * 4.4.0's Errors enum (retriable: Errors.X.exception() instanceof RetriableException);
 * tests/unit/test_codec_vectors.c holds this table against the enum itself at test time. */
#include "errors.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define E(code, name, retriable) {code, retriable, #name}
/* Sorted by code, -1 first: kc_kafka_error_get indexes it by code + 1. */
static const kc_kafka_error_t errors[] = {
    E(-1, UNKNOWN_SERVER_ERROR, false),
    E(0, NONE, false),
    E(1, OFFSET_OUT_OF_RANGE, false),
    E(2, CORRUPT_MESSAGE, true),
    E(3, UNKNOWN_TOPIC_OR_PARTITION, true),
    E(4, INVALID_FETCH_SIZE, false),
    E(5, LEADER_NOT_AVAILABLE, true),
    E(6, NOT_LEADER_OR_FOLLOWER, true),
    E(7, REQUEST_TIMED_OUT, true),
    E(8, BROKER_NOT_AVAILABLE, false),
    E(9, REPLICA_NOT_AVAILABLE, true),
    E(10, MESSAGE_TOO_LARGE, false),
    E(11, STALE_CONTROLLER_EPOCH, false),
    E(12, OFFSET_METADATA_TOO_LARGE, false),
    E(13, NETWORK_EXCEPTION, true),
    E(14, COORDINATOR_LOAD_IN_PROGRESS, true),
    E(15, COORDINATOR_NOT_AVAILABLE, true),
    E(16, NOT_COORDINATOR, true),
    E(17, INVALID_TOPIC_EXCEPTION, false),
    E(18, RECORD_LIST_TOO_LARGE, false),
    E(19, NOT_ENOUGH_REPLICAS, true),
    E(20, NOT_ENOUGH_REPLICAS_AFTER_APPEND, true),
    E(21, INVALID_REQUIRED_ACKS, false),
    E(22, ILLEGAL_GENERATION, false),
    E(23, INCONSISTENT_GROUP_PROTOCOL, false),
    E(24, INVALID_GROUP_ID, false),
    E(25, UNKNOWN_MEMBER_ID, false),
    E(26, INVALID_SESSION_TIMEOUT, false),
    E(27, REBALANCE_IN_PROGRESS, false),
    E(28, INVALID_COMMIT_OFFSET_SIZE, false),
    E(29, TOPIC_AUTHORIZATION_FAILED, false),
    E(30, GROUP_AUTHORIZATION_FAILED, false),
    E(31, CLUSTER_AUTHORIZATION_FAILED, false),
    E(32, INVALID_TIMESTAMP, false),
    E(33, UNSUPPORTED_SASL_MECHANISM, false),
    E(34, ILLEGAL_SASL_STATE, false),
    E(35, UNSUPPORTED_VERSION, false),
    E(36, TOPIC_ALREADY_EXISTS, false),
    E(37, INVALID_PARTITIONS, false),
    E(38, INVALID_REPLICATION_FACTOR, false),
    E(39, INVALID_REPLICA_ASSIGNMENT, false),
    E(40, INVALID_CONFIG, false),
    E(41, NOT_CONTROLLER, true),
    E(42, INVALID_REQUEST, false),
    E(43, UNSUPPORTED_FOR_MESSAGE_FORMAT, false),
    E(44, POLICY_VIOLATION, false),
    E(45, OUT_OF_ORDER_SEQUENCE_NUMBER, false),
    E(46, DUPLICATE_SEQUENCE_NUMBER, false),
    E(47, INVALID_PRODUCER_EPOCH, false),
    E(48, INVALID_TXN_STATE, false),
    E(49, INVALID_PRODUCER_ID_MAPPING, false),
    E(50, INVALID_TRANSACTION_TIMEOUT, false),
    E(51, CONCURRENT_TRANSACTIONS, true),
    E(52, TRANSACTION_COORDINATOR_FENCED, false),
    E(53, TRANSACTIONAL_ID_AUTHORIZATION_FAILED, false),
    E(54, SECURITY_DISABLED, false),
    E(55, OPERATION_NOT_ATTEMPTED, false),
    E(56, KAFKA_STORAGE_ERROR, true),
    E(57, LOG_DIR_NOT_FOUND, false),
    E(58, SASL_AUTHENTICATION_FAILED, false),
    E(59, UNKNOWN_PRODUCER_ID, false),
    E(60, REASSIGNMENT_IN_PROGRESS, false),
    E(61, DELEGATION_TOKEN_AUTH_DISABLED, false),
    E(62, DELEGATION_TOKEN_NOT_FOUND, false),
    E(63, DELEGATION_TOKEN_OWNER_MISMATCH, false),
    E(64, DELEGATION_TOKEN_REQUEST_NOT_ALLOWED, false),
    E(65, DELEGATION_TOKEN_AUTHORIZATION_FAILED, false),
    E(66, DELEGATION_TOKEN_EXPIRED, false),
    E(67, INVALID_PRINCIPAL_TYPE, false),
    E(68, NON_EMPTY_GROUP, false),
    E(69, GROUP_ID_NOT_FOUND, false),
    E(70, FETCH_SESSION_ID_NOT_FOUND, true),
    E(71, INVALID_FETCH_SESSION_EPOCH, true),
    E(72, LISTENER_NOT_FOUND, true),
    E(73, TOPIC_DELETION_DISABLED, false),
    E(74, FENCED_LEADER_EPOCH, true),
    E(75, UNKNOWN_LEADER_EPOCH, true),
    E(76, UNSUPPORTED_COMPRESSION_TYPE, false),
    E(77, STALE_BROKER_EPOCH, false),
    E(78, OFFSET_NOT_AVAILABLE, true),
    E(79, MEMBER_ID_REQUIRED, false),
    E(80, PREFERRED_LEADER_NOT_AVAILABLE, true),
    E(81, GROUP_MAX_SIZE_REACHED, false),
    E(82, FENCED_INSTANCE_ID, false),
    E(83, ELIGIBLE_LEADERS_NOT_AVAILABLE, true),
    E(84, ELECTION_NOT_NEEDED, true),
    E(85, NO_REASSIGNMENT_IN_PROGRESS, false),
    E(86, GROUP_SUBSCRIBED_TO_TOPIC, false),
    E(87, INVALID_RECORD, false),
    E(88, UNSTABLE_OFFSET_COMMIT, true),
    E(89, THROTTLING_QUOTA_EXCEEDED, true),
    E(90, PRODUCER_FENCED, false),
    E(91, RESOURCE_NOT_FOUND, false),
    E(92, DUPLICATE_RESOURCE, false),
    E(93, UNACCEPTABLE_CREDENTIAL, false),
    E(94, INCONSISTENT_VOTER_SET, false),
    E(95, INVALID_UPDATE_VERSION, false),
    E(96, FEATURE_UPDATE_FAILED, false),
    E(97, PRINCIPAL_DESERIALIZATION_FAILURE, false),
    E(98, SNAPSHOT_NOT_FOUND, false),
    E(99, POSITION_OUT_OF_RANGE, false),
    E(100, UNKNOWN_TOPIC_ID, true),
    E(101, DUPLICATE_BROKER_REGISTRATION, false),
    E(102, BROKER_ID_NOT_REGISTERED, false),
    E(103, INCONSISTENT_TOPIC_ID, true),
    E(104, INCONSISTENT_CLUSTER_ID, false),
    E(105, TRANSACTIONAL_ID_NOT_FOUND, false),
    E(106, FETCH_SESSION_TOPIC_ID_ERROR, true),
    E(107, INELIGIBLE_REPLICA, false),
    E(108, NEW_LEADER_ELECTED, false),
    E(109, OFFSET_MOVED_TO_TIERED_STORAGE, false),
    E(110, FENCED_MEMBER_EPOCH, false),
    E(111, UNRELEASED_INSTANCE_ID, false),
    E(112, UNSUPPORTED_ASSIGNOR, false),
    E(113, STALE_MEMBER_EPOCH, false),
    E(114, MISMATCHED_ENDPOINT_TYPE, false),
    E(115, UNSUPPORTED_ENDPOINT_TYPE, false),
    E(116, UNKNOWN_CONTROLLER_ID, false),
    E(117, UNKNOWN_SUBSCRIPTION_ID, false),
    E(118, TELEMETRY_TOO_LARGE, false),
    E(119, INVALID_REGISTRATION, false),
    E(120, TRANSACTION_ABORTABLE, false),
    E(121, INVALID_RECORD_STATE, false),
    E(122, SHARE_SESSION_NOT_FOUND, true),
    E(123, INVALID_SHARE_SESSION_EPOCH, true),
    E(124, FENCED_STATE_EPOCH, false),
    E(125, INVALID_VOTER_KEY, false),
    E(126, DUPLICATE_VOTER, false),
    E(127, VOTER_NOT_FOUND, false),
    E(128, INVALID_REGULAR_EXPRESSION, false),
    E(129, REBOOTSTRAP_REQUIRED, false),
    E(130, STREAMS_INVALID_TOPOLOGY, false),
    E(131, STREAMS_INVALID_TOPOLOGY_EPOCH, false),
    E(132, STREAMS_TOPOLOGY_FENCED, false),
    E(133, SHARE_SESSION_LIMIT_REACHED, true),
    E(134, GROUP_DELETION_FAILED, false),
    E(135, STREAMS_TOPOLOGY_DESCRIPTION_UPDATE_FAILED, false),
    E(136, CONTROLLER_ID_NOT_REGISTERED, false),
};
#undef E

#define COUNT (sizeof(errors) / sizeof(errors[0]))

const kc_kafka_error_t *kc_kafka_error_get(int16_t code)
{
    /* Codes run from -1 without gaps, so the index is the code + 1. */
    if (code < -1 || (size_t)(code + 1) >= COUNT)
        return NULL;
    return &errors[code + 1];
}

const char *kc_kafka_error_name(int16_t code)
{
    static _Thread_local char buf[32];
    const kc_kafka_error_t *e = kc_kafka_error_get(code);
    if (e)
        return e->name;
    snprintf(buf, sizeof(buf), "UNKNOWN_ERROR_CODE_%d", code);
    return buf;
}

int kc_kafka_error_by_name(const char *name, size_t len, int16_t *code)
{
    for (size_t i = 0; i < COUNT; i++) {
        const char *n = errors[i].name;
        if (strlen(n) == len && strncasecmp(n, name, len) == 0) {
            *code = errors[i].code;
            return 0;
        }
    }
    return -ENOENT;
}

bool kc_kafka_error_retriable(int16_t code)
{
    const kc_kafka_error_t *e = kc_kafka_error_get(code);
    return e && e->retriable;
}

const kc_kafka_error_t *kc_kafka_error_table(size_t *count)
{
    *count = COUNT;
    return errors;
}
