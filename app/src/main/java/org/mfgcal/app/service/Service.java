package org.mfgcal.app.service;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.mfgcal.calibrator.online.CalibrationListener;
import org.mfgcal.ingest.DeadLetterReason;
import org.mfgcal.ingest.IngestStats;
import org.mfgcal.kafka.EmbeddedKafka;
import org.mfgcal.publisher.metrics.MetricsServer;
import org.mfgcal.publisher.metrics.ServiceMetrics;
import org.mfgcal.publisher.web.DashboardState;
import org.mfgcal.publisher.web.WebServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running service: topics checked (and created when configured), the Prometheus endpoint and the web page
 * started, the {@link ServicePipeline} subscribed, and a monitor thread that feeds the ingest meters (records in,
 * dead letters by reason, late events, consumer lag) and logs rates every {@link #LOG_EVERY} (every
 * {@link #IDLE_LOG_EVERY} while idle).
 *
 * <p>Lifecycle: {@link #start} returns a running service; {@link #awaitTermination} blocks until the pipeline
 * ends (an error, or {@link #close}); {@link #close} stops the pipeline after its running transaction, then the
 * servers; it is idempotent and registered as a JVM shutdown hook by {@link #closeOnShutdown()} (SIGTERM, Ctrl-C).
 *
 * <p>Thread-safety: every public method may be called from any thread.
 */
public final class Service implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Service.class);
    /** Period of the rate log line while records or bins move. */
    public static final Duration LOG_EVERY = Duration.ofSeconds(10);
    /** Period of the rate log line while nothing moves. */
    public static final Duration IDLE_LOG_EVERY = Duration.ofMinutes(5);
    /** Period of the ingest meters update; consumer lag is read every fifth period. */
    static final Duration MONITOR_EVERY = Duration.ofSeconds(1);
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);

    private final ServiceConfig config;
    private final PrometheusMeterRegistry registry;
    private final ServiceMetrics metrics;
    private final DashboardState dashboard;
    private final MetricsServer metricsServer;
    private final WebServer webServer;
    private final ServicePipeline pipeline;
    private final Admin admin;
    private final ScheduledExecutorService monitor;
    private final CountDownLatch ended = new CountDownLatch(1);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Object progress = new Object();

    // monitor-thread state
    private long seenReceived;
    private final Map<DeadLetterReason, Long> seenDead = new EnumMap<>(DeadLetterReason.class);
    private final Map<String, Long> seenLate = new HashMap<>();
    private int monitorTicks;
    private long logAt = System.nanoTime();
    private long logReceived;
    private long logCommitted;

    private Service(ServiceConfig config, PrometheusMeterRegistry registry, ServiceMetrics metrics,
                    DashboardState dashboard, MetricsServer metricsServer, WebServer webServer,
                    ServicePipeline pipeline, Admin admin) {
        this.config = config;
        this.registry = registry;
        this.metrics = metrics;
        this.dashboard = dashboard;
        this.metricsServer = metricsServer;
        this.webServer = webServer;
        this.pipeline = pipeline;
        this.admin = admin;
        this.monitor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "mfgcal-monitor");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Starts the service: checks or creates the topics, binds both HTTP servers, subscribes the pipeline.
     *
     * @throws IllegalStateException when the brokers do not answer or a topic is missing and not to be created
     */
    public static Service start(ServiceConfig config) {
        Map<String, Object> adminProps = new HashMap<>(ServicePipeline.clientDefaults());
        adminProps.putAll(config.kafkaProperties());
        adminProps.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        adminProps.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) ADMIN_TIMEOUT.toMillis());
        Admin admin = Admin.create(adminProps);
        List<AutoCloseable> opened = new ArrayList<>();
        opened.add(admin);
        try {
            ensureTopics(admin, config);
            PrometheusMeterRegistry registry = ServiceMetrics.newPrometheusRegistry();
            ServiceMetrics metrics = new ServiceMetrics(registry);
            DashboardState dashboard = new DashboardState(config.dashboardBins());
            MetricsServer ms = MetricsServer.start(registry, config.metricsEndpoint());
            opened.add(ms);
            WebServer ws = WebServer.start(dashboard, config.webEndpoint());
            opened.add(ws);
            ServicePipeline p = new ServicePipeline(config, CalibrationListener.all(List.of(metrics, dashboard)));
            Service s = new Service(config, registry, metrics, dashboard, ms, ws, p, admin);
            p.start(c -> s.onCommitted(), s::onError, s::onComplete);
            s.monitor.scheduleWithFixedDelay(s::monitorTick, MONITOR_EVERY.toMillis(), MONITOR_EVERY.toMillis(),
                    TimeUnit.MILLISECONDS);
            LOG.info("mfgcal service started: input {} at {} (group {}, transactional id {}), regions {}, {} calibration"
                            + " thread(s); metrics {}, web page {}", config.inputTopics(),
                    config.bootstrapServers(), config.groupId(), config.transactionalId(),
                    config.regions().all().stream().map(r -> r.id()).toList(), config.calibrationThreads(), ms.url(),
                    ws.url());
            return s;
        } catch (RuntimeException e) {
            for (int i = opened.size() - 1; i >= 0; i--) {
                try {
                    opened.get(i).close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    /** Creates the missing topics (when configured) and checks that every topic exists and has a leader. */
    static void ensureTopics(Admin admin, ServiceConfig config) {
        List<NewTopic> wanted = new ArrayList<>();
        for (String t : config.inputTopics()) {
            wanted.add(new NewTopic(t, config.partitions(), config.replicationFactor()));
        }
        wanted.add(new NewTopic(config.deadLetterTopic(), config.partitions(), config.replicationFactor()));
        wanted.addAll(config.outputTopics().newTopics(config.partitions(), config.replicationFactor()));
        List<String> names = wanted.stream().map(NewTopic::name).toList();
        try {
            java.util.Set<String> existing = admin.listTopics().names().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            List<NewTopic> missing = wanted.stream().filter(t -> !existing.contains(t.name())).toList();
            if (!missing.isEmpty()) {
                if (!config.createTopics()) {
                    throw new IllegalStateException("topics " + missing.stream().map(NewTopic::name).toList()
                            + " do not exist at " + config.bootstrapServers() + " and topics.create is false");
                }
                for (var e : admin.createTopics(missing).values().entrySet()) {
                    try {
                        e.getValue().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                        LOG.info("created topic {}", e.getKey());
                    } catch (ExecutionException ex) {
                        if (!(ex.getCause() instanceof TopicExistsException)) {
                            throw new IllegalStateException("cannot create topic " + e.getKey() + " at "
                                    + config.bootstrapServers() + ": " + ex.getCause().getMessage(), ex.getCause());
                        }
                    }
                }
            }
            EmbeddedKafka.awaitLeaders(admin, names, ADMIN_TIMEOUT);
        } catch (ExecutionException e) {
            throw new IllegalStateException("Kafka at " + config.bootstrapServers() + ": " + e.getCause().getMessage(),
                    e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("no Kafka broker answered at " + config.bootstrapServers() + " within "
                    + ADMIN_TIMEOUT.toSeconds() + " s (kafka.bootstrapServers)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking topics", e);
        }
    }

    /** Registers a JVM shutdown hook that closes the service (SIGTERM, Ctrl-C). */
    public Service closeOnShutdown() {
        Runtime.getRuntime().addShutdownHook(new Thread(this::close, "mfgcal-shutdown"));
        return this;
    }

    public ServiceConfig config() {
        return config;
    }

    public ServicePipeline pipeline() {
        return pipeline;
    }

    public DashboardState dashboard() {
        return dashboard;
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** URL of the Prometheus endpoint ({@code .../metrics}). */
    public String metricsUrl() {
        return metricsServer.url();
    }

    /** URL of the web page. */
    public String webUrl() {
        return webServer.url();
    }

    /**
     * Waits until at least {@code n} transactions committed, the pipeline ended, or the timeout passed.
     *
     * @return whether {@code n} were reached
     */
    public boolean awaitCommitted(long n, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (progress) {
            while (pipeline.committed() < n && ended.getCount() > 0) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    break;
                }
                progress.wait(Math.min(left, 200));
            }
        }
        return pipeline.committed() >= n;
    }

    /** Blocks until the pipeline ended; returns its failure, or null after a clean stop. */
    public Throwable awaitTermination() throws InterruptedException {
        ended.await();
        return failure.get();
    }

    /** Waits at most {@code timeout} for the end; true if it ended. */
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return ended.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The pipeline's failure, or null. */
    public Throwable failure() {
        return failure.get();
    }

    private void onCommitted() {
        synchronized (progress) {
            progress.notifyAll();
        }
    }

    private void onError(Throwable t) {
        failure.compareAndSet(null, t);
        LOG.error("pipeline failed: {} (a restart resumes from the last committed offsets)", t.toString(), t);
        ended.countDown();
        onCommitted();
    }

    private void onComplete() {
        ended.countDown();
        onCommitted();
    }

    /** Ingest meters from the pipeline's counters (deltas), consumer lag, and the periodic rate log. */
    private void monitorTick() {
        try {
            IngestStats st = pipeline.stats();
            long received = st.received();
            if (received > seenReceived) {
                metrics.recordsIn(String.join(",", config.inputTopics()), received - seenReceived);
                seenReceived = received;
            }
            for (var e : st.deadLetteredByReason().entrySet()) {
                long before = seenDead.getOrDefault(e.getKey(), 0L);
                for (long i = before; i < e.getValue(); i++) {
                    metrics.deadLetter(e.getKey().name().toLowerCase(Locale.ROOT).replace('_', '-'));
                }
                seenDead.put(e.getKey(), e.getValue());
            }
            for (var e : pipeline.lateEvents().entrySet()) {
                long before = seenLate.getOrDefault(e.getKey(), 0L);
                for (long i = before; i < e.getValue(); i++) {
                    metrics.lateEvent(e.getKey());
                }
                seenLate.put(e.getKey(), e.getValue());
            }
            if (++monitorTicks % 5 == 0) {
                consumerLag();
            }
            long now = System.nanoTime();
            boolean moved = received != logReceived || pipeline.committed() != logCommitted;
            if (now - logAt >= (moved ? LOG_EVERY : IDLE_LOG_EVERY).toNanos()) {
                double secs = (now - logAt) / 1e9;
                long committed = pipeline.committed();
                ServicePipeline.Committed c = pipeline.last();
                LOG.info(String.format(Locale.ROOT, "records in %,d (%,.0f/s), bins committed %,d (%.2f/s), forecasts %,d,"
                                + " alerts %,d, dead letters %,d, failed updates %d; latest bin %s",
                        received, (received - logReceived) / secs, committed, (committed - logCommitted) / secs,
                        pipeline.published(), pipeline.alerts(), st.deadLettered(), pipeline.failedUpdates(),
                        c == null ? "none" : c.snapshot().region() + "@" + c.snapshot().binStart()));
                logAt = now;
                logReceived = received;
                logCommitted = committed;
            }
        } catch (RuntimeException e) {
            LOG.warn("monitor: {}", e.toString());
        }
    }

    private void consumerLag() {
        try {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(config.groupId())
                    .partitionsToOffsetAndMetadata().get(5, TimeUnit.SECONDS);
            if (committed.isEmpty()) {
                return;
            }
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            committed.keySet().forEach(tp -> latest.put(tp, OffsetSpec.latest()));
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends =
                    admin.listOffsets(latest).all().get(5, TimeUnit.SECONDS);
            for (var e : committed.entrySet()) {
                var end = ends.get(e.getKey());
                if (end != null && e.getValue() != null) {
                    metrics.consumerLag(e.getKey().topic(), e.getKey().partition(),
                            Math.max(0, end.offset() - e.getValue().offset()));
                }
            }
        } catch (ExecutionException | TimeoutException e) {
            LOG.debug("consumer lag not available: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops the pipeline after its running transaction, then the monitor and the servers. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        LOG.info("stopping: {} bins committed, {} forecasts, {} alerts", pipeline.committed(), pipeline.published(),
                pipeline.alerts());
        pipeline.close();
        monitor.shutdownNow();
        admin.close(Duration.ofSeconds(5));
        webServer.close();
        metricsServer.close();
        ended.countDown();
        onCommitted();
        LOG.info("stopped");
    }
}
