/* The Kafka API table (see api.h). Numbers from the Apache Kafka 4.4.0 message schemas
 * (clients/src/main/resources/common/message/, each request's validVersions and
 * flexibleVersions); tests/unit/test_api.c checks them against Kafka's own ApiKeys. Keys 4-7
 * are inter-broker APIs that Kafka 4.0 removed; older clusters still list them. */
#include "api.h"

#include <stdio.h>

#define N KC_FLEX_NEVER

/* key, flex_from, max_known, decode_max, name. decode_max is set only where kchaos reads the
 * response (address rewrites) or the request body (Produce, ApiVersions, SaslHandshake). */
#define A(k, flex, max, dec, name) [k] = {k, flex, max, dec, name}
static const kc_api_t apis[KC_API_MAX_KEY + 1] = {
    A(0, 9, 13, 13, "Produce"),
    A(1, 12, 18, 18, "Fetch"),
    A(2, 6, 11, -1, "ListOffsets"),
    A(3, 9, 13, 13, "Metadata"),
    A(4, 4, 7, -1, "LeaderAndIsr"), /* 4-7: inter-broker, gone in Kafka 4.0 */
    A(5, 2, 4, -1, "StopReplica"),
    A(6, 6, 8, -1, "UpdateMetadata"),
    A(7, 3, 3, -1, "ControlledShutdown"),
    A(8, 8, 10, -1, "OffsetCommit"),
    A(9, 6, 10, -1, "OffsetFetch"),
    A(10, 3, 6, 6, "FindCoordinator"),
    A(11, 6, 9, -1, "JoinGroup"),
    A(12, 4, 4, -1, "Heartbeat"),
    A(13, 4, 5, -1, "LeaveGroup"),
    A(14, 4, 5, -1, "SyncGroup"),
    A(15, 5, 6, -1, "DescribeGroups"),
    A(16, 3, 5, -1, "ListGroups"),
    A(17, N, 1, 1, "SaslHandshake"),
    A(18, 3, 5, 5, "ApiVersions"),
    A(19, 5, 7, -1, "CreateTopics"),
    A(20, 4, 6, -1, "DeleteTopics"),
    A(21, 2, 2, -1, "DeleteRecords"),
    A(22, 2, 6, -1, "InitProducerId"),
    A(23, 4, 4, -1, "OffsetForLeaderEpoch"),
    A(24, 3, 5, -1, "AddPartitionsToTxn"),
    A(25, 3, 4, -1, "AddOffsetsToTxn"),
    A(26, 3, 5, -1, "EndTxn"),
    A(27, 1, 2, -1, "WriteTxnMarkers"),
    A(28, 3, 6, -1, "TxnOffsetCommit"),
    A(29, 2, 3, -1, "DescribeAcls"),
    A(30, 2, 3, -1, "CreateAcls"),
    A(31, 2, 3, -1, "DeleteAcls"),
    A(32, 4, 4, -1, "DescribeConfigs"),
    A(33, 2, 2, -1, "AlterConfigs"),
    A(34, 2, 2, -1, "AlterReplicaLogDirs"),
    A(35, 2, 5, -1, "DescribeLogDirs"),
    A(36, 2, 2, -1, "SaslAuthenticate"),
    A(37, 2, 3, -1, "CreatePartitions"),
    A(38, 2, 3, -1, "CreateDelegationToken"),
    A(39, 2, 2, -1, "RenewDelegationToken"),
    A(40, 2, 2, -1, "ExpireDelegationToken"),
    A(41, 2, 3, -1, "DescribeDelegationToken"),
    A(42, 2, 3, -1, "DeleteGroups"),
    A(43, 2, 2, -1, "ElectLeaders"),
    A(44, 1, 1, -1, "IncrementalAlterConfigs"),
    A(45, 0, 1, -1, "AlterPartitionReassignments"),
    A(46, 0, 0, -1, "ListPartitionReassignments"),
    A(47, N, 0, -1, "OffsetDelete"),
    A(48, 1, 1, -1, "DescribeClientQuotas"),
    A(49, 1, 1, -1, "AlterClientQuotas"),
    A(50, 0, 0, -1, "DescribeUserScramCredentials"),
    A(51, 0, 0, -1, "AlterUserScramCredentials"),
    A(52, 0, 2, -1, "Vote"),
    A(53, 1, 1, -1, "BeginQuorumEpoch"),
    A(54, 1, 1, -1, "EndQuorumEpoch"),
    A(55, 0, 2, -1, "DescribeQuorum"),
    A(56, 0, 3, -1, "AlterPartition"),
    A(57, 0, 2, -1, "UpdateFeatures"),
    A(58, 0, 0, -1, "Envelope"),
    A(59, 0, 1, -1, "FetchSnapshot"),
    A(60, 0, 2, 2, "DescribeCluster"),
    A(61, 0, 0, -1, "DescribeProducers"),
    A(62, 0, 4, -1, "BrokerRegistration"),
    A(63, 0, 2, -1, "BrokerHeartbeat"),
    A(64, 0, 0, -1, "UnregisterBroker"),
    A(65, 0, 0, -1, "DescribeTransactions"),
    A(66, 0, 2, -1, "ListTransactions"),
    A(67, 0, 0, -1, "AllocateProducerIds"),
    A(68, 0, 1, -1, "ConsumerGroupHeartbeat"),
    A(69, 0, 1, -1, "ConsumerGroupDescribe"),
    A(70, 0, 0, -1, "ControllerRegistration"),
    A(71, 0, 0, -1, "GetTelemetrySubscriptions"),
    A(72, 0, 0, -1, "PushTelemetry"),
    A(73, 0, 0, -1, "AssignReplicasToDirs"),
    A(74, 0, 1, -1, "ListConfigResources"),
    A(75, 0, 0, -1, "DescribeTopicPartitions"),
    A(76, 0, 1, -1, "ShareGroupHeartbeat"),
    A(77, 0, 1, -1, "ShareGroupDescribe"),
    A(78, 0, 2, 2, "ShareFetch"),
    A(79, 0, 2, 2, "ShareAcknowledge"),
    A(80, 0, 1, -1, "AddRaftVoter"),
    A(81, 0, 0, -1, "RemoveRaftVoter"),
    A(82, 0, 0, -1, "UpdateRaftVoter"),
    A(83, 0, 0, -1, "InitializeShareGroupState"),
    A(84, 0, 0, -1, "ReadShareGroupState"),
    A(85, 0, 1, -1, "WriteShareGroupState"),
    A(86, 0, 0, -1, "DeleteShareGroupState"),
    A(87, 0, 1, -1, "ReadShareGroupStateSummary"),
    A(88, 0, 1, -1, "StreamsGroupHeartbeat"),
    A(89, 0, 1, -1, "StreamsGroupDescribe"),
    A(90, 0, 1, -1, "DescribeShareGroupOffsets"),
    A(91, 0, 0, -1, "AlterShareGroupOffsets"),
    A(92, 0, 0, -1, "DeleteShareGroupOffsets"),
    A(93, 0, 0, -1, "StreamsGroupTopologyDescriptionUpdate"),
    A(94, 0, 0, -1, "UnregisterController"),
};

#undef N
#undef A

const kc_api_t *kc_api_get(int16_t key)
{
    return key >= 0 && key <= KC_API_MAX_KEY && apis[key].name ? &apis[key] : NULL;
}

const char *kc_api_name(int16_t key)
{
    static _Thread_local char buf[16];
    const kc_api_t *a = kc_api_get(key);
    if (a)
        return a->name;
    snprintf(buf, sizeof(buf), "api-%d", key);
    return buf;
}

int kc_api_request_header_version(int16_t key, int16_t version)
{
    if (key == KC_API_CONTROLLED_SHUTDOWN && version == 0)
        return 0;
    return kc_api_flexible(kc_api_get(key), version) ? 2 : 1;
}

int kc_api_response_header_version(int16_t key, int16_t version)
{
    if (key == KC_API_API_VERSIONS)
        return 0;
    return kc_api_flexible(kc_api_get(key), version) ? 1 : 0;
}

const kc_api_t *kc_api_table(int *count)
{
    *count = KC_API_MAX_KEY + 1;
    return apis;
}
