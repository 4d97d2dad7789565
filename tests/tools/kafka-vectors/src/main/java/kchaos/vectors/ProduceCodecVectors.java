// ProduceCodecVectors: ProduceResponse (api_key 0) frames for kchaos's own decoder and encoder,
// every version the kafka-clients jar on the class path has. Compiled against kafka-clients 4.4
// (v3-v13) and, through the kafka-3.9 profile, 3.9.x (v0-v11), so it uses only what both have
// (topic ids, 4.1+, by reflection).
//
//  - CODEC: a response built with rich content (errors, record_errors, error messages, leader
//    hints, node_endpoints, unknown tagged fields at every level in flexible versions) and the
//    summary of its fields. kchaos must decode it to those values and encode it back byte for byte.
//  - LOCAL: a ProduceRequest and the answer Kafka encodes for it when every partition gets a
//    given error code (base_offset, log_append_time_ms, log_start_offset -1, no record errors,
//    null message, throttle 0): what kchaos must encode when it answers in the broker's place.
//
// Summary grammar (no spaces; strings as lowercase hex of their UTF-8 bytes, "~" for null;
// <tags> is a count of unknown tagged fields):
//   thr=<throttle_time_ms>;tags=<tags>
//   then per topic      |T:<n + hex name, or i + 32 hex topic id>:<tags>
//   then per partition  /P:<index>:<error>:<base_offset>:<log_append_time_ms>:<log_start_offset>:
//                          <error_message>:<leader: - or id/epoch/tags>:<tags>
//   then per record error +<batch_index>:<message>:<tags>
//   and per node_endpoints element |N:<node_id>:<host>:<port>:<rack>:<tags>
package kchaos.vectors;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import org.apache.kafka.common.Uuid;
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
import org.apache.kafka.common.protocol.Message;
import org.apache.kafka.common.protocol.types.RawTaggedField;

final class ProduceCodecVectors {
    static final ApiKeys API = ApiKeys.PRODUCE;
    static final long BASE_TS = 1_700_000_000_000L;
    /** v13+ (KIP-516) identifies topics by id. */
    static final short TOPIC_ID_VERSION = 13;
    private static final HexFormat HEX = HexFormat.of();

    private ProduceCodecVectors() {
    }

    static void generate(VectorSet out) {
        short lo = ProduceResponseData.LOWEST_SUPPORTED_VERSION;
        short hi = ProduceResponseData.HIGHEST_SUPPORTED_VERSION;
        out.comment("ProduceResponse (api_key 0) v" + lo + "-v" + hi + " decoded and encoded by kchaos: CODEC "
            + "<frame> <summary>, LOCAL <request frame> <error codes> <response frame>");
        for (short v = lo; v <= hi; v++) {
            String p = "produce_codec_v" + v;
            out.codec(API, v, p + "_empty", new ProduceResponseData(), summary(new ProduceResponseData(), v));
            codec(out, v, p + "_rich", rich(v));
            codec(out, v, p + "_many", many(v));
            codec(out, v, p + "_edges", edges(v));
            local(out, v, p + "_local", request(v, false), new short[] {
                Errors.NOT_LEADER_OR_FOLLOWER.code(), Errors.UNKNOWN_TOPIC_OR_PARTITION.code(),
                Errors.REQUEST_TIMED_OUT.code(), Errors.NOT_ENOUGH_REPLICAS.code()});
            local(out, v, p + "_local_one", request(v, true), new short[] {Errors.NONE.code()});
        }
    }

    private static void codec(VectorSet out, short v, String name, ProduceResponseData d) {
        // the summary is taken from what Kafka parses back, not from the built object
        byte[] frame = Frames.responseFrame(API, v, 0, d);
        ProduceResponseData parsed = (ProduceResponseData) Frames.parseResponse(API, v, frame).body();
        out.codec(API, v, name, d, summary(parsed, v));
    }

    // ---- responses ------------------------------------------------------------------------------

    private static boolean flex(short v) {
        return Frames.flexible(API, v);
    }

