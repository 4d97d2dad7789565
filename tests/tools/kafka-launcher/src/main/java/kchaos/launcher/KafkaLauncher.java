/*
 * kchaos test launcher: runs a real Apache Kafka KRaft cluster in ONE JVM for
 * kchaos's integration tests and benchmarks, and lets the tests drive it
 * through a small line-based TCP control port.
 *
 * Topology (all on 127.0.0.1, base port P, brokers 1..N, N <= 5):
 *   control port (this launcher)            P
 *   controller node 100, listener CONTROLLER P+1   (static quorum of one voter)
 *   broker i  CLIENT   (what kchaos/clients use)   P+10+i
 *   broker i  INTERNAL (replication, our Admin)    P+20+i
 *   broker i  PEER     bound at P+30+i, advertised as P+40+i (an L4 proxy such
 *             as haproxy/toxiproxy listens on P+40+i and forwards to P+30+i)
 * With --secure CERTS_DIR (certs/make-certs.sh), each broker also opens
 *   broker i  SSL             P+50+i  (CERTS_DIR/broker.p12; client certificates
 *                                      signed by CERTS_DIR/ca.crt requested, not required)
 *   broker i  SASL_PLAINTEXT  P+60+i  (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)
 *   broker i  SASL_SSL        P+70+i  (the same mechanisms over TLS)
 * and knows the users in USERS for every mechanism (PLAIN in the listeners' JAAS
 * configuration, SCRAM through Admin.alterUserScramCredentials once the cluster runs).
 * Replication, the controller and the launcher's own Admin stay on the plaintext
 * INTERNAL and CONTROLLER listeners; no authorizer is configured.
 *
 * Each node is a kafka.server.KafkaRaftServer whose storage is formatted
 * in-process with kafka.tools.StorageTool. Kafka's logs go to --log-file via
 * slf4j-simple; stdout carries only the READY line. The data directory is a
 * fresh temporary directory deleted on exit. See tests/tools/kafka-cluster.sh
 * for the wrapper that tests use, and usage() below for the control protocol.
 */
package kchaos.launcher;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.Writer;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import kafka.server.BrokerServer;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.security.authenticator.CredentialCache;
import org.apache.kafka.common.security.scram.ScramCredential;
import org.apache.kafka.common.metrics.Quota;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.ElectionNotNeededException;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.internals.Exit;
import org.apache.kafka.metadata.LeaderAndIsr;
import org.apache.kafka.metadata.MetadataCache;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

public final class KafkaLauncher {
    static final int CONTROLLER_ID = 100;
    static final long TIMEOUT_MS = 60_000;
    static final String HOST = "127.0.0.1";
    /** SASL users (--secure) and their passwords, for every mechanism: tests read them from --users-file. */
    static final Map<String, String> USERS = new TreeMap<>(Map.of("alice", "alice-secret", "bob", "bob-secret"));
    static final List<String> SASL_MECHANISMS = List.of("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512");

    static Logger log;

    /** One Kafka node: its fixed configuration and, while it runs, its server. */
    static final class KNode {
        final int id;
        final Properties props;
        volatile KafkaRaftServer server;

        KNode(int id, Properties props) {
            this.id = id;
            this.props = props;
        }
    }

    final int brokers;
    final int basePort;
    final Path certsDir; // --secure: the SSL and SASL listeners' certificates; null without
    final Path dataDir;
    final KNode controller;
    final Map<Integer, KNode> brokerNodes = new TreeMap<>();
    final ServerSocket controlSocket;
    volatile Admin admin;
    private boolean stopped;
    private String clusterId; // from format(); KIP-1242 clients send it in ApiVersions v5

    int clientPort(int id) { return basePort + 10 + id; }
    int internalPort(int id) { return basePort + 20 + id; }
    int peerBindPort(int id) { return basePort + 30 + id; }
    int peerAdvertisedPort(int id) { return basePort + 40 + id; }
    int sslPort(int id) { return basePort + 50 + id; }
    int saslPlaintextPort(int id) { return basePort + 60 + id; }
    int saslSslPort(int id) { return basePort + 70 + id; }

    // ------------------------------------------------------------------ setup

