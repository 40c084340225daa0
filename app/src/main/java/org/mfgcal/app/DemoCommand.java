package org.mfgcal.app;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Comparator;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.mfgcal.app.service.DemoData;
import org.mfgcal.app.service.Service;
import org.mfgcal.app.service.ServiceConfig;
import org.mfgcal.ingest.replay.Replay;
import org.mfgcal.kafka.EmbeddedKafka;
import org.mfgcal.publisher.HttpEndpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mfgcal demo}: the whole service on one machine with real data. Starts an in-process KRaft broker on
 * 127.0.0.1 (data in a fresh directory, deleted at the end), runs the service ({@link Service}: ingest → online
 * calibration → transactional outputs, metrics, web page), replays the shipped flights week into the input topic
 * at an accelerated clock, prints the URLs and the time to the first forecast, and stops cleanly on Ctrl-C
 * (or after {@code --exit-after-bins} / {@code --duration}).
 *
 * <p>The week holds no second week, so the demo's loop uses a daily season ({@code --season 24}) for its
 * seasonal forecast and drift reference; {@code --inject-change PHX@96} cancels every second Phoenix departure
 * from the fifth day on, which the drift detector reports.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Run the service on an embedded Kafka broker with the real flights week replayed at an"
                + " accelerated clock; serves the web page and the metrics. Ctrl-C stops it.",
            "Example: mfgcal demo --speedup 7200 --inject-change PHX@96"})
public final class DemoCommand implements Callable<Integer> {

