package org.mfgcal.calibrator.game;

/**
 * The SIR game of docs/MODEL.md §3: states S, I, R; susceptibles choose a contact level α ∈ {0, 1/9, …, 1}
 * by argmin of the Hamiltonian (first minimum wins). Rates S→I = β α μ(I), I→R = γ_rec, R absorbing.
 * Running cost f(S) = (c_α/2)(1−α)², f(I) = c_I, f(R) = 0; no terminal cost. γ per step is [β, γ_rec], or
 * [β, γ_rec, c_α, c_I] when the costs are calibrated too ({@code learnCosts}). Immutable and thread-safe.
 */
public final class SirGame implements Game {
    public static final int S = 0, I = 1, R = 2;
    private static final Graph GRAPH = Graph.fromAdjacency(new int[][] {{I}, {R}, {}});
    private static final int E_SI = 0, E_IR = 1;
    private static final int LEVELS = 10;

    /** Constants used when the costs are not calibrated; defaults are docs/MODEL.md's. */
    public record Params(double cAlpha, double cInfected) {
        public static final Params DEFAULTS = new Params(1.0, 0.1);

        public Params {
            LqGame.requireNonNegative("c_alpha", cAlpha);
            LqGame.requireNonNegative("c_infected", cInfected);
        }
    }

    private final Params p;
    private final boolean learnCosts;

    public SirGame(Params params, boolean learnCosts) {
        this.p = params;
        this.learnCosts = learnCosts;
    }

    @Override
    public String name() {
        return "sir";
    }

    @Override
    public Graph graph() {
        return GRAPH;
    }

    @Override
    public int paramsPerStep() {
        return learnCosts ? 4 : 2;
    }

    @Override
    public String[] parameterNames() {
        return learnCosts ? new String[] {"beta", "gamma_rec", "c_alpha", "c_I"} : new String[] {"beta", "gamma_rec"};
    }

    @Override
    public void checkParameters(double[] gamma, int gOff, int n) {
        String[] names = parameterNames();
        for (int k = 0; k < names.length; k++) {
            double v = gamma[gOff + k];
            if (!(v >= 0) || !Double.isFinite(v)) {
                throw new IllegalArgumentException("gamma[" + n + "][" + k + "] (" + names[k] + ") = " + v + ": must be ≥ 0");
            }
        }
    }

    private double cAlpha(double[] gamma, int gOff) {
        return learnCosts ? gamma[gOff + 2] : p.cAlpha;
    }

    private double cI(double[] gamma, int gOff) {
        return learnCosts ? gamma[gOff + 3] : p.cInfected;
    }

    /** The argmin control level of S (first minimum wins). */
    private double alpha(double[] u, int uOff, double[] mu, int muOff, double[] gamma, int gOff) {
        final double half = 0.5 * cAlpha(gamma, gOff);
        final double slope = gamma[gOff] * mu[muOff + I] * (u[uOff + I] - u[uOff + S]);
        double best = Double.POSITIVE_INFINITY;
        double bestAlpha = 0;
        for (int k = 0; k < LEVELS; k++) {
            final double alpha = k / (double) (LEVELS - 1);
            final double h = half * (1 - alpha) * (1 - alpha) + alpha * slope;
            if (h < best) {
                best = h;
                bestAlpha = alpha;
            }
        }
        return bestAlpha;
    }

    @Override
    public void local(int n, double[] u, int uOff, double[] mu, int muOff, double[] gamma, int gOff,
                      double[] a, double[] f, double[] scratch) {
        final double alpha = alpha(u, uOff, mu, muOff, gamma, gOff);
        a[E_SI] = gamma[gOff] * alpha * mu[muOff + I];
        a[E_IR] = gamma[gOff + 1];
        if (f != null) {
            f[S] = 0.5 * cAlpha(gamma, gOff) * (1 - alpha) * (1 - alpha);
            f[I] = cI(gamma, gOff);
            f[R] = 0;
        }
    }

    @Override
    public void localVjp(int n, double[] u, int uOff, double[] mu, int muOff, double[] gamma, int gOff,
                         double[] aBar, double[] fBar,
                         double[] uBar, int uBarOff, double[] muBar, int muBarOff, double[] gammaBar, int gBarOff,
                         double[] scratch) {
        final double alpha = alpha(u, uOff, mu, muOff, gamma, gOff);
        gammaBar[gBarOff] += aBar[E_SI] * alpha * mu[muOff + I];
        muBar[muBarOff + I] += aBar[E_SI] * gamma[gOff] * alpha;
        gammaBar[gBarOff + 1] += aBar[E_IR];
        if (learnCosts && fBar != null) {
            gammaBar[gBarOff + 2] += fBar[S] * 0.5 * (1 - alpha) * (1 - alpha);
            gammaBar[gBarOff + 3] += fBar[I];
        }
    }

    @Override
    public void terminal(double[] mu, int muOff, double[] gamma, int gOff, double[] g) {
        g[S] = 0;
        g[I] = 0;
        g[R] = 0;
    }

    @Override
    public void terminalVjp(double[] mu, int muOff, double[] gamma, int gOff, double[] gBar,
                            double[] muBar, int muBarOff, double[] gammaBar, int gBarOff) {
        // g ≡ 0
    }
}
