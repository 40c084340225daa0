package org.mfgcal.calibrator.game;

/**
 * A per-thread memo of the exit factor φ(z) and φ'(z) by exact argument, one slot per (u row, state): the per-pair
 * stable sweeps of one map and of the adjoint evaluate them at the same z many times (the FPK at step n on u_n, as
 * the HJB's step n − 1 when γ_n = γ_{n−1}; every adjoint iteration at the same linearisation point), and at d = 3
 * these transcendental calls were most of an LQ loss + gradient (issue 15, bench/BENCHMARKS.md). Used by
 * {@link LqDense}'s per-pair stable sweeps (memo of {@link ExitFactor#phi}, {@link ExitFactor#dphi}) and by the d = 3
 * stable kernels ({@link LqDense3}, {@link LqAdjoint3}: a separate memo of the series {@link ExitFactor#phiPoly},
 * {@link ExitFactor#dphiPoly}). A slot returns its value only when its key equals z, so the results are those of
 * {@link ExitFactor}, whatever ran before on the thread. Sweeps longer than {@link #MAX_SLOTS} slots go without it.
 */
final class ExitMemo {
    static final int MAX_SLOTS = 1 << 20;
    private static final ThreadLocal<ExitMemo> MEMO = ThreadLocal.withInitial(() -> new ExitMemo(false));
    private static final ThreadLocal<ExitMemo> POLY = ThreadLocal.withInitial(() -> new ExitMemo(true));
    /** Values of the series {@link ExitFactor#phiPoly}, {@link ExitFactor#dphiPoly} instead of φ, φ'. */
    private final boolean poly;
    private double[] kPhi = new double[0];
    private double[] vPhi = kPhi;
    private double[] kDphi = kPhi;
    private double[] vDphi = kPhi;

    private ExitMemo(boolean poly) {
        this.poly = poly;
    }

    /** This thread's memo of {@link ExitFactor#phi}, {@link ExitFactor#dphi}: {@code get(slots, false)}. */
    static ExitMemo get(int slots) {
        return get(slots, false);
    }

    /**
     * This thread's memo of the series {@link ExitFactor#phiPoly}, {@link ExitFactor#dphiPoly} ({@code poly}) or of
     * {@link ExitFactor#phi}, {@link ExitFactor#dphi}, with at least {@code slots} slots, or null beyond
     * {@link #MAX_SLOTS}. The two are separate memos, so a slot always holds its own function's value.
     */
    static ExitMemo get(int slots, boolean poly) {
        if (slots > MAX_SLOTS) {
            return null;
        }
        ExitMemo m = (poly ? POLY : MEMO).get();
        if (m.kPhi.length < slots) {
            m.kPhi = new double[slots];
            m.vPhi = new double[slots];
            m.kDphi = new double[slots];
            m.vDphi = new double[slots];
            java.util.Arrays.fill(m.kPhi, Double.NaN);
            java.util.Arrays.fill(m.kDphi, Double.NaN);
        }
        return m;
    }

    double phi(int slot, double z) {
        if (kPhi[slot] == z) {
            return vPhi[slot];
        }
        final double v = poly ? ExitFactor.phiPoly(z) : ExitFactor.phi(z);
        kPhi[slot] = z;
        vPhi[slot] = v;
        return v;
    }

    /** Stores {@code v}, which must be this memo's φ at {@code z} (bit for bit), in {@code slot}. */
    void putPhi(int slot, double z, double v) {
        kPhi[slot] = z;
        vPhi[slot] = v;
    }

    double dphi(int slot, double z) {
        if (kDphi[slot] == z) {
            return vDphi[slot];
        }
        final double v = poly ? ExitFactor.dphiPoly(z) : ExitFactor.dphi(z);
        kDphi[slot] = z;
        vDphi[slot] = v;
        return v;
    }
}
