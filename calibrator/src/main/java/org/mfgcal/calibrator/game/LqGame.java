package org.mfgcal.calibrator.game;

/**
 * The linear-quadratic game of docs/MODEL.md §3, γ scalar per step (the control-cost multiplier):
 * <pre>
 *   a*_xy = clip(base − (u(y) − u(x)) / (2 γ W ρ(y)), 0, clip),   ρ(y) = 1 + κ μ(y)
 *   f(x)  = W γ Σ_{y≠x} (a_xy − base)² ρ(y) + c μ(x)^p
 *   g(x)  = s·(d−1−x) + c_T μ_T(x)^p
 * </pre>
 * Sums run over the graph's edges (all y ≠ x for the dense game). Immutable and thread-safe.
 */
public final class LqGame implements Game {

    /** The constants of the game; defaults are docs/MODEL.md's. */
    public record Params(double terminalCostScale, double congestionWeight, double congestionPower,
                         double controlWeight, double terminalCongestionWeight,
                         double destinationCongestionWeight, double baseTransitionRate, double rateClip) {
        public static final Params DEFAULTS = new Params(5.0, 0.1, 1, 1.0, 1.0, 0.0, 2.0, 100.0);

        public Params {
            requireNonNegative("congestion_weight", congestionWeight);
            requireNonNegative("terminal_congestion_weight", terminalCongestionWeight);
            requireNonNegative("destination_congestion_weight", destinationCongestionWeight);
            requireNonNegative("base_transition_rate", baseTransitionRate);
            if (!(controlWeight > 0) || !Double.isFinite(controlWeight)) {
                throw new IllegalArgumentException("params.control_weight = " + controlWeight + ": must be > 0");
            }
            if (!(rateClip > 0) || !Double.isFinite(rateClip)) {
                throw new IllegalArgumentException("params.rate_clip = " + rateClip + ": must be > 0");
            }
            if (!(congestionPower >= 1) || !Double.isFinite(congestionPower)) {
                throw new IllegalArgumentException("params.congestion_power = " + congestionPower + ": must be ≥ 1");
            }
            if (!Double.isFinite(terminalCostScale)) {
                throw new IllegalArgumentException("params.terminal_cost_scale = " + terminalCostScale + ": must be finite");
            }
        }
    }

    private final Graph graph;
    private final Params p;

    public LqGame(Graph graph, Params params) {
        this.graph = graph;
        this.p = params;
    }

    public LqGame(int states) {
        this(Graph.complete(states), Params.DEFAULTS);
    }

    public Params params() {
        return p;
    }

    @Override
    public String name() {
        return "lq";
    }

    @Override
    public Graph graph() {
        return graph;
    }

    @Override
    public int paramsPerStep() {
        return 1;
    }

    @Override
    public String[] parameterNames() {
        return new String[] {"gamma"};
    }

    @Override
    public void checkParameters(double[] gamma, int gOff, int n) {
        double g = gamma[gOff];
        if (!(g > 0) || !Double.isFinite(g)) {
            throw new IllegalArgumentException("gamma[" + n + "] = " + g + ": the LQ control-cost parameter must be > 0");
        }
    }

    private double pow(double m) {
        return p.congestionPower == 1 ? m : Math.pow(m, p.congestionPower);
    }

    private double dpow(double m) {
        return p.congestionPower == 1 ? 1 : p.congestionPower * Math.pow(m, p.congestionPower - 1);
    }

