package org.mfgcal.app.service;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicLong;

import org.mfgcal.api.CalibrationListener;
import org.mfgcal.api.ClosedBin;
import org.mfgcal.api.ParameterValue;
import org.mfgcal.api.UpdateResult;
import org.mfgcal.calibrator.online.RegionCalibrator;
import org.mfgcal.ingest.PopulationSnapshot;
import org.mfgcal.ingest.RegionConfig;
import org.mfgcal.ingest.SnapshotDelivery;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes a session's closed bins to their regions' calibrators (see {@link ServicePipeline}): restores the regions
 * from the state values, queues each bin's update behind its region's previous one on the bounded calibration pool
 * (regions in parallel, a region's bins in order), skips bins already committed, and checks a region's first bin
 * against the partition's committed checkpoint.
 *
 * <p>Thread-safety: {@link #submit} on one thread (the binning thread) per session; the updates run on the pool.
 */
final class RegionRouter {

    private static final Logger LOG = LoggerFactory.getLogger(RegionRouter.class);
    /**
     * How long the first bin of a region waits for its committed state to become readable (see {@link #check}):
     * longer than a dead instance's open transaction can hold back the state topic's readers (the transaction
     * timeout, {@code OutputWriterConfig.DEFAULT_TRANSACTION_TIMEOUT}, plus the broker's 10 s abort interval).
     */
    static final Duration STATE_CATCH_UP = Duration.ofSeconds(80);
    /** {@link Region#lastBin} of a region with no bin ({@link RegionCalibrator#lastBin()} before its first). */
    private static final long NO_BIN = Long.MIN_VALUE;
    private static final java.lang.management.ThreadMXBean THREADS =
            java.lang.management.ManagementFactory.getThreadMXBean();

    /** A delivery's outcome; {@code state} is null for a delivery of dead letters only or a skipped bin. */
    record Outcome(SnapshotDelivery delivery, UpdateResult result, StateLog.Records state) {
    }

    /** A region's calibrator and the tail of its queue of updates (guarded by the Region's monitor). */
    static final class Region {
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
        /** Where the region's state log stands (the region's updates). */
        final StateLog.Cursor cursor;

        Region(RegionCalibrator calibrator, int snapshotEvery) {
            this(calibrator, new StateLog.Cursor(snapshotEvery), List.of());
        }

        Region(RegionCalibrator calibrator, StateLog.Cursor cursor, List<ParameterValue> latest) {
            this.calibrator = calibrator;
            this.lastBin = calibrator.lastBin();
            this.cursor = cursor;
            this.latest = latest;
        }
    }

    private final ServiceConfig config;
    private final CalibrationListener listener;
    private final ExecutorService pool;
    private final ServiceConnections.StateSource states;
    private final PipelineCounters counters;

    RegionRouter(ServiceConfig config, CalibrationListener listener, ExecutorService pool,
                 ServiceConnections.StateSource states, PipelineCounters counters) {
        this.config = config;
        this.listener = listener;
        this.pool = pool;
        this.states = states;
        this.counters = counters;
    }

    /**
     * A session's regions, restored from the latest state values (see {@link #restore}).
     *
     * @param hangingChecked whether the session's output completed its producer's hanging transactions
     *                       ({@link ServiceConnections.Output#hangingChecked}): then the topic's values are the last
     *                       committed ones; otherwise this process's own committed records are used where the topic
     *                       lets read an older bin ({@link #committedStates})
     */
    Map<String, Region> restored(boolean hangingChecked) {
        Map<String, Region> regions = new ConcurrentHashMap<>();
        Map<String, byte[]> latest = states.readLatest();
        restore(regions, hangingChecked ? latest : newerOfCommitted(latest));
        return regions;
    }

    /**
     * The state records of each region as of its last bin committed by this process (writer thread; read at a
     * session's start): the head, and the snapshot and logged bins written since this process last snapshotted
     * the region. A new session restores from them when the state topic's readable head is older: a broker can
     * complete a transaction without writing its markers (a single broker's controlled shutdown: "Couldn't find
     * leader endpoint … these partitions are likely deleted already and hence can be skipped"), which leaves that
     * bin's state unreadable until the next marker of the same producer; computing the bin again would then publish
     * it twice (RELIABILITY.md, known limits). Used only when the session's output could not check for such
     * transactions ({@link ServiceConnections.Output#hangingChecked}); when it could, it completed them as their
     * coordinator recorded them, and the topic's values are the committed ones (an aborted transaction's bins must be
     * computed again, which restoring from these records would skip).
     */
    private final Map<String, CommittedState> committedStates = new ConcurrentHashMap<>();

    private record CommittedState(long lastBin, Map<String, byte[]> records) {
    }

    /** Records the state records of a region's bin whose transaction committed (writer thread). */
    void committed(String region, long lastBin, Map<String, byte[]> records) {
        committedStates.compute(region, (k, old) -> {
            Map<String, byte[]> m = old == null || records.containsKey(StateLog.snapshotKey(region))
                    ? new HashMap<>() : new HashMap<>(old.records());
            m.putAll(records);
            return new CommittedState(lastBin, m);
        });
    }

    /** The topic's state values, except where this process committed a later bin than the topic lets read. */
    private Map<String, byte[]> newerOfCommitted(Map<String, byte[]> fromTopic) {
        if (committedStates.isEmpty()) {
            return fromTopic;
        }
        Map<String, byte[]> m = new HashMap<>(fromTopic);
        committedStates.forEach((region, mine) -> {
            long topicBin = headBin(m.get(region));
            if (mine.lastBin() > topicBin) {
                LOG.warn("region '{}': the state topic lets read bin {} but this process committed bin {}; restoring"
                        + " from the committed records (their transaction markers are not readable yet)", region,
                        topicBin == Long.MIN_VALUE ? "none" : topicBin, mine.lastBin());
                m.putAll(mine.records());
            }
        });
        return m;
    }

    private static long headBin(byte[] v) {
        try {
            return v == null ? Long.MIN_VALUE : StateSummary.fromBytes(v).lastBin();
        } catch (RuntimeException e) {
            return Long.MIN_VALUE;
        }
    }

    /**
     * Restores each configured region from its latest head and the records it names ({@link StateLog#restore});
     * a head of an unknown format, or one whose configuration, zones or records do not match, is logged and its
     * region cold-starts.
     */
    private void restore(Map<String, Region> regions, Map<String, byte[]> latest) {
        for (Map.Entry<String, byte[]> e : latest.entrySet()) {
            String id = e.getKey();
            if (id.indexOf(StateLog.SEP) >= 0) {
                continue; // a snapshot or logged bin, read with its head
            }
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
                long t0 = System.nanoTime();
                StateLog.Restored r = StateLog.restore(config.onlineConfig(rc), id, st, latest, listener,
                        config.stateSnapshotBins());
                regions.put(id, new Region(r.calibrator(), r.cursor(), st.parameters()));
                LOG.info("region '{}' restored from {} at bin {} (snapshot of bin {} + {} bin(s) replayed, format {},"
                        + " warm {}) in {} ms", id, config.outputTopics().state(), st.lastBin(), st.snapshotBin(),
                        st.replayBins(), st.format(), st.warm(), (System.nanoTime() - t0) / 1_000_000);
            } catch (RuntimeException ex) {
                LOG.warn("region '{}': state on {} not restored ({}); cold start", id, config.outputTopics().state(),
                        ex.getMessage());
            }
        }
    }

    /**
     * Queues the bin's update behind its region's previous one (binning thread; returns at once).
     *
     * @param regions the session's regions
     * @param input   the session's input (its committed checkpoints, see {@link #check})
     */
    CompletableFuture<Outcome> submit(Map<String, Region> regions, ServiceConnections.Input input,
                                      SnapshotDelivery d) {
        PopulationSnapshot s = d.snapshot();
        if (s == null) { // dead letters only
            return CompletableFuture.completedFuture(new Outcome(d, null, null));
        }
        Region r = regions.compute(s.region(), (id, old) -> {
            if (old != null && old.calibrator.zones().equals(s.zones())) {
                return old;
            }
            if (old != null) {
                LOG.warn("region '{}': zones {} differ from the restored state's {}; cold start", id, s.zones(),
                        old.calibrator.zones());
            }
            RegionConfig rc = config.regions().get(id);
            return new Region(new RegionCalibrator(config.onlineConfig(rc), id, s.zones(), listener),
                    config.stateSnapshotBins());
        });
        if (!r.checked) {
            r.checked = true;
            r = check(regions, input, s, r);
        }
        long bin = binIndex(s);
        if (r.lastBin != NO_BIN && bin <= r.lastBin) {
            // already committed (by a previous session or owner): publishing it again would duplicate it
            counters.skippedBins.incrementAndGet();
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

    /** The bin's index as the calibrator numbers it ({@link PopulationSnapshot#toClosedBin()}). */
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
    private Region check(Map<String, Region> regions, ServiceConnections.Input input, PopulationSnapshot s,
                         Region r) {
        Long closedUntil = input.restoredClosedUntil(s.region());
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
            Map<String, Region> fresh = new HashMap<>();
            Map<String, byte[]> latest = states.readLatest();
            if (latest.containsKey(s.region())) {
                Map<String, byte[]> mine = new HashMap<>();
                latest.forEach((k, v) -> {
                    if (StateLog.regionOf(k).equals(s.region())) {
                        mine.put(k, v);
                    }
                });
                restore(fresh, mine);
            }
            Region nr = fresh.get(s.region());
            if (nr != null && nr.lastBin != NO_BIN && nr.lastBin >= expected) {
                LOG.info("region '{}': state re-read ({} read(s)) at bin {}, as the committed checkpoint (bin {})",
                        s.region(), reads, nr.lastBin, expected);
                nr.checked = true;
                regions.put(s.region(), nr);
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
        long cpu0 = THREADS.getCurrentThreadCpuTime();
        RegionCalibrator rc = region.calibrator;
        PopulationSnapshot s = d.snapshot();
        if (s.lateEvents() > 0) {
            counters.lateEvents.computeIfAbsent(s.region(), k -> new AtomicLong()).addAndGet(s.lateEvents());
        }
        UpdateResult result = null;
        ClosedBin bin = null;
        try {
            bin = s.toClosedBin();
            result = rc.update(bin);
        } catch (RuntimeException e) {
            counters.failedUpdates.incrementAndGet();
            LOG.error("region '{}' bin {}: update failed, bin skipped (its offsets still commit): {}", s.region(),
                    s.binStart(), e.toString());
        }
        if (result != null && result.published()) {
            region.latest = result.parameters().parameters();
            if (result.parameters().health().degraded()) {
                counters.degradedUpdates.incrementAndGet();
                LOG.warn("region '{}' bin {}: update degraded ({}); publishing the last good parameters",
                        s.region(), s.binStart(), result.parameters().health().reason());
            }
        }
        Outcome out = new Outcome(d, result, region.cursor.after(rc, bin, region.latest));
        counters.calibrationCpuNanos.computeIfAbsent(s.region(), k -> new AtomicLong())
                .addAndGet(THREADS.getCurrentThreadCpuTime() - cpu0);
        return out;
    }
}
