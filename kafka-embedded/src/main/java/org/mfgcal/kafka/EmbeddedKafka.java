package org.mfgcal.kafka;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool$;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An in-process, single-node Apache Kafka broker in KRaft mode (one process with the combined
 * {@code broker,controller} roles), for tests and the embedded demo.
 *
 * <p>Contract: {@link #start()} formats a log directory with Kafka's own {@code StorageTool format} (a fresh
 * cluster id, static voter set {@code 1@127.0.0.1:<controller port>}), starts a {@link KafkaRaftServer} and
 * returns once an admin client sees the broker (typically 1–4 s). Both listeners bind to 127.0.0.1 on free
 * ports chosen at start. The internal topics use replication factor 1 and min.isr 1, so consumer groups and
 * transactions work on the single node. {@link #close()} shuts the server down and deletes the data
 * directory when it was a temporary one (a directory passed to {@link #start(Path, Map)} is kept, and a
 * broker started again on it keeps its topics).
 *
 * <p>Thread-safety: {@link #bootstrapServers()} and {@link #createTopics} may be called from any thread;
 * {@link #close()} is idempotent and safe to call concurrently with them (later calls fail).
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    private final KafkaRaftServer server;
    private final Path dataDir;
    private final boolean deleteOnClose;
    private final String bootstrap;
    private final int brokerPort;
    private final int controllerPort;
    private boolean closed;
    private boolean keepData;

    private EmbeddedKafka(KafkaRaftServer server, Path dataDir, boolean deleteOnClose, String bootstrap, int brokerPort,
                          int controllerPort) {
        this.server = server;
        this.dataDir = dataDir;
        this.deleteOnClose = deleteOnClose;
        this.bootstrap = bootstrap;
        this.brokerPort = brokerPort;
        this.controllerPort = controllerPort;
    }

    /** Shuts the broker down keeping its data directory, for {@link #restart}. */
    public synchronized void stopKeepingData() {
        keepData = true;
        close();
    }

    /** Starts a broker on a fresh temporary directory (deleted on {@link #close()}). */
    public static EmbeddedKafka start() {
        try {
            return start(Files.createTempDirectory("mfgcal-kafka-"), true, Map.of());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory for the embedded broker", e);
        }
    }

    /**
     * Starts a broker whose data lives in {@code dir} (created when missing, kept on close).
     *
     * @param overrides broker properties that replace the defaults (for example {@code num.partitions})
     */
    public static EmbeddedKafka start(Path dir, Map<String, String> overrides) {
        return start(dir, false, overrides);
    }

    /**
     * A broker on the data directory and ports of a closed one (same cluster, topics, committed offsets and
     * transactions, same bootstrap address): a broker restart for fault tests.
     */
    public static EmbeddedKafka restart(EmbeddedKafka closed) {
        if (!closed.closed) {
            throw new IllegalStateException("the broker at " + closed.bootstrap + " is still running");
        }
        return start(closed.dataDir, closed.deleteOnClose, Map.of(), closed.brokerPort, closed.controllerPort);
    }

    private static EmbeddedKafka start(Path dir, boolean deleteOnClose, Map<String, String> overrides) {
        try {
            return start(dir, deleteOnClose, overrides, freePort(), freePort());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find free ports for the embedded broker", e);
        }
    }

    private static EmbeddedKafka start(Path dir, boolean deleteOnClose, Map<String, String> overrides, int brokerPort,
                                       int controllerPort) {
        long t0 = System.nanoTime();
        try {
            Files.createDirectories(dir);
            Path logDir = dir.resolve("kraft-combined-logs");
            Map<String, String> props = defaults(logDir, brokerPort, controllerPort);
            props.putAll(overrides);
            Path configFile = dir.resolve("server.properties");
            writeProperties(configFile, props);
            if (!Files.exists(logDir.resolve("meta.properties"))) { // formatted before: keep its cluster id
                format(configFile);
            }
            Properties p = new Properties();
            p.putAll(props);
            KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(p), Time.SYSTEM);
            server.startup();
            String bootstrap = "127.0.0.1:" + brokerPort;
            EmbeddedKafka kafka = new EmbeddedKafka(server, dir, deleteOnClose, bootstrap, brokerPort, controllerPort);
            try {
                kafka.awaitReady();
            } catch (RuntimeException e) {
                kafka.close();
                throw e;
            }
            LOG.info("embedded Kafka up at {} in {} ms (data {})", bootstrap,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), dir);
            return kafka;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the embedded broker in " + dir, e);
        }
    }

    /** The broker properties used unless overridden: the one place these defaults are defined. */
    private static Map<String, String> defaults(Path logDir, int brokerPort, int controllerPort) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("process.roles", "broker,controller");
        m.put("node.id", "1");
        m.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        m.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
        m.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
        m.put("controller.listener.names", "CONTROLLER");
        m.put("inter.broker.listener.name", "PLAINTEXT");
        m.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        m.put("log.dirs", logDir.toString());
        m.put("num.partitions", "1");
        m.put("offsets.topic.replication.factor", "1");
        m.put("offsets.topic.num.partitions", "1");
        m.put("transaction.state.log.replication.factor", "1");
        m.put("transaction.state.log.min.isr", "1");
        m.put("transaction.state.log.num.partitions", "1");
        m.put("share.coordinator.state.topic.replication.factor", "1");
        m.put("share.coordinator.state.topic.min.isr", "1");
        m.put("group.initial.rebalance.delay.ms", "0");
        m.put("auto.create.topics.enable", "true");
        return m;
    }

    private static void format(Path configFile) {
        PrintStream sink = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
        String[] args = {"format", "-t", Uuid.randomUuid().toString(), "-c", configFile.toString(),
            "--ignore-formatted"};
        int rc = StorageTool$.MODULE$.execute(args, sink);
        if (rc != 0) {
            throw new IllegalStateException("kafka-storage format failed with exit code " + rc + " for " + configFile);
        }
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        try (Admin admin = admin()) {
            while (true) {
                try {
                    if (!admin.describeCluster().nodes().get(2, TimeUnit.SECONDS).isEmpty()) {
                        return;
                    }
                } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("embedded broker at " + bootstrap + " not ready after "
                                + READY_TIMEOUT, e);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for the embedded broker", e);
                }
            }
        }
    }

    /** The {@code bootstrap.servers} value for clients, {@code 127.0.0.1:<port>}. */
    public String bootstrapServers() {
        return bootstrap;
    }

    /** The directory holding the broker's configuration and logs. */
    public Path dataDir() {
        return dataDir;
    }

    /** A new admin client on this broker; the caller closes it. */
    public Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000));
    }

    /**
     * Creates topics with {@code partitions} partitions each (replication factor 1) and waits for them;
     * topics that already exist are left as they are.
     */
    public void createTopics(int partitions, String... names) {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be >= 1, got " + partitions);
        }
        List<NewTopic> topics = new ArrayList<>();
        for (String name : names) {
            topics.add(new NewTopic(name, partitions, (short) 1));
        }
        try (Admin admin = admin()) {
            for (var e : admin.createTopics(topics).values().entrySet()) {
                try {
                    e.getValue().get(30, TimeUnit.SECONDS);
                } catch (ExecutionException ex) {
                    if (!(ex.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + e.getKey() + ": "
                                + ex.getCause().getMessage(), ex.getCause());
                    }
                }
            }
            awaitLeaders(admin, List.of(names), Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("timed out creating topics " + List.of(names), e);
        }
    }

    /**
     * Waits until every partition of the topics has a leader in the broker's metadata: producing earlier can
     * fail with NOT_LEADER_OR_FOLLOWER and, with an idempotent producer, stall on out-of-order sequences.
     */
    public static void awaitLeaders(Admin admin, List<String> topics, Duration timeout)
            throws InterruptedException, java.util.concurrent.TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                boolean ready = admin.describeTopics(topics).allTopicNames().get(5, TimeUnit.SECONDS).values().stream()
                        .allMatch(d -> d.partitions().stream().allMatch(pi -> pi.leader() != null && !pi.leader().isEmpty()));
                if (ready) {
                    return;
                }
            } catch (ExecutionException e) {
                // not known yet: retry
            }
            if (System.nanoTime() > deadline) {
                throw new java.util.concurrent.TimeoutException("partitions of " + topics + " have no leader after " + timeout);
            }
            Thread.sleep(20);
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            server.shutdown();
            server.awaitShutdown();
        } finally {
            if (deleteOnClose && !keepData) {
                deleteRecursively(dataDir);
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    private static void writeProperties(Path file, Map<String, String> props) throws IOException {
        StringBuilder sb = new StringBuilder("# written by org.mfgcal.kafka.EmbeddedKafka\n");
        props.forEach((k, v) -> sb.append(k).append('=').append(v.replace("\\", "\\\\")).append('\n'));
        Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    LOG.debug("cannot delete {}", p, e);
                }
            });
        } catch (IOException e) {
            LOG.debug("cannot walk {}", dir, e);
        }
    }
}
