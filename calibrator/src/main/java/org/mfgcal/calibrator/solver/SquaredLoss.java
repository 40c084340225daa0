package org.mfgcal.calibrator.solver;

/**
 * Squared error of a trajectory μ (N×d) to observations: L = (1/Δ) Σ_{n=s}^{s+Δ−1} Σ_{x∈O} (μ_n(x) − μ^obs_n(x))²,
 * over a window [s, s+Δ) (the full horizon by default, docs/MODEL.md §4) and a set O of observed states (all by
 * default; e.g. only I for incidence data). Immutable and thread-safe.
 */
public final class SquaredLoss {
    private final int nT;
    private final int d;
    private final int start;
    private final int length;
    private final boolean[] observed;

    public SquaredLoss(int nT, int d, int start, int length, boolean[] observed) {
        if (start < 0 || length < 1 || start + length > nT) {
            throw new IllegalArgumentException("loss window [" + start + ", " + (start + length) + ") is not inside 0.." + nT);
        }
        if (observed != null && observed.length != d) {
            throw new IllegalArgumentException("observed-state mask has " + observed.length + " entries, expected d = " + d);
        }
        this.nT = nT;
        this.d = d;
        this.start = start;
        this.length = length;
        this.observed = observed == null ? null : observed.clone();
    }

    /** The full-horizon loss over all states. */
    public static SquaredLoss fullHorizon(int nT, int d) {
        return new SquaredLoss(nT, d, 0, nT, null);
    }

    public SquaredLoss window(int s, int len) {
        return new SquaredLoss(nT, d, s, len, observed);
    }

    private boolean isObserved(int x) {
        return observed == null || observed[x];
    }

    /** L(μ); {@code mu} and {@code obs} are N×d, not modified. */
    public double value(double[] mu, double[] obs) {
        double s = 0;
        for (int n = start; n < start + length; n++) {
            for (int x = 0; x < d; x++) {
                if (isObserved(x)) {
                    final double r = mu[n * d + x] - obs[n * d + x];
                    s += r * r;
                }
            }
        }
        return s / length;
    }

    /** ∂L/∂μ into {@code grad} (N×d, overwritten); returns L. */
    public double gradient(double[] mu, double[] obs, double[] grad) {
        java.util.Arrays.fill(grad, 0, nT * d, 0.0);
        double s = 0;
        for (int n = start; n < start + length; n++) {
            for (int x = 0; x < d; x++) {
                if (isObserved(x)) {
                    final int i = n * d + x;
                    final double r = mu[i] - obs[i];
                    s += r * r;
                    grad[i] = 2 * r / length;
                }
            }
        }
        return s / length;
    }
}
