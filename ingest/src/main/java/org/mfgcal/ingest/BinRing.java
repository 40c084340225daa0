package org.mfgcal.ingest;

/**
 * The open bins of a {@link RegionBinner} as a ring (index 0 = the first open bin), with a pool of recycled bins.
 * Not thread-safe.
 */
final class BinRing {

    private final int d;
    private Bin[] ring = new Bin[16];
    private int head;
    private int size;
    private final ArrayDequeOfBins pool = new ArrayDequeOfBins();

    BinRing(int d) {
        this.d = d;
    }

    /** Number of open bins. */
    int size() {
        return size;
    }

    Bin get(int i) {
        return ring[(head + i) & (ring.length - 1)];
    }

    private void grow() {
        if (size == ring.length) {
            Bin[] n = new Bin[ring.length * 2];
            for (int i = 0; i < size; i++) {
                n[i] = get(i);
            }
            ring = n;
            head = 0;
        }
    }

    void append() {
        grow();
        ring[(head + size) & (ring.length - 1)] = pool.take(d);
        size++;
    }

    void prepend() {
        grow();
        head = (head - 1) & (ring.length - 1);
        ring[head] = pool.take(d);
        size++;
    }

    /** Removes the first open bin (taken by {@link #get get(0)} before; give it back by {@link #recycle}). */
    void removeHead() {
        ring[head] = null;
        head = (head + 1) & (ring.length - 1);
        size--;
    }

    /** Returns a closed bin to the pool. */
    void recycle(Bin bin) {
        pool.give(bin);
    }

    /** Lowest source offset among the records of the open bins, or {@code Long.MAX_VALUE}. */
    long minOffset() {
        long m = Long.MAX_VALUE;
        for (int i = 0; i < size; i++) {
            m = Math.min(m, get(i).minOffset);
        }
        return m;
    }

    /** Triples (bin index, zone index, arrivals) of the arrivals in open bins; bin index 0 is {@code firstOpen}. */
    long[] pendingArrivals(long firstOpen) {
        int n = 0;
        for (int i = 0; i < size; i++) {
            for (int z = 0; z < d; z++) {
                if (get(i).arr[z] != 0) {
                    n++;
                }
            }
        }
        long[] arrivals = new long[3 * n];
        int k = 0;
        for (int i = 0; i < size; i++) {
            Bin bin = get(i);
            for (int z = 0; z < d; z++) {
                if (bin.arr[z] != 0) {
                    arrivals[k++] = firstOpen + i;
                    arrivals[k++] = z;
                    arrivals[k++] = bin.arr[z];
                }
            }
        }
        return arrivals;
    }
}