    @Override
    public void local(int n, double[] u, int uOff, double[] mu, int muOff, double[] gamma, int gOff,
                      double[] a, double[] f, double[] scratch) {
        final int d = graph.states();
        final int[] rs = graph.rowStart;
        final int[] to = graph.to;
        final double g = gamma[gOff];
        final double w = p.controlWeight;
        final double base = p.baseTransitionRate;
        final double clip = p.rateClip;
        final double kappa = p.destinationCongestionWeight;
        // One division per step (or per destination when κ ≠ 0) instead of one per edge: the division was half the
        // cost of a sweep (SolverBench, lq_const picardMap 10.4 → see bench/BENCHMARKS.md).
        final double inv = 1 / (2 * g * w);
        for (int x = 0; x < d; x++) {
            final double ux = u[uOff + x];
            double cost = 0;
            if (f == null && kappa == 0) {
                for (int e = rs[x], end = rs[x + 1]; e < end; e++) {
                    final double r = base - (u[uOff + to[e]] - ux) * inv;
                    a[e] = Math.min(Math.max(r, 0), clip);
                }
                continue;
            }
            if (kappa == 0) {
                for (int e = rs[x], end = rs[x + 1]; e < end; e++) {
                    double r = base - (u[uOff + to[e]] - ux) * inv;
                    r = r < 0 ? 0 : (r > clip ? clip : r);
                    a[e] = r;
                    final double dev = r - base;
                    cost += dev * dev;
                }
            } else {
                for (int e = rs[x], end = rs[x + 1]; e < end; e++) {
                    final int y = to[e];
                    final double rho = 1 + kappa * mu[muOff + y];
                    double r = base - (u[uOff + y] - ux) * inv / rho;
                    r = r < 0 ? 0 : (r > clip ? clip : r);
                    a[e] = r;
                    final double dev = r - base;
                    cost += dev * dev * rho;
                }
            }
            if (f != null) {
                f[x] = w * g * cost + p.congestionWeight * pow(mu[muOff + x]);
            }
        }
    }

    /**
     * The dense whole-sweep kernels ({@link LqDense}) cover κ = 0, p = 1 (no destination congestion, linear congestion
     * cost) on the complete graph: every LQ game of the suite and of the conformance cases. Other LQ games use the
     * generic sweeps.
     */
    @Override
    public SweepKernels kernels() {
        final int d = graph.states();
        final boolean dense = p.destinationCongestionWeight == 0 && p.congestionPower == 1
                && graph.edges() == d * (d - 1);
        return dense ? kernels : null;
    }

    private final SweepKernels kernels = new SweepKernels() {
        @Override
        public void hjb(int nT, double dt, boolean stable, double[] u, double[] muHat, double[] gamma) {
            LqDense.hjb(nT, graph.states(), dt, stable, u, muHat, gamma, p.controlWeight, p.baseTransitionRate,
                    p.rateClip, p.congestionWeight);
        }

        @Override
        public void fpk(int nT, double dt, boolean stable, double[] u, double[] nu, double[] gamma, double[] a,
                        double[] row) {
            if (stable) {
                LqDense.fpkStable(nT, graph.states(), dt, u, nu, gamma, p.controlWeight, p.baseTransitionRate,
                        p.rateClip, a, row);
            } else {
                LqDense.fpk(nT, graph.states(), dt, u, nu, gamma, p.controlWeight, p.baseTransitionRate, p.rateClip);
            }
        }

        @Override
        public void fpkVjp(int nT, double dt, boolean stable, double[] u, double[] nu, double[] gamma, double[] nuBar,
                           double[] uBar, double[] gammaBar, double[] a, double[] aBar) {
            if (stable) {
                LqDense.fpkVjpStable(nT, graph.states(), dt, u, nu, gamma, nuBar, uBar, gammaBar, p.controlWeight,
                        p.baseTransitionRate, p.rateClip);
            } else {
                LqDense.fpkVjp(nT, graph.states(), dt, u, nu, gamma, nuBar, uBar, gammaBar, p.controlWeight,
                        p.baseTransitionRate, p.rateClip);
            }
        }

        @Override
        public void hjbVjp(int nT, double dt, boolean stable, double[] u, double[] muHat, double[] gamma,
                           double[] uBar, double[] muHatBar, double[] gammaBar, double[] a, double[] aBar) {
            LqDense.hjbVjp(nT, graph.states(), dt, stable, u, gamma, uBar, muHatBar, gammaBar, p.controlWeight,
                    p.baseTransitionRate, p.rateClip, p.congestionWeight);
        }

        @Override
        public double exploitability(int nT, double dt, boolean stable, double[] gamma, double[] u, double[] nu,
                                     double[] v1, double[] v0, double[] br1, double[] br0) {
            return LqDense.exploitability(nT, graph.states(), dt, stable, gamma, u, nu, v1, v0, br1, br0,
                    p.controlWeight, p.baseTransitionRate, p.rateClip, p.congestionWeight);
        }
    };

