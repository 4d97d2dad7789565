/*
 * kchaos benchmark: the Java producer (kafka-clients), same two runs as bench/rdkafka_bench.c.
 *
 *   ProducerBench throughput|latency --bootstrap H:P --topic T [--count N] [--value-size B]
 *                 [--linger-ms MS] [--acks A] [--warmup W]
 *
 * Records are keyed "bench-<i>", values are --value-size bytes. Both modes first send one
 * record and wait for it (metadata known, connection up) before the clock starts.
 *   throughput: N async send()s with linger.ms (default 5), then flush(); time from the first
 *               send to the end of flush.
 *   latency:    linger.ms=0; send().get() W times unrecorded, then N times recorded.
 * Everything else is the client's default. One JSON line on stdout.
 */
package kchaos.bench;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public final class ProducerBench {
    public static void main(String[] args) throws Exception {
        if (args.length < 1 || !(args[0].equals("throughput") || args[0].equals("latency")))
            usage();
        boolean latency = args[0].equals("latency");
        String bootstrap = null, topic = null, acks = "1";
        int count = -1, valueSize = 1024, lingerMs = 5, warmup = 100;
        for (int i = 1; i < args.length; i += 2) {
            if (i + 1 >= args.length)
                usage();
            String v = args[i + 1];
            switch (args[i]) {
                case "--bootstrap" -> bootstrap = v;
                case "--topic" -> topic = v;
                case "--count" -> count = Integer.parseInt(v);
                case "--value-size" -> valueSize = Integer.parseInt(v);
                case "--linger-ms" -> lingerMs = Integer.parseInt(v);
                case "--acks" -> acks = v;
                case "--warmup" -> warmup = Integer.parseInt(v);
                default -> usage();
            }
        }
        if (bootstrap == null || topic == null)
            usage();
        if (count < 0)
            count = latency ? 2000 : 300000;

        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "kchaos-bench-java");
        p.put(ProducerConfig.ACKS_CONFIG, acks);
        p.put(ProducerConfig.LINGER_MS_CONFIG, Integer.toString(latency ? 0 : lingerMs));
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        byte[] value = new byte[valueSize];
        Arrays.fill(value, (byte) 'x');
        String client = "java " + clientVersion();

        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            try {
                producer.send(new ProducerRecord<>(topic, key(-1), value)).get();
            } catch (Exception e) {
                System.out.printf("{\"client\":\"%s\",\"mode\":\"%s\",\"error\":\"first record: %s\"}%n",
                        client, args[0], json(String.valueOf(e.getCause() != null ? e.getCause() : e)));
                System.exit(1);
            }
            AtomicLong acked = new AtomicLong(), failed = new AtomicLong();
            AtomicReference<String> firstError = new AtomicReference<>("");
            if (latency) {
                for (int i = 0; i < warmup; i++)
                    producer.send(new ProducerRecord<>(topic, key(i), value)).get();
                double[] lat = new double[count];
                long t0 = System.nanoTime();
                for (int i = 0; i < count; i++) {
                    long s = System.nanoTime();
                    try {
                        producer.send(new ProducerRecord<>(topic, key(i), value)).get();
                        acked.incrementAndGet();
                    } catch (Exception e) {
                        if (failed.getAndIncrement() == 0)
                            firstError.set(String.valueOf(e.getCause()));
                    }
                    lat[i] = (System.nanoTime() - s) / 1e6;
                }
                double secs = (System.nanoTime() - t0) / 1e9;
                Arrays.sort(lat);
                System.out.printf("{\"client\":\"%s\",\"mode\":\"latency\",\"count\":%d,\"acked\":%d,"
                        + "\"failed\":%d,\"error\":\"%s\",\"seconds\":%.4f,\"p50_ms\":%.4f,"
                        + "\"p99_ms\":%.4f,\"max_ms\":%.4f}%n",
                        client, count, acked.get(), failed.get(), json(firstError.get()), secs,
                        pct(lat, 0.50), pct(lat, 0.99), lat[count - 1]);
            } else {
                long t0 = System.nanoTime();
                for (int i = 0; i < count; i++) {
                    producer.send(new ProducerRecord<>(topic, key(i), value), (md, e) -> {
                        if (e == null)
                            acked.incrementAndGet();
                        else if (failed.getAndIncrement() == 0)
                            firstError.set(String.valueOf(e));
                    });
                }
                producer.flush();
                double secs = (System.nanoTime() - t0) / 1e9;
                System.out.printf("{\"client\":\"%s\",\"mode\":\"throughput\",\"count\":%d,\"acked\":%d,"
                        + "\"failed\":%d,\"error\":\"%s\",\"seconds\":%.4f,\"records_per_s\":%.1f,"
                        + "\"mb_per_s\":%.3f}%n",
                        client, count, acked.get(), failed.get(), json(firstError.get()), secs,
                        count / secs, (double) count * valueSize / secs / 1e6);
            }
            System.exit(failed.get() == 0 ? 0 : 1);
        }
    }

    static String clientVersion() {
        Properties v = new Properties();
        try (var in = KafkaProducer.class.getResourceAsStream("/kafka/kafka-version.properties")) {
            if (in != null)
                v.load(in);
        } catch (java.io.IOException e) {
            // unknown
        }
        return v.getProperty("version", "?");
    }

    static byte[] key(long i) {
        return ("bench-" + i).getBytes(StandardCharsets.UTF_8);
    }

    static double pct(double[] sorted, double p) { // nearest rank
        int k = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, k))];
    }

    static String json(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", " ");
    }

    static void usage() {
        System.err.println("usage: ProducerBench throughput|latency --bootstrap H:P --topic T [--count N]"
                + " [--value-size B] [--linger-ms MS] [--acks A] [--warmup W]");
        System.exit(2);
    }
}
