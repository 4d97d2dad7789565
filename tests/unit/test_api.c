/* proxy/kafka/api.c: the API table and the header version rule. */
#include "kafka/api.h"

#include "kc_test.h"

/* Every api key of Apache Kafka 4.4.0: {key, min, max, first flexible version, name}, read from
 * the request schemas inside kafka-clients-4.4.0.jar (the JSON files under common/message
 * whose name ends in Request: apiKey, validVersions, flexibleVersions). Keys 4-7 (inter-broker,
 * removed in Kafka 4.0) have validVersions "none" there and are not listed. */
static const struct {
    int16_t key, min, max, flex;
    const char *name;
} kafka_4_4[] = {
    {0, 3, 13, 9, "Produce"},
    {1, 4, 18, 12, "Fetch"},
    {2, 1, 11, 6, "ListOffsets"},
    {3, 0, 13, 9, "Metadata"},
    {8, 2, 10, 8, "OffsetCommit"},
    {9, 1, 10, 6, "OffsetFetch"},
    {10, 0, 6, 3, "FindCoordinator"},
    {11, 0, 9, 6, "JoinGroup"},
    {12, 0, 4, 4, "Heartbeat"},
    {13, 0, 5, 4, "LeaveGroup"},
    {14, 0, 5, 4, "SyncGroup"},
    {15, 0, 6, 5, "DescribeGroups"},
    {16, 0, 5, 3, "ListGroups"},
    {17, 0, 1, KC_FLEX_NEVER, "SaslHandshake"},
    {18, 0, 5, 3, "ApiVersions"},
    {19, 2, 7, 5, "CreateTopics"},
    {20, 1, 6, 4, "DeleteTopics"},
    {21, 0, 2, 2, "DeleteRecords"},
    {22, 0, 6, 2, "InitProducerId"},
    {23, 2, 4, 4, "OffsetForLeaderEpoch"},
    {24, 0, 5, 3, "AddPartitionsToTxn"},
    {25, 0, 4, 3, "AddOffsetsToTxn"},
    {26, 0, 5, 3, "EndTxn"},
    {27, 1, 2, 1, "WriteTxnMarkers"},
    {28, 0, 6, 3, "TxnOffsetCommit"},
    {29, 1, 3, 2, "DescribeAcls"},
    {30, 1, 3, 2, "CreateAcls"},
    {31, 1, 3, 2, "DeleteAcls"},
    {32, 1, 4, 4, "DescribeConfigs"},
    {33, 0, 2, 2, "AlterConfigs"},
    {34, 1, 2, 2, "AlterReplicaLogDirs"},
    {35, 1, 5, 2, "DescribeLogDirs"},
    {36, 0, 2, 2, "SaslAuthenticate"},
    {37, 0, 3, 2, "CreatePartitions"},
    {38, 1, 3, 2, "CreateDelegationToken"},
    {39, 1, 2, 2, "RenewDelegationToken"},
    {40, 1, 2, 2, "ExpireDelegationToken"},
    {41, 1, 3, 2, "DescribeDelegationToken"},
    {42, 0, 3, 2, "DeleteGroups"},
    {43, 0, 2, 2, "ElectLeaders"},
    {44, 0, 1, 1, "IncrementalAlterConfigs"},
    {45, 0, 1, 0, "AlterPartitionReassignments"},
    {46, 0, 0, 0, "ListPartitionReassignments"},
    {47, 0, 0, KC_FLEX_NEVER, "OffsetDelete"},
    {48, 0, 1, 1, "DescribeClientQuotas"},
    {49, 0, 1, 1, "AlterClientQuotas"},
    {50, 0, 0, 0, "DescribeUserScramCredentials"},
    {51, 0, 0, 0, "AlterUserScramCredentials"},
    {52, 0, 2, 0, "Vote"},
    {53, 0, 1, 1, "BeginQuorumEpoch"},
    {54, 0, 1, 1, "EndQuorumEpoch"},
    {55, 0, 2, 0, "DescribeQuorum"},
    {56, 2, 3, 0, "AlterPartition"},
    {57, 0, 2, 0, "UpdateFeatures"},
    {58, 0, 0, 0, "Envelope"},
    {59, 0, 1, 0, "FetchSnapshot"},
    {60, 0, 2, 0, "DescribeCluster"},
    {61, 0, 0, 0, "DescribeProducers"},
    {62, 0, 4, 0, "BrokerRegistration"},
    {63, 0, 2, 0, "BrokerHeartbeat"},
    {64, 0, 0, 0, "UnregisterBroker"},
    {65, 0, 0, 0, "DescribeTransactions"},
    {66, 0, 2, 0, "ListTransactions"},
    {67, 0, 0, 0, "AllocateProducerIds"},
    {68, 0, 1, 0, "ConsumerGroupHeartbeat"},
    {69, 0, 1, 0, "ConsumerGroupDescribe"},
    {70, 0, 0, 0, "ControllerRegistration"},
    {71, 0, 0, 0, "GetTelemetrySubscriptions"},
    {72, 0, 0, 0, "PushTelemetry"},
    {73, 0, 0, 0, "AssignReplicasToDirs"},
    {74, 0, 1, 0, "ListConfigResources"},
    {75, 0, 0, 0, "DescribeTopicPartitions"},
    {76, 1, 1, 0, "ShareGroupHeartbeat"},
    {77, 1, 1, 0, "ShareGroupDescribe"},
    {78, 1, 2, 0, "ShareFetch"},
    {79, 1, 2, 0, "ShareAcknowledge"},
    {80, 0, 1, 0, "AddRaftVoter"},
    {81, 0, 0, 0, "RemoveRaftVoter"},
    {82, 0, 0, 0, "UpdateRaftVoter"},
    {83, 0, 0, 0, "InitializeShareGroupState"},
    {84, 0, 0, 0, "ReadShareGroupState"},
    {85, 0, 1, 0, "WriteShareGroupState"},
    {86, 0, 0, 0, "DeleteShareGroupState"},
    {87, 0, 1, 0, "ReadShareGroupStateSummary"},
    {88, 0, 1, 0, "StreamsGroupHeartbeat"},
    {89, 0, 1, 0, "StreamsGroupDescribe"},
    {90, 0, 1, 0, "DescribeShareGroupOffsets"},
    {91, 0, 0, 0, "AlterShareGroupOffsets"},
    {92, 0, 0, 0, "DeleteShareGroupOffsets"},
    {93, 0, 0, 0, "StreamsGroupTopologyDescriptionUpdate"},
    {94, 0, 0, 0, "UnregisterController"},
};

