package org.mfgcal.calibrator.game;

import org.mfgcal.simd.Lanes;
import org.mfgcal.simd.Simd;

/**
 * The mobility game of docs/MODEL.md §3: states are zones, the last one "External"; jumps along the graph's edges.
 * γ_n holds the base rate q_base of every edge (E numbers, CSR edge order) and, with the learned-interaction hook
 * switched on, a per-edge interaction reward C_e (E more numbers, typically the output of a network C(t, μ_t)
 * evaluated on the observed mean field):
 * <pre>
 *   a*_e = max(0, q_e + (C_e − c μ(y) − (u(y) − u(x))) / (2b))
 *   f(x) = b Σ_e (a_e − q_e)² + Σ_e (c μ(y) − C_e) a_e          (edges e = x→y)
 *   g    = w_g
 * </pre>
 * With c = 0, C = 0 and w_g = 0 it is the plain Kolmogorov model with rates q_base (the no-game baseline).
 * A counterfactual closure of zone z during steps [from, to] sets the rates into z to 0 and adds a running
 * penalty for being in z. Immutable and thread-safe.
 */
public final class MobilityGame implements Game {

    /** Closure of a zone during steps {@code from..to} (inclusive). */
    public record Closure(int zone, int from, int to, double penalty) {
        public static final double DEFAULT_PENALTY = 1000.0;
    }

    private final Graph graph;
    private final double b;
    private final double c;
    private final double[] terminalCost;
    private final boolean interaction;
    private final Closure closure;

    public MobilityGame(Graph graph, double b, double c, double[] terminalCost, boolean interaction, Closure closure) {
        if (!(b > 0) || !Double.isFinite(b)) {
            throw new IllegalArgumentException("params.b = " + b + ": the control cost must be > 0");
        }
        LqGame.requireNonNegative("c", c);
        if (terminalCost.length != graph.states()) {
            throw new IllegalArgumentException("params.w_g has " + terminalCost.length + " numbers, expected d = " + graph.states());
        }
        if (closure != null && (closure.zone < 0 || closure.zone >= graph.states())) {
            throw new IllegalArgumentException("closure zone " + closure.zone + " is not a state 0.." + (graph.states() - 1));
        }
        this.graph = graph;
        this.b = b;
        this.c = c;
        this.terminalCost = terminalCost.clone();
        this.interaction = interaction;
        this.closure = closure;
    }

    public MobilityGame(Graph graph, double b, double c, double[] terminalCost) {
        this(graph, b, c, terminalCost, false, null);
    }

    /** The same game with a zone closed (what-if). */
    public MobilityGame withClosure(Closure closure) {
        return new MobilityGame(graph, b, c, terminalCost, interaction, closure);
    }

    public boolean hasInteraction() {
        return interaction;
    }

    @Override
    public String name() {
        return "mobility";
    }

    @Override
    public Graph graph() {
        return graph;
    }

    @Override
    public int paramsPerStep() {
        return interaction ? 2 * graph.edges() : graph.edges();
    }

    @Override
    public String[] parameterNames() {
        int e = graph.edges();
        String[] names = new String[paramsPerStep()];
        for (int i = 0; i < e; i++) {
            names[i] = "q_" + graph.from(i) + "_" + graph.to(i);
            if (interaction) {
                names[e + i] = "C_" + graph.from(i) + "_" + graph.to(i);
            }
        }
        return names;
    }

    @Override
    public void checkParameters(double[] gamma, int gOff, int n) {
        final int e = graph.edges();
        // The base rates at once in vector form (the common case: all valid); the loop finds the entry to name.
        for (int k = Simd.ENABLED && Lanes.finiteNonNegative(gamma, gOff, e) ? e : 0; k < paramsPerStep(); k++) {
            double v = gamma[gOff + k];
            if (!Double.isFinite(v) || (k < e && v < 0)) {
                throw new IllegalArgumentException("gamma[" + n + "][" + k + "] (" + parameterNames()[k] + ") = " + v
                        + (k < e ? ": base rates must be finite and ≥ 0" : ": must be finite"));
            }
        }
    }

