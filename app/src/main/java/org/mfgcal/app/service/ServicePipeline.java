package org.mfgcal.app.service;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.mfgcal.api.CalibrationListener;
import org.mfgcal.api.DriftAlert;
import org.mfgcal.api.Forecast;
import org.mfgcal.api.ParameterUpdate;
import org.mfgcal.api.UpdateResult;
import org.mfgcal.ingest.DeadLetters;
import org.mfgcal.ingest.IngestPipeline;
import org.mfgcal.ingest.IngestStats;
import org.mfgcal.ingest.PopulationSnapshot;
import org.mfgcal.ingest.SnapshotDelivery;
import org.mfgcal.publisher.kafka.OutputBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The service's data path: Kafka input → ingest snapshots → online calibration → Kafka transactions holding whole
 * closed bins.
 *
 * <h2>Flow</h2>
 * {@link IngestPipeline#snapshots()} (consumer thread → binning thread) → {@link RegionRouter#submit}: the snapshot becomes a
 * {@link ClosedBin} and its update is queued behind the previous update of the same region on the bounded
 * calibration pool ({@code calibrationThreads} daemon threads, never the consumer or binning thread; regions
 * update in parallel, a region's bins in order) → {@code flatMapSequential} restores delivery order, with at most
 * {@link #IN_FLIGHT} bins in flight (backpressure reaches the consumer) → the writer thread commits the bins in
 * delivery order, each with its parameter update, forecast, alerts, the region's state records ({@link StateLog})
 * on the state topic and the dead letters of the records read since the previous bin, and the input offsets with the
 * checkpoint of the last bin of the transaction ({@code sendOffsetsToTransaction} with the consumer's group
 * metadata), then acknowledges the deliveries. A transaction holds one bin, or the bins finished while the previous
 * one committed (group commit, up to {@link #MAX_BATCH}); offsets commit only with their bins' outputs, in order;
 * dead letters with no bin commit on their own. So outputs, states and dead letters are exactly-once for
 * read_committed consumers.
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
 * region in a session is checked against the partition's committed checkpoint ({@code RegionRouter.check}): a state older than
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
 * timeout ({@code session.timeout.ms} defaults to {@link ServiceConnections#SESSION_TIMEOUT}, so the partitions of an instance that
 * does not come back move to the others after that). Cooperative rebalancing
 * ({@code CooperativeStickyAssignor}, the default here): a rebalance only moves the partitions that change owner;
 * an instance that loses or gains partitions rebuilds its session (its calibrators must follow the partitions, and
 * gained regions restore their warm state from the state topic), the others keep running. Reconnects back off to
 * {@code reconnect.backoff.max.ms} = {@link ServiceConnections#RECONNECT_BACKOFF_MAX}, which bounds the client WARN lines while a
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
 * <h2>Structure</h2>
 * A session's output, state restore and input come from {@link ServiceConnections} ({@link ServiceConnections#kafka}
 * for the service, fakes in unit tests); the regions from {@link RegionRouter}; the ordering, backpressure and
 * session retry from {@link PipelineFlow}; this class builds the sessions and commits the transactions.
 *
 * <p>Thread-safety: {@link #run()} may be subscribed once; {@link #close()} may be called from any thread.
 */
public final class ServicePipeline implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ServicePipeline.class);
    /** Bins between the binning thread and the writer: queued or being calibrated or waiting for their turn. */
    public static final int IN_FLIGHT = 8;
    /**
     * Most bins in one transaction (group commit, {@link PipelineFlow#bins}): a transaction costs tens of ms of
     * broker round trips whatever it holds, so while one commits, the bins finished meanwhile (up to this many, at
     * most this many more held in memory) gather into the next; a bin that finds the writer idle commits alone.
     */
    public static final int MAX_BATCH = 32;
    /** First wait before a new session after a retriable failure. */
    public static final Duration MIN_BACKOFF = Duration.ofMillis(500);
    /** Longest wait between session attempts. */
    public static final Duration MAX_BACKOFF = Duration.ofSeconds(10);

    /**
     * What one committed transaction held: the closed bin's {@code snapshot}, the calibration {@code result} (null
     * when the update failed) and the {@code state} summary written to the state topic.
     */
    public record Committed(PopulationSnapshot snapshot, UpdateResult result, StateSummary state) {
    }

    private final ServiceConnections connections;
    private final ExecutorService pool;
    private final RegionRouter router;
    private final Scheduler writerThread = Schedulers.newSingle("mfgcal-writer");
    private final IngestStats stats = new IngestStats();
    private final PipelineCounters counters = new PipelineCounters();
    private final Object writeLock = new Object();
    private final Object sessionLock = new Object();
    private volatile boolean stopping;
    private volatile int maxBatch = MAX_BATCH;
    private volatile reactor.core.Disposable subscription;
    private volatile PipelineSession session;
    private PipelineSession firstSession;
    private volatile Committed last;
    private volatile java.util.function.Consumer<Committed> afterCommit = c -> { };

    /**
     * Creates the first session with the Kafka clients of {@code config} ({@link ServiceConnections#kafka}).
     *
     * @param listener told about every update (metrics, web page); {@link CalibrationListener#NONE} for none
     */
    public ServicePipeline(ServiceConfig config, CalibrationListener listener) {
        this(config, listener, ServiceConnections.kafka(config));
    }

    /**
     * Creates the first session: the output (for Kafka the transactional producer, which fences an older instance
     * with the same transactional id), the restored calibrators and the input. Nothing is consumed until
     * {@link #run()} is subscribed.
     *
     * @param listener    told about every update (metrics, web page); {@link CalibrationListener#NONE} for none
     * @param connections where sessions read, write and restore from
     */
    public ServicePipeline(ServiceConfig config, CalibrationListener listener, ServiceConnections connections) {
        this.connections = connections;
        AtomicInteger n = new AtomicInteger();
        ThreadFactory tf = r -> {
            Thread t = new Thread(r, "mfgcal-calibrate-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        this.pool = Executors.newFixedThreadPool(config.calibrationThreads(), tf);
        this.router = new RegionRouter(config, listener, pool, connections.states(), counters);
        try {
            this.firstSession = new PipelineSession(connections, router, stats, writeLock);
        } catch (RuntimeException e) {
            pool.shutdownNow();
            writerThread.dispose();
            throw e;
        }
        this.session = firstSession;
    }

    /** Regions restored from the state topic by the current session, by id, with their last bin. */
    public Map<String, Long> restoredRegions() {
        Map<String, Long> m = new java.util.TreeMap<>();
        PipelineSession s = session;
        if (s != null) {
            s.regions.forEach((id, r) -> m.put(id, r.calibrator.lastBin()));
        }
        return m;
    }

    /** The current session's transactional producer, for its client metrics only (null between sessions). */
    public Producer<String, byte[]> outputProducerForMetrics() {
        PipelineSession s = session;
        return s != null && s.output instanceof ServiceConnections.KafkaOutput k ? k.writer().producerForMetrics()
                : null;
    }

    /**
     * The current session's ingest pipeline (it changes when a session is rebuilt; see {@link #stats()}); null when
     * the input is not Kafka's.
     */
    public IngestPipeline ingest() {
        return session.input instanceof ServiceConnections.KafkaInput k ? k.pipeline() : null;
    }

    /** Ingest counters of every session so far. */
    public IngestStats stats() {
        return stats;
    }

    /** The pipeline: one element per committed bin transaction. Subscribe once. */
    public Flux<Committed> run() {
        return PipelineFlow.sessions(this::nextSession, this::runSession, e -> !stopping && retriable(e),
                        rs -> LOG.warn("session failed ({}), attempt {}: {}; rebuilding consumer and producer from"
                                        + " the last committed offsets and state", rootCause(rs.failure()),
                                rs.totalRetriesInARow() + 1, rs.failure().toString()),
                        MIN_BACKOFF, MAX_BACKOFF, Schedulers.boundedElastic(), Schedulers.parallel())
                .doOnError(e -> {
                    if (!stopping) {
                        LOG.error("pipeline stopped by a non-retriable error: {}", rootCause(e), e);
                    }
                });
    }

    private Flux<Committed> runSession(PipelineSession s) {
        return PipelineFlow.bins(s.input.snapshots(), d -> router.submit(s.regions, s.input, d), IN_FLIGHT,
                maxBatch, os -> commit(s, os), writerThread);
    }

    /** Whether the current session asked for a rebalance after its first assignment (see {@link #nextSession}). */
    private volatile boolean lastSessionRejoined;

    /** The session to run: the constructor's at first, afterwards a new one after closing the failed one. */
    private PipelineSession nextSession() {
        PipelineSession old;
        synchronized (sessionLock) {
            if (stopping) {
                throw new IllegalStateException("pipeline is closed");
            }
            if (firstSession != null) {
                PipelineSession s = firstSession;
                firstSession = null;
                return s;
            }
            old = session;
        }
        if (old != null) {
            old.close();
        }
        PipelineSession s = new PipelineSession(connections, router, stats, writeLock);
        boolean rejoin = old != null && old.input.revokedAny() && !lastSessionRejoined;
        if (rejoin) {
            // the failed session gave partitions up: hand them over in case it died before the follow-up rebalance.
            // Not twice in a row: the rebalance itself can fail the rejoining session's first commit (its generation
            // changed), and rejoining again would repeat that for ever (seen in BrokerRestartIT)
            s.input.rejoinAfterFirstAssignment();
        }
        lastSessionRejoined = rejoin;
        synchronized (sessionLock) {
            if (stopping) {
                s.close();
                throw new IllegalStateException("pipeline is closed");
            }
            session = s;
        }
        counters.sessionsRebuilt.incrementAndGet();
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

    /**
     * One transaction for consecutive bins (writer thread, {@link PipelineFlow#bins}): each bin's outputs, state and
     * dead letters in order, per partition the latest checkpoint. Empty when stopping (the next instance redoes them).
     */
    private List<Committed> commit(PipelineSession session, List<RegionRouter.Outcome> outcomes) {
        synchronized (writeLock) {
            if (stopping) {
                return List.of();
            }
            if (session.fenced != null) {
                throw new IngestPipeline.RebalancedException(session.fenced + "; this session commits no more");
            }
            List<OutputBatch> batches = new ArrayList<>(outcomes.size());
            List<ProducerRecord<String, byte[]>> dead = new ArrayList<>();
            Map<TopicPartition, OffsetAndMetadata> offsets = new LinkedHashMap<>();
            for (RegionRouter.Outcome o : outcomes) {
                SnapshotDelivery d = o.delivery();
                d.deadLetters().forEach(dl -> dead.add(DeadLetters.withTextKey(dl)));
                offsets.putAll(d.offsetsToCommit()); // bins in delivery order: a later checkpoint supersedes
                if (o.state() == null) {
                    continue;
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
                batches.add(new OutputBatch(ps, fs, as, o.state().values()));
            }
            session.output.write(batches, dead, offsets, session.input.groupMetadata());
            counters.transactions.incrementAndGet();
            counters.deadLettersCommitted.addAndGet(dead.size());
            List<Committed> out = new ArrayList<>(batches.size());
            for (int i = 0; i < outcomes.size(); i++) {
                RegionRouter.Outcome o = outcomes.get(i);
                if (o.state() == null) {
                    o.delivery().ack();
                    continue;
                }
                StateSummary head = o.state().head();
                router.committed(head.region(), head.lastBin(), o.state().values());
                o.delivery().ack();
                UpdateResult r = o.result();
                counters.committed.incrementAndGet();
                if (r != null) {
                    counters.published.addAndGet(r.published() ? 1 : 0);
                    counters.alerts.addAndGet(r.alerts().size());
                }
                out.add(new Committed(o.delivery().snapshot(), r, head));
            }
            if (!out.isEmpty()) {
                last = out.get(out.size() - 1);
            }
            RuntimeException hookFailure = null; // hooks once the batch is accounted for: every bin's, first throw wins
            for (Committed c : out) {
                try {
                    afterCommit.accept(c);
                } catch (RuntimeException e) {
                    hookFailure = hookFailure == null ? e : hookFailure;
                }
            }
            if (hookFailure != null) {
                throw hookFailure;
            }
            return out;
        }
    }

    /** Updates published degraded (the last good parameters; see {@code Health}) so far. */
    public long degradedUpdates() {
        return counters.degradedUpdates.get();
    }

    /** Test hook run on the writer thread after each bin's transaction committed; what it throws fails the session. */
    void afterCommit(java.util.function.Consumer<Committed> hook) {
        afterCommit = hook;
    }

    /** Bins committed so far. */
    public long committed() {
        return counters.committed.get();
    }

    /** Output transactions committed so far (one or more bins each, or dead letters only). */
    public long transactions() {
        return counters.transactions.get();
    }

    /** Test hook: most bins per transaction from the next session on ({@link #MAX_BATCH} by default). */
    void maxBatch(int bins) {
        maxBatch = bins;
    }

    /** Parameter updates (and forecasts) published so far. */
    public long published() {
        return counters.published.get();
    }

    /** Alerts (raised or cleared) published so far. */
    public long alerts() {
        return counters.alerts.get();
    }

    /** Updates that threw (their bins published no outputs). */
    public long failedUpdates() {
        return counters.failedUpdates.get();
    }

    /** Dead letters committed so far (in bin transactions or their own). */
    public long deadLettersCommitted() {
        return counters.deadLettersCommitted.get();
    }

    /** Bins not computed again because they were already committed (see {@link RegionRouter#submit}). */
    public long skippedBins() {
        return counters.skippedBins.get();
    }

    /** Sessions rebuilt after a retriable failure so far. */
    public long sessionsRebuilt() {
        return counters.sessionsRebuilt.get();
    }

    /** Events counted late (behind the watermark, bin still open) in the bins processed so far, by region. */
    public Map<String, Long> lateEvents() {
        return PipelineCounters.values(counters.lateEvents);
    }

    /** CPU time (ns) the calibration threads spent on each region's bins so far (updates and state records). */
    public Map<String, Long> calibrationCpuNanos() {
        return PipelineCounters.values(counters.calibrationCpuNanos);
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
        PipelineSession current;
        synchronized (writeLock) { // after the running transaction; no other commits (stopping)
            current = session; // fenced: the consumer's close (cancel below) revokes its partitions, and the
            if (current != null && current.fenced == null) { // revocation hook then returns without this lock
                current.fenced = "service stopping";
            }
        }
        java.util.Optional.ofNullable(subscription).ifPresent(reactor.core.Disposable::dispose);
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
