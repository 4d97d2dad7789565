// SelfCheck: re-reads every emitted line with Kafka's own classes and proves it. Independent of
// the generators' rewrite code, it
//  - parses input and expected frames at their version (exact size prefix, every byte consumed,
//    header version from ApiKeys, correlation id of the case) and checks that re-encoding the
//    parsed message gives the same bytes (so the frames are canonical Kafka encodings);
//  - finds every host/port slot by reflection over the parsed message tree (any object with
//    host()/port() and nodeId()/brokerId() whose fields are on the wire at this version), checks
//    the expected slot against the routing rule, and that with all host/port slots masked the
//    two parsed messages are equal (unknown tagged fields and records included);
//  - for ApiVersions, checks the expected api_keys are the input's, in order, minus unknown keys,
//    with max_version = min(max, clamp), min_version and the rest untouched;
//  - for requests, recomputes the summary from the parsed frame (validating every record batch).
package kchaos.vectors;

import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceRequestData.PartitionProduceData;
import org.apache.kafka.common.message.ProduceRequestData.TopicProduceData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.Message;
import org.apache.kafka.common.protocol.types.Schema;
import org.apache.kafka.common.protocol.types.Type;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.RecordBatch;

import kchaos.vectors.VectorSet.Kind;
import kchaos.vectors.VectorSet.Vector;

final class SelfCheck {
    private final Map<Short, Short> clamp;

    /** Statistics for the report. */
    int addressesRewritten;
    int addressesKeptNegative;
    int vectorsWithUnknownTags;
    int recordBatchesValidated;
    int apiKeysClamped;
    int apiKeysRemoved;

    SelfCheck(Map<Short, Short> clamp) {
        this.clamp = clamp;
    }

    /**
     * Sanity of the oracle itself: equals() must see unknown tagged fields (note: the generated
     * duplicate() does not copy them, so nothing here compares duplicates).
     */
    static void checkOracle() {
        MetadataResponseData a = new MetadataResponseData();
        MetadataResponseData b = a.duplicate();
        b.unknownTaggedFields().add(Fixtures.raw(1000, "01"));
        if (a.equals(b)) {
            throw new IllegalStateException("generated equals() ignores unknown tagged fields; checks would be blind");
        }
    }

    void check(List<Vector> vectors, List<String> rawLines) {
        checkOracle();
        List<String[]> faultLines = new ArrayList<>();
        // the written text must round-trip to the same frames
        int i = 0;
        for (String line : rawLines) {
            if (line.startsWith("#") || line.startsWith("API ") || line.startsWith("ERR ")) {
                continue;
            }
            Vector v = vectors.get(i++);
            String[] f = line.split(" ");
            int fields = switch (v.kind()) {
                case LOCAL -> 7;
                case SPLIT, SETERR, LEADERLESS -> 6 + v.tail().size();
                default -> 6;
            };
            require(f.length == fields, v, "line has " + f.length + " fields");
            require(f[0].equals(v.kind().name()) && Short.parseShort(f[1]) == v.api().id
                && Short.parseShort(f[2]) == v.version() && f[3].equals(v.name()), v, "line prefix mismatch");
            require(Arrays.equals(Frames.unhex(f[4]), v.input()), v, "input hex mismatch");
            if (v.kind() == Kind.SPLIT || v.kind() == Kind.SETERR || v.kind() == Kind.LEADERLESS) {
                require(Arrays.asList(f).subList(5, f.length - 1).equals(v.tail()), v, "tail mismatch");
                require(Arrays.equals(Frames.unhex(f[f.length - 1]), v.expected()), v, "expected hex mismatch");
                faultLines.add(f);
                continue;
            }
            if (v.kind() == Kind.RESP) {
                require(Arrays.equals(Frames.unhex(f[5]), v.expected()), v, "expected hex mismatch");
            } else {
                require(f[5].equals(v.summary()), v, "summary mismatch");
            }
            if (v.kind() == Kind.LOCAL) {
                require(Arrays.equals(Frames.unhex(f[6]), v.expected()), v, "expected hex mismatch");
            }
        }
        require(i == vectors.size(), null, "vector count mismatch");

        Iterator<String[]> fault = faultLines.iterator();
        for (Vector v : vectors) {
            try {
                switch (v.kind()) {
                    case RESP -> checkResponse(v);
                    case REQ -> checkRequest(v);
                    case CODEC, LOCAL -> ProduceCodecVectors.check(v);
                    // from the written text, not the in-memory vector
                    case SPLIT, SETERR -> ProduceSplitVectors.check(v, fault.next());
                    case LEADERLESS -> MetadataVectors.checkLeaderless(v, fault.next());
                }
            } catch (RuntimeException e) {
                throw new IllegalStateException("self-check failed for " + v.name() + ": " + e.getMessage(), e);
            }
        }
    }

