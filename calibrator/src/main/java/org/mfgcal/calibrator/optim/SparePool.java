package org.mfgcal.calibrator.optim;

/**
 * Per-thread spare float64 arrays by length: work vectors that an object needs only during a call (an L-BFGS
 * direction's work vector, the pairs an update may still roll back to) are taken here and given back, so that many
 * regions calibrated one after the other on a thread share them instead of each holding its own (issue 15, heap per
 * region). An array given back must no longer be referenced by its giver; a taken array's contents are undefined.
 *
 * <p>Thread-confined (a {@link ThreadLocal} per thread), so no locking; at most {@link #MAX_PER_SIZE} arrays of a
 * length and {@link #SIZES} lengths are kept per thread (the rest is left to the garbage collector).
 */
public final class SparePool {
    /** Spare arrays kept per length and thread. */
    public static final int MAX_PER_SIZE = 40;
    /** Lengths kept per thread (least recently used first out). */
    public static final int SIZES = 6;

    private static final ThreadLocal<SparePool> POOL = ThreadLocal.withInitial(SparePool::new);

    private final int[] length = new int[SIZES];
    private final double[][][] arrays = new double[SIZES][][];
    private final int[] held = new int[SIZES];
    private final long[] used = new long[SIZES];
    private long clock;

    private SparePool() {
    }

    /** An array of length n (from this thread's spares, else new); contents undefined. */
    public static double[] take(int n) {
        SparePool p = POOL.get();
        int i = p.find(n);
        if (i >= 0 && p.held[i] > 0) {
            double[] a = p.arrays[i][--p.held[i]];
            p.arrays[i][p.held[i]] = null;
            return a;
        }
        return new double[n];
    }

    /** Gives {@code a} back (the caller keeps no reference to it). */
    public static void give(double[] a) {
        SparePool p = POOL.get();
        int i = p.find(a.length);
        if (i < 0) {
            i = p.evict(a.length);
        }
        if (p.held[i] < MAX_PER_SIZE) {
            p.arrays[i][p.held[i]++] = a;
        }
    }

    private int find(int n) {
        for (int i = 0; i < SIZES; i++) {
            if (arrays[i] != null && length[i] == n) {
                used[i] = ++clock;
                return i;
            }
        }
        return -1;
    }

    private int evict(int n) {
        int lru = 0;
        for (int i = 0; i < SIZES; i++) {
            if (arrays[i] == null) {
                lru = i;
                break;
            }
            if (used[i] < used[lru]) {
                lru = i;
            }
        }
        length[lru] = n;
        arrays[lru] = new double[MAX_PER_SIZE][];
        held[lru] = 0;
        used[lru] = ++clock;
        return lru;
    }
}