    private static ProduceResponseData rich(short v) {
        boolean flex = flex(v);
        ProduceResponseData d = new ProduceResponseData().setThrottleTimeMs(v >= 1 ? 150 : 0);
        d.responses().add(topic(v, "orders", 1,
            partition(v, 0, Errors.NONE, 1042, -1, 0),
            partition(v, 1, Errors.NONE, 77, BASE_TS + 123, 12)));
        PartitionProduceResponse rejected = partition(v, 0, Errors.INVALID_RECORD, -1, -1, -1);
        PartitionProduceResponse moved = partition(v, 1, Errors.NOT_LEADER_OR_FOLLOWER, -1, -1, -1);
        if (v >= 8) {
            BatchIndexAndErrorMessage e0 = new BatchIndexAndErrorMessage().setBatchIndex(0)
                .setBatchIndexErrorMessage("Compacted topic cannot accept message without key.");
            BatchIndexAndErrorMessage e2 = new BatchIndexAndErrorMessage().setBatchIndex(2);
            rejected.setRecordErrors(new ArrayList<>(List.of(e0, flex ? tag(e2, raw(1000, "ab")) : e2)))
                .setErrorMessage("One or more records have been rejected");
            moved.setErrorMessage("");
        }
        if (v >= 10) {
            moved.setCurrentLeader(tag(new LeaderIdAndEpoch().setLeaderId(7).setLeaderEpoch(12), raw(1000, "cd")));
            d.nodeEndpoints().add(endpoint(7, "broker-7.internal", null));
            d.nodeEndpoints().add(tag(endpoint(1, "broker-1.internal", "eu-west-1b"), raw(1000, "ee")));
        }
        if (flex) {
            tag(rejected, raw(1, "01"), raw(1000, ""));
        }
        d.responses().add(tag(topic(v, "ordres-\u00e9t\u00e9", 2, rejected, moved), flex ? raw(1001, "") : null));
        d.responses().add(topic(v, "payments", 3, partition(v, 3, Errors.NOT_ENOUGH_REPLICAS, -1, -1, -1)));
        if (flex) {
            tag(d, raw(1, "7f"), rawLong(1003));
        }
        return d;
    }

