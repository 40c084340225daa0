package org.mfgcal.app.service;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.mfgcal.api.CalibrationListener;
import org.mfgcal.api.ClosedBin;
import org.mfgcal.api.DriftAlert;
import org.mfgcal.api.Forecast;
import org.mfgcal.api.ParameterUpdate;
import org.mfgcal.api.ParameterValue;
import org.mfgcal.calibrator.online.RegionCalibrator;
import org.mfgcal.api.UpdateResult;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.mfgcal.ingest.DeadLetters;
import org.mfgcal.ingest.IngestOptions;
import org.mfgcal.ingest.IngestStats;
import org.mfgcal.ingest.IngestPipeline;
import org.mfgcal.ingest.PopulationSnapshot;
import org.mfgcal.ingest.RegionConfig;
import org.mfgcal.ingest.SnapshotDelivery;
import org.mfgcal.ingest.kafka.CommitMode;
import org.mfgcal.publisher.kafka.OutputBatch;
import org.mfgcal.publisher.kafka.OutputWriterConfig;
import org.mfgcal.publisher.kafka.TransactionalOutputWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;

/**
 * The service's data path: Kafka input → ingest snapshots → online calibration → one Kafka transaction per closed
 * bin.
 *
 * <h2>Flow</h2>
 * {@link IngestPipeline#snapshots()} (consumer thread → binning thread) → {@link #submit}: the snapshot becomes a
 * {@link ClosedBin} and its update is queued behind the previous update of the same region on the bounded
 * calibration pool ({@code calibrationThreads} daemon threads, never the consumer or binning thread; regions
 * update in parallel, a region's bins in order) → {@code flatMapSequential} restores delivery order, with at most
 * {@link #IN_FLIGHT} bins in flight (backpressure reaches the consumer) → the writer thread commits, per bin,
 * one transaction holding the parameter update, the forecast, the alerts, the region's {@link StateSummary} on
 * the state topic, the dead letters of the records read since the partition's previous transaction, and the input
 * offsets with that bin's own checkpoint ({@code sendOffsetsToTransaction} with the consumer's group metadata),
 * then acknowledges the delivery. Offsets are committed only with the outputs of their bin, in order; dead letters
 * with no bin to ride on commit in a transaction of their own. So outputs, states and dead letters are all
 * exactly-once for read_committed consumers.
 *
 * <h2>Sessions, restart and recovery</h2>
 * A session is one consumer, one transactional producer and the calibrators restored for it. At its start, after
 * {@code initTransactions} (which aborts a predecessor's open transaction), the state topic is read to its end
 * with read_committed ({@link StateRestore}) and each configured region is restored from its latest value; the
 * consumer then resumes each partition from its committed offset and checkpoint, so the first bin computed is the
 * one after the last committed one, warm. A value that cannot be restored (other format, configuration or zones)
 * is logged and the region cold-starts.
 *
 * <p>Two guards keep the outputs exactly-once even if the state read and the offsets read disagree (they are not
 * one snapshot): a bin at or before a region's last committed (restored) or submitted bin is never computed or
 * published again, only its offsets and dead letters commit ({@link #skippedBins()}, WARN); and the first bin of a
 * region in a session is checked against the partition's committed checkpoint ({@link #check}): a state older than
 * the checkpoint (read before the previous owner's last transactions) is read again until it catches up. When
 * partitions are revoked or lost, the session stops committing before the rebalance proceeds (the consumer's
 * revocation callback waits for the running transaction), so its offsets never move after the new owner read them.
 *
 * <p>When a session fails with a retriable Kafka error (broker down or restarted, coordinator moved, a rebalance,
 * a fenced consumer generation, "consumer group metadata mismatch", an aborted or timed-out transaction, the state
 * topic not readable in time), it is dropped — its open transaction is never committed — and a new session is
 * built after a backoff ({@link #MIN_BACKOFF} doubling to {@link #MAX_BACKOFF}, reset after progress), exactly as
 * a restarted process would: nothing of the failed session is visible, nothing is lost. One WARN line per attempt.
 * Only these stop the service: a {@link ProducerFencedException} (a newer instance with the same transactional id
 * took over), a fenced {@code group.instance.id}, authentication/authorization or configuration errors, and
 * non-Kafka exceptions (bugs), which are logged with their cause. The listener (metrics, web page) may hear about
 * an update twice when a session fails between computing it and committing it.
 *
 * <h2>Group membership</h2>
 * Static membership: {@code group.instance.id} defaults to the transactional id (one per instance), so a restarted
 * instance or a rebuilt session takes its partitions back at once instead of waiting for the dead member's session
 * timeout ({@code session.timeout.ms} defaults to {@link #SESSION_TIMEOUT}, so the partitions of an instance that
 * does not come back move to the others after that). Cooperative rebalancing
 * ({@code CooperativeStickyAssignor}, the default here): a rebalance only moves the partitions that change owner;
 * an instance that loses or gains partitions rebuilds its session (its calibrators must follow the partitions, and
 * gained regions restore their warm state from the state topic), the others keep running. Reconnects back off to
 * {@code reconnect.backoff.max.ms} = {@link #RECONNECT_BACKOFF_MAX}, which bounds the client WARN lines while a
 * broker is down. Every default can be overridden in {@code kafka.properties}.
 *
 * <h2>Failures of an update</h2>
 * An update that throws (e.g. a misconfigured region whose stock went negative) is logged with its region and
 * bin, publishes nothing but the state and still commits its offsets, so one bad bin cannot stall the partition;
 * the region's next bin sees a gap and cold-starts. Numerical failures do not throw: the calibrator checks every
 * update, rolls it back and retries it cold, and otherwise returns the bin degraded (its records carry
 * {@code health}, with the last good parameters), which is published and committed like any other
 * ({@link #degradedUpdates()}; metrics {@code mfgcal_update_failures_total}, {@code mfgcal_region_health}).
 *
 * <h2>Stop</h2>
 * {@link #close()}: no new transaction starts, the running one finishes, the flux is cancelled, the consumer and
 * the producer close. Work computed but not committed is redone by the next instance.
 *
 * <p>Thread-safety: {@link #run()} may be subscribed once; {@link #close()} may be called from any thread.
 */
