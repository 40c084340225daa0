package org.mfgcal.ingest;

import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Event-time binning of every configured region: routes each validated event to its {@link RegionBinner}.
 * This class is the single implementation used both offline ({@link #snapshots}) and by the Kafka pipeline
 * ({@link IngestPipeline}); given the same records in the same order per region, they produce the same
 * snapshots.
 *
 * <p>Contract: not thread-safe; one thread drives it.
 */
public final class Binning {

    private final RegionConfigs regions;
    private final Map<String, RegionBinner> binners = new HashMap<>();
    private RegionBinner.CloseListener closeListener;

    public Binning(RegionConfigs regions) {
        this.regions = regions;
    }

    private int timeQuorum = 1;

    /** {@link RegionBinner#timeQuorum(int)} of every region created from now on (restored ones are established). */
    public void timeQuorum(int quorum) {
        timeQuorum = quorum;
    }

    /** Sets the listener told about every closed bin of every region, present and future ({@code null}: none). */
    public void closeListener(RegionBinner.CloseListener l) {
        closeListener = l;
        binners.values().forEach(b -> b.closeListener(l));
    }

    /** The configured regions. */
    public RegionConfigs regions() {
        return regions;
    }

    /**
     * Offers one parsed record.
     *
     * @param r          the parse result; a {@link Rejection} is returned as is
     * @param offset     source position (Kafka offset, or the index of the record offline)
     * @param nowMillis  processing time (idle timeout)
     * @param wallMillis wall-clock time (future check)
     * @param out        receives snapshots closed by this record (modified)
     * @return {@code null} when accepted, else the rejection
     */
    public Rejection offer(ParseResult r, long offset, long nowMillis, long wallMillis, List<PopulationSnapshot> out) {
        if (r instanceof Rejection rej) {
            return rej;
        }
        IngestEvent e = (IngestEvent) r;
        RegionBinner b = binner(e.region());
        if (b == null) {
            return new Rejection(DeadLetterReason.UNKNOWN_REGION, "field 'region' value '" + e.region()
                    + "' is not a configured region " + regionIds());
        }
        return b.offer(e, offset, nowMillis, wallMillis, out);
    }

    private String regionIds() {
        List<String> ids = new ArrayList<>();
        regions.all().forEach(c -> ids.add(c.id()));
        return ids.toString();
    }

    /** The binner of a region (created on first use), or {@code null} for an unknown region. */
    public RegionBinner binner(String region) {
        RegionBinner b = binners.get(region);
        if (b == null) {
            RegionConfig cfg = regions.get(region);
            if (cfg == null) {
                return null;
            }
            b = new RegionBinner(cfg);
            b.closeListener(closeListener);
            b.timeQuorum(timeQuorum);
            binners.put(region, b);
        }
        return b;
    }

    /** The binners created so far. */
    public Collection<RegionBinner> active() {
        return binners.values();
    }

    /** Replaces a region's state with a restored one. */
    public void restore(RegionCheckpoint cp) {
        RegionConfig cfg = regions.get(cp.region());
        if (cfg != null) {
            RegionBinner b = RegionBinner.restore(cfg, cp);
            b.closeListener(closeListener);
            binners.put(cp.region(), b);
        }
    }

    /** Forgets a region's state (its partition was revoked). */
    public void drop(String region) {
        binners.remove(region);
    }

    /** Processing-time tick for every region (see {@link RegionBinner#onIdle}). */
    public void onIdle(long nowMillis, List<PopulationSnapshot> out) {
        onIdle(nowMillis, Long.MAX_VALUE, out);
    }

    /** Processing-time tick with an end-of-input bound (see {@link RegionBinner#onIdle(long, long, List)}). */
    public void onIdle(long nowMillis, long endOfInputMillis, List<PopulationSnapshot> out) {
        onIdle(nowMillis, endOfInputMillis, id -> false, out);
    }

    /**
     * Processing-time tick; regions for which {@code busy} holds (input pending: paused, lagging or queued
     * partition) are not idle ({@link RegionBinner#onBusy}).
     */
    public void onIdle(long nowMillis, long endOfInputMillis, java.util.function.Predicate<String> busy,
                       List<PopulationSnapshot> out) {
        for (var e : binners.entrySet()) {
            if (busy.test(e.getKey())) {
                e.getValue().onBusy(nowMillis);
            } else {
                e.getValue().onIdle(nowMillis, endOfInputMillis, out);
            }
        }
    }

    /** Closes every open bin of every region (end of input). */
    public void flush(List<PopulationSnapshot> out) {
        for (RegionBinner b : binners.values()) {
            b.flush(out);
        }
    }

    /**
     * Offline: bins ordered events of any configured regions and closes everything at the end.
     *
     * @return the snapshots, per region in bin order (regions interleaved as their bins close)
     */
    public static List<PopulationSnapshot> snapshots(List<? extends IngestEvent> events, RegionConfigs regions) {
        return run(events, regions, true).snapshots();
    }

    /** Offline, one region. */
    public static List<PopulationSnapshot> snapshots(List<? extends IngestEvent> events, RegionConfig region) {
        return snapshots(events, RegionConfigs.of(region));
    }

    /**
     * Offline with the details: snapshots and rejected records per reason.
     *
     * @param flush whether to close the still-open bins at the end (a live stream would keep them open)
     */
    public static Result run(List<? extends IngestEvent> events, RegionConfigs regions, boolean flush) {
        Binning binning = new Binning(regions);
        List<PopulationSnapshot> out = new ArrayList<>();
        Map<DeadLetterReason, Long> rejected = new EnumMap<>(DeadLetterReason.class);
        long wall = System.currentTimeMillis();
        long offset = 0;
        for (IngestEvent e : events) {
            Rejection r = binning.offer(e, offset++, 0, wall, out);
            if (r != null) {
                rejected.merge(r.reason(), 1L, Long::sum);
            }
        }
        if (flush) {
            binning.flush(out);
        }
        return new Result(List.copyOf(out), Map.copyOf(rejected));
    }

    /**
     * Offline result.
     *
     * @param snapshots closed snapshots
     * @param rejected  number of rejected events per reason
     */
    public record Result(List<PopulationSnapshot> snapshots, Map<DeadLetterReason, Long> rejected) {
    }
}
