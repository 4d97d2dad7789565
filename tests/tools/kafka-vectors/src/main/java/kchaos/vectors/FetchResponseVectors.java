// FetchResponseVectors: FetchResponse (api_key 1) vectors for every version. Only the top-level
// tagged field node_endpoints (v16+, KIP-951) carries addresses. Partitions carry real record
// batches (plain, gzip, transactional + abort marker), aborted transactions, preferred read
// replica and the diverging_epoch / current_leader / snapshot_id tagged fields; all unchanged.
package kchaos.vectors;

import static kchaos.vectors.Fixtures.raw;
import static kchaos.vectors.Fixtures.tag;

import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FetchResponseData.AbortedTransaction;
import org.apache.kafka.common.message.FetchResponseData.EpochEndOffset;
import org.apache.kafka.common.message.FetchResponseData.FetchableTopicResponse;
import org.apache.kafka.common.message.FetchResponseData.LeaderIdAndEpoch;
import org.apache.kafka.common.message.FetchResponseData.NodeEndpoint;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.message.FetchResponseData.SnapshotId;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;

final class FetchResponseVectors {
    static final ApiKeys API = ApiKeys.FETCH;

    private FetchResponseVectors() {
    }

    static List<Routing.Addr> slots(ApiMessage message, short version) {
        List<Routing.Addr> out = new ArrayList<>();
        for (NodeEndpoint e : ((FetchResponseData) message).nodeEndpoints()) {
            out.add(Routing.addr(e.nodeId(), (h, p) -> e.setHost(h).setPort(p)));
        }
        return out;
    }