    KafkaLauncher(int brokers, int basePort, Path dataDir, Path certsDir, Map<String, String> overrides,
                  Map<Integer, Map<String, String>> nodeOverrides) throws IOException {
        this.brokers = brokers;
        this.basePort = basePort;
        this.certsDir = certsDir;
        this.dataDir = dataDir;
        // Bind the control port first: a port clash fails before any node starts.
        controlSocket = new ServerSocket();
        controlSocket.setReuseAddress(true);
        try {
            controlSocket.bind(new InetSocketAddress(InetAddress.getByName(HOST), basePort), 50);
        } catch (IOException e) {
            controlSocket.close();
            throw new IOException("control port " + HOST + ":" + basePort + " is not free (" + e.getMessage() + ")", e);
        }
        // Then check every port a node will bind, for a clear error up front.
        List<Integer> ports = new ArrayList<>(List.of(basePort + 1));
        for (int i = 1; i <= brokers; i++) {
            ports.addAll(List.of(clientPort(i), internalPort(i), peerBindPort(i)));
            if (certsDir != null)
                ports.addAll(List.of(sslPort(i), saslPlaintextPort(i), saslSslPort(i)));
        }
        for (int port : ports) {
            try (ServerSocket probe = new ServerSocket()) {
                probe.setReuseAddress(true);
                probe.bind(new InetSocketAddress(InetAddress.getByName(HOST), port));
            } catch (IOException e) {
                controlSocket.close();
                throw new IOException("port " + HOST + ":" + port + " is not free (" + e.getMessage() + ")", e);
            }
        }

        // --config overrides apply to every node, NODE_ID:key=value ones to one node;
        // the node's identity and listeners below always win.
        Map<String, String> co = new LinkedHashMap<>();
        co.put("num.partitions", "1"); // a controller setting in KRaft (brokers warn about it)
        co.putAll(overrides);
        Properties c = commonProps(co);
        c.putAll(nodeOverrides.getOrDefault(CONTROLLER_ID, Map.of()));
        c.setProperty("process.roles", "controller");
        c.setProperty("node.id", String.valueOf(CONTROLLER_ID));
        c.setProperty("listeners", "CONTROLLER://" + HOST + ":" + (basePort + 1));
        c.setProperty("log.dirs", dataDir.resolve("controller-" + CONTROLLER_ID).toString());
        controller = new KNode(CONTROLLER_ID, c);

        for (int i = 1; i <= brokers; i++) {
            Properties b = commonProps(overrides);
            b.putAll(nodeOverrides.getOrDefault(i, Map.of()));
            b.setProperty("process.roles", "broker");
            b.setProperty("node.id", String.valueOf(i));
            b.setProperty("listeners", "CLIENT://" + HOST + ":" + clientPort(i)
                    + ",INTERNAL://" + HOST + ":" + internalPort(i)
                    + ",PEER://" + HOST + ":" + peerBindPort(i));
            b.setProperty("advertised.listeners", "CLIENT://" + HOST + ":" + clientPort(i)
                    + ",INTERNAL://" + HOST + ":" + internalPort(i)
                    + ",PEER://" + HOST + ":" + peerAdvertisedPort(i));
            b.setProperty("inter.broker.listener.name", "INTERNAL");
            if (certsDir != null)
                addSecureListeners(b, i);
            b.setProperty("log.dirs", dataDir.resolve("broker-" + i).toString());
            // Always off: stopBroker() performs the controlled shutdown itself when
            // asked to, so that an "uncontrolled" stop can skip it (see stopBroker).
            b.setProperty("controlled.shutdown.enable", "false");
            brokerNodes.put(i, new KNode(i, b));
        }
    }

