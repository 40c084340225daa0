package org.mfgcal.ingest;

/** Free {@link Bin}s of a {@link RegionBinner} for reuse. Not thread-safe. */
final class ArrayDequeOfBins {
    private final java.util.ArrayDeque<Bin> free = new java.util.ArrayDeque<>();

    Bin take(int d) {
        Bin b = free.poll();
        return b != null ? b : new Bin(d);
    }

    void give(Bin b) {
        b.reset();
        if (free.size() < 64) {
            free.add(b);
        }
    }
}