static void test_table_matches_kafka(void **state)
{
    (void)state;
    size_t n = sizeof(kafka_4_4) / sizeof(kafka_4_4[0]);
    assert_int_equal(n, 91);
    for (size_t i = 0; i < n; i++) {
        const kc_api_t *a = kc_api_get(kafka_4_4[i].key);
        if (!a) fail_msg("api key %d (%s) missing", kafka_4_4[i].key, kafka_4_4[i].name);
        assert_int_equal(a->key, kafka_4_4[i].key);
        assert_string_equal(a->name, kafka_4_4[i].name);
        if (a->max_known != kafka_4_4[i].max)
            fail_msg("%s: max %d, Kafka 4.4 has %d", a->name, a->max_known, kafka_4_4[i].max);
        if (a->flex_from != kafka_4_4[i].flex)
            fail_msg("%s: flexible from %d, Kafka 4.4 from %d", a->name, a->flex_from,
                     kafka_4_4[i].flex);
    }
    /* Nothing in the table that Kafka does not know, except the removed inter-broker keys. */
    int count;
    const kc_api_t *t = kc_api_table(&count);
    assert_int_equal(count, KC_API_MAX_KEY + 1);
    int known = 0;
    for (int k = 0; k < count; k++) {
        if (!t[k].name) continue;
        assert_int_equal(t[k].key, k);
        known++;
    }
    assert_int_equal(
        known, (int)n + 4); /* + LeaderAndIsr, StopReplica, UpdateMetadata, ControlledShutdown */
}