    // ---- responses ------------------------------------------------------------------------------

    private void checkResponse(Vector v) {
        ApiKeys api = v.api();
        short ver = v.version();
        Frames.ParsedResponse in = Frames.parseResponse(api, ver, v.input());
        Frames.ParsedResponse ex = Frames.parseResponse(api, ver, v.expected());
        for (Frames.ParsedResponse r : List.of(in, ex)) {
            require(r.header().correlationId() == v.correlationId(), v, "correlation id");
            require(r.header().unknownTaggedFields().isEmpty(), v, "header tags");
        }
        require(api != ApiKeys.API_VERSIONS || api.responseHeaderVersion(ver) == 0, v,
            "ApiVersions response must use header v0");
        require(in.bodyVersion() == ex.bodyVersion(), v, "input and expected bodies decode at different versions");
        if (in.bodyVersion() != ver) {
            // only legal case: ApiVersions UNSUPPORTED_VERSION answer with a v0 body (KIP-511)
            require(api == ApiKeys.API_VERSIONS && in.bodyVersion() == 0
                && ((ApiVersionsResponseData) in.body()).errorCode() == Errors.UNSUPPORTED_VERSION.code(), v,
                "body only decodes at v" + in.bodyVersion());
        }
        require(Arrays.equals(Frames.responseFrame(api, ver, v.correlationId(), in.body(), in.bodyVersion()),
            v.input()), v, "input is not canonical (re-encoding differs)");
        require(Arrays.equals(Frames.responseFrame(api, ver, v.correlationId(), ex.body(), ex.bodyVersion()),
            v.expected()), v, "expected is not canonical (re-encoding differs)");
        if (hasUnknownTags(in.body())) {
            vectorsWithUnknownTags++;
        }
        validateRecords(in.body());
        validateRecords(ex.body());

        if (api == ApiKeys.API_VERSIONS) {
            checkApiVersions(v, (ApiVersionsResponseData) in.body(), (ApiVersionsResponseData) ex.body());
            return;
        }

        List<Message> inSlots = new ArrayList<>();
        List<Message> exSlots = new ArrayList<>();
        collectAddressHolders(in.body(), ver, true, inSlots);
        collectAddressHolders(ex.body(), ver, true, exSlots);
        require(inSlots.size() == exSlots.size(), v, "address slot count differs");
        List<String> originalHosts = new ArrayList<>();
        for (int i = 0; i < inSlots.size(); i++) {
            Message a = inSlots.get(i);
            Message b = exSlots.get(i);
            int node = nodeId(a);
            require(node == nodeId(b), v, "node id changed");
            if (Routing.routed(node)) {
                require(Routing.HOST.equals(call(b, "host")) && port(b) == Routing.port(node), v,
                    "node " + node + " not routed: " + call(b, "host") + ":" + port(b));
                originalHosts.add((String) call(a, "host"));
                addressesRewritten++;
            } else {
                require(call(a, "host").equals(call(b, "host")) && port(a) == port(b), v,
                    "node " + node + " (< 0) must stay unchanged");
                addressesKeptNegative++;
            }
        }
        for (Message m : inSlots) {
            mask(m);
        }
        for (Message m : exSlots) {
            mask(m);
        }
        require(in.body().equals(ex.body()), v, "input and expected differ outside host/port");

        // no original host name may survive anywhere in the expected frame
        String exBytes = new String(v.expected(), StandardCharsets.ISO_8859_1);
        for (String h : originalHosts) {
            require(h.length() < 8 || h.equals(Routing.HOST) || !exBytes.contains(h), v,
                "original host " + h + " still in expected frame");
        }
        require(v.name().endsWith("_nochange") == Arrays.equals(v.input(), v.expected()), v,
            "_nochange naming disagrees with the frames");
    }

