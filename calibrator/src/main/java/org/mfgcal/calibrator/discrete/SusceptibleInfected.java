package org.mfgcal.calibrator.discrete;

/**
 * MFGLib's {@code susceptible_infected} (docs/DISCRETE_GAMES.md §5.5): states S = 0, I = 1; actions 0 = go out,
 * 1 = social distancing; MFGLib horizon T = 50 (51 decision steps); a susceptible agent going out is infected with
 * probability β·μ_t(I), β = 0.9² = 0.81 (the parameter), distancing keeps it susceptible; an infected agent recovers
 * with probability 0.3 whatever it does. Rewards r(S, out) = 0, r(S, distance) = −0.5, r(I, out) = −1,
 * r(I, distance) = −1.5; μ_0 = (0.4, 0.6). Immutable.
 */
public final class SusceptibleInfected implements SmoothGame {
    static final double RECOVERY = 0.3;
    private static final double[] REWARD = {0.0, -0.5, -1.0, -1.5};
    private final int horizonT;
    private final double beta;
    private final double[] mu0;

    public SusceptibleInfected() {
        this(50, 0.81, new double[] {0.4, 0.6});
    }

    public SusceptibleInfected(int horizonT, double beta, double[] mu0) {
        if (!(beta >= 0 && beta <= 1)) {
            throw new IllegalArgumentException("infection_probability " + beta + ": must be in [0, 1]");
        }
        if (horizonT < 0) {
            throw new IllegalArgumentException("T " + horizonT + ": must be ≥ 0");
        }
        this.horizonT = horizonT;
        this.beta = beta;
        this.mu0 = mu0.clone();
    }

    @Override
    public String name() {
        return "sis";
    }

    @Override
    public int states() {
        return 2;
    }

    @Override
    public int actions() {
        return 2;
    }

    @Override
    public int steps() {
        return horizonT + 1;
    }

    @Override
    public int fanout() {
        return 2;
    }

    @Override
    public double[] initialDistribution() {
        return mu0.clone();
    }

    @Override
    public boolean[] legal() {
        return new boolean[] {true, true, true, true};
    }

    @Override
    public int[] successors() {
        return new int[] {0, 1, 0, 1, 0, 1, 0, 1};
    }

    @Override
    public boolean stationaryTransitions() {
        return false;
    }

    @Override
    public void transitions(int t, double[] mu, double[] prob, int off) {
        double inf = beta * mu[t * 2 + 1];
        prob[off] = 1 - inf;          // S, out -> S
        prob[off + 1] = inf;          // S, out -> I
        prob[off + 2] = 1.0;          // S, distance -> S
        prob[off + 3] = 0.0;
        prob[off + 4] = RECOVERY;     // I -> S
        prob[off + 5] = 1 - RECOVERY;
        prob[off + 6] = RECOVERY;
        prob[off + 7] = 1 - RECOVERY;
    }

    @Override
    public void rewards(double[] mu, double[] sa, double[] r) {
        for (int t = 0; t < steps(); t++) {
            System.arraycopy(REWARD, 0, r, t * 4, 4);
        }
    }

    @Override
    public String[] parameterNames() {
        return new String[] {"infection_probability"};
    }

    @Override
    public double[] parameters() {
        return new double[] {beta};
    }

    @Override
    public SusceptibleInfected withParameters(double[] theta) {
        if (theta.length != 1) {
            throw new IllegalArgumentException("sis takes 1 parameter, got " + theta.length);
        }
        return new SusceptibleInfected(horizonT, theta[0], mu0);
    }

    @Override
    public void rewardsJvp(double[] mu, double[] sa, double[] dmu, double[] dsa, double[] dtheta, double[] dr) {
        java.util.Arrays.fill(dr, 0, steps() * 4, 0.0);
    }

    @Override
    public void transitionsJvp(int t, double[] mu, double[] dmu, double[] dtheta, double[] dprob, int off) {
        double d = (dmu == null ? 0.0 : beta * dmu[t * 2 + 1]) + (dtheta == null ? 0.0 : dtheta[0] * mu[t * 2 + 1]);
        java.util.Arrays.fill(dprob, off, off + 8, 0.0);
        dprob[off] = -d;
        dprob[off + 1] = d;
    }
}