    private boolean closedInto(int n, int y) {
        return closure != null && y == closure.zone && n >= closure.from && n <= closure.to;
    }

    @Override
    public void local(int n, double[] u, int uOff, double[] mu, int muOff, double[] gamma, int gOff,
                      double[] a, double[] f, double[] scratch) {
        final int d = graph.states();
        final int[] rs = graph.rowStart;
        final int[] to = graph.to;
        final int cOff = gOff + graph.edges();
        final double inv2b = 1 / (2 * b);
        if (!interaction && closure == null) {
            localPlain(u, uOff, mu, muOff, gamma, gOff, a, f, d, rs, to, inv2b);
            return;
        }
        for (int x = 0; x < d; x++) {
            final double ux = u[uOff + x];
            double cost = 0;
            for (int e = rs[x]; e < rs[x + 1]; e++) {
                final int y = to[e];
                final double q = gamma[gOff + e];
                final double ce = interaction ? gamma[cOff + e] : 0;
                final double my = mu[muOff + y];
                double r = q + (ce - c * my - (u[uOff + y] - ux)) * inv2b;
                if (r < 0 || closedInto(n, y)) {
                    r = 0;
                }
                a[e] = r;
                final double dev = r - q;
                cost += b * dev * dev + (c * my - ce) * r;
            }
            if (f != null) {
                f[x] = cost + (closure != null && x == closure.zone && n >= closure.from && n <= closure.to ? closure.penalty : 0);
            }
        }
    }

    /**
     * {@link #local} without learned interaction and closure, the online loop's case (the branches hoisted out of the
     * edge loop, the cost skipped when {@code f} is null: the FPK sweep's call).
     */
    private void localPlain(double[] u, int uOff, double[] mu, int muOff, double[] gamma, int gOff, double[] a,
                            double[] f, int d, int[] rs, int[] to, double inv2b) {
        final double cc = c;
        if (f == null) {
            for (int x = 0; x < d; x++) {
                final double ux = u[uOff + x];
                for (int e = rs[x], end = rs[x + 1]; e < end; e++) {
                    final int y = to[e];
                    // same operation order as the general loop (bit-identical rates)
                    final double r = gamma[gOff + e] + (-(cc * mu[muOff + y]) - (u[uOff + y] - ux)) * inv2b;
                    a[e] = r > 0 ? r : 0;
                }
            }
            return;
        }
        final double bb = b;
        for (int x = 0; x < d; x++) {
            final double ux = u[uOff + x];
            double cost = 0;
            for (int e = rs[x], end = rs[x + 1]; e < end; e++) {
                final int y = to[e];
                final double q = gamma[gOff + e];
                final double my = mu[muOff + y];
                double r = q + (-(cc * my) - (u[uOff + y] - ux)) * inv2b;
                if (r < 0) {
                    r = 0;
                }
                a[e] = r;
                final double dev = r - q;
                cost += bb * dev * dev + cc * my * r;
            }
            f[x] = cost;
        }
    }

    @Override
    public void localVjp(int n, double[] u, int uOff, double[] mu, int muOff, double[] gamma, int gOff,
                         double[] aBar, double[] fBar,
                         double[] uBar, int uBarOff, double[] muBar, int muBarOff, double[] gammaBar, int gBarOff,
                         double[] scratch) {
        final int d = graph.states();
        final int[] rs = graph.rowStart;
        final int[] to = graph.to;
        final int e0 = graph.edges();
        final int cOff = gOff + e0;
        final double inv2b = 1 / (2 * b);
        for (int x = 0; x < d; x++) {
            final double ux = u[uOff + x];
            final double fb = fBar == null ? 0 : fBar[x];
            for (int e = rs[x]; e < rs[x + 1]; e++) {
                final int y = to[e];
                final double q = gamma[gOff + e];
                final double ce = interaction ? gamma[cOff + e] : 0;
                final double my = mu[muOff + y];
                final double raw = q + (ce - c * my - (u[uOff + y] - ux)) * inv2b;
                final boolean active = raw > 0 && !closedInto(n, y);
                final double r = active ? raw : 0;
                double ab = aBar[e];
                double qBar = 0, cBar = 0;
                if (fb != 0) {
                    final double dev = r - q;
                    ab += fb * (2 * b * dev + c * my - ce);
                    qBar -= fb * 2 * b * dev;
                    muBar[muBarOff + y] += fb * c * r;
                    cBar -= fb * r;
                }
                if (active && ab != 0) {
                    qBar += ab;
                    final double s = ab * inv2b;
                    cBar += s;
                    muBar[muBarOff + y] -= s * c;
                    uBar[uBarOff + y] -= s;
                    uBar[uBarOff + x] += s;
                }
                gammaBar[gBarOff + e] += qBar;
                if (interaction) {
                    gammaBar[gBarOff + e0 + e] += cBar;
                }
            }
        }
    }

