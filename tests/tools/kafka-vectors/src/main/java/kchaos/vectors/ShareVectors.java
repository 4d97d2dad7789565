// ShareVectors: ShareFetchResponse (api_key 78) and ShareAcknowledgeResponse (api_key 79)
// vectors for every version (share groups, KIP-932). Both carry a regular (non-tagged)
// node_endpoints array whose host/port kchaos rewrites; everything else passes unchanged.
package kchaos.vectors;

import static kchaos.vectors.Fixtures.raw;
import static kchaos.vectors.Fixtures.tag;

import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ShareAcknowledgeResponseData;
import org.apache.kafka.common.message.ShareAcknowledgeResponseData.ShareAcknowledgeTopicResponse;
import org.apache.kafka.common.message.ShareFetchResponseData;
import org.apache.kafka.common.message.ShareFetchResponseData.AcquiredRecords;
import org.apache.kafka.common.message.ShareFetchResponseData.PartitionData;
import org.apache.kafka.common.message.ShareFetchResponseData.ShareFetchableTopicResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;

final class ShareVectors {
    static final ApiKeys FETCH = ApiKeys.SHARE_FETCH;
    static final ApiKeys ACK = ApiKeys.SHARE_ACKNOWLEDGE;

    private ShareVectors() {
    }

    static List<Routing.Addr> fetchSlots(ApiMessage message, short version) {
        List<Routing.Addr> out = new ArrayList<>();
        for (ShareFetchResponseData.NodeEndpoint e : ((ShareFetchResponseData) message).nodeEndpoints()) {
            out.add(Routing.addr(e.nodeId(), (h, p) -> e.setHost(h).setPort(p)));
        }
        return out;
    }

    static List<Routing.Addr> ackSlots(ApiMessage message, short version) {
        List<Routing.Addr> out = new ArrayList<>();
        for (ShareAcknowledgeResponseData.NodeEndpoint e : ((ShareAcknowledgeResponseData) message).nodeEndpoints()) {
            out.add(Routing.addr(e.nodeId(), (h, p) -> e.setHost(h).setPort(p)));
        }
        return out;
    }

    static void generate(VectorSet out) {
        generateShareFetch(out);
        generateShareAcknowledge(out);
    }

    // ---- ShareFetch -----------------------------------------------------------------------------

    private static void generateShareFetch(VectorSet out) {
        out.comment("ShareFetchResponse (api_key 78) v" + FETCH.oldestVersion() + "-v" + FETCH.latestVersion(true)
            + ": node_endpoints[].host/port rewritten");
        for (short v = FETCH.oldestVersion(); v <= FETCH.latestVersion(true); v++) {
            String p = "sharefetch_v" + v;

            ShareFetchResponseData recs = fetchTop();
            recs.responses().add(fetchTopic(
                fetchPartition(0, Errors.NONE).setRecords(Fixtures.stored(1042, 5, Compression.NONE, "share", 3).records())
                    .setAcquiredRecords(new ArrayList<>(List.of(acquired(1042, 1044, 1)))),
                fetchPartition(1, Errors.NONE)));
            out.routed(FETCH, v, p + "_records_nochange", recs, ShareVectors::fetchSlots);

            ShareFetchResponseData hint = fetchTop();
            hint.responses().add(fetchTopic(
                fetchPartition(0, Errors.NOT_LEADER_OR_FOLLOWER).setCurrentLeader(fetchLeader(7, 9)),
                fetchPartition(1, Errors.NONE).setRecords(Fixtures.stored(300, 9, Fixtures.gzip(), "share-gz", 2).records())
                    .setAcquiredRecords(new ArrayList<>(List.of(acquired(300, 300, 2), acquired(301, 301, 1))))));
            hint.nodeEndpoints().add(fetchEndpoint(7));
            hint.nodeEndpoints().add(fetchEndpoint(1));
            out.routed(FETCH, v, p + "_leaderhint", hint, ShareVectors::fetchSlots);

            ShareFetchResponseData tagged = fetchTop();
            tagged.responses().add(tag(fetchTopic(
                tag(fetchPartition(0, Errors.FENCED_LEADER_EPOCH).setCurrentLeader(tag(fetchLeader(0, 3), raw(1000, "01"))),
                    raw(1001, "02")),
                fetchPartition(2, Errors.NONE).setRecords(Fixtures.stored(10, 3, Compression.NONE, "share-t", 1).records())
                    .setAcquiredRecords(new ArrayList<>(List.of(tag(acquired(10, 10, 1), raw(1002, "")))))),
                raw(1003, "0304")));
            tagged.nodeEndpoints().add(tag(fetchEndpoint(3), Fixtures.rawLong(1000)));
            tagged.nodeEndpoints().add(fetchEndpoint(0));
            tag(tagged, raw(1004, "05"));
            out.routed(FETCH, v, p + "_leaderhint_tagged", tagged, ShareVectors::fetchSlots);
        }
    }

    private static ShareFetchResponseData fetchTop() {
        return new ShareFetchResponseData()
            .setThrottleTimeMs(0)
            .setErrorCode(Errors.NONE.code())
            .setErrorMessage(null)
            .setAcquisitionLockTimeoutMs(30000);
    }

