package org.mfgcal.app.service;

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

import org.mfgcal.app.online.OnlineInput;
import org.mfgcal.calibrator.online.CalibrationListener;
import org.mfgcal.calibrator.online.ClosedBin;
import org.mfgcal.calibrator.online.DriftAlert;
import org.mfgcal.calibrator.online.Forecast;
import org.mfgcal.calibrator.online.ParameterUpdate;
import org.mfgcal.calibrator.online.ParameterValue;
import org.mfgcal.calibrator.online.RegionCalibrator;
import org.mfgcal.calibrator.online.UpdateResult;
import org.mfgcal.ingest.IngestOptions;
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
 * the state topic and the input offsets ({@code sendOffsetsToTransaction} with the consumer's group metadata),
 * then acknowledges the delivery. Offsets are committed only with the outputs of their bin, in order.
 *
 * <h2>Restart</h2>
 * The {@link StateSummary} carries the calibrator's warm state and commits with the bin's offsets. At construction,
 * before anything is consumed, the state topic is read to its end with read_committed ({@link StateRestore}) and
 * each configured region is restored from its latest value; it then continues with the bin after the last committed
 * one. A value that cannot be restored (other format, configuration or zones) is logged and the region cold-starts.
 *
 * <h2>Failures</h2>
 * An update that throws (e.g. a misconfigured region whose stock went negative) is logged with its region and
 * bin, publishes nothing but the state and still commits its offsets, so one bad bin cannot stall the partition;
 * the region's next bin sees a gap and cold-starts. A transaction that does not commit fails the flux: nothing of
 * it is visible, and a restarted service resumes from the last committed offsets (exactly-once for
 * read_committed consumers). The listener (metrics, web page) hears about an update when it is computed, just
 * before its transaction commits.
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

    /**
     * What one committed transaction held.
     *
     * @param snapshot the closed bin's snapshot
     * @param result   the calibration result, or null when the update failed
     * @param state    the state summary written to the state topic
     */
    public record Committed(PopulationSnapshot snapshot, UpdateResult result, StateSummary state) {
    }

    private record Outcome(SnapshotDelivery delivery, UpdateResult result, StateSummary state) {
    }

    private final ServiceConfig config;
    private final IngestPipeline ingest;
    private final TransactionalOutputWriter writer;
    private final CalibrationListener listener;
    private final ExecutorService pool;
    private final Scheduler writerThread = Schedulers.newSingle("mfgcal-writer");
    private final Map<String, Region> regions = new ConcurrentHashMap<>();
    private final Object writeLock = new Object();
    private volatile boolean stopping;
    private volatile reactor.core.Disposable subscription;

    private final AtomicLong committed = new AtomicLong();
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong alerts = new AtomicLong();
    private final AtomicLong failedUpdates = new AtomicLong();
    private final Map<String, AtomicLong> lateEvents = new ConcurrentHashMap<>();
    private volatile Committed last;

    /** A region's calibrator and the tail of its queue of updates (guarded by the Region's monitor). */
    private static final class Region {
        final RegionCalibrator calibrator;
        CompletableFuture<Outcome> tail = CompletableFuture.completedFuture(null);
        /** Latest estimates; touched only by the region's updates, which run one after another. */
        List<ParameterValue> latest = List.of();

        Region(RegionCalibrator calibrator) {
            this.calibrator = calibrator;
        }

        Region(RegionCalibrator calibrator, List<ParameterValue> latest) {
            this.calibrator = calibrator;
            this.latest = latest;
        }
    }

    /**
     * Creates the consumer and the transactional producer (which fences an older instance with the same
     * transactional id). Nothing is consumed until {@link #run()} is subscribed.
     *
     * @param listener told about every update (metrics, web page); {@link CalibrationListener#NONE} for none
     */
    public ServicePipeline(ServiceConfig config, CalibrationListener listener) {
        this.config = config;
        this.listener = listener;
        Map<String, Object> consumer = new java.util.HashMap<>(config.kafkaProperties());
        consumer.putAll(TransactionalOutputWriter.inputConsumerProperties());
        IngestOptions options = new IngestOptions(config.bootstrapServers(), config.groupId(), config.inputTopics(),
                config.deadLetterTopic(), 0, null, 0, CommitMode.EXTERNAL, consumer,
                new java.util.HashMap<>(config.kafkaProperties()), null);
        this.writer = TransactionalOutputWriter.create(new OutputWriterConfig(config.bootstrapServers(),
                config.transactionalId(), config.outputTopics(), OutputWriterConfig.DEFAULT_TRANSACTION_TIMEOUT,
                config.kafkaProperties()));
        this.ingest = new IngestPipeline(options, config.regions());
        // After initTransactions (above): a previous instance's open transaction is aborted, so the state topic's
        // last stable offset is its end and the states read match the committed input offsets.
        restoreRegions(StateRestore.readLatest(config.bootstrapServers(), config.kafkaProperties(),
                config.outputTopics().state(), StateRestore.READ_TIMEOUT));
        AtomicInteger n = new AtomicInteger();
        ThreadFactory tf = r -> {
            Thread t = new Thread(r, "mfgcal-calibrate-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        this.pool = Executors.newFixedThreadPool(config.calibrationThreads(), tf);
    }

    /**
     * Restores each configured region from its latest state value (format {@link StateSummary#FORMAT}); a value of
     * another format, configuration or zones, or one that fails to restore, is logged and its region cold-starts.
     */
    private void restoreRegions(Map<String, byte[]> latest) {
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

    /** Regions restored from the state topic at construction, by id, with their last bin. */
    public Map<String, Long> restoredRegions() {
        Map<String, Long> m = new java.util.TreeMap<>();
        regions.forEach((id, r) -> m.put(id, r.calibrator.lastBin()));
        return m;
    }

    /** The transactional output producer, for its client metrics only (null when not created yet). */
    public org.apache.kafka.clients.producer.Producer<String, byte[]> outputProducerForMetrics() {
        return writer.producerForMetrics();
    }

    /** The ingest pipeline (its statistics feed the ingest meters). */
    public IngestPipeline ingest() {
        return ingest;
    }

    /** The pipeline: one element per committed transaction. Subscribe once. */
    public Flux<Committed> run() {
        return ingest.snapshots()
                .map(this::submit)
                .flatMapSequential(Mono::fromFuture, IN_FLIGHT, 1)
                .concatMap(o -> Mono.fromCallable(() -> commit(o)).subscribeOn(writerThread), 1);
    }

    /** Subscribes to {@link #run()}, keeping the subscription for {@link #close()}. */
    public void start(java.util.function.Consumer<Committed> onCommitted, java.util.function.Consumer<Throwable> onError,
                      Runnable onComplete) {
        subscription = run().subscribe(onCommitted, onError, onComplete);
    }

    /** Queues the bin's update behind its region's previous one (binning thread; returns at once). */
    private CompletableFuture<Outcome> submit(SnapshotDelivery d) {
        PopulationSnapshot s = d.snapshot();
        Region r = regions.compute(s.region(), (id, old) -> {
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
        synchronized (r) {
            CompletableFuture<Outcome> f = r.tail.handleAsync((prev, err) -> calibrate(r, d), pool);
            r.tail = f;
            return f;
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
            ClosedBin bin = OnlineInput.toClosedBin(s);
            result = rc.update(bin);
        } catch (RuntimeException e) {
            failedUpdates.incrementAndGet();
            LOG.error("region '{}' bin {}: update failed, bin skipped (its offsets still commit): {}", s.region(),
                    s.binStart(), e.toString());
        }
        if (result != null && result.published()) {
            region.latest = result.parameters().parameters();
        }
        return new Outcome(d, result, StateSummary.of(rc, region.latest));
    }

    /** One transaction (writer thread); null when stopping (the bin is redone by the next instance). */
    private Committed commit(Outcome o) {
        synchronized (writeLock) {
            if (stopping) {
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
            SnapshotDelivery d = o.delivery();
            OutputBatch batch = new OutputBatch(ps, fs, as, Map.of(o.state().region(), o.state().toBytes()));
            writer.write(batch, d.offsetsToCommit(), ingest.groupMetadata());
            d.ack();
            committed.incrementAndGet();
            published.addAndGet(ps.size());
            alerts.addAndGet(as.size());
            Committed c = new Committed(d.snapshot(), r, o.state());
            last = c;
            return c;
        }
    }

    /** Transactions committed so far. */
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
            ingest.close();
            writer.close();
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
