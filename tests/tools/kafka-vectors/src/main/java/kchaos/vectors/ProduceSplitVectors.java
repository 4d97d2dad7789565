// ProduceSplitVectors: the Produce fault rewrites (proxy/kafka/produce_split.h) with Kafka's codec
// as the oracle, every Produce version the kafka-clients jar has (4.4: v3-v13; 3.9: v0-v11).
// Compiled in both builds, so it uses only what both jars have: records (whose package moved to
// record.internal in 4.x) and topic ids (4.1+) are reached by reflection.
//
//  - SPLIT: a ProduceRequest (3 topics, 9 partitions, real MemoryRecords at the magic the version
//    carries, a transactional id from v3, unknown tagged fields in flexible versions), the picked
//    partitions, the error they get, the request without them (topics left empty removed), a
//    broker's answer to that reduced request, and the merged answer: topics and partitions in the
//    original request's order, the picked ones with the error, offsets -1, null message, no record
//    errors, no leader hint; everything else as the broker said it. Variants per version: one
//    partition, a whole topic, all but one, scattered (also with the broker answering topics in
//    another order), two whole topics, and a 130-partition topic whose compact count shrinks to one
//    byte.
//  - SETERR: a broker's answer to the whole request, picked partitions given an error after the
//    fact (same result as above, but the partition's unknown tagged fields stay, as kchaos keeps
//    them) and/or throttle_time_ms set.
package kchaos.vectors;

import java.lang.reflect.Array;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.function.BiPredicate;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceRequestData.PartitionProduceData;
import org.apache.kafka.common.message.ProduceRequestData.TopicProduceData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ProduceResponseData.BatchIndexAndErrorMessage;
import org.apache.kafka.common.message.ProduceResponseData.LeaderIdAndEpoch;
import org.apache.kafka.common.message.ProduceResponseData.NodeEndpoint;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.message.ProduceResponseData.TopicProduceResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.types.RawTaggedField;

import kchaos.vectors.ProduceCodecVectors.Reflect;
import kchaos.vectors.VectorSet.Kind;

final class ProduceSplitVectors {
    static final ApiKeys API = ApiKeys.PRODUCE;
    static final short TOPIC_ID_VERSION = ProduceCodecVectors.TOPIC_ID_VERSION;
    private static final HexFormat HEX = HexFormat.of();
    /** Topics and their partitions, in request order. */
    record Layout(String[] topics, int[][] parts) {
    }

    private static final Layout STANDARD = new Layout(new String[] {"orders", "payments", "audit-\u00e9v\u00e9nements"},
        new int[][] {{0, 1, 2, 3}, {5, 1}, {0, 7, 2}});
    /** 130 partitions in one topic: a compact count of 131 takes two bytes, one of 121 one byte. */
    private static final Layout WIDE = new Layout(new String[] {"solo", "wide"},
        new int[][] {{4}, java.util.stream.IntStream.range(0, 130).map(i -> 129 - i).toArray()});

    private ProduceSplitVectors() {
    }

    static void generate(VectorSet out) {
        short lo = (short) Math.max(ProduceRequestData.LOWEST_SUPPORTED_VERSION,
            ProduceResponseData.LOWEST_SUPPORTED_VERSION);
        short hi = (short) Math.min(ProduceRequestData.HIGHEST_SUPPORTED_VERSION,
            ProduceResponseData.HIGHEST_SUPPORTED_VERSION);
        out.comment("Produce (api_key 0) v" + lo + "-v" + hi + " fault rewrites: SPLIT <request> <picks> <error>"
            + " <reduced request> <broker answer> <merged answer>; SETERR <answer> <picks> <error> <throttle>"
            + " <expected>");
        short nl = Errors.NOT_LEADER_OR_FOLLOWER.code();
        short timeout = Errors.REQUEST_TIMED_OUT.code();
        short replicas = Errors.NOT_ENOUGH_REPLICAS.code();
        for (short v = lo; v <= hi; v++) {
            String p = "produce_split_v" + v;
            split(out, v, p + "_one", (t, q) -> t == 0 && q == 1, nl, false);
            split(out, v, p + "_topic", (t, q) -> t == 1, timeout, false);
            split(out, v, p + "_allbutone", (t, q) -> !(t == 2 && q == 7), replicas, false);
            BiPredicate<Integer, Integer> scattered = (t, q) -> t == 0 && (q == 0 || q == 3)
                || t == 1 && q == 1 || t == 2 && (q == 0 || q == 2);
            split(out, v, p + "_scattered", scattered, nl, false);
            split(out, v, p + "_scattered_reordered", scattered, Errors.KAFKA_STORAGE_ERROR.code(), true);
            split(out, v, p + "_two_topics", (t, q) -> t != 1, nl, false);
            split(out, v, p + "_wide", WIDE, (t, q) -> t == 1 && q % 13 == 0, timeout, false);

            String s = "produce_seterr_v" + v;
            setErrors(out, v, s + "_hinted", (t, q) -> t == 0 && (q == 0 || q == 2), timeout, null);
            setErrors(out, v, s + "_topic", (t, q) -> t == 1 || t == 2 && q == 7, replicas,
                v >= 1 ? 5000 : null);
            setErrors(out, v, s + "_all", (t, q) -> true, nl, null);
            if (v >= 1) {
                setErrors(out, v, s + "_throttle", (t, q) -> false, nl, Integer.MAX_VALUE);
            }
        }
    }

