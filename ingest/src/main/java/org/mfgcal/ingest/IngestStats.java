package org.mfgcal.ingest;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of a pipeline: every received record is either accepted (and then counted in the {@code events} of
 * exactly one emitted snapshot, once its bin closes), dead-lettered (by reason), or skipped as already handled
 * before a restart. Invariant: {@code received = accepted + deadLettered + skippedAfterRestore}.
 *
 * <p>Thread-safe (updated by the binning thread, read anywhere).
 */
public final class IngestStats {

    private final LongAdder received = new LongAdder();
    private final LongAdder accepted = new LongAdder();
    private final LongAdder skipped = new LongAdder();
    private final LongAdder snapshots = new LongAdder();
    private final LongAdder snapshotEvents = new LongAdder();
    private final EnumMap<DeadLetterReason, LongAdder> dead = new EnumMap<>(DeadLetterReason.class);

    public IngestStats() {
        for (DeadLetterReason r : DeadLetterReason.values()) {
            dead.put(r, new LongAdder());
        }
    }

    void countReceived() {
        received.increment();
    }

    void countAccepted() {
        accepted.increment();
    }

    void countSkipped() {
        skipped.increment();
    }

    void countDeadLetter(DeadLetterReason r) {
        dead.get(r).increment();
    }

    void countSnapshot(PopulationSnapshot s) {
        snapshots.increment();
        snapshotEvents.add(s.events());
    }

    public long received() {
        return received.sum();
    }

    public long accepted() {
        return accepted.sum();
    }

    public long skippedAfterRestore() {
        return skipped.sum();
    }

    public long snapshots() {
        return snapshots.sum();
    }

    /** Sum of {@code events} over emitted snapshots (= accepted records whose bins have closed). */
    public long eventsInSnapshots() {
        return snapshotEvents.sum();
    }

    public long deadLettered() {
        long s = 0;
        for (LongAdder a : dead.values()) {
            s += a.sum();
        }
        return s;
    }

    public long deadLettered(DeadLetterReason r) {
        return dead.get(r).sum();
    }

    /** Dead letters per reason (only reasons that occurred). */
    public Map<DeadLetterReason, Long> deadLetteredByReason() {
        Map<DeadLetterReason, Long> m = new EnumMap<>(DeadLetterReason.class);
        dead.forEach((r, a) -> {
            if (a.sum() > 0) {
                m.put(r, a.sum());
            }
        });
        return m;
    }

    @Override
    public String toString() {
        return "IngestStats[received=" + received() + " accepted=" + accepted() + " deadLettered=" + deadLetteredByReason()
                + " skipped=" + skippedAfterRestore() + " snapshots=" + snapshots() + " eventsInSnapshots="
                + eventsInSnapshots() + "]";
    }
}
