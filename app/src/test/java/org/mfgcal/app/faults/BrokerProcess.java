package org.mfgcal.app.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.mfgcal.kafka.EmbeddedKafka;

/**
 * A standalone single-node KRaft broker as its own OS process, started as an operator would from the application's
 * own jars ({@code app/target/lib}): {@code kafka.tools.StorageTool format --standalone} once, then
 * {@code kafka.Kafka server.properties}. Both listeners bind 127.0.0.1 on ports chosen free at the first start and
 * kept across restarts (same data directory, same ports), so a client's bootstrap stays valid.
 *
 * <p>Fault helpers: {@link #sigterm()} (graceful: controlled shutdown), {@link #sigkill()} (kill -9), {@link #start()}
 * again. Not thread-safe; one test drives it.
 */
final class BrokerProcess implements AutoCloseable {

    private final Path dir;
    private final Path config;
    private final int brokerPort;
    private final int controllerPort;
    /** 1 for the broker and controller node; 2 for {@link #startSecond}'s broker-only node. */
    private final int nodeId;
    private final String clusterId;
    private Process process;
    private int starts;

    private BrokerProcess(Path dir, int brokerPort, int controllerPort, int nodeId, String clusterId) {
        this.dir = dir;
        this.config = dir.resolve("server.properties");
        this.brokerPort = brokerPort;
        this.controllerPort = controllerPort;
        this.nodeId = nodeId;
        this.clusterId = clusterId;
    }

    /** Formats {@code dir} and starts the broker; returns once an admin client sees it. */
    static BrokerProcess startNew(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        BrokerProcess b = new BrokerProcess(dir, Procs.freePort(), Procs.freePort(), 1,
                org.apache.kafka.common.Uuid.randomUuid().toString());
        b.writeConfig();
        b.format();
        b.start();
        return b;
    }

    /**
     * A second node of {@code first}'s cluster, a broker only (node id 2, {@code first} is the controller), formatted
     * in {@code dir} and started; returns once {@code first} lists two brokers.
     */
    static BrokerProcess startSecond(Path dir, BrokerProcess first) throws Exception {
        Files.createDirectories(dir);
        BrokerProcess b = new BrokerProcess(dir, Procs.freePort(), first.controllerPort, 2, first.clusterId);
        b.writeConfig();
        b.format();
        b.start();
        try (Admin admin = first.admin()) {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).size() < 2) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("second broker not registered: " + b.diagnostics(20));
                }
                Thread.sleep(200);
            }
        }
        return b;
    }

    private void writeConfig() throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        boolean controller = nodeId == 1;
        m.put("process.roles", controller ? "broker,controller" : "broker");
        m.put("node.id", Integer.toString(nodeId));
        m.put("controller.quorum.bootstrap.servers", "127.0.0.1:" + controllerPort);
        m.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort
                + (controller ? ",CONTROLLER://127.0.0.1:" + controllerPort : ""));
        m.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort
                + (controller ? ",CONTROLLER://127.0.0.1:" + controllerPort : ""));
        m.put("controller.listener.names", "CONTROLLER");
        m.put("inter.broker.listener.name", "PLAINTEXT");
        m.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        m.put("log.dirs", dir.resolve("logs").toString());
        m.put("num.partitions", "1");
        m.put("offsets.topic.replication.factor", "1");
        m.put("offsets.topic.num.partitions", "1");
        m.put("transaction.state.log.replication.factor", "1");
        m.put("transaction.state.log.min.isr", "1");
        m.put("transaction.state.log.num.partitions", "1");
        m.put("share.coordinator.state.topic.replication.factor", "1");
        m.put("share.coordinator.state.topic.min.isr", "1");
        m.put("group.initial.rebalance.delay.ms", "0");
        m.put("auto.create.topics.enable", "false");
        StringBuilder sb = new StringBuilder("# written by the fault-injection harness (app/src/test/.../faults)\n");
        m.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
        Files.writeString(config, sb.toString());
    }

    private void format() throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of(Procs.java(), "-Xmx256m", "-cp", Procs.libClasspath(),
                "kafka.tools.StorageTool", "format", "-t", clusterId, "-c", config.toString()));
        if (nodeId == 1) {
            cmd.add("--standalone");
        }
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true).redirectOutput(dir.resolve("format.log").toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException("kafka-storage format failed: " + Files.readString(dir.resolve("format.log")));
        }
    }

    /** Starts the broker process (again) on the same directory and ports; returns once it answers. */
    void start() throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("broker already running");
        }
        starts++;
        Path log = dir.resolve("broker-" + starts + ".log");
        process = new ProcessBuilder(Procs.java(), "-Xms128m", "-Xmx1g", "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError",
                "-Xlog:gc:file=" + dir.resolve("gc-" + starts + ".log"), "-cp",
                Procs.libClasspath(), "kafka.Kafka", config.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        awaitReady(Duration.ofSeconds(90), log);
    }

    private void awaitReady(Duration timeout, Path log) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = admin()) {
            while (true) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("broker exited with " + process.exitValue() + ": " + tail(log));
                }
                try {
                    if (!admin.describeCluster().nodes().get(2, TimeUnit.SECONDS).isEmpty()) {
                        return;
                    }
                } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                    // not up yet
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("broker not ready after " + timeout + ": " + tail(log));
                }
                Thread.sleep(200);
            }
        }
    }

    private static String tail(Path log) {
        return tail(log, 30);
    }

    private static String tail(Path log, int n) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** SIGTERM and wait for the exit (controlled shutdown). */
    void sigterm() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("broker did not stop within 60 s of SIGTERM");
        }
    }

    /** SIGKILL (kill -9) and wait for the exit. */
    void sigkill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    String bootstrap() {
        return "127.0.0.1:" + brokerPort;
    }

    Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000));
    }

    /** Creates topics (replication 1) with {@code partitions} each, unless they exist; waits for leaders. */
    void createTopics(int partitions, Map<String, String> configs, String... names) throws Exception {
        try (Admin admin = admin()) {
            for (String n : names) {
                try {
                    admin.createTopics(List.of(new NewTopic(n, partitions, (short) 1).configs(configs))).all()
                            .get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
            EmbeddedKafka.awaitLeaders(admin, List.of(names), Duration.ofSeconds(30));
        }
    }

    /**
     * Deletes topics a finished test no longer reads, so the shared broker's disk use stays bounded (the state topics
     * of one run take 30–90 MB); missing topics are ignored.
     */
    void deleteTopics(List<String> names) throws Exception {
        try (Admin admin = admin()) {
            Set<String> existing = new HashSet<>(admin.listTopics().names().get(30, TimeUnit.SECONDS));
            List<String> drop = names.stream().filter(existing::contains).toList();
            if (!drop.isEmpty()) {
                admin.deleteTopics(drop).all().get(60, TimeUnit.SECONDS);
            }
        }
    }

    /** The last {@code n} lines of the current broker log, with the process state and the free disk (for failures). */
    String diagnostics(int n) {
        Path log = dir.resolve("broker-" + starts + ".log");
        long free = dir.toFile().getUsableSpace();
        return "broker " + (process != null && process.isAlive() ? "alive" : "not running") + ", "
                + free / (1024 * 1024) + " MB free on its disk; GC log tail:\n" + tail(dir.resolve("gc-" + starts + ".log"), 8)
                + "\nlog tail:\n" + tail(log, n);
    }

    /** Stops the broker (SIGTERM, then SIGKILL after 30 s); the directory is the caller's. */
    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    static void deleteQuietly(Path p) {
        try {
            if (Files.exists(p)) {
                try (var s = Files.walk(p)) {
                    s.sorted(java.util.Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