    // ---- SPLIT ----------------------------------------------------------------------------------

    private static void split(VectorSet out, short v, String name, BiPredicate<Integer, Integer> picked,
                              short error, boolean reverse) {
        split(out, v, name, STANDARD, picked, error, reverse);
    }

    private static void split(VectorSet out, short v, String name, Layout layout,
                              BiPredicate<Integer, Integer> picked, short error, boolean reverse) {
        int corr = out.nextCorrelationId();
        ProduceRequestData full = request(v, layout, (t, q) -> true);
        ProduceRequestData reduced = request(v, layout, picked.negate());
        ProduceResponseData broker = answer(v, reduced, reverse);
        // the broker's partitions as Kafka parses them back (copies keep unknown tagged fields)
        ProduceResponseData parsedBroker = (ProduceResponseData) Frames.copyResponse(API, v, broker);
        ProduceResponseData merged = new ProduceResponseData().setThrottleTimeMs(parsedBroker.throttleTimeMs())
            .setNodeEndpoints(parsedBroker.nodeEndpoints());
        merged.unknownTaggedFields().addAll(parsedBroker.unknownTaggedFields());
        StringBuilder picks = new StringBuilder();
        List<TopicProduceData> fullTopics = new ArrayList<>(full.topicData());
        for (int t = 0; t < layout.topics().length; t++) {
            TopicProduceResponse bt = find(v, parsedBroker, fullTopics.get(t));
            // a new element: a generated collection's element cannot sit in two collections
            TopicProduceResponse mt = keyOf(v, new TopicProduceResponse(), fullTopics.get(t));
            if (bt != null) {
                mt.unknownTaggedFields().addAll(bt.unknownTaggedFields());
            }
            List<PartitionProduceResponse> parts = new ArrayList<>();
            for (int q : layout.parts()[t]) {
                if (picked.test(t, q)) {
                    parts.add(localResult(q, error));
                    picks.append(picks.length() > 0 ? "," : "").append(t).append(':').append(q);
                } else {
                    parts.add(bt.partitionResponses().stream().filter(r -> r.index() == q).findFirst().orElseThrow());
                }
            }
            merged.responses().add(mt.setPartitionResponses(parts));
        }
        out.fault(Kind.SPLIT, API, v, name, Frames.requestFrame(API, v, corr, full),
            List.of(picks.toString(), Short.toString(error), Frames.hex(Frames.requestFrame(API, v, corr, reduced)),
                Frames.hex(Frames.responseFrame(API, v, corr, broker))),
            Frames.responseFrame(API, v, corr, merged));
    }

