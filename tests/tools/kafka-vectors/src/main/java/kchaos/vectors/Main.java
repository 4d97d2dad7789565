// Main: command-line entry of the kchaos test-vector generator. Builds every vector family with
// kafka-clients' generated message classes, writes the vector file, then re-reads it and runs
// SelfCheck before moving it into place (a failed check leaves no output and exits 1).
//
//   java -cp target/classes:target/lib/* kchaos.vectors.Main --out FILE [--clamp K=V,K=V,...]
package kchaos.vectors;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

import kchaos.vectors.VectorSet.Vector;

public final class Main {
    static final String DEFAULT_CLAMP = "0=13,1=18,3=13,10=6,17=1,18=5,60=2,78=2,79=2";

    private Main() {
    }

    /** The kafka-clients version on the class path (see Frames.kafkaVersion). */
    static String kafkaVersion() {
        return Frames.kafkaVersion();
    }

    public static void main(String[] args) {
        try {
            System.exit(run(args));
        } catch (IllegalArgumentException e) {
            System.err.println("kafka-vectors: " + e.getMessage());
            System.err.println(usage());
            System.exit(2);
        } catch (Exception e) {
            System.err.println("kafka-vectors: FAILED: " + e.getMessage());
            e.printStackTrace();
            System.exit(1);
        }
    }

    private static String usage() {
        return "usage: kchaos.vectors.Main --out FILE [--clamp K=V,K=V,...]   (default clamp " + DEFAULT_CLAMP + ")";
    }

