// MetadataVectors: MetadataResponse (api_key 3) vectors for every version. kchaos rewrites
// brokers[].host/port; node ids, racks, cluster/controller ids, topics, partitions (leaders,
// replicas, ISR, offline replicas), topic ids, authorized operations, error codes and unknown
// tagged fields pass unchanged.
package kchaos.vectors;

import static kchaos.vectors.Fixtures.raw;
import static kchaos.vectors.Fixtures.rawLong;
import static kchaos.vectors.Fixtures.tag;

import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseBroker;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponsePartition;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseTopic;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

final class MetadataVectors {
    static final ApiKeys API = ApiKeys.METADATA;

    private MetadataVectors() {
    }

    static List<Routing.Addr> slots(ApiMessage message, short version) {
        List<Routing.Addr> out = new ArrayList<>();
        for (MetadataResponseBroker b : ((MetadataResponseData) message).brokers()) {
            out.add(Routing.addr(b.nodeId(), (h, p) -> b.setHost(h).setPort(p)));
        }
        return out;
    }

    static void generate(VectorSet out) {
        out.comment("MetadataResponse (api_key 3) v" + API.oldestVersion() + "-v" + API.latestVersion(true)
            + ": brokers[].host/port rewritten");
        for (short v = API.oldestVersion(); v <= API.latestVersion(true); v++) {
            boolean flex = Frames.flexible(API, v);

            MetadataResponseData none = top(v, 0);
            none.topics().add(errorTopic(v, "missing-topic", Errors.UNKNOWN_TOPIC_OR_PARTITION));
            out.routed(API, v, "metadata_v" + v + "_nobrokers_nochange", none, MetadataVectors::slots);

            if (v >= 13) {
                MetadataResponseData rebootstrap = top(v, 0).setErrorCode(Errors.REBOOTSTRAP_REQUIRED.code());
                out.routed(API, v, "metadata_v" + v + "_rebootstrap_nochange", rebootstrap, MetadataVectors::slots);
            }

            MetadataResponseData one = top(v, 0);
            one.brokers().add(broker(v, 1));
            one.topics().add(topic(v, "orders", Fixtures.ORDERS_ID, false,
                partition(v, 0, Errors.NONE, 1, 4, List.of(1), List.of(1), List.of())));
            out.routed(API, v, "metadata_v" + v + "_1broker", one, MetadataVectors::slots);

            out.routed(API, v, "metadata_v" + v + "_3brokers", threeBrokers(v, new int[] {0, 1, 7}, false),
                MetadataVectors::slots);

            out.routed(API, v, "metadata_v" + v + "_longhost", longHost(v), MetadataVectors::slots);

            if (flex) {
                out.routed(API, v, "metadata_v" + v + "_3brokers_tagged", threeBrokers(v, new int[] {7, 0, 1}, true),
                    MetadataVectors::slots);
            }
        }
    }

    private static MetadataResponseData longHost(short v) {
        MetadataResponseData d = top(v, 25);
        d.brokers().add(broker(v, 3));
        d.brokers().add(broker(v, 2));
        d.topics().add(topic(v, "payments", Fixtures.PAYMENTS_ID, false,
            partition(v, 0, Errors.NONE, 3, 17, List.of(3, 2), List.of(3, 2), List.of()),
            partition(v, 1, Errors.NONE, 2, 9, List.of(2, 3), List.of(2), List.of())));
        return d;
    }

    // ---- LEADERLESS: the Metadata fault (kc_metadata_response_leaderless) ------------------------

    /**
     * LEADERLESS &lt;response&gt; &lt;picks&gt; &lt;expected&gt;: the picked partitions (n + hex of the UTF-8 topic
     * name, ':' partition, comma separated) at error LEADER_NOT_AVAILABLE and leader_id -1; the
     * leader epoch, replicas, ISR, offline replicas and everything else as they were.
     */
    static void generateLeaderless(VectorSet out) {
        out.comment("MetadataResponse (api_key 3) v" + API.oldestVersion() + "-v" + API.latestVersion(true)
            + " leaderless partitions: LEADERLESS <response> <picks> <expected>");
        for (short v = API.oldestVersion(); v <= API.latestVersion(true); v++) {
            boolean flex = Frames.flexible(API, v);
            String p = "metadata_leaderless_v" + v;
            leaderless(out, v, p + "_one", threeBrokers(v, new int[] {0, 1, 7}, flex), List.of("orders:1"));
            // orders:2 is leaderless already: the fault says it again
            leaderless(out, v, p + "_several", threeBrokers(v, new int[] {0, 1, 7}, flex),
                List.of("orders:0", "orders:2", "__consumer_offsets:0"));
            leaderless(out, v, p + "_longhost", longHost(v), List.of("payments:0", "payments:1"));
        }
    }

