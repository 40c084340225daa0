package org.mfgcal.calibrator.discrete;

/**
 * MFGLib's {@code beach_bar} (docs/DISCRETE_GAMES.md §5.4): n = 4 positions on a line (clamped at both ends), bar at
 * 2, MFGLib horizon T = 2 (steps t = 0..T, so 3 decision steps), actions move {−1, 0, +1}, then noise {−1, 0, +1}
 * with probabilities ((1−p)/2, p, (1−p)/2), p_still = 0.5; reward |x − bar| − |move|/n − log(μ_t(x) + 1e−20)
 * (signs exactly as in MFGLib's RewardFn); μ_0 uniform. Immutable.
 */
public final class BeachBar implements DiscreteGame {
    private final int n;
    private final int bar;
    private final int horizonT;
    private final double pStill;
    private final double logEps;

    public BeachBar() {
        this(4, 2, 2, 0.5, 1e-20);
    }

    public BeachBar(int n, int bar, int horizonT, double pStill, double logEps) {
        if (n < 2 || bar < 0 || bar > n - 1) {
            throw new IllegalArgumentException("bar_loc " + bar + ": must be between 0 and n-1 = " + (n - 1));
        }
        if (!(pStill >= 0 && pStill <= 1)) {
            throw new IllegalArgumentException("p_still " + pStill + ": must be a probability");
        }
        this.n = n;
        this.bar = bar;
        this.horizonT = horizonT;
        this.pStill = pStill;
        this.logEps = logEps;
    }

    @Override
    public String name() {
        return "beach-bar";
    }

    @Override
    public int states() {
        return n;
    }

    @Override
    public int actions() {
        return 3;
    }

    @Override
    public int steps() {
        return horizonT + 1;
    }

    @Override
    public int fanout() {
        return 3;
    }

    @Override
    public double[] initialDistribution() {
        double[] m = new double[n];
        java.util.Arrays.fill(m, 1.0 / n);
        return m;
    }

    @Override
    public boolean[] legal() {
        boolean[] l = new boolean[n * 3];
        java.util.Arrays.fill(l, true);
        return l;
    }

    @Override
    public int[] successors() {
        int[] s = new int[n * 9];
        for (int x = 0; x < n; x++) {
            for (int a = 0; a < 3; a++) {
                for (int k = 0; k < 3; k++) {
                    s[(x * 3 + a) * 3 + k] = Math.min(Math.max(x + a - 1 + k - 1, 0), n - 1);
                }
            }
        }
        return s;
    }

    @Override
    public boolean stationaryTransitions() {
        return true;
    }

    @Override
    public void transitions(int t, double[] mu, double[] prob, int off) {
        double[] pr = {(1 - pStill) / 2, pStill, (1 - pStill) / 2};
        for (int i = 0; i < n * 3; i++) {
            for (int k = 0; k < 3; k++) {
                prob[off + i * 3 + k] = pr[k];
            }
        }
    }

    @Override
    public void rewards(double[] mu, double[] sa, double[] r) {
        for (int t = 0; t < steps(); t++) {
            for (int x = 0; x < n; x++) {
                double base = Math.abs(x - bar) - Math.log(mu[t * n + x] + logEps);
                for (int a = 0; a < 3; a++) {
                    r[(t * n + x) * 3 + a] = base - Math.abs(a - 1) / (double) n;
                }
            }
        }
    }
}