    private static int run(String[] args) throws IOException {
        String outFile = null;
        String clampSpec = DEFAULT_CLAMP;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--out" -> outFile = value(args, ++i, "--out");
                case "--clamp" -> clampSpec = value(args, ++i, "--clamp");
                case "-h", "--help" -> {
                    System.out.println(usage());
                    return 0;
                }
                default -> throw new IllegalArgumentException("unknown argument: " + args[i]);
            }
        }
        if (outFile == null) {
            throw new IllegalArgumentException("--out is required");
        }
        Map<Short, Short> clamp = parseClamp(clampSpec);
        long t0 = System.nanoTime();

        VectorSet set = new VectorSet();
        ApiVersionsVectors.generateResponses(set, clamp);
        MetadataVectors.generate(set);
        FindCoordinatorVectors.generate(set);
        DescribeClusterVectors.generate(set);
        ProduceResponseVectors.generate(set);
        ProduceCodecVectors.generate(set);
        ProduceSplitVectors.generate(set);
        MetadataVectors.generateLeaderless(set);
        FetchResponseVectors.generate(set);
        ShareVectors.generate(set);
        ProduceRequestVectors.generate(set);
        ApiVersionsVectors.generateRequests(set);

        List<Vector> vectors = set.vectors();
        List<String> lines = new ArrayList<>(header(clampSpec, vectors.size()));
        lines.addAll(apiLines());
        lines.addAll(errorLines());
        for (Object o : set.lines) {
            lines.add(o instanceof Vector v ? v.line() : "# " + o);
        }

        Path out = Path.of(outFile).toAbsolutePath();
        Path parent = out.getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        // sibling temp file (created with the umask's permissions, unlike Files.createTempFile)
        Path tmp = out.resolveSibling("." + out.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        try {
            Files.write(tmp, lines, StandardCharsets.US_ASCII);
            SelfCheck check = new SelfCheck(clamp);
            check.check(vectors, Files.readAllLines(tmp, StandardCharsets.US_ASCII));
            Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            report(vectors, check, out, System.nanoTime() - t0);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return 0;
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return args[i];
    }

    /** Parses "K=V,K=V": api key -> highest version kchaos decodes. */
    static Map<Short, Short> parseClamp(String spec) {
        Map<Short, Short> out = new TreeMap<>();
        if (spec.isBlank()) {
            return out;
        }
        for (String item : spec.split(",")) {
            String[] kv = item.trim().split("=");
            if (kv.length != 2) {
                throw new IllegalArgumentException("bad --clamp item '" + item + "' (want K=V)");
            }
            try {
                short k = Short.parseShort(kv[0].trim());
                short v = Short.parseShort(kv[1].trim());
                if (k < 0 || v < 0) {
                    throw new IllegalArgumentException("negative value in --clamp item '" + item + "'");
                }
                if (out.put(k, v) != null) {
                    throw new IllegalArgumentException("api key " + k + " given twice in --clamp");
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad number in --clamp item '" + item + "'");
            }
        }
        return out;
    }

    private static List<String> header(String clampSpec, int count) {
        return List.of(
            "# kchaos wire test vectors, generated by tests/tools/kafka-vectors (kchaos.vectors.Main).",
            "# Oracle: org.apache.kafka:kafka-clients " + kafkaVersion() + " generated message classes. Do not edit.",
            "# RESP <api_key> <api_version> <name> <input_hex> <expected_hex>",
            "# REQ <api_key> <api_version> <name> <input_hex> <expected_summary>",
            "# API <api_key> <name> <first flexible version or -1> <oldest version> <latest version>",
            "# ERR <error code> <NAME> <retriable: 1 if the error's exception is a RetriableException>",
            "# CODEC <api_key> <api_version> <name> <response_hex> <summary of its fields> (ProduceCodecVectors)",
            "# LOCAL <api_key> <api_version> <name> <request_hex> <error code per partition> <response_hex>",
            "# SPLIT <api_key> <api_version> <name> <request_hex> <picks> <error> <reduced_request_hex>"
                + " <broker_answer_hex> <merged_answer_hex> (ProduceSplitVectors); picks: <topic_index>:<partition>,...",
            "# SETERR <api_key> <api_version> <name> <answer_hex> <picks or -> <error> <throttle or -> <expected_hex>;",
            "#   picks: <n + hex name | i + 32 hex topic id>:<partition>,...",
            "# LEADERLESS <api_key> <api_version> <name> <response_hex> <picks> <expected_hex>;"
                + " picks: n<hex name>:<partition>,... (MetadataVectors)",
            "# Frames are complete: 4-byte big-endian size, header (versions from ApiKeys.request/responseHeaderVersion;",
            "# ApiVersions responses always header v0), body. Correlation id = 0x01020304 + case number",
            "# (0-based, in file order); request client_id = \"" + Frames.CLIENT_ID + "\".",
            "# Routing: node id N >= 0 -> host " + Routing.HOST + ", port " + Routing.BASE_PORT
                + " + N; node id < 0 unchanged; only host/port change.",
            "# ApiVersions: max_version = min(max_version, clamp[key]); api keys unknown to kafka-clients "
                + kafkaVersion() + " removed.",
            "# clamp: " + clampSpec,
            "# vectors: " + count);
    }

    /**
     * One "API <key> <name> <first flexible version, -1 if none> <oldest> <latest>" line per api
     * key kafka-clients knows, so the C test can hold kchaos's api table against Kafka's own.
     */
    private static List<String> apiLines() {
        List<String> out = new ArrayList<>();
        for (ApiKeys k : ApiKeys.values()) {
            short latest = k.latestVersion(true);
            short flex = -1;
            for (short v = k.oldestVersion(); v <= latest; v++) {
                if (k.requestHeaderVersion(v) >= 2) {
                    flex = v;
                    break;
                }
            }
            out.add("API " + k.id + " " + k.name + " " + flex + " " + k.oldestVersion() + " " + latest);
        }
        return out;
    }

    /**
     * One "ERR <code> <NAME> <retriable 0|1>" line per Errors value, so the C test can hold
     * kchaos's error table against Kafka's own. Retriable: the error's exception is a
     * RetriableException (NONE has no exception).
     */
    static List<String> errorLines() {
        List<String> out = new ArrayList<>();
        for (Errors e : Errors.values()) {
            boolean retriable = e.exception() instanceof RetriableException;
            out.add("ERR " + e.code() + " " + e.name() + " " + (retriable ? 1 : 0));
        }
        return out;
    }

    private static void report(List<Vector> vectors, SelfCheck check, Path out, long nanos) {
        // kind+api -> version -> count
        Map<String, TreeMap<Short, Integer>> table = new LinkedHashMap<>();
        for (Vector v : vectors) {
            table.computeIfAbsent(v.kind() + " " + v.api().name + "(" + v.api().id + ")", k -> new TreeMap<>())
                .merge(v.version(), 1, Integer::sum);
        }
        System.err.printf("kafka-vectors: wrote %d vectors to %s (kafka-clients %s, %.1f s)%n",
            vectors.size(), out, kafkaVersion(), nanos / 1e9);
        for (Map.Entry<String, TreeMap<Short, Integer>> e : table.entrySet()) {
            int total = e.getValue().values().stream().mapToInt(Integer::intValue).sum();
            System.err.printf("  %-32s %4d  %s%n", e.getKey(), total, runs(e.getValue()));
        }
        System.err.printf("self-check OK: %d addresses rewritten, %d negative-node entries kept, %d api keys clamped,"
                + " %d unknown api keys removed, %d vectors with unknown tagged fields, %d record batches validated%n",
            check.addressesRewritten, check.addressesKeptNegative, check.apiKeysClamped, check.apiKeysRemoved,
            check.vectorsWithUnknownTags, check.recordBatchesValidated);
        StringBuilder sb = new StringBuilder("latestVersion(true):");
        for (ApiKeys k : new ApiKeys[] {ApiKeys.PRODUCE, ApiKeys.FETCH, ApiKeys.METADATA, ApiKeys.FIND_COORDINATOR,
            ApiKeys.API_VERSIONS, ApiKeys.DESCRIBE_CLUSTER, ApiKeys.SHARE_FETCH, ApiKeys.SHARE_ACKNOWLEDGE}) {
            sb.append(' ').append(k.name).append('=').append(k.oldestVersion()).append('-').append(k.latestVersion(true));
        }
        System.err.println(sb);
    }

    /** "v0-v8: 4 each, v9: 5" style summary of a version->count map. */
    private static String runs(TreeMap<Short, Integer> perVersion) {
        StringBuilder sb = new StringBuilder();
        Short start = null;
        short prev = -1;
        int count = -1;
        for (Map.Entry<Short, Integer> e : perVersion.entrySet()) {
            if (start != null && (e.getKey() != prev + 1 || e.getValue() != count)) {
                appendRun(sb, start, prev, count);
                start = null;
            }
            if (start == null) {
                start = e.getKey();
                count = e.getValue();
            }
            prev = e.getKey();
        }
        if (start != null) {
            appendRun(sb, start, prev, count);
        }
        return sb.toString();
    }

    private static void appendRun(StringBuilder sb, short from, short to, int count) {
        if (sb.length() > 0) {
            sb.append(", ");
        }
        sb.append('v').append(from);
        if (to != from) {
            sb.append("-v").append(to);
        }
        sb.append(": ").append(count).append(to != from ? " each" : "");
    }
}