    /** The request with the partitions keep() accepts; topics left without any are left out. */
    static ProduceRequestData request(short v, Layout layout, BiPredicate<Integer, Integer> keep) {
        ProduceRequestData d = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(30000);
        if (v >= 3) {
            d.setTransactionalId("txn-split-\u00e9");
        }
        boolean flex = Frames.flexible(API, v);
        for (int t = 0; t < layout.topics().length; t++) {
            TopicProduceData td = new TopicProduceData();
            if (v >= TOPIC_ID_VERSION) {
                Reflect.call(td, "setTopicId", Uuid.class, ProduceCodecVectors.uuid(30 + t));
            } else {
                td.setName(layout.topics()[t]);
            }
            for (int i = 0; i < layout.parts()[t].length; i++) {
                int q = layout.parts()[t][i];
                if (!keep.test(t, q)) {
                    continue;
                }
                PartitionProduceData pd = new PartitionProduceData().setIndex(q);
                setRecords(pd, (t + i) % 3 == 1 || i > 8 ? null
                    : records(v, layout.topics()[t] + "-" + q, 1 + (t + i) % 4));
                if (flex && (t == 0 && q == 1 || t == 2 && q == 7)) {
                    ProduceCodecVectors.tag(pd, ProduceCodecVectors.raw(1, "a5"), ProduceCodecVectors.rawLong(1000));
                }
                td.partitionData().add(pd);
            }
            if (flex && t == 1) {
                ProduceCodecVectors.tag(td, ProduceCodecVectors.raw(7, ""));
            }
            if (!td.partitionData().isEmpty()) {
                d.topicData().add(td);
            }
        }
        if (flex) {
            ProduceCodecVectors.tag(d, ProduceCodecVectors.raw(3, "0102"));
        }
        return d;
    }

    /**
     * A rich broker answer to req: throttle, and by position among its partitions: the first an
     * INVALID_RECORD with record errors and a message (v8+), the second a success, the third a
     * NOT_LEADER_OR_FOLLOWER with a leader hint (v10+), the rest successes; node_endpoints (v10+)
     * and unknown tagged fields (flexible versions) at every level.
     */
    static ProduceResponseData answer(short v, ProduceRequestData req, boolean reverse) {
        boolean flex = Frames.flexible(API, v);
        ProduceResponseData d = new ProduceResponseData().setThrottleTimeMs(v >= 1 ? 250 : 0);
        List<TopicProduceData> topics = new ArrayList<>(req.topicData());
        if (reverse) {
            java.util.Collections.reverse(topics);
        }
        int k = 0;
        for (TopicProduceData t : topics) {
            TopicProduceResponse tr = keyOf(v, new TopicProduceResponse(), t);
            for (PartitionProduceData p : t.partitionData()) {
                PartitionProduceResponse r = new PartitionProduceResponse().setIndex(p.index());
                switch (k) {
                    case 0 -> {
                        r.setErrorCode(Errors.INVALID_RECORD.code()).setBaseOffset(-1);
                        if (v >= 8) {
                            BatchIndexAndErrorMessage e1 = new BatchIndexAndErrorMessage().setBatchIndex(1);
                            r.setRecordErrors(new ArrayList<>(List.of(new BatchIndexAndErrorMessage().setBatchIndex(0)
                                .setBatchIndexErrorMessage("Compacted topic cannot accept message without key."),
                                flex ? ProduceCodecVectors.tag(e1, ProduceCodecVectors.raw(1000, "ab")) : e1)))
                                .setErrorMessage("One or more records have been rejected");
                        }
                        if (flex) {
                            ProduceCodecVectors.tag(r, ProduceCodecVectors.raw(1, "01"), ProduceCodecVectors.raw(1000, ""));
                        }
                    }
                    case 2 -> {
                        r.setErrorCode(Errors.NOT_LEADER_OR_FOLLOWER.code()).setBaseOffset(-1);
                        if (v >= 8) {
                            r.setErrorMessage("");
                        }
                        if (v >= 10) {
                            r.setCurrentLeader(ProduceCodecVectors.tag(
                                new LeaderIdAndEpoch().setLeaderId(7).setLeaderEpoch(12), ProduceCodecVectors.raw(1000, "cd")));
                        }
                    }
                    default -> {
                        r.setBaseOffset(1000L * (k + 1));
                        if (v >= 2) {
                            r.setLogAppendTimeMs(k == 1 ? -1 : ProduceCodecVectors.BASE_TS + k);
                        }
                        if (v >= 5) {
                            r.setLogStartOffset(k);
                        }
                    }
                }
                tr.partitionResponses().add(r);
                k++;
            }
            if (flex && t == topics.get(topics.size() - 1)) {
                ProduceCodecVectors.tag(tr, ProduceCodecVectors.raw(1001, ""));
            }
            d.responses().add(tr);
        }
        if (v >= 10) {
            d.nodeEndpoints().add(new NodeEndpoint().setNodeId(7).setHost("broker-7.internal").setPort(9099));
            d.nodeEndpoints().add(ProduceCodecVectors.tag(new NodeEndpoint().setNodeId(1).setHost("broker-1.internal")
                .setPort(9093).setRack("eu-west-1b"), ProduceCodecVectors.raw(1000, "ee")));
        }
        if (flex) {
            ProduceCodecVectors.tag(d, ProduceCodecVectors.raw(1, "7f"), ProduceCodecVectors.rawLong(1003));
        }
        return d;
    }