static void test_decode_max(void **state)
{
    (void)state;
    /* kchaos reads exactly these: responses carrying addresses, ApiVersions, Produce requests,
     * SaslHandshake. Each can be decoded up to the newest known version. */
    static const int16_t decoded[] = {0, 1, 3, 10, 17, 18, 60, 78, 79};
    int count;
    const kc_api_t *t = kc_api_table(&count);
    for (int k = 0; k < count; k++) {
        if (!t[k].name) continue;
        bool want = false;
        for (size_t i = 0; i < sizeof(decoded) / sizeof(decoded[0]); i++)
            want |= decoded[i] == k;
        if (want)
            assert_int_equal(t[k].decode_max, t[k].max_known);
        else
            assert_int_equal(t[k].decode_max, -1);
    }
}

static void test_get_and_name(void **state)
{
    (void)state;
    assert_null(kc_api_get(-1));
    assert_null(kc_api_get(INT16_MIN));
    assert_null(kc_api_get(95));
    assert_null(kc_api_get(KC_API_MAX_KEY + 1));
    assert_null(kc_api_get(INT16_MAX));
    assert_int_equal(kc_api_get(KC_API_API_VERSIONS)->key, 18);
    assert_string_equal(kc_api_name(0), "Produce");
    assert_string_equal(kc_api_name(79), "ShareAcknowledge");
    assert_string_equal(kc_api_name(1234), "api-1234");
    assert_string_equal(kc_api_name(-7), "api--7");
    assert_false(kc_api_flexible(NULL, 100));
    assert_false(kc_api_flexible(kc_api_get(17), INT16_MAX - 1)); /* SaslHandshake: never */
}

static void test_request_header_version(void **state)
{
    (void)state;
    assert_int_equal(kc_api_request_header_version(0, 8), 1);
    assert_int_equal(kc_api_request_header_version(0, 9), 2);
    assert_int_equal(kc_api_request_header_version(1, 11), 1);
    assert_int_equal(kc_api_request_header_version(1, 12), 2);
    assert_int_equal(kc_api_request_header_version(60, 0), 2); /* flexible from v0 */
    assert_int_equal(kc_api_request_header_version(7, 0), 0);  /* ControlledShutdown v0 */
    assert_int_equal(kc_api_request_header_version(7, 1), 1);
    assert_int_equal(kc_api_request_header_version(7, 3), 2);
    assert_int_equal(kc_api_request_header_version(17, 1), 1); /* SaslHandshake */
    assert_int_equal(kc_api_request_header_version(18, 2), 1);
    assert_int_equal(kc_api_request_header_version(18, 3), 2);  /* ApiVersions request: rule */
    assert_int_equal(kc_api_request_header_version(500, 9), 1); /* unknown key */
}

static void test_response_header_version(void **state)
{
    (void)state;
    assert_int_equal(kc_api_response_header_version(3, 8), 0);
    assert_int_equal(kc_api_response_header_version(3, 9), 1);
    assert_int_equal(kc_api_response_header_version(60, 0), 1);
    /* KIP-511: ApiVersions responses always use header v0. */
    for (int16_t v = 0; v <= 5; v++)
        assert_int_equal(kc_api_response_header_version(18, v), 0);
    assert_int_equal(kc_api_response_header_version(17, 1), 0);
    assert_int_equal(kc_api_response_header_version(36, 2), 1); /* SaslAuthenticate v2 */
    assert_int_equal(kc_api_response_header_version(500, 9), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_matches_kafka),
        cmocka_unit_test(test_decode_max),
        cmocka_unit_test(test_get_and_name),
        cmocka_unit_test(test_request_header_version),
        cmocka_unit_test(test_response_header_version),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
