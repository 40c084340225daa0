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

    /** Fused kernels cover the common case κ = 0, p = 1 (no destination congestion, linear congestion cost). */
    private boolean fusable() {
        return p.destinationCongestionWeight == 0 && p.congestionPower == 1;
    }

    /** Whole-sweep dense kernels ({@link LqDense}) apply on the complete graph when the fused kernels do. */
    private boolean dense() {
        final int d = graph.states();
        return fusable() && graph.edges() == d * (d - 1);
    }

    @Override
    public boolean fusedHjbSweep(int nT, double dt, boolean stable, double[] u, double[] muHat, double[] gamma) {
        if (!dense()) {
            return false;
        }
        LqDense.hjb(nT, graph.states(), dt, stable, u, muHat, gamma, p.controlWeight, p.baseTransitionRate,
                p.rateClip, p.congestionWeight);
        return true;
    }

    @Override
    public boolean fusedFpkSweep(int nT, double dt, double[] u, double[] nu, double[] gamma) {
        if (!dense()) {
            return false;
        }
        LqDense.fpk(nT, graph.states(), dt, u, nu, gamma, p.controlWeight, p.baseTransitionRate, p.rateClip);
        return true;
    }

    @Override
    public boolean fusedFpkVjpSweep(int nT, double dt, double[] u, double[] nu, double[] gamma, double[] nuBar,
                                    double[] uBar, double[] gammaBar) {
        if (!dense()) {
            return false;
        }
        LqDense.fpkVjp(nT, graph.states(), dt, u, nu, gamma, nuBar, uBar, gammaBar, p.controlWeight,
                p.baseTransitionRate, p.rateClip);
        return true;
    }

    @Override
    public boolean fusedFpkSweep(int nT, double dt, boolean stable, double[] u, double[] nu, double[] gamma,
                                 double[] a, double[] row) {
        if (!stable) {
            return fusedFpkSweep(nT, dt, u, nu, gamma);
        }
        if (!dense()) {
            return false;
        }
        LqDense.fpkStable(nT, graph.states(), dt, u, nu, gamma, p.controlWeight, p.baseTransitionRate, p.rateClip, a, row);
        return true;
    }

    @Override
    public boolean fusedFpkVjpSweep(int nT, double dt, boolean stable, double[] u, double[] nu, double[] gamma,
                                    double[] nuBar, double[] uBar, double[] gammaBar, double[] a, double[] aBar) {
        if (!stable) {
            return fusedFpkVjpSweep(nT, dt, u, nu, gamma, nuBar, uBar, gammaBar);
        }
        if (!dense()) {
            return false;
        }
        LqDense.fpkVjpStable(nT, graph.states(), dt, u, nu, gamma, nuBar, uBar, gammaBar, p.controlWeight,
                p.baseTransitionRate, p.rateClip);
        return true;
    }

    @Override
    public boolean fusedHjbVjpSweep(int nT, double dt, boolean stable, double[] u, double[] muHat, double[] gamma,
                                    double[] uBar, double[] muHatBar, double[] gammaBar) {
        if (!dense()) {
            return false;
        }
        LqDense.hjbVjp(nT, graph.states(), dt, stable, u, gamma, uBar, muHatBar, gammaBar, p.controlWeight,
                p.baseTransitionRate, p.rateClip, p.congestionWeight);
        return true;
    }

    @Override
    public boolean fusedExploitability(int nT, double dt, boolean stable, double[] gamma, double[] u, double[] nu,
                                       double[] v1, double[] v0, double[] br1, double[] br0, double[] result) {
        if (!dense()) {
            return false;
        }
        result[0] = LqDense.exploitability(nT, graph.states(), dt, stable, gamma, u, nu, v1, v0, br1, br0,
                p.controlWeight, p.baseTransitionRate, p.rateClip, p.congestionWeight);
        return true;
    }

    @Override
    public boolean fusedHjbStep(int n, double dt, boolean stable, double[] u, int o, int o1, double[] muHat,
                                double[] gamma, int gOff) {
        if (!fusable()) {
            return false;
        }
        final int d = graph.states();
        final int[] rs = graph.rowStart;
        final int[] to = graph.to;
        final double g = gamma[gOff];
        final double wg = p.controlWeight * g;
        final double inv = 1 / (2 * g * p.controlWeight);
        final double base = p.baseTransitionRate;
        final double clip = p.rateClip;
        final double c = p.congestionWeight;
        for (int x = 0; x < d; x++) {
            final double ux = u[o1 + x];
            double cost = 0, drift = 0, out = 0;
            for (int e = rs[x], end = rs[x + 1]; e < end; e++) {
                final double du = u[o1 + to[e]] - ux;
                double r = base - du * inv;
                r = r < 0 ? 0 : (r > clip ? clip : r);
                final double dev = r - base;
                cost += dev * dev;
                drift += r * du;
                out += r;
            }
            if (stable) {
                final double z = dt * out;
                drift *= ExitFactor.phi(z);
            }
            u[o + x] = ux + dt * (wg * cost + c * muHat[o + x] + drift);
        }
        return true;
    }

    @Override
    public boolean fusedFpkStep(int n, double dt, double[] u, double[] nu, int o, int o1, double[] gamma, int gOff) {
        if (!fusable()) {
            return false;
        }
        final int d = graph.states();
        final int[] rs = graph.rowStart;
        final int[] to = graph.to;
        final double inv = 1 / (2 * gamma[gOff] * p.controlWeight);
        final double base = p.baseTransitionRate;
        final double clip = p.rateClip;
        for (int x = 0; x < d; x++) {
            nu[o1 + x] = nu[o + x];
        }
        for (int x = 0; x < d; x++) {
            final double ux = u[o + x];
            final double cx = dt * nu[o + x];
            double left = 0;
            for (int e = rs[x], end = rs[x + 1]; e < end; e++) {
                final int y = to[e];
                double r = base - (u[o + y] - ux) * inv;
                r = r < 0 ? 0 : (r > clip ? clip : r);
                final double flow = cx * r;
                left += flow;
                nu[o1 + y] += flow;
            }
            nu[o1 + x] -= left;
        }
        return true;
    }

    @Override
    public boolean fusedFpkVjpStep(int n, double dt, double[] u, double[] nu, int o, int o1, double[] gamma, int gOff,
                                   double[] nuBar, double[] uBar, double[] gammaBar) {
        if (!fusable()) {
            return false;
        }
        final int d = graph.states();
        final int[] rs = graph.rowStart;
        final int[] to = graph.to;
        final double g = gamma[gOff];
        final double inv = 1 / (2 * g * p.controlWeight);
        final double invG = 1 / g;
        final double base = p.baseTransitionRate;
        final double clip = p.rateClip;
        double gBar = 0;
        for (int x = 0; x < d; x++) {
            final double ux = u[o + x];
            final double nbx = nuBar[o1 + x];
            final double cx = dt * nu[o + x];
            double s = 0;
            double ubx = 0;
            for (int e = rs[x], end = rs[x + 1]; e < end; e++) {
                final int y = to[e];
                final double du = u[o + y] - ux;
                final double raw = base - du * inv;
                final double diff = nuBar[o1 + y] - nbx;
                if (raw > 0 && raw < clip) {
                    s += raw * diff;
                    final double q = cx * diff * inv; // ∂/∂raw · ∂raw/∂u(y) = −inv
                    uBar[o + y] -= q;
                    ubx += q;
                    gBar += q * du * invG;
                } else if (raw >= clip) {
                    s += clip * diff;
                }
            }
            uBar[o + x] += ubx;
            nuBar[o + x] += nbx + dt * s;
        }
        gammaBar[gOff] += gBar;
        return true;
    }

    @Override
    public boolean fusedHjbVjpStep(int n, double dt, boolean stable, double[] u, int o, int o1, double[] muHat,
                                   double[] gamma, int gOff, double[] uBar, double[] muHatBar, double[] gammaBar) {
        if (!fusable()) {
            return false;
        }
        final int d = graph.states();
        final int[] rs = graph.rowStart;
        final int[] to = graph.to;
        final double g = gamma[gOff];
        final double w = p.controlWeight;
        final double inv = 1 / (2 * g * w);
        final double invG = 1 / g;
        final double base = p.baseTransitionRate;
        final double clip = p.rateClip;
        double gBar = 0;
        for (int x = 0; x < d; x++) {
            final double bx = uBar[o + x];
            uBar[o1 + x] += bx;
            if (bx == 0) {
                continue;
            }
            final double ux = u[o1 + x];
            final double fb = dt * bx;
            double dBar = fb;
            double common = 0;
            if (stable) {
                double out = 0, drift = 0;
                for (int e = rs[x], end = rs[x + 1]; e < end; e++) {
                    final double du = u[o1 + to[e]] - ux;
                    double r = base - du * inv;
                    r = r < 0 ? 0 : (r > clip ? clip : r);
                    out += r;
                    drift += r * du;
                }
                final double z = dt * out;
                common = fb * drift * ExitFactor.dphi(z) * dt;
                dBar *= ExitFactor.phi(z);
            }
            double ubx = 0;
            for (int e = rs[x], end = rs[x + 1]; e < end; e++) {
                final int y = to[e];
                final double du = u[o1 + y] - ux;
                final double raw = base - du * inv;
                final double r = raw < 0 ? 0 : (raw > clip ? clip : raw);
                final double dev = r - base;
                final double move = dBar * r;
                uBar[o1 + y] += move;
                ubx -= move;
                gBar += fb * w * dev * dev;
                if (raw > 0 && raw < clip) {
                    final double ab = dBar * du + common + fb * 2 * w * g * dev;
                    final double q = ab * inv;
                    uBar[o1 + y] -= q;
                    ubx += q;
                    gBar += q * du * invG;
                }
            }
            uBar[o1 + x] += ubx;
            muHatBar[o + x] += fb * p.congestionWeight;
        }
        gammaBar[gOff] += gBar;
        return true;
    }

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