    /** What kchaos answers for a partition it took out of the request (as brokers answer errors). */
    static PartitionProduceResponse localResult(int index, short error) {
        return new PartitionProduceResponse().setIndex(index).setErrorCode(error).setBaseOffset(-1)
            .setLogAppendTimeMs(-1).setLogStartOffset(-1).setRecordErrors(new ArrayList<>()).setErrorMessage(null)
            .setCurrentLeader(new LeaderIdAndEpoch());
    }

    private static TopicProduceResponse keyOf(short v, TopicProduceResponse r, TopicProduceData t) {
        if (v >= TOPIC_ID_VERSION) {
            Reflect.call(r, "setTopicId", Uuid.class, Reflect.call(t, "topicId", null, null));
        } else {
            r.setName(t.name());
        }
        return r;
    }

    static boolean sameTopic(short v, TopicProduceResponse r, TopicProduceData t) {
        if (v >= TOPIC_ID_VERSION) {
            return Reflect.call(r, "topicId", null, null).equals(Reflect.call(t, "topicId", null, null));
        }
        return r.name().equals(t.name());
    }

    static TopicProduceResponse find(short v, ProduceResponseData d, TopicProduceData t) {
        for (TopicProduceResponse r : d.responses()) {
            if (sameTopic(v, r, t)) {
                return r;
            }
        }
        return null;
    }

    // ---- SETERR ---------------------------------------------------------------------------------

    private static void setErrors(VectorSet out, short v, String name, BiPredicate<Integer, Integer> picked,
                                  short error, Integer throttle) {
        int corr = out.nextCorrelationId();
        ProduceRequestData full = request(v, STANDARD, (t, q) -> true);
        ProduceResponseData broker = answer(v, full, false);
        ProduceResponseData expected = (ProduceResponseData) Frames.copyResponse(API, v, broker);
        StringBuilder picks = new StringBuilder();
        List<TopicProduceResponse> topics = new ArrayList<>(expected.responses());
        for (int t = 0; t < topics.size(); t++) {
            TopicProduceResponse tr = topics.get(t);
            for (PartitionProduceResponse p : tr.partitionResponses()) {
                if (picked.test(t, p.index())) {
                    replace(p, error);
                    picks.append(picks.length() > 0 ? "," : "").append(topicKey(v, tr)).append(':').append(p.index());
                }
            }
        }
        if (throttle != null) {
            expected.setThrottleTimeMs(throttle);
        }
        out.fault(Kind.SETERR, API, v, name, Frames.responseFrame(API, v, corr, broker),
            List.of(picks.length() > 0 ? picks.toString() : "-", Short.toString(error),
                throttle == null ? "-" : throttle.toString()),
            Frames.responseFrame(API, v, corr, expected));
    }

    /** A broker's result given an error after the fact: its unknown tagged fields stay. */
    static void replace(PartitionProduceResponse p, short error) {
        List<RawTaggedField> tags = new ArrayList<>(p.unknownTaggedFields());
        PartitionProduceResponse l = localResult(p.index(), error);
        p.setErrorCode(l.errorCode()).setBaseOffset(l.baseOffset()).setLogAppendTimeMs(l.logAppendTimeMs())
            .setLogStartOffset(l.logStartOffset()).setRecordErrors(l.recordErrors()).setErrorMessage(l.errorMessage())
            .setCurrentLeader(l.currentLeader());
        p.unknownTaggedFields().clear();
        p.unknownTaggedFields().addAll(tags);
    }

