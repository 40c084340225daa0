package org.mfgcal.calibrator.discrete;

/**
 * OpenSpiel's crowd modelling game on a ring ({@code crowd_modelling}, docs/DISCRETE_GAMES.md §5.1): S = 10 states on
 * a torus, T = 10 steps, moves {−1, 0, +1} then a noise move {−1, 0, +1} with probability 1/3 each;
 * r_t(x, a) = 1 − |x − 5|/5 − |move|/10 − c·log(μ_t(x) + 1e−25), μ_0 uniform. The crowd-aversion coefficient c
 * (OpenSpiel's {@code crowd_aversion_coef}, default 1) is the parameter. Immutable.
 */
public final class CrowdRing implements SmoothGame, CrowdPotentialGame {
    public static final int SIZE = 10;
    public static final int HORIZON = 10;
    static final double EPS = 1e-25;
    private final int size;
    private final int horizon;
    private final double aversion;

    public CrowdRing() {
        this(SIZE, HORIZON, 1.0);
    }

    public CrowdRing(int size, int horizon, double aversion) {
        if (size < 3) {
            throw new IllegalArgumentException("size " + size + ": must be ≥ 3");
        }
        if (horizon < 1) {
            throw new IllegalArgumentException("horizon " + horizon + ": must be ≥ 1");
        }
        if (!(aversion >= 0) || !Double.isFinite(aversion)) {
            throw new IllegalArgumentException("crowd_aversion " + aversion + ": must be finite and ≥ 0");
        }
        this.size = size;
        this.horizon = horizon;
        this.aversion = aversion;
    }

    @Override
    public String name() {
        return "crowd-ring";
    }

    @Override
    public int states() {
        return size;
    }

    @Override
    public int actions() {
        return 3;
    }

    @Override
    public int steps() {
        return horizon;
    }

    @Override
    public int fanout() {
        return 3;
    }

    @Override
    public double[] initialDistribution() {
        double[] m = new double[size];
        java.util.Arrays.fill(m, 1.0 / size);
        return m;
    }

    @Override
    public boolean[] legal() {
        boolean[] l = new boolean[size * 3];
        java.util.Arrays.fill(l, true);
        return l;
    }

    @Override
    public int[] successors() {
        int[] n = new int[size * 9];
        for (int x = 0; x < size; x++) {
            for (int a = 0; a < 3; a++) {
                for (int k = 0; k < 3; k++) {
                    n[(x * 3 + a) * 3 + k] = Math.floorMod(x + (a - 1) + (k - 1), size);
                }
            }
        }
        return n;
    }

    /** The chosen move x + a − 1, then the chance move. */
    @Override
    public int[] moves() {
        int[] m = new int[size * 3];
        for (int x = 0; x < size; x++) {
            for (int a = 0; a < 3; a++) {
                m[x * 3 + a] = Math.floorMod(x + a - 1, size);
            }
        }
        return m;
    }

    @Override
    public int noiseFanout() {
        return 3;
    }

    @Override
    public int[] noiseSuccessors() {
        return moves();
    }

    @Override
    public double[] noiseProbabilities() {
        double[] pr = new double[size * 3];
        java.util.Arrays.fill(pr, 1.0 / 3.0);
        return pr;
    }

    @Override
    public boolean stationaryTransitions() {
        return true;
    }

    @Override
    public void transitions(int t, double[] mu, double[] prob, int off) {
        java.util.Arrays.fill(prob, off, off + size * 9, 1.0 / 3.0);
    }

    @Override
    public void rewards(double[] mu, double[] sa, double[] r) {
        int half = size / 2;
        for (int t = 0; t < horizon; t++) {
            for (int x = 0; x < size; x++) {
                double base = 1.0 - (double) Math.abs(x - half) / half - aversion * Math.log(mu[t * size + x] + EPS);
                int o = (t * size + x) * 3;
                for (int a = 0; a < 3; a++) {
                    r[o + a] = base - Math.abs(a - 1) / (double) size;
                }
            }
        }
    }

    /**
     * Φ = Σ_t Σ_x [(1 − |x−5|/5) μ − c μ log(μ + ε)] − Σ_t Σ_{x,a} |move|/10 · L: its gradient is the reward up to a
     * constant per step (which the line search never sees, mass being conserved).
     */
    @Override
    public void potentialDerivatives(double[] mu, double[] sa, double[] dmu, double[] dsa, double[] out) {
        int half = size / 2;
        double d1 = 0;
        double d2 = 0;
        for (int t = 0; t < horizon; t++) {
            for (int x = 0; x < size; x++) {
                int i = t * size + x;
                double d = dmu[i];
                double m = mu[i] + EPS;
                d1 += (1.0 - (double) Math.abs(x - half) / half - aversion * (Math.log(m) + mu[i] / m)) * d;
                d2 -= aversion * (mu[i] + 2 * EPS) / (m * m) * d * d;
                for (int a = 0; a < 3; a++) {
                    d1 -= Math.abs(a - 1) / (double) size * dsa[i * 3 + a];
                }
            }
        }
        out[0] = d1;
        out[1] = d2;
    }

    @Override
    public double crowdReward(double mass) {
        return -aversion * Math.log(mass + EPS);
    }

    @Override
    public double crowdPotential(double mass) {
        double m = mass + EPS;
        return -aversion * (m * Math.log(m) - mass);
    }

    @Override
    public double crowdCurvature(double mass) {
        return aversion / (mass + EPS);
    }

    @Override
    public double logCrowdCoefficient() {
        return aversion;
    }

    @Override
    public String[] parameterNames() {
        return new String[] {"crowd_aversion"};
    }

    @Override
    public double[] parameters() {
        return new double[] {aversion};
    }

    @Override
    public CrowdRing withParameters(double[] theta) {
        if (theta.length != 1) {
            throw new IllegalArgumentException("crowd-ring takes 1 parameter, got " + theta.length);
        }
        return new CrowdRing(size, horizon, theta[0]);
    }

    @Override
    public void rewardsJvp(double[] mu, double[] sa, double[] dmu, double[] dsa, double[] dtheta, double[] dr) {
        double dc = dtheta == null ? 0.0 : dtheta[0];
        for (int t = 0; t < horizon; t++) {
            for (int x = 0; x < size; x++) {
                double m = mu[t * size + x] + EPS;
                double d = -dc * Math.log(m);
                if (dmu != null) {
                    d -= aversion * dmu[t * size + x] / m;
                }
                int o = (t * size + x) * 3;
                dr[o] = d;
                dr[o + 1] = d;
                dr[o + 2] = d;
            }
        }
    }

    @Override
    public void transitionsJvp(int t, double[] mu, double[] dmu, double[] dtheta, double[] dprob, int off) {
        java.util.Arrays.fill(dprob, off, off + size * 9, 0.0);
    }
}
