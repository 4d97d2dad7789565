package kchaos.clients;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The test-client contract (tests/clients/README.md) for the Java client, kafka-clients.
 *
 * <p>Producer defaults are the library's own (idempotence on, acks=all, 5 in flight, linger
 * 5 ms in 4.x). Extras beyond the contract:
 * <ul>
 *   <li>{@code --admin}: also calls {@code Admin.describeCluster()} (the DescribeCluster API)
 *       and adds its nodes to brokers_seen.</li>
 *   <li>{@code --group-protocol classic|consumer}: the consumer's group.protocol (default: the
 *       library's, classic); {@code consumer} is KIP-848 (ConsumerGroupHeartbeat).</li>
 *   <li>the producer's own metrics (group producer-metrics) as extra JSON fields:
 *       {@code record-send-total}, {@code record-retry-total}, {@code record-error-total};
 *       and every numeric metric of groups producer-metrics and producer-node-metrics, taken
 *       after the flush and before close, as {@code "metrics":{name:value}} and
 *       {@code "node_metrics":{"node-1":{name:value}}} (NaN, an avg/max without samples, as
 *       null). Their avg/max cover a sampled window: {@code --metrics-window-ms} sets
 *       {@code metrics.sample.window.ms} (tests set it longer than the run).</li>
 *   <li>{@code --client-id ID} (default kchaos-test-java), {@code --no-idempotence}
 *       ({@code enable.idempotence=false}: the 4.x default is on),
 *       {@code --delivery-timeout-ms MS}, {@code --value-size BYTES}.</li>
 *   <li>TLS and SASL, as rdkafka_client takes them: {@code --ssl-ca FILE} (PEM truststore,
 *       {@code ssl.truststore.type=PEM}; the host name verified, the library's default),
 *       {@code --ssl-cert FILE --ssl-key FILE} (a PEM keystore from the certificate chain and
 *       the PKCS#8 key, for mTLS), {@code --sasl-mechanism PLAIN|SCRAM-SHA-256|SCRAM-SHA-512}
 *       with {@code --sasl-user U --sasl-password P} (the matching login module in
 *       {@code sasl.jaas.config}); {@code security.protocol} follows from which are given.</li>
 * </ul>
 * brokers_seen is what the public API exposes of metadata: the leader, replica and ISR nodes
 * of {@code partitionsFor(topic)} (producer and consumer), plus describeCluster with --admin.
 */
public final class JavaClient {
    private static final int MAX_ERRORS = 8;

    private String bootstrap, topic, prefix, acks, compression, group, txnId, groupProtocol;
    private String clientId = "kchaos-test-java";
    private String sslCa, sslCert, sslKey, saslMechanism, saslUser, saslPassword;
    private int count = 100, maxInFlight = -1, lingerMs = -1, rate = 0, valueSize = 0;
    private long deliveryTimeoutMs = -1, metricsWindowMs = -1;
    private boolean idempotent, noIdempotence, consume, admin;

    private final Set<String> errors = new LinkedHashSet<>();
    private final Set<String> brokersSeen = new TreeSet<>();
    private final Map<String, Double> producerMetrics = new LinkedHashMap<>();
    /** Every numeric metric of groups producer-metrics and producer-node-metrics (by node). */
    private final Map<String, Double> allMetrics = new TreeMap<>();
    private final Map<String, Map<String, Double>> nodeMetrics = new TreeMap<>();
    private int acked, consumed, duplicates, missing, outOfOrder;

    public static void main(String[] args) {
        // Before any Kafka class logs: slf4j-simple to stderr, warnings and worse only.
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
        JavaClient c = new JavaClient();
        c.parse(args);
        try {
            c.produce();
            if (c.consume) {
                c.consumeAll();
            }
            if (c.admin) {
                c.describeCluster();
            }
        } catch (ConfigException e) {
            System.err.println("java-client: the client cannot do that: " + e.getMessage());
            System.exit(2);
        }
        System.out.println(c.json());
        System.out.flush();
        System.exit(0); // stray non-daemon threads must not keep the JVM alive
    }

    private static void usage(String msg) {
        if (msg != null) {
            System.err.println("java-client: " + msg);
        }
        System.err.println("usage: java-client --bootstrap B --topic T --prefix P [--count N] "
                + "[--acks all|1|0] [--idempotent] [--compression none|gzip|snappy|lz4|zstd] "
                + "[--max-in-flight K] [--linger-ms MS] [--rate N] [--consume] [--group G] "
                + "[--transactional-id ID] [--admin] [--group-protocol classic|consumer] "
                + "[--client-id ID] [--no-idempotence] [--delivery-timeout-ms MS] "
                + "[--metrics-window-ms MS] [--value-size BYTES] [--ssl-ca FILE] "
                + "[--ssl-cert FILE --ssl-key FILE] "
                + "[--sasl-mechanism PLAIN|SCRAM-SHA-256|SCRAM-SHA-512 --sasl-user U --sasl-password P]");
        System.exit(2);
    }

    private void parse(String[] a) {
        for (int i = 0; i < a.length; i++) {
            String k = a[i];
            switch (k) {
                case "--idempotent" -> idempotent = true;
                case "--no-idempotence" -> noIdempotence = true;
                case "--consume" -> consume = true;
                case "--admin" -> admin = true;
                default -> {
                    if (i + 1 >= a.length) {
                        usage("missing value for " + k);
                    }
                    String v = a[++i];
                    try {
                        switch (k) {
                            case "--bootstrap" -> bootstrap = v;
                            case "--topic" -> topic = v;
                            case "--prefix" -> prefix = v;
                            case "--count" -> count = Integer.parseInt(v);
                            case "--acks" -> acks = v;
                            case "--compression" -> compression = v;
                            case "--max-in-flight" -> maxInFlight = Integer.parseInt(v);
                            case "--linger-ms" -> lingerMs = Integer.parseInt(v);
                            case "--rate" -> rate = Integer.parseInt(v);
                            case "--group" -> group = v;
                            case "--transactional-id" -> txnId = v;
                            case "--group-protocol" -> groupProtocol = v;
                            case "--client-id" -> clientId = v;
                            case "--value-size" -> valueSize = Integer.parseInt(v);
                            case "--delivery-timeout-ms" -> deliveryTimeoutMs = Long.parseLong(v);
                            case "--metrics-window-ms" -> metricsWindowMs = Long.parseLong(v);
                            case "--ssl-ca" -> sslCa = v;
                            case "--ssl-cert" -> sslCert = v;
                            case "--ssl-key" -> sslKey = v;
                            case "--sasl-mechanism" -> saslMechanism = v;
                            case "--sasl-user" -> saslUser = v;
                            case "--sasl-password" -> saslPassword = v;
                            default -> usage("unknown option " + k);
                        }
                    } catch (NumberFormatException e) {
                        usage(k + ": not a number: " + v);
                    }
                }
            }
        }
        if (bootstrap == null || topic == null || prefix == null) {
            usage("--bootstrap, --topic and --prefix are required");
        }
        if (group == null) {
            group = prefix + "-group";
        }
        if (idempotent && noIdempotence) {
            usage("--idempotent and --no-idempotence exclude each other");
        }
        if (acks != null && !Set.of("all", "-1", "1", "0").contains(acks)) {
            usage("--acks must be all, 1 or 0");
        }
    }

    private synchronized void addError(Throwable e) {
        String s = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        if (s.length() > 200) {
            s = s.substring(0, 200);
        }
        if (errors.size() < MAX_ERRORS) {
            errors.add(s);
        }
    }

    private Properties base() {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("client.id", clientId);
        security(p);
        return p;
    }

    private static String read(String file) {
        try {
            return Files.readString(Path.of(file));
        } catch (IOException e) {
            usage("cannot read " + file + ": " + e.getMessage());
            return null;
        }
    }

    /** The TLS and SASL options as kafka-clients properties. */
    private void security(Properties p) {
        boolean tls = sslCa != null || sslCert != null || sslKey != null;
        boolean sasl = saslMechanism != null;
        if (!tls && !sasl) {
            return;
        }
        p.put("security.protocol", sasl ? (tls ? "SASL_SSL" : "SASL_PLAINTEXT") : "SSL");
        if (sslCa != null) {
            p.put("ssl.truststore.type", "PEM");
            p.put("ssl.truststore.location", sslCa);
        }
        if (sslCert != null || sslKey != null) {
            if (sslCert == null || sslKey == null) {
                usage("--ssl-cert and --ssl-key go together");
            }
            p.put("ssl.keystore.type", "PEM");
            p.put("ssl.keystore.certificate.chain", read(sslCert));
            p.put("ssl.keystore.key", read(sslKey));
        }
        if (sasl) {
            String module = switch (saslMechanism) {
                case "PLAIN" -> "org.apache.kafka.common.security.plain.PlainLoginModule";
                case "SCRAM-SHA-256", "SCRAM-SHA-512" ->
                        "org.apache.kafka.common.security.scram.ScramLoginModule";
                default -> {
                    usage("unknown --sasl-mechanism " + saslMechanism);
                    yield null;
                }
            };
            p.put("sasl.mechanism", saslMechanism);
            p.put("sasl.jaas.config", module + " required username=\"" + saslUser
                    + "\" password=\"" + saslPassword + "\";");
        }
    }

    private void seePartitions(List<PartitionInfo> parts) {
        for (PartitionInfo pi : parts) {
            seeNode(pi.leader());
            for (Node n : pi.replicas()) {
                seeNode(n);
            }
            for (Node n : pi.inSyncReplicas()) {
                seeNode(n);
            }
        }
    }

    private synchronized void seeNode(Node n) {
        if (n != null && !n.isEmpty() && n.host() != null && !n.host().isEmpty()) {
            brokersSeen.add(n.host() + ":" + n.port());
        }
    }

    private void produce() {
        Properties p = base();
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        if (acks != null) {
            p.put(ProducerConfig.ACKS_CONFIG, acks);
        }
        if (idempotent || noIdempotence) {
            p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, idempotent ? "true" : "false");
        }
        if (deliveryTimeoutMs >= 0) {
            p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Long.toString(deliveryTimeoutMs));
        }
        if (metricsWindowMs >= 0) {
            p.put(ProducerConfig.METRICS_SAMPLE_WINDOW_MS_CONFIG, Long.toString(metricsWindowMs));
        }
        String pad = valueSize > 0 ? "x".repeat(valueSize) : "";
        if (compression != null) {
            p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression);
        }
        if (maxInFlight >= 0) {
            p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, Integer.toString(maxInFlight));
        }
        if (lingerMs >= 0) {
            p.put(ProducerConfig.LINGER_MS_CONFIG, Integer.toString(lingerMs));
        }
        boolean txn = txnId != null;
        if (txn) {
            p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, txnId);
        }
        int ntxn = (count + 99) / 100;
        AtomicIntegerArray okIn = new AtomicIntegerArray(ntxn + 1); // per transaction (0: none)
        boolean[] committed = new boolean[ntxn + 1];

        KafkaProducer<String, String> producer = new KafkaProducer<>(p);
        try {
            if (txn) {
                producer.initTransactions();
            }
            long t0 = System.nanoTime();
            for (int i = 0; i < count; i++) {
                if (rate > 0) { // hold record i until i/rate seconds after the start
                    long ahead = t0 + (long) ((double) i * 1e9 / rate) - System.nanoTime();
                    if (ahead > 0) {
                        TimeUnit.NANOSECONDS.sleep(ahead);
                    }
                }
                final int k = txn ? i / 100 + 1 : 0;
                if (txn && i % 100 == 0) {
                    try {
                        producer.beginTransaction();
                    } catch (KafkaException e) {
                        addError(e);
                    }
                }
                String key = prefix + "-" + i;
                try {
                    String value = key + "-v";
                    if (value.length() < valueSize) {
                        value = value + pad.substring(value.length());
                    }
                    producer.send(new ProducerRecord<>(topic, key, value), (md, ex) -> {
                        if (ex == null) {
                            okIn.incrementAndGet(k);
                        } else {
                            addError(ex);
                        }
                    });
                } catch (KafkaException e) {
                    addError(e);
                }
                if (txn && (i % 100 == 99 || i == count - 1)) {
                    committed[k] = commit(producer);
                }
            }
            producer.flush();
            try {
                seePartitions(producer.partitionsFor(topic));
            } catch (KafkaException e) {
                addError(e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ConfigException e) {
            throw e;
        } catch (KafkaException e) { // initTransactions, flush
            addError(e);
        } finally {
            for (Map.Entry<MetricName, ? extends Metric> m : producer.metrics().entrySet()) {
                MetricName n = m.getKey();
                Object v = m.getValue().metricValue();
                if (!(v instanceof Number num)) {
                    continue;
                }
                if (n.group().equals("producer-metrics")) {
                    allMetrics.put(n.name(), num.doubleValue());
                    if (Set.of("record-send-total", "record-retry-total", "record-error-total")
                            .contains(n.name())) {
                        producerMetrics.put(n.name(), num.doubleValue());
                    }
                } else if (n.group().equals("producer-node-metrics")) {
                    nodeMetrics.computeIfAbsent(n.tags().getOrDefault("node-id", "?"),
                            x -> new TreeMap<>()).put(n.name(), num.doubleValue());
                }
            }
            producer.close(Duration.ofSeconds(30)); // fails whatever is still pending
        }
        int sum = 0;
        for (int k = 0; k <= ntxn; k++) {
            if (!txn || committed[k]) {
                sum += okIn.get(k);
            }
        }
        acked = sum;
    }

    /** Commits the open transaction; aborts it when the commit fails abortably. */
    private boolean commit(KafkaProducer<String, String> producer) {
        for (int attempt = 0; ; attempt++) {
            try {
                producer.commitTransaction();
                return true;
            } catch (TimeoutException e) { // retriable: the same call completes the commit
                addError(e);
                if (attempt >= 3) {
                    return false;
                }
            } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException
                     | UnsupportedVersionException e) {
                addError(e); // fatal: later calls fail too and get counted
                return false;
            } catch (KafkaException e) {
                addError(e);
                try {
                    producer.abortTransaction();
                } catch (KafkaException e2) {
                    addError(e2);
                }
                return false;
            }
        }
    }

    private void consumeAll() {
        Properties p = base();
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        if (txnId != null) {
            p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        }
        if (groupProtocol != null) {
            p.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, groupProtocol);
        }
        int[] seen = new int[count];
        Map<Integer, Integer> last = new HashMap<>();
        int distinct = 0;
        String pfx = prefix + "-";
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (distinct < count && System.nanoTime() < deadline) {
                try {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                        String key = r.key();
                        if (key == null || !key.startsWith(pfx)) {
                            continue;
                        }
                        int i;
                        try {
                            i = Integer.parseInt(key.substring(pfx.length()));
                        } catch (NumberFormatException e) {
                            continue;
                        }
                        consumed++;
                        if (i < 0 || i >= count) {
                            continue;
                        }
                        if (++seen[i] > 1) {
                            duplicates++;
                        } else {
                            distinct++;
                        }
                        Integer l = last.get(r.partition());
                        if (l != null && i < l) {
                            outOfOrder++;
                        }
                        last.put(r.partition(), i);
                    }
                } catch (ConfigException e) {
                    throw e;
                } catch (KafkaException e) {
                    addError(e);
                    try {
                        Thread.sleep(200);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                }
            }
            try {
                seePartitions(consumer.partitionsFor(topic));
            } catch (KafkaException e) {
                addError(e);
            }
        }
        for (int n : seen) {
            if (n == 0) {
                missing++;
            }
        }
    }

    private void describeCluster() {
        Properties p = base();
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "kchaos-test-java-admin");
        try (Admin a = Admin.create(p)) {
            DescribeClusterResult r = a.describeCluster();
            for (Node n : r.nodes().get(30, TimeUnit.SECONDS)) {
                seeNode(n);
            }
            seeNode(r.controller().get(30, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            addError(e.getCause() != null ? e.getCause() : e);
        }
    }

    /** kafka-clients' own version, from the resource its AppInfoParser reads too (that class
     *  moved to an internals package in 4.4). */
    private static String kafkaVersion() {
        Properties p = new Properties();
        try (var in = KafkaProducer.class.getResourceAsStream("/kafka/kafka-version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (java.io.IOException e) {
            // fall through to "unknown"
        }
        return p.getProperty("version", "unknown").trim();
    }

    private static String q(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    private static String list(Iterable<String> xs) {
        List<String> out = new ArrayList<>();
        for (String x : xs) {
            out.add(q(x));
        }
        return "[" + String.join(",", out) + "]";
    }

    /** {name:value}, full double precision; NaN and infinities (no samples) as null. */
    private static String numbers(Map<String, Double> m) {
        StringBuilder b = new StringBuilder("{");
        String sep = "";
        for (Map.Entry<String, Double> e : m.entrySet()) {
            double v = e.getValue();
            b.append(sep).append(q(e.getKey())).append(':')
             .append(Double.isFinite(v) ? Double.toString(v) : "null");
            sep = ",";
        }
        return b.append('}').toString();
    }

    private synchronized String json() {
        StringBuilder b = new StringBuilder("{");
        b.append("\"client\":\"java\",\"version\":").append(q(kafkaVersion()));
        b.append(",\"produced\":").append(count).append(",\"acked\":").append(acked);
        b.append(",\"errors\":").append(list(errors));
        b.append(",\"consumed\":").append(consumed).append(",\"duplicates\":").append(duplicates);
        b.append(",\"missing\":").append(consume ? missing : 0);
        b.append(",\"out_of_order\":").append(outOfOrder);
        b.append(",\"brokers_seen\":").append(list(brokersSeen));
        for (Map.Entry<String, Double> m : producerMetrics.entrySet()) {
            double v = m.getValue();
            b.append(',').append(q(m.getKey())).append(':');
            b.append(Double.isFinite(v) ? Long.toString((long) v) : "null");
        }
        b.append(",\"metrics\":").append(numbers(allMetrics));
        b.append(",\"node_metrics\":{");
        String sep = "";
        for (Map.Entry<String, Map<String, Double>> e : nodeMetrics.entrySet()) {
            b.append(sep).append(q(e.getKey())).append(':').append(numbers(e.getValue()));
            sep = ",";
        }
        return b.append("}}").toString();
    }
}