    /*
     * --secure: the SSL, SASL_PLAINTEXT and SASL_SSL listeners of broker i, beside the
     * plaintext ones. Every setting is per listener (listener.name.<l>.*), so nothing reaches
     * CLIENT, INTERNAL, PEER or CONTROLLER, and the inter-broker and controller paths are
     * exactly those of a plain cluster.
     */
    void addSecureListeners(Properties b, int i) throws IOException {
        String extra = "SSL://" + HOST + ":" + sslPort(i)
                + ",SASL_PLAINTEXT://" + HOST + ":" + saslPlaintextPort(i)
                + ",SASL_SSL://" + HOST + ":" + saslSslPort(i);
        b.setProperty("listeners", b.getProperty("listeners") + "," + extra);
        b.setProperty("advertised.listeners", b.getProperty("advertised.listeners") + "," + extra);
        b.setProperty("listener.security.protocol.map", b.getProperty("listener.security.protocol.map")
                + ",SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL");
        String password = Files.readAllLines(certsDir.resolve("password")).get(0).trim();
        for (String l : List.of("ssl", "sasl_ssl")) {
            String pre = "listener.name." + l + ".";
            b.setProperty(pre + "ssl.keystore.type", "PKCS12");
            b.setProperty(pre + "ssl.keystore.location", certsDir.resolve("broker.p12").toString());
            b.setProperty(pre + "ssl.keystore.password", password);
            b.setProperty(pre + "ssl.key.password", password);
            b.setProperty(pre + "ssl.truststore.type", "PKCS12");
            b.setProperty(pre + "ssl.truststore.location", certsDir.resolve("truststore.p12").toString());
            b.setProperty(pre + "ssl.truststore.password", password);
        }
        // mTLS clients may present a certificate (the principal becomes its subject); others need none.
        b.setProperty("listener.name.ssl.ssl.client.auth", "requested");
        StringBuilder plain = new StringBuilder("org.apache.kafka.common.security.plain.PlainLoginModule required");
        for (var u : USERS.entrySet())
            plain.append(" user_").append(u.getKey()).append("=\"").append(u.getValue()).append('"');
        plain.append(';');
        for (String l : List.of("sasl_plaintext", "sasl_ssl")) {
            String pre = "listener.name." + l + ".";
            b.setProperty(pre + "sasl.enabled.mechanisms", String.join(",", SASL_MECHANISMS));
            b.setProperty(pre + "plain.sasl.jaas.config", plain.toString());
            // SCRAM users live in the cluster metadata (createScramUsers), not in JAAS.
            for (String m : List.of("scram-sha-256", "scram-sha-512"))
                b.setProperty(pre + m + ".sasl.jaas.config",
                        "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        }
    }

    /** --secure: every user in USERS for both SCRAM mechanisms, known to every running broker on return. */
    void createScramUsers() throws Exception {
        List<ScramMechanism> mechs = List.of(ScramMechanism.SCRAM_SHA_256, ScramMechanism.SCRAM_SHA_512);
        // One request per mechanism: a request may alter each user only once.
        for (ScramMechanism m : mechs) {
            List<UserScramCredentialAlteration> alts = new ArrayList<>();
            for (var u : USERS.entrySet())
                alts.add(new UserScramCredentialUpsertion(u.getKey(), new ScramCredentialInfo(m, 4096), u.getValue()));
            admin.alterUserScramCredentials(alts).all().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        }
        // The credentials reach brokers through the metadata log: wait until each one's cache has them.
        waitUntil("SCRAM users on every broker", () -> {
            for (KNode n : brokerNodes.values()) {
                BrokerServer b = brokerServer(n);
                if (b == null)
                    continue;
                for (ScramMechanism m : mechs) {
                    CredentialCache.Cache<ScramCredential> c =
                            b.credentialProvider().credentialCache.cache(m.mechanismName(), ScramCredential.class);
                    for (String user : USERS.keySet())
                        if (c == null || c.get(user) == null)
                            return false;
                }
            }
            return true;
        });
    }

    /** The users file tests read (KAFKA_SASL_USERS): {"mechanisms":[...],"users":{"alice":"alice-secret",...}}. */
    static void writeUsersFile(Path file) throws IOException {
        String users = USERS.entrySet().stream().map(e -> "\"" + e.getKey() + "\":\"" + e.getValue() + "\"")
                .collect(Collectors.joining(","));
        String mechs = SASL_MECHANISMS.stream().map(m -> "\"" + m + "\"").collect(Collectors.joining(","));
        Files.writeString(file, "{\"mechanisms\":[" + mechs + "],\"users\":{" + users + "}}\n");
    }

    Properties commonProps(Map<String, String> overrides) {
        int rf = Math.min(brokers, 3);
        Properties p = new Properties();
        p.setProperty("listener.security.protocol.map",
                "CONTROLLER:PLAINTEXT,CLIENT:PLAINTEXT,INTERNAL:PLAINTEXT,PEER:PLAINTEXT");
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("controller.quorum.voters", CONTROLLER_ID + "@" + HOST + ":" + (basePort + 1));
        // Internal topics sized to the cluster. min.isr 1 keeps transactions and
        // share groups working while chaos tests have brokers down.
        p.setProperty("offsets.topic.replication.factor", String.valueOf(rf));
        p.setProperty("offsets.topic.num.partitions", "1");
        p.setProperty("transaction.state.log.replication.factor", String.valueOf(rf));
        p.setProperty("transaction.state.log.min.isr", "1");
        p.setProperty("transaction.state.log.num.partitions", "1");
        p.setProperty("share.coordinator.state.topic.replication.factor", String.valueOf(rf));
        p.setProperty("share.coordinator.state.topic.min.isr", "1");
        p.setProperty("share.coordinator.state.topic.num.partitions", "1");
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        p.setProperty("auto.create.topics.enable", "false");
        p.setProperty("auto.leader.rebalance.enable", "false"); // moved leaders stay put
        // A broker that stops heartbeating is fenced after 6 s (default 9 s).
        p.setProperty("broker.session.timeout.ms", "6000");
        p.setProperty("broker.heartbeat.interval.ms", "1000");
        // Small footprint: several nodes share one JVM on a 2-core machine.
        p.setProperty("log.cleaner.dedupe.buffer.size", "2097152");
        p.setProperty("num.network.threads", "2");
        p.setProperty("num.io.threads", "2");
        p.setProperty("background.threads", "2");
        p.setProperty("num.recovery.threads.per.data.dir", "1");
        p.setProperty("server.max.startup.time.ms", "120000");
        p.putAll(overrides);
        return p;
    }

    /** Formats every node's storage in-process, like `kafka-storage.sh format`. */
    void format() throws IOException {
        clusterId = Uuid.randomUuid().toString();
        List<KNode> all = new ArrayList<>();
        all.add(controller);
        all.addAll(brokerNodes.values());
        for (KNode n : all) {
            Path cfg = dataDir.resolve("node-" + n.id + ".properties");
            try (Writer w = Files.newBufferedWriter(cfg)) {
                n.props.store(w, "kchaos launcher, node " + n.id);
            }
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            int rc;
            try (PrintStream ps = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
                rc = StorageTool.execute(new String[] {"format", "-t", clusterId, "-c", cfg.toString()}, ps);
            }
            log.info("node {} config: {}", n.id, new TreeMap<>(n.props));
            log.info("StorageTool format node {} rc={}: {}", n.id, rc, buf.toString(StandardCharsets.UTF_8).trim());
            if (rc != 0)
                throw new IOException("formatting node " + n.id + " failed: " + buf.toString(StandardCharsets.UTF_8).trim());
        }
    }

    void startAll() throws Exception {
        format();
        controller.server = new KafkaRaftServer(new KafkaConfig(controller.props), Time.SYSTEM);
        controller.server.startup();
        // KafkaRaftServer.startup() of a broker blocks until it is unfenced, so start them in parallel.
        ExecutorService pool = Executors.newFixedThreadPool(brokers);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (KNode n : brokerNodes.values())
                fs.add(pool.submit(() -> { startBrokerNode(n); return null; }));
            for (Future<?> f : fs) {
                try {
                    f.get(180, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    throw (e.getCause() instanceof Exception ex) ? ex : e;
                }
            }
        } finally {
            pool.shutdownNow();
        }
        Properties ac = new Properties();
        ac.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, brokerNodes.keySet().stream()
                .map(id -> HOST + ":" + internalPort(id)).collect(Collectors.joining(",")));
        ac.setProperty(AdminClientConfig.CLIENT_ID_CONFIG, "kchaos-launcher");
        ac.setProperty(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        ac.setProperty(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        ac.setProperty(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, "100");
        ac.setProperty(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "1000");
        ac.setProperty(AdminClientConfig.METADATA_MAX_AGE_CONFIG, "5000");
        admin = Admin.create(ac);
        waitUntil("all brokers registered and unfenced", () -> unfencedBrokers().containsAll(brokerNodes.keySet()));
        if (certsDir != null)
            createScramUsers();
    }

    void startBrokerNode(KNode n) {
        KafkaRaftServer s = new KafkaRaftServer(new KafkaConfig(n.props), Time.SYSTEM);
        try {
            s.startup(); // returns once the broker is registered and unfenced
        } catch (RuntimeException e) {
            log.error("broker {} failed to start", n.id, e);
            s.shutdown();
            s.awaitShutdown();
            throw e;
        }
        n.server = s;
    }

    /** Unfenced broker ids as the cluster reports them (Admin DescribeCluster). */
    Set<Integer> unfencedBrokers() {
        try {
            return admin.describeCluster(new DescribeClusterOptions().timeoutMs(5000)).nodes()
                    .get(10, TimeUnit.SECONDS).stream().map(Node::id).collect(Collectors.toSet());
        } catch (Exception e) {
            return Set.of();
        }
    }

    String readyLine() {
        String bootstrap = brokerNodes.keySet().stream().map(id -> HOST + ":" + clientPort(id))
                .collect(Collectors.joining(","));
        String bl = brokerNodes.keySet().stream().map(id -> id + "@" + HOST + ":" + clientPort(id))
                .collect(Collectors.joining(","));
        String peers = brokerNodes.keySet().stream().map(id -> id + "@" + HOST + ":" + peerAdvertisedPort(id))
                .collect(Collectors.joining(","));
        String line = "READY bootstrap=" + bootstrap + " control=" + HOST + ":" + basePort + " brokers=" + bl
                + " peer=" + peers + " version=" + kafkaVersion() + " cluster=" + clusterId;
        if (certsDir != null)
            line += " ssl=" + brokerList(this::sslPort) + " sasl_plaintext=" + brokerList(this::saslPlaintextPort)
                    + " sasl_ssl=" + brokerList(this::saslSslPort);
        return line;
    }

    /** 1@127.0.0.1:P1,2@127.0.0.1:P2,... for one listener's port function. */
    String brokerList(java.util.function.IntUnaryOperator port) {
        return brokerNodes.keySet().stream().map(id -> id + "@" + HOST + ":" + port.applyAsInt(id))
                .collect(Collectors.joining(","));
    }

    // --------------------------------------------------------------- shutdown

    /** Stops every node (brokers in parallel, then the controller) and deletes the data dir. */
    synchronized void stopAll() {
        if (stopped)
            return;
        stopped = true;
        log.info("launcher: shutting the cluster down");
        try {
            if (admin != null)
                admin.close(java.time.Duration.ofSeconds(2));
        } catch (RuntimeException e) {
            log.warn("closing admin", e);
        }
        // No controlled shutdown here: moving leaders around is pointless when
        // every node is going away; each node still shuts down normally.
        List<Thread> ts = new ArrayList<>();
        for (KNode n : brokerNodes.values()) {
            KafkaRaftServer s = n.server;
            n.server = null;
            if (s == null)
                continue;
            Thread t = new Thread(() -> {
                try {
                    s.shutdown();
                    s.awaitShutdown();
                } catch (RuntimeException e) {
                    log.warn("stopping broker {}", n.id, e);
                }
            }, "stop-broker-" + n.id);
            t.start();
            ts.add(t);
        }
        for (Thread t : ts) {
            try {
                t.join(60_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        KafkaRaftServer c = controller.server;
        controller.server = null;
        if (c != null) {
            try {
                c.shutdown();
                c.awaitShutdown();
            } catch (RuntimeException e) {
                log.warn("stopping controller", e);
            }
        }
        try {
            controlSocket.close();
        } catch (IOException ignored) {
        }
        deleteTree(dataDir);
        log.info("launcher: cluster stopped, {} deleted", dataDir);
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir))
            return;
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            log.warn("deleting {}", dir, e);
        }
    }

    // ---------------------------------------------------------- control port

    void serveControl() {
        Thread t = new Thread(() -> {
            while (!controlSocket.isClosed()) {
                try {
                    Socket s = controlSocket.accept();
                    Thread h = new Thread(() -> handle(s), "control-" + s.getPort());
                    h.setDaemon(true);
                    h.start();
                } catch (IOException e) {
                    if (!controlSocket.isClosed())
                        log.warn("control accept", e);
                }
            }
        }, "control-accept");
        t.setDaemon(true);
        t.start();
    }

    void handle(Socket s) {
        try (s;
             BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
             OutputStream out = s.getOutputStream()) {
            String line;
            while ((line = in.readLine()) != null) {
                line = line.trim();
                if (line.isEmpty())
                    continue;
                log.info("launcher: command: {}", line);
                long t0 = System.nanoTime();
                String resp;
                try {
                    resp = execute(line.split("\\s+"));
                } catch (Exception e) {
                    Throwable c = (e instanceof ExecutionException && e.getCause() != null) ? e.getCause() : e;
                    log.warn("launcher: command failed: {}", line, c);
                    resp = "ERR " + (c.getClass().getSimpleName() + ": " + c.getMessage()).replaceAll("[\r\n]+", " ");
                }
                log.info("launcher: {} -> {} ({} ms)", line, resp, (System.nanoTime() - t0) / 1_000_000);
                out.write((resp + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                if (line.equals("shutdown")) {
                    s.close();
                    stopAll();
                    System.exit(0);
                }
            }
        } catch (IOException e) {
            log.debug("control connection", e);
        }
    }

    String execute(String[] a) throws Exception {
        String cmd = a[0];
        switch (cmd) {
            case "ping":
                return "OK";
            case "shutdown":
                return "OK";
            case "brokers":
                return "OK " + brokersJson();
            case "count": // read-only, and may take seconds: outside the state lock
                need(a, 2, "count TOPIC");
                return "OK " + countJson(a[1]);
            default:
                break;
        }
        synchronized (this) { // one state-changing command at a time
            if (stopped)
                return "ERR shutting down";
            switch (cmd) {
                case "create-topic": {
                    need(a, 4, "create-topic NAME PARTITIONS RF [key=value ...]");
                    Map<String, String> cfg = new LinkedHashMap<>();
                    for (int i = 4; i < a.length; i++)
                        cfg.put(key(a[i]), value(a[i]));
                    return createTopic(a[1], Integer.parseInt(a[2]), Short.parseShort(a[3]), cfg);
                }
                case "delete-topic":
                    need(a, 2, "delete-topic NAME");
                    return deleteTopic(a[1]);
                case "stop-broker":
                    need(a, 3, "stop-broker ID controlled|uncontrolled");
                    if (!a[2].equals("controlled") && !a[2].equals("uncontrolled"))
                        return "ERR usage: stop-broker ID controlled|uncontrolled";
                    return stopBroker(brokerNode(a[1]), a[2].equals("uncontrolled"));
                case "start-broker":
                    need(a, 2, "start-broker ID");
                    return startBroker(brokerNode(a[1]));
                case "move-leader":
                    need(a, 4, "move-leader TOPIC PARTITION TO_ID");
                    return moveLeader(a[1], Integer.parseInt(a[2]), brokerNode(a[3]).id);
                case "describe":
                    need(a, 2, "describe TOPIC");
                    return "OK " + describeJson(describe(a[1]));
                case "offsets":
                    need(a, 2, "offsets TOPIC");
                    return "OK " + endOffsetsJson(a[1]);
                case "quota": {
                    need(a, 3, "quota CLIENT_ID KEY=VALUE|KEY=none ...");
                    Map<String, String> kv = new LinkedHashMap<>();
                    for (int i = 2; i < a.length; i++)
                        kv.put(key(a[i]), value(a[i]));
                    return setQuota(a[1], kv);
                }
                default:
                    return "ERR unknown command " + cmd
                            + " (ping, create-topic, delete-topic, stop-broker, start-broker, move-leader, describe, offsets, quota, count, brokers, shutdown)";
            }
        }
    }

    static void need(String[] a, int n, String usage) {
        if (a.length < n)
            throw new IllegalArgumentException("usage: " + usage);
    }

    KNode brokerNode(String id) {
        KNode n = brokerNodes.get(Integer.parseInt(id));
        if (n == null)
            throw new IllegalArgumentException("no broker " + id + " (brokers are 1.." + brokers + ")");
        return n;
    }

    // --------------------------------------------------------------- commands

    String createTopic(String name, int partitions, short rf, Map<String, String> cfg) throws Exception {
        admin.createTopics(List.of(new NewTopic(name, partitions, rf).configs(cfg))).all()
                .get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        waitUntil("leaders for all partitions of " + name + " on every running broker", () -> {
            for (int p = 0; p < partitions; p++)
                if (leaderEverywhere(name, p) < 0)
                    return false;
            return true;
        });
        return "OK";
    }

    /**
     * The leader of TOPIC-PARTITION if every running broker's metadata cache agrees
     * on it and that leader has taken the partition on (its log is open), else -1.
     */
    int leaderEverywhere(String topic, int partition) {
        int leader = -1;
        for (KNode n : brokerNodes.values()) {
            BrokerServer b = brokerServer(n);
            if (b == null)
                continue;
            Optional<LeaderAndIsr> li = ((MetadataCache) b.metadataCache()).getLeaderAndIsr(topic, partition);
            if (li.isEmpty() || li.get().leader() < 0 || (leader >= 0 && li.get().leader() != leader))
                return -1;
            leader = li.get().leader();
        }
        KNode ln = brokerNodes.get(leader);
        BrokerServer lb = ln == null ? null : brokerServer(ln);
        if (lb == null)
            return -1;
        var part = lb.replicaManager().onlinePartition(new TopicPartition(topic, partition));
        return part.isDefined() && part.get().isLeader() ? leader : -1;
    }

    /** {"0":123,"1":98,...}: each partition's end offset, so tests can see records arrive. */
    String endOffsetsJson(String topic) throws Exception {
        int n = admin.describeTopics(List.of(topic)).allTopicNames().get(TIMEOUT_MS, TimeUnit.MILLISECONDS)
                .get(topic).partitions().size();
        Map<TopicPartition, OffsetSpec> want = new LinkedHashMap<>();
        for (int p = 0; p < n; p++)
            want.put(new TopicPartition(topic, p), OffsetSpec.latest());
        var got = admin.listOffsets(want).all().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        StringBuilder sb = new StringBuilder("{");
        for (int p = 0; p < n; p++)
            sb.append(p == 0 ? "" : ",").append('"').append(p).append("\":")
                    .append(got.get(new TopicPartition(topic, p)).offset());
        return sb.append('}').toString();
    }

    /*
     * What the brokers hold, counted by Kafka's own consumer on the INTERNAL listeners (never
     * through kchaos, never on a CLIENT port the tests guard): every data record of TOPIC from
     * the beginning up to the end offsets taken first (read_committed: the last stable offsets;
     * transaction markers are control records, which a consumer never returns), by key.
     * {"records":N,"distinct":K,"duplicates":D,"unkeyed":U,"by_prefix":{"java":4000,...}}
     * where a key's prefix is what precedes its last '-' (the contract's P-<i>).
     */
    String countJson(String topic) throws Exception {
        Properties cp = new Properties();
        cp.setProperty(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokerNodes.keySet().stream()
                .map(id -> HOST + ":" + internalPort(id)).collect(Collectors.joining(",")));
        cp.setProperty(ConsumerConfig.CLIENT_ID_CONFIG, "kchaos-launcher-count");
        cp.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        cp.setProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        cp.setProperty(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        cp.setProperty(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        cp.setProperty(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(cp)) {
            List<TopicPartition> parts = c.partitionsFor(topic, java.time.Duration.ofSeconds(30)).stream()
                    .map(pi -> new TopicPartition(topic, pi.partition())).collect(Collectors.toList());
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts, java.time.Duration.ofSeconds(30));
            Map<String, Integer> seen = new java.util.HashMap<>();
            Map<String, Long> byPrefix = new TreeMap<>();
            long records = 0, unkeyed = 0;
            long deadline = System.currentTimeMillis() + TIMEOUT_MS;
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                if (System.currentTimeMillis() > deadline)
                    throw new IOException("count " + topic + ": end offsets " + end + " not reached");
                for (ConsumerRecord<byte[], byte[]> r : c.poll(java.time.Duration.ofMillis(500))) {
                    if (r.offset() >= end.get(new TopicPartition(r.topic(), r.partition())))
                        continue; // produced after the end offsets were taken
                    records++;
                    if (r.key() == null) {
                        unkeyed++;
                        continue;
                    }
                    String k = new String(r.key(), StandardCharsets.UTF_8);
                    seen.merge(k, 1, Integer::sum);
                    int dash = k.lastIndexOf('-');
                    byPrefix.merge(dash < 0 ? k : k.substring(0, dash), 1L, Long::sum);
                }
            }
            long dups = seen.values().stream().filter(v -> v > 1).mapToLong(v -> v - 1).sum();
            StringBuilder sb = new StringBuilder("{\"records\":").append(records)
                    .append(",\"distinct\":").append(seen.size()).append(",\"duplicates\":").append(dups)
                    .append(",\"unkeyed\":").append(unkeyed).append(",\"by_prefix\":{");
            String sep = "";
            for (var e : byPrefix.entrySet()) {
                sb.append(sep).append('"').append(e.getKey()).append("\":").append(e.getValue());
                sep = ",";
            }
            return sb.append("}}").toString();
        }
    }

    String deleteTopic(String name) throws Exception {
        admin.deleteTopics(List.of(name)).all().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        waitUntil(name + " gone from every running broker", () -> brokerNodes.values().stream()
                .map(KafkaLauncher::brokerServer)
                .allMatch(b -> b == null || !((MetadataCache) b.metadataCache()).contains(name)));
        return "OK";
    }

    /*
     * Controlled stop: what BrokerServer.shutdown() does when
     * controlled.shutdown.enable=true -- ask the controller for a controlled
     * shutdown (it moves this broker's leaderships away and removes it from ISRs),
     * wait for its approval, then shut the server down.
     *
     * Uncontrolled stop: every broker runs with controlled.shutdown.enable=false, so a
     * plain KafkaRaftServer.shutdown() never tells the controller anything. The
     * first thing it does is stop heartbeating and close the socket server, so
     * clients see their connections drop and new ones refused, in-flight requests
     * get no answer, and the controller keeps the broker registered, unfenced and
     * leading its partitions until broker.session.timeout.ms (6 s here) passes
     * without a heartbeat; then it fences the broker and elects new leaders.
     * Unlike a kill -9 the logs are flushed and closed cleanly, so a restart skips
     * log recovery; a real process kill would need the broker in its own JVM.
     */
    String stopBroker(KNode n, boolean uncontrolled) throws Exception {
        KafkaRaftServer s = n.server;
        if (s == null)
            return "ERR broker " + n.id + " is not running";
        if (!uncontrolled) {
            BrokerServer b = brokerServer(n);
            b.replicaManager().beginControlledShutdown();
            b.lifecycleManager().beginControlledShutdown();
            b.lifecycleManager().controlledShutdownFuture().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        }
        n.server = null;
        s.shutdown();
        s.awaitShutdown();
        // Probe the INTERNAL listener, never CLIENT: tests count every connection made to a
        // CLIENT port (a guard against clients going around the proxy under test).
        int port = internalPort(n.id);
        waitUntil("port " + port + " to refuse connections", () -> !accepts(port));
        return "OK";
    }

    static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(HOST, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    String startBroker(KNode n) throws Exception {
        if (n.server != null)
            return "ERR broker " + n.id + " is already running";
        startBrokerNode(n);
        waitUntil("broker " + n.id + " unfenced", () -> unfencedBrokers().contains(n.id));
        return "OK";
    }

    String moveLeader(String topic, int partition, int to) throws Exception {
        TopicPartitionInfo info = partitionInfo(topic, partition);
        List<Integer> target = info.replicas().stream().map(Node::id).collect(Collectors.toCollection(ArrayList::new));
        if (!target.remove(Integer.valueOf(to)))
            target.remove(target.size() - 1);
        target.add(0, to);
        TopicPartition tp = new TopicPartition(topic, partition);
        List<Integer> current = info.replicas().stream().map(Node::id).collect(Collectors.toList());
        if (!current.equals(target)) {
            admin.alterPartitionReassignments(Map.of(tp, Optional.of(new NewPartitionReassignment(target))))
                    .all().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            waitUntil("reassignment of " + tp + " to " + target, () -> {
                try {
                    return admin.listPartitionReassignments(Set.of(tp)).reassignments().get().isEmpty()
                            && partitionInfo(topic, partition).replicas().stream().map(Node::id)
                                    .collect(Collectors.toList()).equals(target);
                } catch (Exception e) {
                    return false;
                }
            });
        }
        // A preferred election elects replicas[0] only once it is alive and in the ISR.
        waitUntil("broker " + to + " to lead " + tp, () -> {
            try {
                TopicPartitionInfo pi = partitionInfo(topic, partition);
                if (pi.leader() == null || pi.leader().id() != to) {
                    var r = admin.electLeaders(ElectionType.PREFERRED, Set.of(tp)).partitions().get();
                    Optional<Throwable> err = r.get(tp);
                    if (err != null && err.isPresent() && !(err.get() instanceof ElectionNotNeededException))
                        log.info("launcher: preferred election of {}: {}", tp, err.get().toString());
                    return false;
                }
                return leaderEverywhere(topic, partition) == to;
            } catch (Exception e) {
                return false;
            }
        });
        return "OK";
    }

    /*
     * A client quota for one client id, as an operator sets it (Admin.alterClientQuotas, KIP-546):
     * producer_byte_rate=N throttles that client's Produce on every broker, each broker on its own
     * count; KEY=none removes the key. Returns once every running broker's produce quota manager
     * enforces the new producer_byte_rate (the change reaches brokers through the metadata log,
     * so a test that produced right after the AlterClientQuotas answer could start unthrottled).
     */
    String setQuota(String clientId, Map<String, String> kv) throws Exception {
        ClientQuotaEntity entity = new ClientQuotaEntity(Map.of(ClientQuotaEntity.CLIENT_ID, clientId));
        List<ClientQuotaAlteration.Op> ops = new ArrayList<>();
        for (Map.Entry<String, String> e : kv.entrySet())
            ops.add(new ClientQuotaAlteration.Op(e.getKey(),
                    e.getValue().equals("none") ? null : Double.valueOf(e.getValue())));
        admin.alterClientQuotas(List.of(new ClientQuotaAlteration(entity, ops))).all()
                .get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        String rate = kv.get("producer_byte_rate");
        if (rate != null) {
            Double want = rate.equals("none") ? null : Double.valueOf(rate);
            waitUntil("producer_byte_rate of " + clientId + " on every running broker", () -> {
                for (KNode n : brokerNodes.values()) {
                    BrokerServer b = brokerServer(n);
                    if (b == null)
                        continue;
                    Quota q = b.quotaManagers().produce().quota("ANONYMOUS", clientId);
                    boolean set = q != null && q.bound() < Long.MAX_VALUE;
                    if (want == null ? set : !(set && q.bound() == want))
                        return false;
                }
                return true;
            });
        }
        return "OK";
    }

    TopicDescription describe(String topic) throws Exception {
        return admin.describeTopics(List.of(topic)).allTopicNames().get(TIMEOUT_MS, TimeUnit.MILLISECONDS).get(topic);
    }

    TopicPartitionInfo partitionInfo(String topic, int partition) throws Exception {
        return describe(topic).partitions().stream().filter(p -> p.partition() == partition).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no partition " + topic + "-" + partition));
    }

    static String describeJson(TopicDescription d) {
        StringBuilder sb = new StringBuilder("{\"topic\":\"").append(d.name()).append("\",\"partitions\":[");
        List<TopicPartitionInfo> ps = new ArrayList<>(d.partitions());
        ps.sort(Comparator.comparingInt(TopicPartitionInfo::partition));
        for (int i = 0; i < ps.size(); i++) {
            TopicPartitionInfo p = ps.get(i);
            if (i > 0)
                sb.append(',');
            sb.append("{\"partition\":").append(p.partition())
              .append(",\"leader\":").append(p.leader() == null ? -1 : p.leader().id())
              .append(",\"replicas\":").append(ids(p.replicas()))
              .append(",\"isr\":").append(ids(p.isr()))
              .append('}');
        }
        return sb.append("]}").toString();
    }

    static String ids(List<Node> nodes) {
        return nodes.stream().map(n -> String.valueOf(n.id())).collect(Collectors.joining(",", "[", "]"));
    }

    /** up: the launcher runs it; fenced: the controller's view (omitted if unknown). */
    String brokersJson() {
        Map<Integer, Boolean> fenced = new TreeMap<>();
        try {
            if (admin != null)
                for (Node n : admin.describeCluster(new DescribeClusterOptions().includeFencedBrokers(true).timeoutMs(3000))
                        .nodes().get(5, TimeUnit.SECONDS))
                    fenced.put(n.id(), n.isFenced());
        } catch (Exception e) {
            // no broker answers: leave "fenced" out
        }
        StringBuilder sb = new StringBuilder("[");
        for (KNode n : brokerNodes.values()) {
            if (sb.length() > 1)
                sb.append(',');
            sb.append("{\"id\":").append(n.id).append(",\"up\":").append(n.server != null)
              .append(",\"port\":").append(clientPort(n.id));
            if (fenced.containsKey(n.id))
                sb.append(",\"fenced\":").append(fenced.get(n.id));
            sb.append('}');
        }
        return sb.append(']').toString();
    }

    // ---------------------------------------------------------------- helpers

    /** Read on demand: AppInfoParser has a static logger, which must not start slf4j before main() sets it up. */
    static String kafkaVersion() {
        return org.apache.kafka.common.utils.internals.AppInfoParser.getVersion();
    }

    static void waitUntil(String what, BooleanSupplier cond) throws Exception {
        long deadline = System.currentTimeMillis() + TIMEOUT_MS;
        while (!cond.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline)
                throw new java.util.concurrent.TimeoutException("timed out waiting for " + what);
            Thread.sleep(50);
        }
    }

    /**
     * The BrokerServer inside a running broker's KafkaRaftServer. KafkaRaftServer
     * keeps it in a private field (scala.Option broker); the launcher needs it for
     * the controlled-shutdown steps and to read the broker's own metadata cache.
     */
    static BrokerServer brokerServer(KNode n) {
        KafkaRaftServer s = n.server;
        if (s == null)
            return null;
        try {
            Field f = KafkaRaftServer.class.getDeclaredField("broker");
            f.setAccessible(true);
            scala.Option<?> o = (scala.Option<?>) f.get(s);
            return o.isDefined() ? (BrokerServer) o.get() : null;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot reach BrokerServer inside KafkaRaftServer", e);
        }
    }

    static String key(String kv) {
        int i = kv.indexOf('=');
        if (i <= 0)
            throw new IllegalArgumentException("expected key=value, got " + kv);
        return kv.substring(0, i);
    }

    static String value(String kv) {
        return kv.substring(kv.indexOf('=') + 1);
    }

    static void usage(String msg) {
        System.err.println("error: " + msg);
        System.err.println("usage: KafkaLauncher [--brokers N(1..5)] [--base-port P] [--log-file FILE]");
        System.err.println("                     [--secure CERTS_DIR [--users-file FILE]]");
        System.err.println("                     [--config key=value | --config NODE_ID:key=value]...");
        System.err.println("control port P: ping | create-topic NAME PARTITIONS RF [k=v ...] | delete-topic NAME");
        System.err.println("  | stop-broker ID controlled|uncontrolled | start-broker ID | move-leader TOPIC PARTITION TO_ID");
        System.err.println("  | describe TOPIC | offsets TOPIC | count TOPIC | quota CLIENT_ID KEY=VALUE|KEY=none ...");
        System.err.println("  | brokers | shutdown");
        System.exit(2);
    }

    public static void main(String[] args) throws Exception {
        // stdout carries only the READY line; anything else printing there goes to stderr.
        PrintStream stdout = System.out;
        System.setOut(System.err);

        int brokers = 1, basePort = 19090;
        String logFile = null, usersFile = null;
        Path certsDir = null;
        Map<String, String> overrides = new LinkedHashMap<>();
        Map<Integer, Map<String, String>> nodeOverrides = new TreeMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (i + 1 >= args.length)
                usage("missing value for " + a);
            String v = args[++i];
            switch (a) {
                case "--brokers" -> brokers = Integer.parseInt(v);
                case "--base-port" -> basePort = Integer.parseInt(v);
                case "--log-file" -> logFile = v;
                case "--secure" -> certsDir = Path.of(v).toAbsolutePath();
                case "--users-file" -> usersFile = v;
                case "--config" -> {
                    // NODE_ID:key=value applies to one node only (e.g. 2:broker.rack=r2).
                    String k = key(v);
                    if (k.matches("\\d+:.+")) {
                        int id = Integer.parseInt(k.substring(0, k.indexOf(':')));
                        nodeOverrides.computeIfAbsent(id, x -> new LinkedHashMap<>())
                                .put(k.substring(k.indexOf(':') + 1), value(v));
                    } else {
                        overrides.put(k, value(v));
                    }
                }
                default -> usage("unknown option " + a);
            }
        }
        if (brokers < 1 || brokers > 5)
            usage("--brokers must be 1..5");
        if (basePort < 1 || basePort + 80 > 65535)
            usage("bad --base-port");
        if (certsDir != null)
            for (String f : List.of("broker.p12", "truststore.p12", "password"))
                if (!Files.isReadable(certsDir.resolve(f)))
                    usage("--secure " + certsDir + ": no " + f + " (make it with certs/make-certs.sh)");

        Path dataDir = Files.createTempDirectory("kchaos-kafka-");
        if (logFile == null)
            logFile = dataDir.resolve("kafka.log").toString();
        // slf4j-simple reads these once, on first use.
        System.setProperty("org.slf4j.simpleLogger.logFile", logFile);
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "info");
        System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
        System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd HH:mm:ss.SSS");
        System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka.clients", "warn");
        // Each node's full config dump is long; format() logs the settings the launcher passes instead.
        System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka.common.config.AbstractConfig", "warn");
        log = LoggerFactory.getLogger(KafkaLauncher.class);

        // A fatal fault in one node must not take the whole JVM (all nodes) down.
        Exit.setExitProcedure((code, msg) ->
                log.error("launcher: Kafka called Exit.exit({}, {}); ignored", code, msg, new Throwable("Exit.exit")));
        Exit.setHaltProcedure((code, msg) ->
                log.error("launcher: Kafka called Exit.halt({}, {}); ignored", code, msg, new Throwable("Exit.halt")));

        KafkaLauncher l;
        try {
            l = new KafkaLauncher(brokers, basePort, dataDir, certsDir, overrides, nodeOverrides);
        } catch (IOException e) {
            System.err.println("launcher: cannot bind ports (base port " + basePort + "): " + e.getMessage());
            deleteTree(dataDir);
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(l::stopAll, "launcher-shutdown-hook"));
        log.info("launcher: Kafka {} with {} broker(s), base port {}, data in {}", kafkaVersion(), brokers, basePort, dataDir);
        long t0 = System.nanoTime();
        try {
            l.startAll();
        } catch (Exception e) {
            log.error("launcher: cluster failed to start", e);
            StringBuilder why = new StringBuilder();
            for (Throwable c = e; c != null; c = c.getCause())
                why.append(why.length() == 0 ? "" : " <- ").append(c);
            System.err.println("launcher: cluster failed to start: " + why);
            System.exit(1); // the shutdown hook stops what did start
        }
        log.info("launcher: cluster ready in {} ms", (System.nanoTime() - t0) / 1_000_000);
        if (certsDir != null && usersFile != null)
            writeUsersFile(Path.of(usersFile));
        l.serveControl();
        stdout.println(l.readyLine());
        stdout.flush();
    }
}