    private static void leaderless(VectorSet out, short v, String name, MetadataResponseData in, List<String> picks) {
        int corr = out.nextCorrelationId();
        MetadataResponseData ex = (MetadataResponseData) Frames.copyResponse(API, v, in);
        StringBuilder key = new StringBuilder();
        for (String pick : picks) {
            String[] tp = pick.split(":");
            key.append(key.length() > 0 ? "," : "").append(pickKey(tp[0], Integer.parseInt(tp[1])));
        }
        require(applyLeaderless(ex, key.toString()) == picks.size(), name, "picks not all found");
        out.fault(VectorSet.Kind.LEADERLESS, API, v, name, Frames.responseFrame(API, v, corr, in),
            List.of(key.toString()), Frames.responseFrame(API, v, corr, ex));
    }

    private static String pickKey(String topic, int partition) {
        return "n" + Frames.hex(topic.getBytes(java.nio.charset.StandardCharsets.UTF_8)) + ":" + partition;
    }

    /** Sets the picked partitions leaderless; returns how many picks matched a partition. */
    private static int applyLeaderless(MetadataResponseData d, String picks) {
        List<String> want = List.of(picks.split(","));
        int n = 0;
        for (MetadataResponseTopic t : d.topics()) {
            for (MetadataResponsePartition p : t.partitions()) {
                if (t.name() != null && want.contains(pickKey(t.name(), p.partitionIndex()))) {
                    p.setErrorCode(Errors.LEADER_NOT_AVAILABLE.code()).setLeaderId(-1);
                    n++;
                }
            }
        }
        return n;
    }

    /** Self-check of a written LEADERLESS line (fields f), from the parsed frames alone. */
    static void checkLeaderless(VectorSet.Vector v, String[] f) {
        require(f.length == 7, v.name(), "LEADERLESS line has " + f.length + " fields");
        short ver = v.version();
        byte[] inFrame = Frames.unhex(f[4]);
        byte[] exFrame = Frames.unhex(f[6]);
        Frames.ParsedResponse in = Frames.parseResponse(API, ver, inFrame);
        Frames.ParsedResponse ex = Frames.parseResponse(API, ver, exFrame);
        require(in.header().correlationId() == v.correlationId() && ex.header().correlationId() == v.correlationId(),
            v.name(), "correlation id");
        require(java.util.Arrays.equals(Frames.responseFrame(API, ver, v.correlationId(), ex.body()), exFrame),
            v.name(), "expected not canonical");
        MetadataResponseData d = (MetadataResponseData) in.body();
        require(applyLeaderless(d, f[5]) == f[5].split(",").length, v.name(), "picks not all found");
        require(java.util.Arrays.equals(Frames.responseFrame(API, ver, v.correlationId(), d), exFrame), v.name(),
            "expected is not the response with the picked partitions leaderless");
    }

    private static void require(boolean ok, String name, String what) {
        if (!ok) {
            throw new IllegalStateException(name + ": " + what);
        }
    }

    /** Top-level fields present in this version; throttle only where versioned. */
    private static MetadataResponseData top(short v, int throttleMs) {
        MetadataResponseData d = new MetadataResponseData();
        if (v >= 3) {
            d.setThrottleTimeMs(throttleMs);
        }
        if (v >= 2) {
            d.setClusterId(Fixtures.CLUSTER_ID);
        }
        if (v >= 1) {
            d.setControllerId(1);
        }
        if (v >= 8 && v <= 10) {
            d.setClusterAuthorizedOperations(0b1_1111_1000_0000); // cluster-level ACL operation bits
        }
        return d;
    }

