package org.mfgcal.calibrator.solver;

/**
 * Squared error of a trajectory μ (N×d) to observations: L = (1/Δ) Σ_{n=s}^{s+Δ−1} Σ_{x∈O} (μ_{n·k}(x) − μ^obs_n(x))²,
 * over a window [s, s+Δ) (the full horizon by default, docs/MODEL.md §4) and a set O of observed states (all by
 * default; e.g. only I for incidence data). The stride k (1 by default) lets the solver grid be finer than the
 * observations: observation row n is compared with grid row n·k, the observations have (N−1)/k + 1 rows and the
 * grid rows between observed ones get no loss. Immutable and thread-safe.
 */
public final class SquaredLoss {
    private final int nT;
    private final int d;
    private final int start;
    private final int length;
    private final boolean[] observed;
    private final int stride;

    public SquaredLoss(int nT, int d, int start, int length, boolean[] observed) {
        this(nT, d, start, length, observed, 1);
    }

    /**
     * @param nT       N, grid points of the trajectory μ
     * @param start    s, first observation row of the window
     * @param length   Δ, observation rows in the window
     * @param observed observed-state mask (d entries), or null for all
     * @param stride   k ≥ 1, grid steps per observation row; (N − 1) must be a multiple of k
     */
    public SquaredLoss(int nT, int d, int start, int length, boolean[] observed, int stride) {
        if (stride < 1 || (nT - 1) % stride != 0) {
            throw new IllegalArgumentException("loss stride " + stride + " does not divide the " + (nT - 1)
                    + " grid steps");
        }
        final int rows = (nT - 1) / stride + 1;
        if (start < 0 || length < 1 || start + length > rows) {
            throw new IllegalArgumentException("loss window [" + start + ", " + (start + length) + ") is not inside 0.." + rows);
        }
        if (observed != null && observed.length != d) {
            throw new IllegalArgumentException("observed-state mask has " + observed.length + " entries, expected d = " + d);
        }
        this.nT = nT;
        this.d = d;
        this.start = start;
        this.length = length;
        this.observed = observed == null ? null : observed.clone();
        this.stride = stride;
    }

    /** The full-horizon loss over all states. */
    public static SquaredLoss fullHorizon(int nT, int d) {
        return new SquaredLoss(nT, d, 0, nT, null);
    }

    public SquaredLoss window(int s, int len) {
        return new SquaredLoss(nT, d, s, len, observed, stride);
    }

    /** N, grid points of the trajectories this loss reads. */
    public int steps() {
        return nT;
    }

    /** k, grid steps per observation row. */
    public int stride() {
        return stride;
    }

    /** Numbers in an observation array: ((N−1)/k + 1)·d. */
    public int observationLength() {
        return ((nT - 1) / stride + 1) * d;
    }

    private boolean isObserved(int x) {
        return observed == null || observed[x];
    }

    /** L(μ); {@code mu} is N×d, {@code obs} ((N−1)/k + 1)×d, not modified. */
    public double value(double[] mu, double[] obs) {
        double s = 0;
        for (int n = start; n < start + length; n++) {
            for (int x = 0; x < d; x++) {
                if (isObserved(x)) {
                    final double r = mu[n * stride * d + x] - obs[n * d + x];
                    s += r * r;
                }
            }
        }
        return s / length;
    }

    /** ∂L/∂μ into {@code grad} (N×d, overwritten; 0 on the grid rows between observations); returns L. */
    public double gradient(double[] mu, double[] obs, double[] grad) {
        java.util.Arrays.fill(grad, 0, nT * d, 0.0);
        double s = 0;
        for (int n = start; n < start + length; n++) {
            for (int x = 0; x < d; x++) {
                if (isObserved(x)) {
                    final int i = n * stride * d + x;
                    final double r = mu[i] - obs[n * d + x];
                    s += r * r;
                    grad[i] = 2 * r / length;
                }
            }
        }
        return s / length;
    }
}