    /** A topic as SETERR picks name it: n + hex of the UTF-8 name, or i + 32 hex of the id (v13+). */
    static String topicKey(short v, TopicProduceResponse t) {
        if (v >= TOPIC_ID_VERSION) {
            Uuid id = (Uuid) Reflect.call(t, "topicId", null, null);
            return "i" + String.format("%016x%016x", id.getMostSignificantBits(), id.getLeastSignificantBits());
        }
        return "n" + HEX.formatHex(t.name().getBytes(StandardCharsets.UTF_8));
    }

    // ---- records, in whichever package the jar has them -------------------------------------------

    private static Class<?> recordClass(String simpleName) {
        for (String pkg : new String[] {"org.apache.kafka.common.record.internal.", "org.apache.kafka.common.record."}) {
            try {
                return Class.forName(pkg + simpleName);
            } catch (ClassNotFoundException e) {
                // try the next one
            }
        }
        throw new IllegalStateException("no " + simpleName + " in kafka-clients " + Frames.kafkaVersion());
    }

    /** n records at the magic a version carries (v0-1: 0, v2: 1, v3+: 2), no compression. */
    static Object records(short v, String prefix, int n) {
        byte magic = (byte) (v >= 3 ? 2 : v == 2 ? 1 : 0);
        try {
            Class<?> simple = recordClass("SimpleRecord");
            Object arr = Array.newInstance(simple, n);
            for (int i = 0; i < n; i++) {
                byte[] key = i == 1 ? null : (prefix + "-k" + i).getBytes(StandardCharsets.UTF_8);
                byte[] value = ("{\"" + prefix + "\":" + i + "}").getBytes(StandardCharsets.UTF_8);
                Array.set(arr, i, simple.getConstructor(long.class, byte[].class, byte[].class)
                    .newInstance(ProduceCodecVectors.BASE_TS + i, key, value));
            }
            return recordClass("MemoryRecords").getMethod("withRecords", byte.class, Compression.class, arr.getClass())
                .invoke(null, magic, Compression.NONE, arr);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("building records", e);
        }
    }

    private static void setRecords(PartitionProduceData p, Object records) {
        for (Method m : PartitionProduceData.class.getMethods()) {
            if (m.getName().equals("setRecords") && m.getParameterCount() == 1) {
                try {
                    m.invoke(p, records);
                    return;
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException("setRecords", e);
                }
            }
        }
        throw new IllegalStateException("no setRecords");
    }

    // ---- self-check -----------------------------------------------------------------------------

