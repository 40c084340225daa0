package org.mfgcal.ingest;

import java.util.Arrays;

/**
 * Per-bin accumulators of a {@link RegionBinner}; recycled through {@link ArrayDequeOfBins}. Not thread-safe.
 */
final class Bin {

    private static final long NONE = Long.MIN_VALUE;

    final long[] dep;
    final long[] arr;
    final long[] od;
    double[] stCount = new double[0];
    long[] stAt = new long[0];
    int stations;
    long events;
    long late;
    long minOffset = Long.MAX_VALUE;
    long[] outBin = new long[8];
    int[] outZone = new int[8];
    int outSize;

    Bin(int d) {
        dep = new long[d];
        arr = new long[d];
        od = new long[d * d];
    }

    /** Grows the per-station slots to {@code n} (new slots empty). */
    void ensureStations(int n) {
        if (n > stAt.length) {
            int len = Math.max(n, 2 * stAt.length);
            int old = stAt.length;
            stCount = Arrays.copyOf(stCount, len);
            stAt = Arrays.copyOf(stAt, len);
            Arrays.fill(stAt, old, len, NONE);
        }
        stations = Math.max(stations, n);
    }

    void addOutgoing(long bin, int zone) {
        if (outSize == outBin.length) {
            outBin = Arrays.copyOf(outBin, outSize * 2);
            outZone = Arrays.copyOf(outZone, outSize * 2);
        }
        outBin[outSize] = bin;
        outZone[outSize] = zone;
        outSize++;
    }

    void reset() {
        Arrays.fill(dep, 0);
        Arrays.fill(arr, 0);
        Arrays.fill(od, 0);
        Arrays.fill(stAt, NONE);
        stations = 0;
        events = 0;
        late = 0;
        minOffset = Long.MAX_VALUE;
        outSize = 0;
    }

    static boolean isZero(long[] a) {
        for (long x : a) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }
}
