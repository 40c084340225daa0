package org.mfgcal.app.service;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.mfgcal.ingest.replay.Replay;
import org.mfgcal.kafka.EmbeddedKafka;
import org.mfgcal.publisher.HttpEndpoint;

/**
 * The demo's moving parts, shared by {@code mfgcal demo} and its tests: an in-process KRaft broker on 127.0.0.1
 * (data in a fresh directory), the {@link Service} on it with the flights region, and a thread replaying
 * {@link DemoData} into the input topic at an accelerated clock.
 *
 * <p>Lifecycle: {@link #start} returns once the service is up and the replay started; {@link #close} stops the
 * replay, the service (after its running transaction) and the broker, then deletes the data directory unless
 * asked to keep it. Idempotent. Thread-safe.
 */
public final class Demo implements AutoCloseable {

    /**
     * Options of a demo run.
     *
     * @param speedup  event-time seconds per wall-clock second; 0 replays as fast as possible
     * @param dataDir  parent of the broker's fresh data directory; null: the system temporary directory
     * @param keepData keep the data directory at the end
     * @param web      where the web page listens
     * @param metrics  where the Prometheus endpoint listens
     * @param model    online loop settings
     * @param change   injected change, or null
     */
    public record Options(double speedup, Path dataDir, boolean keepData, HttpEndpoint web, HttpEndpoint metrics,
                          ServiceConfig.Model model, DemoData.Change change) {
        public Options {
            if (!(speedup >= 0) || Double.isInfinite(speedup)) {
                throw new IllegalArgumentException("--speedup must be a finite number >= 0, got " + speedup);
            }
        }
    }

    private final Path dir;
    private final boolean deleteDir;
    private final PrintStream out;
    private volatile EmbeddedKafka kafka;
    private volatile Service service;
    private volatile DemoData.Input input;
    private volatile Thread replay;
    private volatile KafkaProducer<byte[], byte[]> producer;
    private final AtomicReference<Throwable> replayFailure = new AtomicReference<>();
    private volatile boolean replayDone;
    private volatile boolean closed;

    private Demo(Path dir, boolean deleteDir, PrintStream out) {
        this.dir = dir;
        this.deleteDir = deleteDir;
        this.out = out;
    }

    /** Starts broker, service and replay; progress lines go to {@code out}. */
    public static Demo start(Options o, PrintStream out) {
        DemoData.Input input = DemoData.week(o.change());
        Path dir;
        try {
            dir = o.dataDir() == null ? Files.createTempDirectory("mfgcal-demo-")
                    : Files.createTempDirectory(Files.createDirectories(o.dataDir()), "mfgcal-demo-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the broker's data directory under "
                    + (o.dataDir() == null ? "the temporary directory" : o.dataDir()) + ": " + e.getMessage(), e);
        }
        Demo demo = new Demo(dir, !o.keepData(), out);
        demo.input = input;
        try {
            out.printf("mfgcal demo: starting Kafka (KRaft, 127.0.0.1, data in %s) ...%n", dir);
            demo.kafka = EmbeddedKafka.start(dir, Map.of());
            ServiceConfig config = ServiceConfig.of(demo.kafka.bootstrapServers(), input.regions())
                    .withModel(o.model()).withHttp(o.metrics(), o.web());
            demo.service = Service.start(config);
            String topic = config.inputTopics().get(0);
            out.printf("mfgcal demo: web page %s  metrics %s  (Kafka at %s)%n", demo.service.webUrl(),
                    demo.service.metricsUrl(), demo.kafka.bootstrapServers());
            DemoData.Change change = o.change();
            out.printf(Locale.ROOT, "mfgcal demo: replaying %,d real flights (2001-01-01..07, region '%s', %d zones) into"
                            + " %s at %s%s%n", input.events().size(), DemoData.REGION,
                    input.regions().single().zoneCount(), topic,
                    o.speedup() == 0 ? "full speed" : String.format(Locale.ROOT, "%.0fx (%.1f hourly bins/s)",
                            o.speedup(), o.speedup() / 3600),
                    change == null ? "" : String.format(Locale.ROOT, "; injected change: every second departure from"
                            + " %s cancelled from %s (%,d flights)", change.zone(), input.changeAt(), input.cancelled()));
            out.printf("mfgcal demo: forecasts start once a window (%d bins) is full; Ctrl-C stops%n",
                    config.onlineConfig(input.regions().single()).windowBins());
            demo.startReplay(topic, o.speedup());
            return demo;
        } catch (RuntimeException e) {
            demo.close();
            throw e;
        }
    }

    private void startReplay(String topic, double speedup) {
        Map<String, Object> props = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.LINGER_MS_CONFIG, 5, ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1); // strict order (see ReplayCommand)
        Thread t = new Thread(() -> {
            try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(props)) {
                producer = p;
                Replay.Result r = Replay.publish(input.events(), topic, speedup, p, null);
                out.printf(Locale.ROOT, "mfgcal demo: replay finished: %,d records in %.1f s; the last bins stay open"
                        + " (allowed lateness); the page keeps the results until Ctrl-C%n", r.records(),
                        r.elapsed().toNanos() / 1e9);
            } catch (RuntimeException e) {
                if (!closed) {
                    replayFailure.set(e);
                }
            } finally {
                replayDone = true;
            }
        }, "mfgcal-demo-replay");
        t.setDaemon(true);
        replay = t;
        t.start();
    }

    public Service service() {
        return service;
    }

    public EmbeddedKafka kafka() {
        return kafka;
    }

    public DemoData.Input input() {
        return input;
    }

    /** Whether every record of the week was published. */
    public boolean replayDone() {
        return replayDone && replayFailure.get() == null;
    }

    /** Why the replay failed, or null. */
    public Throwable replayFailure() {
        return replayFailure.get();
    }

    /** Stops replay, service and broker; deletes the data directory unless kept. Idempotent. */
    @Override
    public synchronized void close() {
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
        out.println("mfgcal demo: stopped");
    }

    private void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> {
                try {
                    Files.deleteIfExists(f);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            out.println("mfgcal demo: could not delete " + root + ": " + e.getMessage());
        }
    }
}