    private void checkApiVersions(Vector v, ApiVersionsResponseData in, ApiVersionsResponseData ex) {
        Iterator<ApiVersion> exIt = ex.apiKeys().iterator();
        for (ApiVersion a : in.apiKeys()) {
            if (!ApiKeys.hasId(a.apiKey())) {
                apiKeysRemoved++;
                continue;
            }
            require(exIt.hasNext(), v, "expected api_keys too short");
            ApiVersion b = exIt.next();
            require(a.apiKey() == b.apiKey() && a.minVersion() == b.minVersion(), v,
                "api key/min_version changed for key " + a.apiKey());
            Short limit = clamp.get(a.apiKey());
            int want = limit == null ? a.maxVersion() : Math.min(a.maxVersion(), limit);
            require(b.maxVersion() == want, v, "key " + a.apiKey() + " max_version " + b.maxVersion() + " != " + want);
            if (b.maxVersion() != a.maxVersion()) {
                apiKeysClamped++;
            }
            require(a.unknownTaggedFields().equals(b.unknownTaggedFields()), v, "api key tags changed");
        }
        require(!exIt.hasNext(), v, "expected api_keys has extra entries");
        // (no duplicate(): it drops unknown tagged fields; the parsed objects are ours to change)
        in.setApiKeys(new ApiVersionsResponseData.ApiVersionCollection());
        ex.setApiKeys(new ApiVersionsResponseData.ApiVersionCollection());
        require(in.equals(ex), v, "ApiVersions fields other than api_keys changed");
    }

    /**
     * Depth-first walk of a parsed message; collects every struct with host()/port() whose
     * host field is on the wire at this version (top-level: per the generated schema).
     */
    private static void collectAddressHolders(Message m, short version, boolean root, List<Message> out) {
        Class<?> c = m.getClass();
        if (hasGetter(c, "host") && hasGetter(c, "port")) {
            if (!root || onWire(m, version, "host")) {
                out.add(m);
            }
        }
        Method[] methods = c.getMethods();
        Arrays.sort(methods, Comparator.comparing(Method::getName));
        for (Method g : methods) {
            if (g.getParameterCount() != 0 || java.lang.reflect.Modifier.isStatic(g.getModifiers())
                || g.getName().equals("duplicate") || g.getDeclaringClass() == Object.class) {
                continue;
            }
            Class<?> rt = g.getReturnType();
            if (Message.class.isAssignableFrom(rt)) {
                Object child = invoke(m, g);
                if (child != null) {
                    collectAddressHolders((Message) child, version, false, out);
                }
            } else if (Iterable.class.isAssignableFrom(rt)) {
                Object list = invoke(m, g);
                if (list != null) {
                    for (Object e : (Iterable<?>) list) {
                        if (e instanceof Message child) {
                            collectAddressHolders(child, version, false, out);
                        }
                    }
                }
            }
        }
    }

    private static boolean hasUnknownTags(Message m) {
        if (!m.unknownTaggedFields().isEmpty()) {
            return true;
        }
        for (Method g : m.getClass().getMethods()) {
            if (g.getParameterCount() != 0 || g.getName().equals("duplicate")
                || java.lang.reflect.Modifier.isStatic(g.getModifiers())) {
                continue;
            }
            Class<?> rt = g.getReturnType();
            if (Message.class.isAssignableFrom(rt)) {
                Object child = invoke(m, g);
                if (child != null && hasUnknownTags((Message) child)) {
                    return true;
                }
            } else if (Iterable.class.isAssignableFrom(rt)) {
                Object list = invoke(m, g);
                if (list != null) {
                    for (Object e : (Iterable<?>) list) {
                        if (e instanceof Message child && hasUnknownTags(child)) {
                            return true;
                        }
                    }
                }
            }
        }
        return false;
    }

    /** Validates (CRC etc.) every record batch in any records() field of the message tree. */
    private void validateRecords(Message m) {
        for (Method g : m.getClass().getMethods()) {
            if (g.getParameterCount() != 0 || g.getName().equals("duplicate")
                || java.lang.reflect.Modifier.isStatic(g.getModifiers())) {
                continue;
            }
            Class<?> rt = g.getReturnType();
            if (g.getName().equals("records")) {
                Object r = invoke(m, g);
                if (r != null) {
                    for (MutableRecordBatch b : ((MemoryRecords) r).batches()) {
                        b.ensureValid();
                        recordBatchesValidated++;
                    }
                }
            } else if (Message.class.isAssignableFrom(rt)) {
                Object child = invoke(m, g);
                if (child != null) {
                    validateRecords((Message) child);
                }
            } else if (Iterable.class.isAssignableFrom(rt)) {
                Object list = invoke(m, g);
                if (list != null) {
                    for (Object e : (Iterable<?>) list) {
                        if (e instanceof Message child) {
                            validateRecords(child);
                        }
                    }
                }
            }
        }
    }