    @Override
    public void localVjp(int n, double[] u, int uOff, double[] mu, int muOff, double[] gamma, int gOff,
                         double[] aBar, double[] fBar,
                         double[] uBar, int uBarOff, double[] muBar, int muBarOff, double[] gammaBar, int gBarOff,
                         double[] scratch) {
        final int d = graph.states();
        final int[] rs = graph.rowStart;
        final int[] to = graph.to;
        final double g = gamma[gOff];
        final double w = p.controlWeight;
        final double base = p.baseTransitionRate;
        final double clip = p.rateClip;
        final double kappa = p.destinationCongestionWeight;
        final double inv = 1 / (2 * g * w);
        final double invG = 1 / g;
        double gBar = 0;
        for (int x = 0; x < d; x++) {
            final double ux = u[uOff + x];
            final double fb = fBar == null ? 0 : fBar[x];
            for (int e = rs[x], end = rs[x + 1]; e < end; e++) {
                final int y = to[e];
                final double rho = kappa == 0 ? 1 : 1 + kappa * mu[muOff + y];
                final double invRho = kappa == 0 ? 1 : 1 / rho;
                final double du = u[uOff + y] - ux;
                final double raw = base - du * inv * invRho;
                final double ae = raw < 0 ? 0 : (raw > clip ? clip : raw);
                final double dev = ae - base;
                double ab = aBar[e];
                double rhoBar = 0;
                if (fb != 0) {
                    ab += fb * 2 * w * g * rho * dev;
                    gBar += fb * w * dev * dev * rho;
                    rhoBar += fb * w * g * dev * dev;
                }
                if (raw > 0 && raw < clip && ab != 0) {
                    // raw = base − du / (2 g w rho): ∂/∂u(y) = −q, ∂/∂u(x) = q, ∂/∂g = du·q/g, ∂/∂rho = du·q/rho
                    final double q = ab * inv * invRho;
                    uBar[uBarOff + y] -= q;
                    uBar[uBarOff + x] += q;
                    gBar += q * du * invG;
                    rhoBar += q * du * invRho;
                }
                if (rhoBar != 0 && kappa != 0) {
                    muBar[muBarOff + y] += kappa * rhoBar;
                }
            }
            if (fb != 0) {
                muBar[muBarOff + x] += fb * p.congestionWeight * dpow(mu[muOff + x]);
            }
        }
        gammaBar[gBarOff] += gBar;
    }

    @Override
    public void terminal(double[] mu, int muOff, double[] gamma, int gOff, double[] g) {
        final int d = graph.states();
        for (int x = 0; x < d; x++) {
            g[x] = p.terminalCostScale * (d - 1 - x) + p.terminalCongestionWeight * pow(mu[muOff + x]);
        }
    }

    @Override
    public void terminalVjp(double[] mu, int muOff, double[] gamma, int gOff, double[] gBar,
                            double[] muBar, int muBarOff, double[] gammaBar, int gBarOff) {
        final int d = graph.states();
        for (int x = 0; x < d; x++) {
            muBar[muBarOff + x] += gBar[x] * p.terminalCongestionWeight * dpow(mu[muOff + x]);
        }
    }

    static void requireNonNegative(String field, double v) {
        if (!(v >= 0) || !Double.isFinite(v)) {
            throw new IllegalArgumentException("params." + field + " = " + v + ": must be finite and ≥ 0");
        }
    }
}