    private static ShareFetchableTopicResponse fetchTopic(PartitionData... parts) {
        return new ShareFetchableTopicResponse()
            .setTopicId(Fixtures.ORDERS_ID)
            .setPartitions(new ArrayList<>(List.of(parts)));
    }

    private static PartitionData fetchPartition(int index, Errors error) {
        return new PartitionData()
            .setPartitionIndex(index)
            .setErrorCode(error.code())
            .setErrorMessage(error == Errors.NONE ? null : error.message())
            .setAcknowledgeErrorCode(Errors.NONE.code())
            .setAcknowledgeErrorMessage(null)
            .setRecords(MemoryRecords.EMPTY)
            .setAcquiredRecords(new ArrayList<>());
    }

    private static AcquiredRecords acquired(long first, long last, int deliveryCount) {
        return new AcquiredRecords().setFirstOffset(first).setLastOffset(last).setDeliveryCount((short) deliveryCount);
    }

    private static ShareFetchResponseData.LeaderIdAndEpoch fetchLeader(int id, int epoch) {
        return new ShareFetchResponseData.LeaderIdAndEpoch().setLeaderId(id).setLeaderEpoch(epoch);
    }

    private static ShareFetchResponseData.NodeEndpoint fetchEndpoint(int nodeId) {
        return new ShareFetchResponseData.NodeEndpoint()
            .setNodeId(nodeId)
            .setHost(Fixtures.host(nodeId))
            .setPort(Fixtures.port(nodeId))
            .setRack(Fixtures.rack(nodeId));
    }

    // ---- ShareAcknowledge -----------------------------------------------------------------------

    private static void generateShareAcknowledge(VectorSet out) {
        out.comment("ShareAcknowledgeResponse (api_key 79) v" + ACK.oldestVersion() + "-v" + ACK.latestVersion(true)
            + ": node_endpoints[].host/port rewritten");
        for (short v = ACK.oldestVersion(); v <= ACK.latestVersion(true); v++) {
            String p = "shareack_v" + v;

            ShareAcknowledgeResponseData ok = ackTop(v);
            ok.responses().add(ackTopic(ackPartition(0, Errors.NONE), ackPartition(1, Errors.INVALID_RECORD_STATE)));
            out.routed(ACK, v, p + "_ok_nochange", ok, ShareVectors::ackSlots);

            ShareAcknowledgeResponseData hint = ackTop(v);
            hint.responses().add(ackTopic(
                ackPartition(0, Errors.NOT_LEADER_OR_FOLLOWER).setCurrentLeader(ackLeader(1, 4)),
                ackPartition(1, Errors.NOT_LEADER_OR_FOLLOWER).setCurrentLeader(ackLeader(0, 6))));
            hint.nodeEndpoints().add(ackEndpoint(1));
            hint.nodeEndpoints().add(ackEndpoint(0));
            out.routed(ACK, v, p + "_leaderhint", hint, ShareVectors::ackSlots);

            ShareAcknowledgeResponseData tagged = ackTop(v);
            tagged.responses().add(tag(ackTopic(
                tag(ackPartition(0, Errors.NOT_LEADER_OR_FOLLOWER).setCurrentLeader(ackLeader(7, 2)), raw(1000, "aa")),
                ackPartition(3, Errors.NONE)), raw(1001, "")));
            tagged.nodeEndpoints().add(tag(ackEndpoint(7), raw(1000, "0b"), Fixtures.rawLong(1001)));
            tagged.nodeEndpoints().add(ackEndpoint(2));
            tag(tagged, raw(1002, "cc"));
            out.routed(ACK, v, p + "_leaderhint_tagged", tagged, ShareVectors::ackSlots);
        }
    }

    private static ShareAcknowledgeResponseData ackTop(short v) {
        ShareAcknowledgeResponseData d = new ShareAcknowledgeResponseData()
            .setThrottleTimeMs(0)
            .setErrorCode(Errors.NONE.code())
            .setErrorMessage(null);
        if (ShareAcknowledgeResponseData.SCHEMAS[v].get("acquisition_lock_timeout_ms") != null) {
            d.setAcquisitionLockTimeoutMs(30000);
        }
        return d;
    }

    private static ShareAcknowledgeTopicResponse ackTopic(ShareAcknowledgeResponseData.PartitionData... parts) {
        return new ShareAcknowledgeTopicResponse()
            .setTopicId(Fixtures.PAYMENTS_ID)
            .setPartitions(new ArrayList<>(List.of(parts)));
    }

    private static ShareAcknowledgeResponseData.PartitionData ackPartition(int index, Errors error) {
        return new ShareAcknowledgeResponseData.PartitionData()
            .setPartitionIndex(index)
            .setErrorCode(error.code())
            .setErrorMessage(error == Errors.NONE ? null : error.message());
    }

    private static ShareAcknowledgeResponseData.LeaderIdAndEpoch ackLeader(int id, int epoch) {
        return new ShareAcknowledgeResponseData.LeaderIdAndEpoch().setLeaderId(id).setLeaderEpoch(epoch);
    }

    private static ShareAcknowledgeResponseData.NodeEndpoint ackEndpoint(int nodeId) {
        return new ShareAcknowledgeResponseData.NodeEndpoint()
            .setNodeId(nodeId)
            .setHost(Fixtures.host(nodeId))
            .setPort(Fixtures.port(nodeId))
            .setRack(Fixtures.rack(nodeId));
    }
}