    @Option(names = "--speedup", paramLabel = "X", defaultValue = "3600",
            description = "Event-time seconds per wall-clock second (default ${DEFAULT-VALUE}: one hourly bin per"
                    + " second); 0 replays as fast as possible.")
    double speedup;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Where the broker's data goes (a fresh subdirectory, deleted at the end unless --keep-data);"
                    + " default: the system temporary directory.")
    Path dataDir;

    @Option(names = "--keep-data", description = "Keep the broker's data directory at the end.")
    boolean keepData;

    @Option(names = "--web-port", paramLabel = "PORT", defaultValue = "8080",
            description = "Port of the web page on 127.0.0.1 (default ${DEFAULT-VALUE}; 0: any free port).")
    int webPort;

    @Option(names = "--metrics-port", paramLabel = "PORT", defaultValue = "9464",
            description = "Port of the Prometheus endpoint on 127.0.0.1 (default ${DEFAULT-VALUE}; 0: any free port).")
    int metricsPort;

    @Option(names = "--season", paramLabel = "BINS", defaultValue = "24",
            description = "Season of the loop's seasonal forecast and drift reference, in bins (default ${DEFAULT-VALUE}).")
    int season;

    @Option(names = "--inject-change", paramLabel = "ZONE[@HOURS]",
            description = "Cancel every second departure from ZONE from HOURS after the start (default 96): a drift"
                    + " to detect. Example: PHX@96.")
    String injectChange;

    @Option(names = "--exit-after-bins", paramLabel = "N",
            description = "Stop after N closed bins were committed.")
    Long exitAfterBins;

    @Option(names = "--duration", paramLabel = "TIME",
            description = "Stop after this long (e.g. 90s, 5m, PT10M).")
    String duration;

    @Override
    public Integer call() throws Exception {
        if (!(speedup >= 0) || Double.isInfinite(speedup)) {
            throw new IllegalArgumentException("--speedup must be a finite number >= 0, got " + speedup);
        }
        if (exitAfterBins != null && exitAfterBins < 1) {
            throw new IllegalArgumentException("--exit-after-bins must be >= 1, got " + exitAfterBins);
        }
        Duration limit = duration == null ? null : parseDuration(duration);
        HttpEndpoint web = HttpEndpoint.loopback(webPort);
        HttpEndpoint metrics = HttpEndpoint.loopback(metricsPort);
        DemoData.Change change = injectChange == null ? null : DemoData.Change.parse(injectChange);
        PrintStream out = System.out;
        DemoData.Input input = DemoData.week(change);
        ServiceConfig.Model model = new ServiceConfig.Model(null, season, null, null, null, null, null, null, null,
                null, null, null);
        long startMillis = ManagementFactory.getRuntimeMXBean().getStartTime();

        Path dir = dataDir == null ? Files.createTempDirectory("mfgcal-demo-")
                : Files.createTempDirectory(Files.createDirectories(dataDir), "mfgcal-demo-");
        out.printf("mfgcal demo: starting Kafka (KRaft, 127.0.0.1, data in %s) ...%n", dir);
        Demo demo = new Demo(dir, !keepData);
        Thread hook = new Thread(demo::close, "mfgcal-demo-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            demo.kafka = EmbeddedKafka.start(dir, Map.of());
            ServiceConfig config = ServiceConfig.of(demo.kafka.bootstrapServers(), input.regions())
                    .withModel(model).withHttp(metrics, web);
            demo.service = Service.start(config);
            out.printf("mfgcal demo: Kafka at %s; web page %s ; metrics %s%n", demo.kafka.bootstrapServers(),
                    demo.service.webUrl(), demo.service.metricsUrl());
            out.printf(Locale.ROOT, "mfgcal demo: replaying %,d real flights (2001-01-01..07, region '%s', %d zones) into"
                            + " %s at %s%s%n", input.events().size(), DemoData.REGION,
                    input.regions().single().zoneCount(), config.inputTopics().get(0),
                    speedup == 0 ? "full speed" : String.format(Locale.ROOT, "%.0fx (%.1f hourly bins/s)", speedup,
                            speedup / 3600),
                    change == null ? "" : String.format(Locale.ROOT, "; injected change: every second departure from"
                            + " %s cancelled from %s (%,d flights)", change.zone(), input.changeAt(), input.cancelled()));
            out.printf("mfgcal demo: the first forecast needs one full window (%d bins); Ctrl-C stops%n",
                    config.onlineConfig(input.regions().single()).windowBins());
            demo.startReplay(input, config.inputTopics().get(0), speedup);
            return demo.waitUntilDone(out, startMillis, exitAfterBins, limit);
        } finally {
            demo.close();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: nothing to remove
            }
        }
    }

    /** Parses {@code 90s}, {@code 5m}, {@code 2h} or an ISO-8601 duration. */
    static Duration parseDuration(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        try {
            if (t.matches("\\d+s")) {
                return Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)));
            }
            if (t.matches("\\d+m")) {
                return Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1)));
            }
            if (t.matches("\\d+h")) {
                return Duration.ofHours(Long.parseLong(t.substring(0, t.length() - 1)));
            }
            Duration d = Duration.parse(s.trim());
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("--duration must be positive, got '" + s + "'");
            }
            return d;
        } catch (DateTimeParseException | NumberFormatException e) {
            throw new IllegalArgumentException("--duration must be like 90s, 5m, 2h or PT10M, got '" + s + "'", e);
        }
    }

    /** The demo's resources, closed in reverse order of creation. */
    static final class Demo {
        private final Path dir;
        private final boolean deleteDir;
        volatile EmbeddedKafka kafka;
        volatile Service service;
        private volatile Thread replay;
        private volatile KafkaProducer<byte[], byte[]> producer;
        private final AtomicReference<Throwable> replayFailure = new AtomicReference<>();
        private volatile boolean closed;

        Demo(Path dir, boolean deleteDir) {
            this.dir = dir;
            this.deleteDir = deleteDir;
        }

        void startReplay(DemoData.Input input, String topic, double speedup) {
            Map<String, Object> props = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                    ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                    ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                    ProducerConfig.LINGER_MS_CONFIG, 5, ProducerConfig.ACKS_CONFIG, "all");
            Thread t = new Thread(() -> {
                try (var p = new KafkaProducer<byte[], byte[]>(props)) {
                    producer = p;
                    Replay.Result r = Replay.publish(input.events(), topic, speedup, p, null);
                    System.out.printf(Locale.ROOT, "mfgcal demo: replay finished: %,d records in %.1f s; the last bins"
                            + " stay open (allowed lateness); the page keeps the results until Ctrl-C%n", r.records(),
                            r.elapsed().toNanos() / 1e9);
                } catch (RuntimeException e) {
                    if (!closed) {
                        replayFailure.set(e);
                    }
                }
            }, "mfgcal-demo-replay");
            t.setDaemon(true);
            replay = t;
            t.start();
        }

        /** Blocks until the exit condition; prints the first forecast's time. Returns the exit code. */
        int waitUntilDone(PrintStream out, long startMillis, Long exitAfterBins, Duration limit)
                throws InterruptedException {
            long t0 = System.nanoTime();
            boolean firstForecast = false;
            while (true) {
                Service s = service;
                if (!firstForecast && s.pipeline().published() > 0) {
                    firstForecast = true;
                    var c = s.pipeline().last();
                    out.printf(Locale.ROOT, "mfgcal demo: first forecast published %.1f s after launch (bin %s); see %s%n",
                            (System.currentTimeMillis() - startMillis) / 1e3,
                            c == null ? "?" : c.snapshot().binStart(), s.webUrl());
                }
                if (s.awaitTermination(Duration.ofMillis(200))) {
                    Throwable f = s.failure();
                    if (f != null) {
                        out.println("mfgcal demo: pipeline failed: " + f);
                        return 1;
                    }
                    return 0;
                }
                Throwable rf = replayFailure.get();
                if (rf != null) {
                    out.println("mfgcal demo: replay failed: " + rf.getMessage());
                    return 1;
                }
                if (exitAfterBins != null && s.pipeline().committed() >= exitAfterBins) {
                    out.printf("mfgcal demo: %d bins committed, stopping (--exit-after-bins)%n", s.pipeline().committed());
                    return 0;
                }
                if (limit != null && System.nanoTime() - t0 >= limit.toNanos()) {
                    out.printf("mfgcal demo: %s elapsed, stopping (--duration)%n", limit);
                    return 0;
                }
            }
        }

        synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            KafkaProducer<byte[], byte[]> p = producer;
            if (p != null) {
                p.close(Duration.ZERO); // the replay's next send fails and its thread ends
            }
            Thread r = replay;
            if (r != null) {
                try {
                    r.join(5000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (service != null) {
                service.close();
            }
            if (kafka != null) {
                kafka.close();
            }
            if (deleteDir) {
                deleteTree(dir);
            }
            System.out.println("mfgcal demo: stopped");
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            System.err.println("mfgcal demo: could not delete " + dir + ": " + e.getMessage());
        }
    }
}