    /** Enough topics and partitions to need more than one block of kchaos's arena. */
    private static ProduceResponseData many(short v) {
        ProduceResponseData d = new ProduceResponseData().setThrottleTimeMs(v >= 1 ? 3 : 0);
        for (int t = 0; t < 40; t++) {
            List<PartitionProduceResponse> parts = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                parts.add(partition(v, i, i == 4 ? Errors.REQUEST_TIMED_OUT : Errors.NONE, 1000L * t + i, -1, 0));
            }
            d.responses().add(topic(v, "topic-" + t, 100 + t, parts.toArray(new PartitionProduceResponse[0])));
        }
        return d;
    }

    /** Extreme values: kchaos must carry them, not interpret them. */
    private static ProduceResponseData edges(short v) {
        ProduceResponseData d = new ProduceResponseData().setThrottleTimeMs(v >= 1 ? Integer.MAX_VALUE : 0);
        PartitionProduceResponse p = partition(v, Integer.MAX_VALUE, Errors.UNKNOWN_SERVER_ERROR, Long.MAX_VALUE,
            Long.MIN_VALUE, Long.MAX_VALUE);
        PartitionProduceResponse q = partition(v, 0, Errors.NONE, 0, 0, 0).setErrorCode((short) 32767);
        if (v >= 10) {
            q.setCurrentLeader(new LeaderIdAndEpoch().setLeaderId(-1).setLeaderEpoch(Integer.MAX_VALUE));
            d.nodeEndpoints().add(endpoint(-1, "", null));
        }
        d.responses().add(topic(v, "", 4, p, q));
        return d;
    }

    private static TopicProduceResponse topic(short v, String name, int id, PartitionProduceResponse... parts) {
        TopicProduceResponse t = new TopicProduceResponse().setPartitionResponses(new ArrayList<>(List.of(parts)));
        if (v >= TOPIC_ID_VERSION) {
            Reflect.call(t, "setTopicId", Uuid.class, uuid(id));
        } else {
            t.setName(name);
        }
        return t;
    }

    private static PartitionProduceResponse partition(short v, int index, Errors error, long baseOffset,
                                                      long logAppendTime, long logStartOffset) {
        PartitionProduceResponse p = new PartitionProduceResponse().setIndex(index).setErrorCode(error.code())
            .setBaseOffset(baseOffset);
        if (v >= 2) {
            p.setLogAppendTimeMs(logAppendTime);
        }
        if (v >= 5) {
            p.setLogStartOffset(logStartOffset);
        }
        return p;
    }

    private static NodeEndpoint endpoint(int node, String host, String rack) {
        return new NodeEndpoint().setNodeId(node).setHost(host).setPort(9092 + Math.max(node, 0)).setRack(rack);
    }

    static Uuid uuid(int n) {
        return new Uuid(0x5ca1ab1e00000000L | n, 0x0123456789abcdefL ^ n);
    }

    static RawTaggedField raw(int tag, String hex) {
        return new RawTaggedField(tag, HEX.parseHex(hex));
    }

    /** A payload long enough (130 bytes) to need a 2-byte size uvarint. */
    static RawTaggedField rawLong(int tag) {
        byte[] data = new byte[130];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 7 + tag);
        }
        return new RawTaggedField(tag, data);
    }

    static <M extends Message> M tag(M m, RawTaggedField... fields) {
        for (RawTaggedField f : fields) {
            if (f != null) {
                m.unknownTaggedFields().add(f);
            }
        }
        return m;
    }

    // ---- the summary ----------------------------------------------------------------------------

    static String summary(ProduceResponseData d, short v) {
        StringBuilder sb = new StringBuilder("thr=").append(d.throttleTimeMs()).append(";tags=").append(tags(d));
        for (TopicProduceResponse t : d.responses()) {
            sb.append("|T:");
            if (v >= TOPIC_ID_VERSION) {
                Uuid id = (Uuid) Reflect.call(t, "topicId", null, null);
                sb.append('i').append(String.format("%016x%016x", id.getMostSignificantBits(),
                    id.getLeastSignificantBits()));
            } else {
                sb.append('n').append(str(t.name()));
            }
            sb.append(':').append(tags(t));
            for (PartitionProduceResponse p : t.partitionResponses()) {
                LeaderIdAndEpoch l = p.currentLeader();
                String leader = l.equals(new LeaderIdAndEpoch()) ? "-"
                    : l.leaderId() + "/" + l.leaderEpoch() + "/" + tags(l);
                sb.append("/P:").append(p.index()).append(':').append(p.errorCode()).append(':')
                    .append(p.baseOffset()).append(':').append(p.logAppendTimeMs()).append(':')
                    .append(p.logStartOffset()).append(':').append(str(p.errorMessage())).append(':')
                    .append(leader).append(':').append(tags(p));
                for (BatchIndexAndErrorMessage e : p.recordErrors()) {
                    sb.append('+').append(e.batchIndex()).append(':').append(str(e.batchIndexErrorMessage()))
                        .append(':').append(tags(e));
                }
            }
        }
        for (NodeEndpoint e : d.nodeEndpoints()) {
            sb.append("|N:").append(e.nodeId()).append(':').append(str(e.host())).append(':').append(e.port())
                .append(':').append(str(e.rack())).append(':').append(tags(e));
        }
        return sb.toString();
    }

    private static String str(String s) {
        return s == null ? "~" : HEX.formatHex(s.getBytes(StandardCharsets.UTF_8));
    }

    private static int tags(Message m) {
        return m.unknownTaggedFields().size();
    }

    // ---- local answers --------------------------------------------------------------------------

    private static ProduceRequestData request(short v, boolean one) {
        ProduceRequestData d = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(30000);
        if (v >= 3) {
            d.setTransactionalId(one ? null : "txn-1");
        }
        String[] names = one ? new String[] {"solo"} : new String[] {"orders", "payments"};
        for (int t = 0; t < names.length; t++) {
            TopicProduceData td = new TopicProduceData();
            if (v >= TOPIC_ID_VERSION) {
                Reflect.call(td, "setTopicId", Uuid.class, uuid(10 + t));
            } else {
                td.setName(names[t]);
            }
            List<PartitionProduceData> parts = new ArrayList<>();
            int n = one ? 1 : t == 0 ? 3 : 1;
            for (int i = 0; i < n; i++) {
                // no records: the answer never looks at them
                parts.add(new PartitionProduceData().setIndex(t == 0 ? i : 7).setRecords(null));
            }
            td.setPartitionData(parts);
            d.topicData().add(td);
        }
        return d;
    }

    /** The answer: one topic per request topic, one partition per request partition, in order. */
    static ProduceResponseData localAnswer(ProduceRequestData req, short v, short[] codes) {
        ProduceResponseData d = new ProduceResponseData().setThrottleTimeMs(0);
        int i = 0;
        for (TopicProduceData t : req.topicData()) {
            TopicProduceResponse tr = new TopicProduceResponse();
            if (v >= TOPIC_ID_VERSION) {
                Reflect.call(tr, "setTopicId", Uuid.class, Reflect.call(t, "topicId", null, null));
            } else {
                tr.setName(t.name());
            }
            for (PartitionProduceData p : t.partitionData()) {
                tr.partitionResponses().add(new PartitionProduceResponse().setIndex(p.index())
                    .setErrorCode(codes[i++ % codes.length]).setBaseOffset(-1).setLogAppendTimeMs(-1)
                    .setLogStartOffset(-1).setErrorMessage(null));
            }
            d.responses().add(tr);
        }
        return d;
    }

    private static void local(VectorSet out, short v, String name, ProduceRequestData req, short[] codes) {
        int parts = req.topicData().stream().mapToInt(t -> t.partitionData().size()).sum();
        StringBuilder errors = new StringBuilder();
        for (int i = 0; i < parts; i++) {
            errors.append(i > 0 ? "," : "").append(codes[i % codes.length]);
        }
        out.local(API, v, name, req, errors.toString(), localAnswer(req, v, codes));
    }

    // ---- self-check -----------------------------------------------------------------------------

    /**
     * Re-reads a written vector with Kafka's classes. CODEC: the frame is canonical (re-encoding
     * gives the same bytes) and its summary is what the parsed message says. LOCAL: the response
     * is the local answer to the parsed request with the listed codes.
     */
    static void check(VectorSet.Vector v) {
        short ver = v.version();
        if (v.kind() == VectorSet.Kind.CODEC) {
            Frames.ParsedResponse in = Frames.parseResponse(API, ver, v.input());
            require(in.header().correlationId() == v.correlationId(), v, "correlation id");
            require(java.util.Arrays.equals(Frames.responseFrame(API, ver, v.correlationId(), in.body()), v.input()),
                v, "not canonical");
            require(summary((ProduceResponseData) in.body(), ver).equals(v.summary()), v,
                "summary differs from the parsed frame");
            return;
        }
        Frames.ParsedRequest req = Frames.parseRequest(API, ver, v.input());
        String[] parts = v.summary().split(",");
        short[] codes = new short[parts.length];
        for (int i = 0; i < parts.length; i++) {
            codes[i] = Short.parseShort(parts[i]);
        }
        ProduceResponseData want = localAnswer((ProduceRequestData) req.body(), ver, codes);
        require(java.util.Arrays.equals(Frames.responseFrame(API, ver, v.correlationId(), want), v.expected()), v,
            "response is not the local answer to the request");
    }

    private static void require(boolean ok, VectorSet.Vector v, String what) {
        if (!ok) {
            throw new IllegalStateException(v.name() + ": " + what);
        }
    }

    /** Calls a method that only newer kafka-clients have (never reached with older jars). */
    static final class Reflect {
        private Reflect() {
        }

        static Object call(Object target, String method, Class<?> argType, Object arg) {
            try {
                if (argType == null) {
                    return target.getClass().getMethod(method).invoke(target);
                }
                return target.getClass().getMethod(method, argType).invoke(target, arg);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(method + " on " + target.getClass().getSimpleName(), e);
            }
        }
    }
}