    /**
     * Re-reads a written line (fields split on spaces) with Kafka's classes and proves it from the
     * parsed frames alone. SPLIT: the reduced request is the request with the picked partitions
     * removed (and emptied topics); the broker answer answers every partition of it exactly once;
     * the merged answer has the request's topics and partitions in order, the picked ones with
     * the local result, the others as the broker said them, the broker's topic fields and
     * top-level fields. SETERR: the expected answer is the input with the picked results replaced
     * (unknown tags kept) and the throttle set. All frames are canonical.
     */
    static void check(VectorSet.Vector v, String[] f) {
        short ver = v.version();
        int corr = v.correlationId();
        if (v.kind() == Kind.SPLIT) {
            require(f.length == 10, v, "SPLIT line has " + f.length + " fields");
            ProduceRequestData req = (ProduceRequestData) request(v, f[4]);
            ProduceRequestData reduced = (ProduceRequestData) request(v, f[7]);
            ProduceResponseData broker = (ProduceResponseData) response(v, f[8]);
            ProduceResponseData merged = (ProduceResponseData) response(v, f[9]);
            List<String> picks = Arrays.asList(f[5].split(","));
            short error = Short.parseShort(f[6]);

            ProduceRequestData cut = (ProduceRequestData) request(v, f[4]);
            int n = 0;
            int ti = 0;
            for (TopicProduceData td : cut.topicData()) {
                final int t = ti++;
                n += td.partitionData().size();
                td.partitionData().removeIf(p -> picks.contains(t + ":" + p.index()));
                n -= td.partitionData().size();
            }
            cut.topicData().removeIf(td -> td.partitionData().isEmpty());
            require(n == picks.size(), v, "picks name partitions the request does not have");
            require(Arrays.equals(Frames.requestFrame(API, ver, corr, cut), Frames.unhex(f[7])), v,
                "reduced request is not the request without the picked partitions");

            int answered = 0;
            for (TopicProduceResponse bt : broker.responses()) {
                TopicProduceData rt = reduced.topicData().stream().filter(x -> sameTopic(ver, bt, x)).findFirst()
                    .orElseThrow(() -> new IllegalStateException(v.name() + ": broker answers a topic not asked"));
                for (PartitionProduceResponse p : bt.partitionResponses()) {
                    require(rt.partitionData().stream().filter(x -> x.index() == p.index()).count() == 1, v,
                        "broker answers a partition not asked");
                    answered++;
                }
            }
            require(answered == reduced.topicData().stream().mapToInt(x -> x.partitionData().size()).sum(), v,
                "broker does not answer every partition once");

            require(merged.responses().size() == req.topicData().size(), v, "merged topic count");
            List<TopicProduceData> reqTopics = new ArrayList<>(req.topicData());
            List<TopicProduceResponse> mergedTopics = new ArrayList<>(merged.responses());
            for (int t = 0; t < reqTopics.size(); t++) {
                TopicProduceData rt = reqTopics.get(t);
                TopicProduceResponse mt = mergedTopics.get(t);
                TopicProduceResponse bt = find(ver, broker, rt);
                require(sameTopic(ver, mt, rt), v, "merged topic " + t + " out of order");
                require(mt.unknownTaggedFields().equals(bt == null ? List.of() : bt.unknownTaggedFields()), v,
                    "merged topic tags");
                require(mt.partitionResponses().size() == rt.partitionData().size(), v, "merged partition count");
                for (int i = 0; i < rt.partitionData().size(); i++) {
                    int q = rt.partitionData().get(i).index();
                    PartitionProduceResponse mp = mt.partitionResponses().get(i);
                    PartitionProduceResponse want = picks.contains(t + ":" + q) ? localResult(q, error)
                        : bt.partitionResponses().stream().filter(x -> x.index() == q).findFirst().orElseThrow();
                    require(mp.equals(want), v, "merged partition " + t + ":" + q + " is " + mp + ", not " + want);
                }
            }
            merged.setResponses(new ProduceResponseData.TopicProduceResponseCollection());
            broker.setResponses(new ProduceResponseData.TopicProduceResponseCollection());
            require(merged.equals(broker), v, "merged top-level fields differ from the broker's");
            return;
        }
        require(f.length == 9, v, "SETERR line has " + f.length + " fields");
        ProduceResponseData in = (ProduceResponseData) response(v, f[4]);
        ProduceResponseData ex = (ProduceResponseData) response(v, f[8]);
        List<String> picks = f[5].equals("-") ? List.of() : Arrays.asList(f[5].split(","));
        int changed = 0;
        for (TopicProduceResponse t : in.responses()) {
            for (PartitionProduceResponse p : t.partitionResponses()) {
                if (picks.contains(topicKey(ver, t) + ":" + p.index())) {
                    replace(p, Short.parseShort(f[6]));
                    changed++;
                }
            }
        }
        require(changed == picks.size(), v, "picks name partitions the answer does not have");
        if (!f[7].equals("-")) {
            in.setThrottleTimeMs(Integer.parseInt(f[7]));
        }
        require(Arrays.equals(Frames.responseFrame(API, ver, corr, in), Frames.unhex(f[8])), v,
            "expected is not the answer with the picked results replaced");
    }

    private static Object request(VectorSet.Vector v, String hex) {
        byte[] frame = Frames.unhex(hex);
        Frames.ParsedRequest r = Frames.parseRequest(API, v.version(), frame);
        require(r.header().correlationId() == v.correlationId(), v, "request correlation id");
        require(Arrays.equals(Frames.requestFrame(API, v.version(), v.correlationId(), r.body()), frame), v,
            "request not canonical");
        return r.body();
    }

    private static Object response(VectorSet.Vector v, String hex) {
        byte[] frame = Frames.unhex(hex);
        Frames.ParsedResponse r = Frames.parseResponse(API, v.version(), frame);
        require(r.header().correlationId() == v.correlationId(), v, "response correlation id");
        require(Arrays.equals(Frames.responseFrame(API, v.version(), v.correlationId(), r.body()), frame), v,
            "response not canonical");
        return r.body();
    }

    private static void require(boolean ok, VectorSet.Vector v, String what) {
        if (!ok) {
            throw new IllegalStateException(v.name() + ": " + what);
        }
    }
}