public final class ServicePipeline implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ServicePipeline.class);
    /** Bins between the binning thread and the writer: queued or being calibrated or waiting for their turn. */
    public static final int IN_FLIGHT = 8;
    /** First wait before a new session after a retriable failure. */
    public static final Duration MIN_BACKOFF = Duration.ofMillis(500);
    /** Longest wait between session attempts. */
    public static final Duration MAX_BACKOFF = Duration.ofSeconds(10);
    /** Default {@code session.timeout.ms} of the input consumer. */
    public static final Duration SESSION_TIMEOUT = Duration.ofSeconds(15);
    /** Default {@code reconnect.backoff.max.ms} of every client. */
    public static final Duration RECONNECT_BACKOFF_MAX = Duration.ofSeconds(4);

    /**
     * What one committed transaction held.
     *
     * @param snapshot the closed bin's snapshot
     * @param result   the calibration result, or null when the update failed
     * @param state    the state summary written to the state topic
     */
    public record Committed(PopulationSnapshot snapshot, UpdateResult result, StateSummary state) {
    }

    /** A delivery's outcome; {@code state} is null for a delivery of dead letters only. */
    private record Outcome(SnapshotDelivery delivery, UpdateResult result, StateSummary state) {
    }

    private final ServiceConfig config;
    private final CalibrationListener listener;
    private final ExecutorService pool;
    private final Scheduler writerThread = Schedulers.newSingle("mfgcal-writer");
    private final IngestStats stats = new IngestStats();
    private final Object writeLock = new Object();
    private final Object sessionLock = new Object();
    private volatile boolean stopping;
    private volatile reactor.core.Disposable subscription;
    private volatile Session session;
    private Session firstSession;

    private final AtomicLong committed = new AtomicLong();
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong degradedUpdates = new AtomicLong();
    private final AtomicLong alerts = new AtomicLong();
    private final AtomicLong failedUpdates = new AtomicLong();
    private final AtomicLong deadLettersCommitted = new AtomicLong();
    private final AtomicLong sessionsRebuilt = new AtomicLong();
    private final AtomicLong skippedBins = new AtomicLong();
    private final Map<String, AtomicLong> lateEvents = new ConcurrentHashMap<>();
    /**
     * The state value of each region's last bin committed by this process (writer thread; read at a session's
     * start). A new session restores from it when the state topic's readable value is older: the broker can
     * complete a transaction without writing its markers (a single broker's controlled shutdown: "Couldn't find
     * leader endpoint … these partitions are likely deleted already and hence can be skipped"), which leaves that
     * bin's state unreadable until the next commit of the same producer; computing the bin again would then publish
     * it twice (RELIABILITY.md, known limits).
     */
    private final Map<String, CommittedState> committedStates = new ConcurrentHashMap<>();

    private record CommittedState(long lastBin, byte[] value) {
    }
    private volatile Committed last;
    private volatile java.util.function.Consumer<Committed> afterCommit = c -> { };

    /** A region's calibrator and the tail of its queue of updates (guarded by the Region's monitor). */
    private static final class Region {
        final RegionCalibrator calibrator;
        CompletableFuture<Outcome> tail = CompletableFuture.completedFuture(null);
        /** Latest estimates; touched only by the region's updates, which run one after another. */
        List<ParameterValue> latest = List.of();
        /**
         * The last bin known committed (restored state) or submitted in this session, {@link #NO_BIN} for none
         * (binning thread): a bin at or before it is never computed or published again.
         */
        long lastBin;
        /** Whether the first bin of this session was checked against the ingest checkpoint (binning thread). */
        boolean checked;

        Region(RegionCalibrator calibrator) {
            this.calibrator = calibrator;
            this.lastBin = calibrator.lastBin();
        }

        Region(RegionCalibrator calibrator, List<ParameterValue> latest) {
            this(calibrator);
            this.latest = latest;
        }
    }

    /** {@link Region#lastBin} of a region with no bin ({@link RegionCalibrator#lastBin()} before its first). */
    private static final long NO_BIN = Long.MIN_VALUE;
    /** How long the first bin of a region waits for its committed state to become readable (see {@link #check}). */
    static final Duration STATE_CATCH_UP = Duration.ofSeconds(15);

    /** One consumer, one transactional producer, and the calibrators restored for them (see the class comment). */
    private final class Session {
        final TransactionalOutputWriter writer;
        final IngestPipeline ingest;
        final Map<String, Region> regions = new ConcurrentHashMap<>();
        /**
         * Set (under the write lock) when partitions are revoked or lost: no transaction of this session commits
         * any more, so no offsets move after the new owner read them.
         */
        volatile String fenced;

        Session() {
            this.writer = TransactionalOutputWriter.create(new OutputWriterConfig(config.bootstrapServers(),
                    config.transactionalId(), config.outputTopics(), OutputWriterConfig.DEFAULT_TRANSACTION_TIMEOUT,
                    clientProperties()));
            try {
                // After initTransactions (above): a previous instance's open transaction is aborted, so the state
                // topic's last stable offset is its end and the states read match the committed input offsets.
                restoreRegions(regions, newerOfCommitted(StateRestore.readLatest(config.bootstrapServers(),
                        config.kafkaProperties(), config.outputTopics().state(), StateRestore.READ_TIMEOUT)));
                this.ingest = new IngestPipeline(ingestOptions(), config.regions(), stats, null);
                this.ingest.onRevocation(ps -> {
                    if (fenced != null) {
                        return; // already no commits (closing or fenced before)
                    }
                    synchronized (writeLock) { // waits for a running transaction, then no other starts
                        if (fenced == null) {
                            fenced = "partitions " + ps + " revoked or lost";
                        }
                    }
                });
            } catch (RuntimeException e) {
                writer.close();
                throw e;
            }
        }

        void close() {
            synchronized (writeLock) { // after the running transaction; no other starts
                if (fenced == null) {
                    fenced = "session closed";
                }
            }
            // outside the lock: closing the consumer may run its revocation callback, which takes the lock
            try {
                ingest.close();
            } catch (RuntimeException e) {
                LOG.debug("closing the consumer: {}", e.toString());
            }
            synchronized (writeLock) {
                try {
                    writer.close();
                } catch (RuntimeException e) {
                    LOG.debug("closing the producer: {}", e.toString());
                }
            }
        }
    }

    /**
     * Creates the first session: the transactional producer (which fences an older instance with the same
     * transactional id), the restored calibrators and the consumer. Nothing is consumed until {@link #run()} is
     * subscribed.
     *
     * @param listener told about every update (metrics, web page); {@link CalibrationListener#NONE} for none
     */
    public ServicePipeline(ServiceConfig config, CalibrationListener listener) {
        this.config = config;
        this.listener = listener;
        AtomicInteger n = new AtomicInteger();
        ThreadFactory tf = r -> {
            Thread t = new Thread(r, "mfgcal-calibrate-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        this.pool = Executors.newFixedThreadPool(config.calibrationThreads(), tf);
        try {
            this.firstSession = new Session();
        } catch (RuntimeException e) {
            pool.shutdownNow();
            writerThread.dispose();
            throw e;
        }
        this.session = firstSession;
    }

    /** Client properties of the producer (and the base of the consumer's): defaults under the configured ones. */
    private Map<String, String> clientProperties() {
        Map<String, String> p = clientDefaults();
        p.putAll(config.kafkaProperties());
        return p;
    }

    /** Defaults of every Kafka client of the service (below the configured {@code kafka.properties}). */
    static Map<String, String> clientDefaults() {
        Map<String, String> p = new java.util.HashMap<>();
        p.put("reconnect.backoff.ms", "250");
        p.put("reconnect.backoff.max.ms", Long.toString(RECONNECT_BACKOFF_MAX.toMillis()));
        return p;
    }

    private IngestOptions ingestOptions() {
        Map<String, Object> consumer = new java.util.HashMap<>(clientProperties());
        consumer.putIfAbsent("group.instance.id", config.transactionalId());
        consumer.putIfAbsent("session.timeout.ms", Long.toString(SESSION_TIMEOUT.toMillis()));
        consumer.putIfAbsent("partition.assignment.strategy",
                org.apache.kafka.clients.consumer.CooperativeStickyAssignor.class.getName());
        consumer.putAll(TransactionalOutputWriter.inputConsumerProperties());
        return new IngestOptions(config.bootstrapServers(), config.groupId(), config.inputTopics(),
                config.deadLetterTopic(), 0, null, 0, CommitMode.EXTERNAL, consumer,
                new java.util.HashMap<>(config.kafkaProperties()), null, null);
    }

    /**
     * Restores each configured region from its latest state value (format {@link StateSummary#FORMAT}); a value of
     * another format, configuration or zones, or one that fails to restore, is logged and its region cold-starts.
     */
    private void restoreRegions(Map<String, Region> regions, Map<String, byte[]> latest) {
        for (Map.Entry<String, byte[]> e : latest.entrySet()) {
            String id = e.getKey();
            RegionConfig rc = config.regions().get(id);
            if (rc == null) {
                LOG.info("state of region '{}' ignored: the region is not configured", id);
                continue;
            }
            try {
                StateSummary st = StateSummary.fromBytes(e.getValue());
                if (!st.restorable()) {
                    LOG.warn("region '{}': state value of format {} (resumable {}) cannot be restored; cold start", id,
                            st.format(), st.resumable());
                    continue;
                }
                RegionCalibrator cal = RegionCalibrator.restore(config.onlineConfig(rc), id, st.zones(), listener,
                        st.warmState());
                regions.put(id, new Region(cal, st.parameters()));
                LOG.info("region '{}' restored from {} at bin {} ({} bytes of warm state, warm {})", id,
                        config.outputTopics().state(), st.lastBin(), st.warmState().length, st.warm());
            } catch (RuntimeException ex) {
                LOG.warn("region '{}': state on {} not restored ({}); cold start", id, config.outputTopics().state(),
                        ex.getMessage());
            }
        }
    }

    /**
     * The state values to restore from: the topic's, except where this process committed a later bin of the region
     * than the topic lets read (see {@link #committedStates}).
     */
    private Map<String, byte[]> newerOfCommitted(Map<String, byte[]> fromTopic) {
        if (committedStates.isEmpty()) {
            return fromTopic;
        }
        Map<String, byte[]> m = new java.util.HashMap<>(fromTopic);
        committedStates.forEach((region, mine) -> {
            byte[] v = m.get(region);
            long topicBin;
            try {
                topicBin = v == null ? Long.MIN_VALUE : StateSummary.fromBytes(v).lastBin();
            } catch (RuntimeException e) {
                topicBin = Long.MIN_VALUE;
            }
            if (mine.lastBin() > topicBin) {
                LOG.warn("region '{}': the state topic lets read bin {} but this process committed bin {}; restoring"
                        + " from the committed value (its transaction markers are not readable yet)", region,
                        topicBin == Long.MIN_VALUE ? "none" : topicBin, mine.lastBin());
                m.put(region, mine.value());
            }
        });
        return m;
    }

    /** Regions restored from the state topic by the current session, by id, with their last bin. */
    public Map<String, Long> restoredRegions() {
        Map<String, Long> m = new java.util.TreeMap<>();
        Session s = session;
        if (s != null) {
            s.regions.forEach((id, r) -> m.put(id, r.calibrator.lastBin()));
        }
        return m;
    }

    /** The current session's transactional producer, for its client metrics only (null between sessions). */
    public org.apache.kafka.clients.producer.Producer<String, byte[]> outputProducerForMetrics() {
        Session s = session;
        return s == null ? null : s.writer.producerForMetrics();
    }

    /** The current session's ingest pipeline (it changes when a session is rebuilt; see {@link #stats()}). */
    public IngestPipeline ingest() {
        return session.ingest;
    }

    /** Ingest counters of every session so far. */
    public IngestStats stats() {
        return stats;
    }

    /** The pipeline: one element per committed bin transaction. Subscribe once. */
    public Flux<Committed> run() {
        return Flux.defer(() -> Mono.fromCallable(this::nextSession).subscribeOn(Schedulers.boundedElastic())
                        .flatMapMany(this::runSession))
                .retryWhen(Retry.backoff(Long.MAX_VALUE, MIN_BACKOFF).maxBackoff(MAX_BACKOFF).transientErrors(true)
                        .filter(e -> !stopping && retriable(e))
                        .doBeforeRetry(rs -> LOG.warn("session failed ({}), attempt {}: {}; rebuilding consumer and"
                                        + " producer from the last committed offsets and state", rootCause(rs.failure()),
                                rs.totalRetriesInARow() + 1, rs.failure().toString())))
                .doOnError(e -> {
                    if (!stopping) {
                        LOG.error("pipeline stopped by a non-retriable error: {}", rootCause(e), e);
                    }
                });
    }

    private Flux<Committed> runSession(Session s) {
        return s.ingest.snapshots()
                .map(d -> submit(s, d))
                .flatMapSequential(Mono::fromFuture, IN_FLIGHT, 1)
                .concatMap(o -> Mono.fromCallable(() -> commit(s, o)).subscribeOn(writerThread), 1);
    }

    /** The session to run: the constructor's at first, afterwards a new one after closing the failed one. */
    private Session nextSession() {
        Session old;
        synchronized (sessionLock) {
            if (stopping) {
                throw new IllegalStateException("pipeline is closed");
            }
            if (firstSession != null) {
                Session s = firstSession;
                firstSession = null;
                return s;
            }
            old = session;
        }
        if (old != null) {
            old.close();
        }
        Session s = new Session();
        if (old != null && old.ingest.receiver().revokedAny()) {
            // the failed session gave partitions up: hand them over in case it died before the follow-up rebalance
            s.ingest.receiver().rejoinAfterFirstAssignment();
        }
        synchronized (sessionLock) {
            if (stopping) {
                s.close();
                throw new IllegalStateException("pipeline is closed");
            }
            session = s;
        }
        sessionsRebuilt.incrementAndGet();
        LOG.info("new session: consumer and transactional producer rebuilt, {} region(s) restored", s.regions.size());
        return s;
    }

    /**
     * Whether a failure is worth a new session: a Kafka error other than fencing by a newer instance,
     * authentication, authorization, unsupported version or bad configuration. Anything else is a bug: fatal.
     */
    static boolean retriable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ProducerFencedException || t instanceof FencedInstanceIdException
                    || t instanceof AuthenticationException || t instanceof AuthorizationException
                    || t instanceof UnsupportedVersionException || t instanceof InvalidConfigurationException) {
                return false;
            }
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof KafkaException) {
                return true;
            }
        }
        return false;
    }

    private static String rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }

    /** Subscribes to {@link #run()}, keeping the subscription for {@link #close()}. */
    public void start(java.util.function.Consumer<Committed> onCommitted, java.util.function.Consumer<Throwable> onError,
                      Runnable onComplete) {
        subscription = run().subscribe(onCommitted, onError, onComplete);
    }

    /** Queues the bin's update behind its region's previous one (binning thread; returns at once). */
    private CompletableFuture<Outcome> submit(Session session, SnapshotDelivery d) {
        PopulationSnapshot s = d.snapshot();
        if (s == null) { // dead letters only
            return CompletableFuture.completedFuture(new Outcome(d, null, null));
        }
        Region r = session.regions.compute(s.region(), (id, old) -> {
            if (old != null && old.calibrator.zones().equals(s.zones())) {
                return old;
            }
            if (old != null) {
                LOG.warn("region '{}': zones {} differ from the restored state's {}; cold start", id, s.zones(),
                        old.calibrator.zones());
            }
            RegionConfig rc = config.regions().get(id);
            return new Region(new RegionCalibrator(config.onlineConfig(rc), id, s.zones(), listener));
        });
        if (!r.checked) {
            r.checked = true;
            r = check(session, s, r);
        }
        long bin = binIndex(s);
        if (r.lastBin != NO_BIN && bin <= r.lastBin) {
            // already committed (by a previous session or owner): publishing it again would duplicate it
            skippedBins.incrementAndGet();
            LOG.warn("region '{}' bin {}: already committed (last committed or submitted bin {}); not computed or"
                    + " published again, only its offsets and dead letters commit", s.region(), bin, r.lastBin);
            return CompletableFuture.completedFuture(new Outcome(d, null, null));
        }
        r.lastBin = bin;
        final Region region = r;
        synchronized (region) {
            CompletableFuture<Outcome> f = region.tail.handleAsync((prev, err) -> calibrate(region, d), pool);
            region.tail = f;
            return f;
        }
    }

    /** The bin's index as the calibrator numbers it ({@code OnlineInput.toClosedBin}). */
    private static long binIndex(PopulationSnapshot s) {
        long width = s.binEnd().toEpochMilli() - s.binStart().toEpochMilli();
        return Math.floorDiv(s.binStart().toEpochMilli(), width);
    }

    /**
     * The first bin of a region in a session (binning thread): when the partition's committed checkpoint says
     * bins up to {@code closedUntil} were committed but the state read at the session's start is older (read
     * before the previous owner's last transactions; a read_committed read and the offset fetch are not one
     * snapshot), the state topic is read again until it holds that bin (bounded by {@link #STATE_CATCH_UP}),
     * so a region taken over restores warm instead of cold-starting on a false gap. A state newer than the
     * checkpoint makes the bins up to it skipped (see {@link #submit}).
     */
    private Region check(Session session, PopulationSnapshot s, Region r) {
        Long closedUntil = session.ingest.restoredClosedUntil(s.region());
        if (closedUntil == null) {
            return r;
        }
        long width = s.binEnd().toEpochMilli() - s.binStart().toEpochMilli();
        long expected = Math.floorDiv(closedUntil, width) - 1;
        if (r.lastBin != NO_BIN && r.lastBin >= expected) {
            return r;
        }
        long deadline = System.nanoTime() + STATE_CATCH_UP.toNanos();
        int reads = 0;
        while (true) {
            reads++;
            Map<String, Region> fresh = new java.util.HashMap<>();
            byte[] v = StateRestore.readLatest(config.bootstrapServers(), config.kafkaProperties(),
                    config.outputTopics().state(), StateRestore.READ_TIMEOUT).get(s.region());
            if (v != null) {
                restoreRegions(fresh, Map.of(s.region(), v));
            }
            Region nr = fresh.get(s.region());
            if (nr != null && nr.lastBin != NO_BIN && nr.lastBin >= expected) {
                LOG.info("region '{}': state re-read ({} read(s)) at bin {}, as the committed checkpoint (bin {})",
                        s.region(), reads, nr.lastBin, expected);
                nr.checked = true;
                session.regions.put(s.region(), nr);
                return nr;
            }
            if (System.nanoTime() > deadline) {
                LOG.warn("region '{}': the committed checkpoint is at bin {} but the state topic holds bin {} after"
                        + " {} read(s) in {} s; continuing from the older state", s.region(), expected,
                        nr == null ? "none" : nr.lastBin, reads, STATE_CATCH_UP.toSeconds());
                return r;
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while re-reading the state topic", e);
            }
        }
    }

    /** One update (calibration pool). Never throws: a failed update is logged and publishes no outputs. */
    private Outcome calibrate(Region region, SnapshotDelivery d) {
        RegionCalibrator rc = region.calibrator;
        PopulationSnapshot s = d.snapshot();
        if (s.lateEvents() > 0) {
            lateEvents.computeIfAbsent(s.region(), k -> new AtomicLong()).addAndGet(s.lateEvents());
        }
        UpdateResult result = null;
        try {
            ClosedBin bin = s.toClosedBin();
            result = rc.update(bin);
        } catch (RuntimeException e) {
            failedUpdates.incrementAndGet();
            LOG.error("region '{}' bin {}: update failed, bin skipped (its offsets still commit): {}", s.region(),
                    s.binStart(), e.toString());
        }
        if (result != null && result.published()) {
            region.latest = result.parameters().parameters();
            if (result.parameters().health().degraded()) {
                degradedUpdates.incrementAndGet();
                LOG.warn("region '{}' bin {}: update degraded ({}); publishing the last good parameters",
                        s.region(), s.binStart(), result.parameters().health().reason());
            }
        }
        return new Outcome(d, result, StateSummary.of(rc, region.latest));
    }

    /**
     * One transaction (writer thread); null when stopping (the bin is redone by the next instance) and for a
     * delivery of dead letters only.
     */
    private Committed commit(Session session, Outcome o) {
        synchronized (writeLock) {
            if (stopping) {
                return null;
            }
            if (session.fenced != null) {
                throw new IngestPipeline.RebalancedException(session.fenced + "; this session commits no more");
            }
            SnapshotDelivery d = o.delivery();
            List<ProducerRecord<String, byte[]>> dead = new ArrayList<>(d.deadLetters().size());
            d.deadLetters().forEach(dl -> dead.add(DeadLetters.withTextKey(dl)));
            if (o.state() == null) {
                session.writer.write(OutputBatch.EMPTY, dead, d.offsetsToCommit(), session.ingest.groupMetadata());
                d.ack();
                deadLettersCommitted.addAndGet(dead.size());
                return null;
            }
            UpdateResult r = o.result();
            List<ParameterUpdate> ps = new ArrayList<>(1);
            List<Forecast> fs = new ArrayList<>(1);
            List<DriftAlert> as = List.of();
            if (r != null) {
                if (r.published()) {
                    ps.add(r.parameters());
                    fs.add(r.forecast());
                }
                as = r.alerts();
            }
            byte[] stateValue = o.state().toBytes();
            OutputBatch batch = new OutputBatch(ps, fs, as, Map.of(o.state().region(), stateValue));
            session.writer.write(batch, dead, d.offsetsToCommit(), session.ingest.groupMetadata());
            committedStates.put(o.state().region(), new CommittedState(o.state().lastBin(), stateValue));
            d.ack();
            committed.incrementAndGet();
            published.addAndGet(ps.size());
            alerts.addAndGet(as.size());
            deadLettersCommitted.addAndGet(dead.size());
            Committed c = new Committed(d.snapshot(), r, o.state());
            last = c;
            afterCommit.accept(c);
            return c;
        }
    }

    /** Updates published degraded (the last good parameters; see {@code Health}) so far. */
    public long degradedUpdates() {
        return degradedUpdates.get();
    }

    /** Test hook run on the writer thread after each bin's transaction committed; what it throws fails the session. */
    void afterCommit(java.util.function.Consumer<Committed> hook) {
        afterCommit = hook;
    }

    /** Bin transactions committed so far. */
    public long committed() {
        return committed.get();
    }

    /** Parameter updates (and forecasts) published so far. */
    public long published() {
        return published.get();
    }

    /** Alerts (raised or cleared) published so far. */
    public long alerts() {
        return alerts.get();
    }

    /** Updates that threw (their bins published no outputs). */
    public long failedUpdates() {
        return failedUpdates.get();
    }

    /** Dead letters committed so far (in bin transactions or their own). */
    public long deadLettersCommitted() {
        return deadLettersCommitted.get();
    }

    /** Bins not computed again because they were already committed (see {@link #submit}). */
    public long skippedBins() {
        return skippedBins.get();
    }

    /** Sessions rebuilt after a retriable failure so far. */
    public long sessionsRebuilt() {
        return sessionsRebuilt.get();
    }

    /** Events counted late (behind the watermark, bin still open) in the bins processed so far, by region. */
    public Map<String, Long> lateEvents() {
        Map<String, Long> m = new java.util.TreeMap<>();
        lateEvents.forEach((r, n) -> m.put(r, n.get()));
        return m;
    }

    /** The latest committed bin, or null. */
    public Committed last() {
        return last;
    }

    /** End of the latest committed bin, or null. */
    public Instant lastBinEnd() {
        Committed c = last;
        return c == null ? null : c.snapshot().binEnd();
    }

    /** Stops after the running transaction (see the class comment). Idempotent. */
    @Override
    public void close() {
        if (stopping) {
            return;
        }
        stopping = true;
        synchronized (writeLock) {
            reactor.core.Disposable s = subscription;
            if (s != null) {
                s.dispose();
            }
        }
        Session current;
        synchronized (sessionLock) {
            current = session;
        }
        if (current != null) {
            current.close();
        }
        pool.shutdownNow();
        try {
            if (!pool.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("calibration threads did not stop within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        writerThread.dispose();
    }
}