    private static MetadataResponseData threeBrokers(short v, int[] nodes, boolean tagged) {
        MetadataResponseData d = top(v, 0);
        d.setControllerId(v >= 1 ? 7 : d.controllerId());
        for (int n : nodes) {
            MetadataResponseBroker b = broker(v, n);
            if (tagged && n == 7) {
                tag(b, raw(1000, "0102"), raw(1234, ""));
            }
            if (tagged && n == 0) {
                tag(b, raw(1001, "cafebabe"));
            }
            d.brokers().add(b);
        }
        MetadataResponsePartition p0 = partition(v, 0, Errors.NONE, 0, 5, List.of(0, 1, 7), List.of(0, 1, 7), List.of());
        MetadataResponsePartition p1 = partition(v, 1, Errors.NONE, 1, 3, List.of(1, 7, 0), List.of(1, 7), List.of(0));
        MetadataResponsePartition p2 = partition(v, 2, Errors.LEADER_NOT_AVAILABLE, -1, 8, List.of(7, 0, 1),
            List.of(), List.of(7));
        if (tagged) {
            tag(p1, raw(1003, "ff"), rawLong(70000));
        }
        MetadataResponseTopic orders = topic(v, "orders", Fixtures.ORDERS_ID, false, p0, p1, p2);
        if (tagged) {
            tag(orders, raw(1002, "00"));
        }
        d.topics().add(orders);
        d.topics().add(topic(v, "__consumer_offsets", Fixtures.OFFSETS_ID, true,
            partition(v, 0, Errors.NONE, 7, 2, List.of(7, 0, 1), List.of(7, 0, 1), List.of())));
        d.topics().add(errorTopic(v, "missing-topic", Errors.UNKNOWN_TOPIC_OR_PARTITION));
        if (v >= 12) {
            // topic requested by id that does not exist: the name is null (nullable from v12)
            d.topics().add(errorTopic(v, null, Errors.UNKNOWN_TOPIC_ID).setTopicId(Fixtures.MISSING_ID));
        }
        if (tagged) {
            tag(d, raw(1000, "01020304"), raw(1500, "aa"));
        }
        return d;
    }

    private static MetadataResponseBroker broker(short v, int nodeId) {
        MetadataResponseBroker b = new MetadataResponseBroker()
            .setNodeId(nodeId)
            .setHost(Fixtures.host(nodeId))
            .setPort(Fixtures.port(nodeId));
        if (v >= 1) {
            b.setRack(Fixtures.rack(nodeId));
        }
        return b;
    }

    private static MetadataResponseTopic topic(short v, String name, Uuid id, boolean internal,
                                               MetadataResponsePartition... partitions) {
        MetadataResponseTopic t = new MetadataResponseTopic()
            .setErrorCode(Errors.NONE.code())
            .setName(name)
            .setPartitions(new ArrayList<>(List.of(partitions)));
        if (v >= 10) {
            t.setTopicId(id);
        }
        if (v >= 1) {
            t.setIsInternal(internal);
        }
        if (v >= 8) {
            t.setTopicAuthorizedOperations(0b0000_1101_1111_1000);
        }
        return t;
    }

    private static MetadataResponseTopic errorTopic(short v, String name, Errors error) {
        MetadataResponseTopic t = new MetadataResponseTopic().setErrorCode(error.code()).setName(name);
        if (v >= 8) {
            t.setTopicAuthorizedOperations(Integer.MIN_VALUE);
        }
        return t;
    }

    private static MetadataResponsePartition partition(short v, int index, Errors error, int leader, int epoch,
                                                       List<Integer> replicas, List<Integer> isr,
                                                       List<Integer> offline) {
        MetadataResponsePartition p = new MetadataResponsePartition()
            .setErrorCode(error.code())
            .setPartitionIndex(index)
            .setLeaderId(leader)
            .setReplicaNodes(new ArrayList<>(replicas))
            .setIsrNodes(new ArrayList<>(isr));
        if (v >= 7) {
            p.setLeaderEpoch(epoch);
        }
        if (v >= 5) {
            p.setOfflineReplicas(new ArrayList<>(offline));
        }
        return p;
    }
}