    /**
     * True: the stable step accrues the running cost over the expected time in the zone (see
     * {@link Game#exitScaledCost()}); with the quadratic control cost the step without it overflows backwards in time
     * once Δt·Σa is of order one (daily bins; fast rates or large value gaps at hourly bins).
     */
    @Override
    public boolean exitScaledCost() {
        return true;
    }

    /** Whole-sweep kernels ({@link MobilityKernels}) for the plain game: no learned interaction, no closure. */
    @Override
    public SweepKernels kernels() {
        return !interaction && closure == null ? kernels : null;
    }

    private final SweepKernels kernels = new SweepKernels() {
        @Override
        public void hjb(int nT, double dt, boolean stable, double[] u, double[] muHat, double[] gamma) {
            if (vector()) {
                DenseVectorSweeps.hjb(graph, nT, dt, stable, u, muHat, gamma, b, c);
            } else {
                MobilityKernels.hjb(graph, nT, dt, stable, u, muHat, gamma, b, c);
            }
        }

        @Override
        public void fpk(int nT, double dt, boolean stable, double[] u, double[] nu, double[] gamma, double[] a,
                        double[] row) {
            if (stable && vector()) {
                DenseVectorSweeps.fpkStable(graph, nT, dt, u, nu, gamma, b, c, a, row);
            } else {
                MobilityKernels.fpk(graph, nT, dt, stable, u, nu, gamma, b, c, a, row);
            }
        }

        @Override
        public void fpkVjp(int nT, double dt, boolean stable, double[] u, double[] nu, double[] gamma, double[] nuBar,
                           double[] uBar, double[] gammaBar, double[] a, double[] aBar) {
            if (vector()) {
                DenseVectorSweeps.fpkVjp(graph, nT, dt, stable, u, nu, gamma, nuBar, uBar, gammaBar, b, c, a);
            } else {
                MobilityKernels.fpkVjp(graph, nT, dt, stable, u, nu, gamma, nuBar, uBar, gammaBar, b, c, a, aBar);
            }
        }

        @Override
        public void hjbVjp(int nT, double dt, boolean stable, double[] u, double[] muHat, double[] gamma,
                           double[] uBar, double[] muHatBar, double[] gammaBar, double[] a, double[] aBar) {
            if (vector()) {
                DenseVectorSweeps.hjbVjp(graph, nT, dt, stable, u, muHat, gamma, uBar, muHatBar, gammaBar, b, c, a);
            } else {
                MobilityKernels.hjbVjp(graph, nT, dt, stable, u, muHat, gamma, uBar, muHatBar, gammaBar, b, c, a, aBar);
            }
        }

        /** The vector row kernels on a dense graph when this JVM runs them ({@link Simd#ENABLED}). */
        private boolean vector() {
            return Simd.ENABLED && graph.dense;
        }
    };

    @Override
    public void terminal(double[] mu, int muOff, double[] gamma, int gOff, double[] g) {
        System.arraycopy(terminalCost, 0, g, 0, terminalCost.length);
    }

    @Override
    public void terminalVjp(double[] mu, int muOff, double[] gamma, int gOff, double[] gBar,
                            double[] muBar, int muBarOff, double[] gammaBar, int gBarOff) {
        // g = w_g is constant
    }
}
