// ProduceResponseVectors: ProduceResponse (api_key 0) vectors for every version. Only the
// top-level tagged field node_endpoints (v10+, KIP-951) carries addresses; partition results,
// current_leader hints, record_errors, error messages and unknown tagged fields stay unchanged.
package kchaos.vectors;

import static kchaos.vectors.Fixtures.raw;
import static kchaos.vectors.Fixtures.tag;

import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ProduceResponseData.BatchIndexAndErrorMessage;
import org.apache.kafka.common.message.ProduceResponseData.LeaderIdAndEpoch;
import org.apache.kafka.common.message.ProduceResponseData.NodeEndpoint;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.message.ProduceResponseData.TopicProduceResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

final class ProduceResponseVectors {
    static final ApiKeys API = ApiKeys.PRODUCE;

    private ProduceResponseVectors() {
    }

    static List<Routing.Addr> slots(ApiMessage message, short version) {
        List<Routing.Addr> out = new ArrayList<>();
        for (NodeEndpoint e : ((ProduceResponseData) message).nodeEndpoints()) {
            out.add(Routing.addr(e.nodeId(), (h, p) -> e.setHost(h).setPort(p)));
        }
        return out;
    }

    static void generate(VectorSet out) {
        out.comment("ProduceResponse (api_key 0) v" + API.oldestVersion() + "-v" + API.latestVersion(true)
            + ": only the top-level tagged node_endpoints (v10+) is rewritten");
        for (short v = API.oldestVersion(); v <= API.latestVersion(true); v++) {
            boolean flex = Frames.flexible(API, v);
            String p = "produce_v" + v;

            ProduceResponseData basic = new ProduceResponseData().setThrottleTimeMs(0);
            basic.responses().add(topic(v, "orders", Fixtures.ORDERS_ID,
                partition(v, 0, Errors.NONE, 1042, -1, 0),
                partition(v, 1, Errors.NONE, 77, Fixtures.BASE_TS + 123, 12)));
            basic.responses().add(topic(v, "payments", Fixtures.PAYMENTS_ID,
                partition(v, 3, Errors.NOT_ENOUGH_REPLICAS, -1, -1, -1)));
            out.routed(API, v, p + "_basic_nochange", basic, ProduceResponseVectors::slots);

            if (v >= 8) {
                ProduceResponseData rejected = new ProduceResponseData().setThrottleTimeMs(150);
                PartitionProduceResponse bad = partition(v, 0, Errors.INVALID_RECORD, -1, -1, -1)
                    .setErrorMessage("One or more records have been rejected due to 2 record errors")
                    .setRecordErrors(new ArrayList<>(List.of(
                        new BatchIndexAndErrorMessage().setBatchIndex(0).setBatchIndexErrorMessage(
                            "Compacted topic cannot accept message without key in topic partition orders-0."),
                        new BatchIndexAndErrorMessage().setBatchIndex(2).setBatchIndexErrorMessage(null))));
                rejected.responses().add(topic(v, "orders", Fixtures.ORDERS_ID, bad));
                out.routed(API, v, p + "_recorderrors_nochange", rejected, ProduceResponseVectors::slots);
            }

            if (flex) {
                ProduceResponseData tagged = new ProduceResponseData().setThrottleTimeMs(0);
                tagged.responses().add(tag(topic(v, "orders", Fixtures.ORDERS_ID,
                    tag(partition(v, 0, Errors.NONE, 500, -1, 0), raw(1000, "0badc0de")),
                    partition(v, 1, Errors.NONE, 501, -1, 0)), raw(1001, "")));
                tag(tagged, raw(1002, "42"));
                out.routed(API, v, p + "_tagged_nochange", tagged, ProduceResponseVectors::slots);
            }

            if (v >= 10) {
                ProduceResponseData hint = new ProduceResponseData().setThrottleTimeMs(0);
                hint.responses().add(topic(v, "orders", Fixtures.ORDERS_ID,
                    partition(v, 0, Errors.NOT_LEADER_OR_FOLLOWER, -1, -1, -1)
                        .setErrorMessage(null).setCurrentLeader(leader(7, 12)),
                    partition(v, 1, Errors.NONE, 78, -1, 12)));
                hint.responses().add(topic(v, "payments", Fixtures.PAYMENTS_ID,
                    partition(v, 3, Errors.NOT_LEADER_OR_FOLLOWER, -1, -1, -1).setCurrentLeader(leader(1, 5))));
                hint.nodeEndpoints().add(endpoint(7));
                hint.nodeEndpoints().add(endpoint(1));
                out.routed(API, v, p + "_leaderhint", hint, ProduceResponseVectors::slots);

                ProduceResponseData hintTagged = new ProduceResponseData().setThrottleTimeMs(0);
                hintTagged.responses().add(tag(topic(v, "orders", Fixtures.ORDERS_ID,
                    tag(partition(v, 0, Errors.NOT_LEADER_OR_FOLLOWER, -1, -1, -1).setCurrentLeader(leader(3, 40)),
                        raw(1, "01"), raw(1000, "")),
                    tag(partition(v, 2, Errors.FENCED_LEADER_EPOCH, -1, -1, -1).setCurrentLeader(leader(0, 9)),
                        Fixtures.rawLong(1001))), raw(1002, "abcd")));
                hintTagged.nodeEndpoints().add(tag(endpoint(3), raw(1000, "ee")));
                hintTagged.nodeEndpoints().add(endpoint(0));
                tag(hintTagged, raw(1, "7f"), raw(1003, "010203"));
                out.routed(API, v, p + "_leaderhint_tagged", hintTagged, ProduceResponseVectors::slots);
            }
        }
    }

    private static TopicProduceResponse topic(short v, String name, Uuid id, PartitionProduceResponse... parts) {
        TopicProduceResponse t = new TopicProduceResponse().setPartitionResponses(new ArrayList<>(List.of(parts)));
        // v13+ identifies topics by id (KIP-516); earlier versions by name
        if (v >= 13) {
            t.setTopicId(id);
        } else {
            t.setName(name);
        }
        return t;
    }

    private static PartitionProduceResponse partition(short v, int index, Errors error, long baseOffset,
                                                      long logAppendTime, long logStartOffset) {
        PartitionProduceResponse p = new PartitionProduceResponse()
            .setIndex(index)
            .setErrorCode(error.code())
            .setBaseOffset(baseOffset)
            .setLogAppendTimeMs(logAppendTime);
        if (v >= 5) {
            p.setLogStartOffset(logStartOffset);
        }
        return p;
    }

    private static LeaderIdAndEpoch leader(int id, int epoch) {
        return new LeaderIdAndEpoch().setLeaderId(id).setLeaderEpoch(epoch);
    }

    private static NodeEndpoint endpoint(int nodeId) {
        return new NodeEndpoint()
            .setNodeId(nodeId)
            .setHost(Fixtures.host(nodeId))
            .setPort(Fixtures.port(nodeId))
            .setRack(Fixtures.rack(nodeId));
    }
}