    private static boolean onWire(Message m, short version, String field) {
        try {
            Schema[] schemas = (Schema[]) m.getClass().getField("SCHEMAS").get(null);
            return schemas[version] != null && schemas[version].get(field) != null;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean hasGetter(Class<?> c, String name) {
        try {
            c.getMethod(name);
            return true;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    private static int nodeId(Message m) {
        Class<?> c = m.getClass();
        if (hasGetter(c, "nodeId")) {
            return (Integer) call(m, "nodeId");
        }
        if (hasGetter(c, "brokerId")) {
            return (Integer) call(m, "brokerId");
        }
        throw new IllegalStateException(c.getName() + " has host/port but no node id");
    }

    private static int port(Message m) {
        return (Integer) call(m, "port");
    }

    private static void mask(Message m) {
        try {
            m.getClass().getMethod("setHost", String.class).invoke(m, "");
            m.getClass().getMethod("setPort", int.class).invoke(m, 0);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Object call(Object o, String name) {
        try {
            return o.getClass().getMethod(name).invoke(o);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Object invoke(Object o, Method m) {
        try {
            return m.invoke(o);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- requests -------------------------------------------------------------------------------

    private void checkRequest(Vector v) {
        ApiKeys api = v.api();
        short ver = v.version();
        Frames.ParsedRequest r = Frames.parseRequest(api, ver, v.input());
        require(r.header().requestApiKey() == api.id && r.header().requestApiVersion() == ver
            && r.header().correlationId() == v.correlationId()
            && Frames.CLIENT_ID.equals(r.header().clientId()), v, "request header");
        require(Arrays.equals(Frames.requestFrame(api, ver, v.correlationId(), r.body()), v.input()), v,
            "request is not canonical (re-encoding differs)");
        if (hasUnknownTags(r.body())) {
            vectorsWithUnknownTags++;
        }
        String summary;
        if (api == ApiKeys.PRODUCE) {
            summary = produceSummary(ver, (ProduceRequestData) r.body());
        } else if (api == ApiKeys.API_VERSIONS) {
            summary = ApiVersionsVectors.summary(ver, (ApiVersionsRequestData) r.body());
        } else {
            throw new IllegalStateException("no summary rule for " + api);
        }
        require(summary.equals(v.summary()), v, "summary from the wire " + summary + " != " + v.summary());
    }

    private String produceSummary(short ver, ProduceRequestData d) {
        StringBuilder sb = new StringBuilder();
        sb.append("acks=").append(d.acks()).append(";timeout=").append(d.timeoutMs())
            .append(";txn=").append(d.transactionalId() == null ? "-" : d.transactionalId()).append(';');
        boolean first = true;
        for (TopicProduceData t : d.topicData()) {
            String label = topicsById(ver) ? Fixtures.uuidHex(t.topicId()) : t.name();
            for (PartitionProduceData p : t.partitionData()) {
                int batches = 0;
                int records = 0;
                int bytes = 0;
                if (p.records() != null) {
                    MemoryRecords mr = (MemoryRecords) p.records();
                    bytes = mr.sizeInBytes();
                    for (MutableRecordBatch b : mr.batches()) {
                        b.ensureValid();
                        recordBatchesValidated++;
                        batches++;
                        // magic 2: recordsCount header; magic 0/1: one outer message per "batch"
                        records += b.magic() >= RecordBatch.MAGIC_VALUE_V2 ? b.countOrNull() : 1;
                    }
                }
                sb.append(first ? "" : ",").append(label).append(':').append(p.index()).append(':')
                    .append(batches).append(':').append(records).append(':').append(bytes);
                first = false;
            }
        }
        return sb.toString();
    }

    /** Whether ProduceRequest topic_data[] carries topic_id at this version, per the generated schema. */
    private static boolean topicsById(short ver) {
        Schema body = ProduceRequestData.SCHEMAS[ver];
        Type element = body.get("topic_data").def.type.arrayElementType().orElseThrow();
        return ((Schema) element).get("topic_id") != null;
    }

    private static void require(boolean ok, Vector v, String what) {
        if (!ok) {
            throw new IllegalStateException((v == null ? "" : v.name() + ": ") + what);
        }
    }
}