    static void generate(VectorSet out) {
        out.comment("FetchResponse (api_key 1) v" + API.oldestVersion() + "-v" + API.latestVersion(true)
            + ": only the top-level tagged node_endpoints (v16+) is rewritten; records pass untouched");
        for (short v = API.oldestVersion(); v <= API.latestVersion(true); v++) {
            boolean flex = Frames.flexible(API, v);
            String p = "fetch_v" + v;

            FetchResponseData recs = top(v);
            PartitionData plain = partition(v, 0, Errors.NONE, 1045, 1045, 0)
                .setRecords(Fixtures.stored(1042, 5, Compression.NONE, "orders", 3).records());
            PartitionData txn = partition(v, 1, Errors.NONE, 300, 200, 0)
                .setAbortedTransactions(new ArrayList<>(List.of(
                    new AbortedTransaction().setProducerId(9001L).setFirstOffset(200))))
                .setRecords(Fixtures.concat(
                    Fixtures.storedTransactional(200, 5, "txn", 2),
                    Fixtures.abortMarker(202, 5),
                    Fixtures.stored(203, 5, Fixtures.gzip(), "orders-gz", 4)).records());
            PartitionData outOfRange = partition(v, 2, Errors.OFFSET_OUT_OF_RANGE, -1, -1, -1)
                .setRecords(MemoryRecords.EMPTY);
            recs.responses().add(topic(v, "orders", Fixtures.ORDERS_ID, plain, txn, outOfRange));
            PartitionData replica = partition(v, 0, Errors.NONE, 10, 10, 0).setRecords(MemoryRecords.EMPTY);
            if (v >= 11) {
                replica.setPreferredReadReplica(1);
            }
            recs.responses().add(topic(v, "payments", Fixtures.PAYMENTS_ID, replica));
            out.routed(API, v, p + "_records_nochange", recs, FetchResponseVectors::slots);

            if (flex) {
                FetchResponseData tagged = top(v);
                PartitionData diverging = partition(v, 0, Errors.NONE, 1000, 1000, 0)
                    .setDivergingEpoch(new EpochEndOffset().setEpoch(4).setEndOffset(990))
                    .setRecords(MemoryRecords.EMPTY);
                PartitionData snapshot = partition(v, 1, Errors.OFFSET_OUT_OF_RANGE, 5000, 5000, 0)
                    .setSnapshotId(new SnapshotId().setEndOffset(4800).setEpoch(2))
                    .setRecords(null);
                PartitionData moved = tag(partition(v, 2, Errors.NOT_LEADER_OR_FOLLOWER, -1, -1, -1)
                    .setCurrentLeader(new LeaderIdAndEpoch().setLeaderId(7).setLeaderEpoch(9))
                    .setRecords(MemoryRecords.EMPTY), raw(3, "01"), raw(1000, "feedface"));
                PartitionData data = partition(v, 3, Errors.NONE, 60, 55, 0)
                    .setAbortedTransactions(new ArrayList<>(List.of(
                        tag(new AbortedTransaction().setProducerId(77L).setFirstOffset(50), raw(1000, "")))))
                    .setRecords(Fixtures.stored(55, 2, Fixtures.gzip(), "tagged", 5).records());
                tagged.responses().add(tag(topic(v, "orders", Fixtures.ORDERS_ID, diverging, snapshot, moved, data),
                    Fixtures.rawLong(1001)));
                tag(tagged, raw(1, "00"), raw(1002, "abcdef"));
                out.routed(API, v, p + "_tagged_nochange", tagged, FetchResponseVectors::slots);
            }

            if (v >= 16) {
                FetchResponseData one = top(v);
                one.responses().add(topic(v, "orders", Fixtures.ORDERS_ID,
                    partition(v, 0, Errors.NOT_LEADER_OR_FOLLOWER, -1, -1, -1)
                        .setCurrentLeader(new LeaderIdAndEpoch().setLeaderId(7).setLeaderEpoch(9))
                        .setRecords(MemoryRecords.EMPTY),
                    partition(v, 1, Errors.NONE, 1045, 1045, 0)
                        .setRecords(Fixtures.stored(1043, 9, Compression.NONE, "orders", 2).records())));
                one.nodeEndpoints().add(endpoint(7));
                out.routed(API, v, p + "_leaderhint_1node", one, FetchResponseVectors::slots);

                FetchResponseData two = top(v);
                two.responses().add(topic(v, "orders", Fixtures.ORDERS_ID,
                    tag(partition(v, 0, Errors.FENCED_LEADER_EPOCH, -1, -1, -1)
                        .setCurrentLeader(new LeaderIdAndEpoch().setLeaderId(0).setLeaderEpoch(11))
                        .setRecords(MemoryRecords.EMPTY), raw(1000, "99"))));
                two.responses().add(topic(v, "payments", Fixtures.PAYMENTS_ID,
                    partition(v, 4, Errors.NOT_LEADER_OR_FOLLOWER, -1, -1, -1)
                        .setCurrentLeader(new LeaderIdAndEpoch().setLeaderId(3).setLeaderEpoch(2))
                        .setRecords(MemoryRecords.EMPTY)));
                two.nodeEndpoints().add(tag(endpoint(0), raw(1000, "0102"), Fixtures.rawLong(1001)));
                two.nodeEndpoints().add(endpoint(3));
                tag(two, raw(1, ""), raw(1002, "ab"));
                out.routed(API, v, p + "_leaderhint_2nodes_tagged", two, FetchResponseVectors::slots);
            }
        }
    }

    private static FetchResponseData top(short v) {
        FetchResponseData d = new FetchResponseData().setThrottleTimeMs(0).setResponses(new ArrayList<>());
        if (v >= 7) {
            d.setErrorCode(Errors.NONE.code()).setSessionId(v % 2 == 0 ? 123456 : 0);
        }
        return d;
    }

    private static FetchableTopicResponse topic(short v, String name, Uuid id, PartitionData... parts) {
        FetchableTopicResponse t = new FetchableTopicResponse().setPartitions(new ArrayList<>(List.of(parts)));
        // v13+ identifies topics by id (KIP-516); earlier versions by name
        if (v >= 13) {
            t.setTopicId(id);
        } else {
            t.setTopic(name);
        }
        return t;
    }

    private static PartitionData partition(short v, int index, Errors error, long highWatermark,
                                           long lastStableOffset, long logStartOffset) {
        PartitionData p = new PartitionData()
            .setPartitionIndex(index)
            .setErrorCode(error.code())
            .setHighWatermark(highWatermark)
            .setLastStableOffset(lastStableOffset)
            .setAbortedTransactions(null);
        if (v >= 5) {
            p.setLogStartOffset(logStartOffset);
        }
        return p;
    }

    private static NodeEndpoint endpoint(int nodeId) {
        return new NodeEndpoint()
            .setNodeId(nodeId)
            .setHost(Fixtures.host(nodeId))
            .setPort(Fixtures.port(nodeId))
            .setRack(Fixtures.rack(nodeId));
    }
}
