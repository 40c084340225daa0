package org.mfgcal.ingest;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The time quorum of a {@link RegionBinner}: its first records are held until enough of them agree on the region's
 * event time (see {@link RegionBinner#timeQuorum(int)}), then the largest agreeing group is binned and the others
 * are rejected. Not thread-safe.
 */
final class TimeQuorum {

    private static final long NONE = Long.MIN_VALUE;

    private final RegionConfig cfg;
    private final long maxFuture;
    /** First records needed to establish the region's event time (1: the first record does, nothing is held). */
    private int timeQuorum = 1;
    /** Whether the region's event time is established (by the quorum, a restore, or a quorum of 1). */
    private boolean established = true;
    private final List<Held> held = new ArrayList<>();
    private long lastHeldAt = NONE;
    private final List<RegionBinner.Decision> decided = new ArrayList<>();

    private record Held(IngestEvent e, long offset, long wallMillis) {
    }

    TimeQuorum(RegionConfig cfg) {
        this.cfg = cfg;
        this.maxFuture = cfg.maxFuture().toMillis();
    }

    /** Sets the quorum (1: established at once). */
    void set(int quorum) {
        timeQuorum = quorum;
        established = quorum == 1;
    }

    /** Marks the event time established (a restore). */
    void markEstablished() {
        established = true;
    }

    boolean established() {
        return established;
    }

    /** Whether no record is held. */
    boolean isEmpty() {
        return held.isEmpty();
    }

    /** Holds a record; whether the quorum is reached. */
    boolean hold(IngestEvent e, long offset, long nowMillis, long wallMillis) {
        held.add(new Held(e, offset, wallMillis));
        lastHeldAt = nowMillis;
        return held.size() >= timeQuorum;
    }

    /** Whether records are held and none arrived for {@code idleTimeout}. */
    boolean silent(long nowMillis, long idleTimeout) {
        return !held.isEmpty() && nowMillis - lastHeldAt >= idleTimeout;
    }

    /** The held records' input is busy (not silent) at {@code nowMillis}. */
    void busy(long nowMillis) {
        if (!established && !held.isEmpty()) {
            lastHeldAt = Math.max(lastHeldAt, nowMillis);
        }
    }

    /** Lowest source offset of the held records, or {@code Long.MAX_VALUE}. */
    long minOffset() {
        long m = Long.MAX_VALUE;
        for (Held h : held) {
            m = Math.min(m, h.offset());
        }
        return m;
    }

    /** Fates of held records decided since the last call, in offset order of decision (drained). */
    List<RegionBinner.Decision> drainDecided() {
        if (decided.isEmpty()) {
            return List.of();
        }
        List<RegionBinner.Decision> d = List.copyOf(decided);
        decided.clear();
        return d;
    }

    /** Establishes the event time from the held records, offering the agreeing ones to {@code binner}. */
    void establish(RegionBinner binner, long nowMillis, List<PopulationSnapshot> out) {
        established = true;
        if (held.isEmpty()) {
            return;
        }
        List<Held> h = List.copyOf(held);
        held.clear();
        long[] t = new long[h.size()];
        for (int i = 0; i < t.length; i++) {
            t[i] = h.get(i).e().eventTimeMillis();
        }
        long[] sorted = t.clone();
        Arrays.sort(sorted);
        int best = 0;
        long lo = sorted[0];
        for (int i = 0, j = 0; i < sorted.length; i++) {
            while (j + 1 < sorted.length && sorted[j + 1] - sorted[i] <= maxFuture) {
                j++;
            }
            if (j - i + 1 >= best) { // ties: the later group
                best = j - i + 1;
                lo = sorted[i];
            }
        }
        long hi = lo + maxFuture;
        for (int i = 0; i < h.size(); i++) {
            Held x = h.get(i);
            Rejection r;
            if (t[i] < lo || t[i] > hi) {
                String field = x.e() instanceof TripEvent ? "departedAt" : "at";
                r = new Rejection(t[i] < lo ? DeadLetterReason.TOO_LATE : DeadLetterReason.FUTURE_TIMESTAMP,
                        "field '" + field + "' " + Instant.ofEpochMilli(t[i]) + " is outside the region's event time ["
                                + Instant.ofEpochMilli(lo) + ", " + Instant.ofEpochMilli(hi) + "] agreed by " + best
                                + " of its first " + h.size() + " records (maxFuture " + cfg.maxFuture() + ")");
            } else {
                r = binner.offer(x.e(), x.offset(), nowMillis, x.wallMillis(), out);
            }
            decided.add(new RegionBinner.Decision(x.offset(), r));
        }
    }
}
