package org.mfgcal.app.service;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.mfgcal.api.CalibrationListener;
import org.mfgcal.ingest.DeadLetterReason;
import org.mfgcal.ingest.IngestStats;
import org.mfgcal.publisher.metrics.Health;
import org.mfgcal.publisher.metrics.MetricsServer;
import org.mfgcal.publisher.metrics.ServiceMetrics;
import org.mfgcal.publisher.web.DashboardState;
import org.mfgcal.publisher.web.WebServer;
import org.mfgcal.simd.Simd;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running service: topics checked (and created when configured), the Prometheus endpoint and the web page
 * started, the {@link ServicePipeline} subscribed, and a monitor thread that feeds the ingest meters (records in,
 * dead letters by reason, late events, consumer lag of the assigned partitions, paused partitions) and logs rates
 * every {@link #LOG_EVERY} (every {@link #IDLE_LOG_EVERY} while idle).
 *
 * <p>Operations (on the metrics port): {@code /healthz} is live until the pipeline has ended; {@code /readyz}
 * is ready when the consumer is <b>assigned</b> (joined its group: generation &gt; 0), the regions were
 * <b>restored</b> from the state topic (done before consuming) and the service is <b>committing</b> (the pipeline
 * has not failed and the brokers answered the monitor's offset queries within {@link #READY_BROKER_WITHIN}).
 * JVM, process and Kafka-client meters come from Micrometer's binders; Kafka client metrics are re-bound when the
 * pipeline replaces its consumer or producer.
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
    static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);
    /** Readiness: how recently the brokers must have answered the monitor's offset queries. */
    static final Duration READY_BROKER_WITHIN = Duration.ofSeconds(15);

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
    private final Map<String, Long> seenCpu = new HashMap<>();
    private int monitorTicks;
    /**
     * Consumer lag is read every this many monitor ticks (seconds): three admin requests. Every 2 s, so that a burst
     * the service drains in a few seconds still shows on {@code mfgcal_consumer_lag_records}.
     */
    static final int LAG_EVERY_TICKS = 2;
    private long logAt = System.nanoTime();
    private long logReceived;
    private long logCommitted;
    private volatile long brokerAnsweredAt = System.nanoTime();
    private long seenPausedPolls;
    private Object boundConsumer;
    private Object boundProducer;
    private KafkaClientMetrics consumerMeters;
    private KafkaClientMetrics producerMeters;
    private final List<AutoCloseable> binders = new ArrayList<>();

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
        Admin admin = Admin.create(ServiceConnections.adminProperties(config, ADMIN_TIMEOUT));
        List<AutoCloseable> opened = new ArrayList<>();
        opened.add(admin);
        try {
            ServiceTopics.ensureTopics(admin, config);
            PrometheusMeterRegistry registry = ServiceMetrics.newPrometheusRegistry();
            List<AutoCloseable> binders = JvmMeters.bindJvmMeters(registry);
            opened.addAll(binders);
            ServiceMetrics metrics = new ServiceMetrics(registry);
            DashboardState dashboard = new DashboardState(config.dashboardBins());
            config.regions().all().forEach(r -> {
                dashboard.describeRegion(r.id(), r.timeZone().getId(), r.binWidth().toMillis());
                metrics.regionConfigured(r.id(), r.binWidth().toMillis() / 1000.0);
            });
            AtomicReference<Service> self = new AtomicReference<>();
            MetricsServer ms = MetricsServer.start(registry, config.metricsEndpoint(), new Health() {
                @Override
                public boolean live() {
                    Service s = self.get();
                    return s == null || s.ended.getCount() > 0;
                }

                @Override
                public Map<String, Boolean> readiness() {
                    Service s = self.get();
                    return s == null ? NOT_STARTED : s.readiness();
                }
            });
            opened.add(ms);
            WebServer ws = WebServer.start(dashboard, config.webEndpoint());
            opened.add(ws);
            ServicePipeline p = new ServicePipeline(config, CalibrationListener.all(List.of(metrics, dashboard)));
            Service s = new Service(config, registry, metrics, dashboard, ms, ws, p, admin);
            s.binders.addAll(binders);
            self.set(s);
            p.start(s::onCommitted, s::onError, s::onComplete);
            s.monitor.scheduleWithFixedDelay(s::monitorTick, MONITOR_EVERY.toMillis(), MONITOR_EVERY.toMillis(),
                    TimeUnit.MILLISECONDS);
            LOG.info("mfgcal service started: input {} at {} (group {}, transactional id {}), regions {}, {} calibration"
                            + " thread(s), {}; metrics {}, web page {}", config.inputTopics(),
                    config.bootstrapServers(), config.groupId(), config.transactionalId(),
                    config.regions().all().stream().map(r -> r.id()).toList(), config.calibrationThreads(),
                    Simd.describe(), ms.url(),
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

    private static final Map<String, Boolean> NOT_STARTED = readinessOf(false, false, false);

    private static Map<String, Boolean> readinessOf(boolean assigned, boolean restored, boolean committing) {
        Map<String, Boolean> m = new LinkedHashMap<>();
        m.put("assigned", assigned);
        m.put("restored", restored);
        m.put("committing", committing);
        return m;
    }

    /** The readiness checks of {@code /readyz} (see the class comment). */
    Map<String, Boolean> readiness() {
        ConsumerGroupMetadata g = pipeline.ingest().groupMetadata();
        boolean assigned = g != null && g.generationId() > 0;
        boolean committing = ended.getCount() > 0 && failure.get() == null
                && System.nanoTime() - brokerAnsweredAt <= READY_BROKER_WITHIN.toNanos();
        return readinessOf(assigned, true, committing);
    }

    /** Binds Kafka's client metrics of the pipeline's current consumer and producer (again when replaced). */
    private void bindKafkaMeters() {
        Object c = pipeline.ingest().receiver().consumerForMetrics();
        if (c != null && c != boundConsumer) {
            if (consumerMeters != null) {
                consumerMeters.close();
            }
            consumerMeters = new KafkaClientMetrics((org.apache.kafka.clients.consumer.Consumer<?, ?>) c);
            consumerMeters.bindTo(registry);
            boundConsumer = c;
        }
        Object p = pipeline.outputProducerForMetrics();
        if (p != null && p != boundProducer) {
            if (producerMeters != null) {
                producerMeters.close();
            }
            producerMeters = new KafkaClientMetrics((org.apache.kafka.clients.producer.Producer<?, ?>) p);
            producerMeters.bindTo(registry);
            boundProducer = p;
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

    private void onCommitted(ServicePipeline.Committed c) {
        if (c != null) {
            metrics.binCommitted(c.snapshot().region(), c.snapshot().binEnd().getEpochSecond());
        }
        onCommitted();
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
            for (var e : pipeline.calibrationCpuNanos().entrySet()) {
                long before = seenCpu.getOrDefault(e.getKey(), 0L);
                if (e.getValue() > before) {
                    metrics.calibrationCpu(e.getKey(), (e.getValue() - before) / 1e9);
                    seenCpu.put(e.getKey(), e.getValue());
                }
            }
            for (var e : pipeline.lateEvents().entrySet()) {
                long before = seenLate.getOrDefault(e.getKey(), 0L);
                for (long i = before; i < e.getValue(); i++) {
                    metrics.lateEvent(e.getKey());
                }
                seenLate.put(e.getKey(), e.getValue());
            }
            var receiver = pipeline.ingest().receiver();
            long polls = receiver.pausedPolls();
            int paused = receiver.pausedPartitions().size();
            if (polls > seenPausedPolls && paused == 0) {
                paused = receiver.assignment().size(); // paused (all assigned partitions) and resumed within the second
            }
            seenPausedPolls = polls; // a rebuilt session starts a new receiver, whose counter starts at 0
            metrics.pausedPartitions(paused);
            bindKafkaMeters();
            if (++monitorTicks % LAG_EVERY_TICKS == 0) {
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

    /**
     * Lag of the partitions assigned to this instance only: last stable offset minus the group's committed offset
     * (the log start when nothing is committed yet); series of partitions no longer assigned are removed.
     */
    private void consumerLag() {
        Set<TopicPartition> assigned = pipeline.ingest().receiver().assignment();
        try {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(config.groupId())
                    .partitionsToOffsetAndMetadata().get(5, TimeUnit.SECONDS);
            brokerAnsweredAt = System.nanoTime();
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
            for (TopicPartition tp : assigned) {
                latest.put(tp, OffsetSpec.latest());
                if (committed.get(tp) == null) {
                    earliest.put(tp, OffsetSpec.earliest());
                }
            }
            ListOffsetsOptions lso = new ListOffsetsOptions(IsolationLevel.READ_COMMITTED);
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = latest.isEmpty() ? Map.of()
                    : admin.listOffsets(latest, lso).all().get(5, TimeUnit.SECONDS);
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> starts = earliest.isEmpty() ? Map.of()
                    : admin.listOffsets(earliest, lso).all().get(5, TimeUnit.SECONDS);
            Set<String> keys = new HashSet<>();
            for (TopicPartition tp : assigned) {
                var end = ends.get(tp);
                OffsetAndMetadata om = committed.get(tp);
                long from = om != null ? om.offset() : starts.containsKey(tp) ? starts.get(tp).offset() : -1;
                if (end != null && from >= 0) {
                    metrics.consumerLag(tp.topic(), tp.partition(), Math.max(0, end.offset() - from));
                    keys.add(tp.topic() + "-" + tp.partition());
                }
            }
            metrics.retainConsumerLag(keys);
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
        if (consumerMeters != null) {
            consumerMeters.close();
        }
        if (producerMeters != null) {
            producerMeters.close();
        }
        for (AutoCloseable b : binders) {
            try {
                b.close();
            } catch (Exception e) {
                LOG.debug("closing a meter binder: {}", e.toString());
            }
        }
        webServer.close();
        metricsServer.close();
        ended.countDown();
        onCommitted();
        LOG.info("stopped");
    }
}
