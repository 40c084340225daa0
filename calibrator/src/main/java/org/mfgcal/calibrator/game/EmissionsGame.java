package org.mfgcal.calibrator.game;

/**
 * The emissions game of Carmona–Delarue–Lachapelle (docs/MODEL.md §3), a game with multiple equilibria. A ladder of
 * d states; from x the population moves up at rate b − α(x), abatement α*(x) = clip(u(x+1) − u(x), 0, b), running
 * cost α²/2, terminal cost λ·max(x − Λ, 0)·σ(±s(m_T − Λ)) with m_T = Σ x μ_T(x) the mean level ("deterrent":
 * +, the penalty switches on when the mean exceeds the cap; "bandwagon": −). γ = [Λ, λ] per step; only the last
 * step's value enters. Immutable and thread-safe.
 */
public final class EmissionsGame implements Game {

    /** Constants; defaults from docs/MODEL.md (b, the up-rate without abatement, defaults to 1). */
    public record Params(double b, double switchSharpness, boolean deterrent) {
        public static final Params DEFAULTS = new Params(1.0, 2.0, true);

        public Params {
            if (!(b > 0) || !Double.isFinite(b)) {
                throw new IllegalArgumentException("params.b = " + b + ": must be > 0");
            }
            LqGame.requireNonNegative("switch_sharpness", switchSharpness);
        }
    }

    public static final double[] TRUTH = {6.0, 5.0};
    private final Graph graph;
    private final Params p;

    public EmissionsGame(int states, Params params) {
        int[][] up = new int[states][];
        for (int x = 0; x < states; x++) {
            up[x] = x + 1 < states ? new int[] {x + 1} : new int[0];
        }
        this.graph = Graph.fromAdjacency(up);
        this.p = params;
    }

    @Override
    public String name() {
        return "emissions";
    }

    @Override
    public Graph graph() {
        return graph;
    }

    @Override
    public int paramsPerStep() {
        return 2;
    }

    @Override
    public String[] parameterNames() {
        return new String[] {"Lambda", "lambda"};
    }

    @Override
    public void local(int n, double[] u, int uOff, double[] mu, int muOff, double[] gamma, int gOff,
                      double[] a, double[] f, double[] scratch) {
        final int d = graph.states();
        for (int x = 0; x + 1 < d; x++) {
            double alpha = u[uOff + x + 1] - u[uOff + x];
            alpha = alpha < 0 ? 0 : (alpha > p.b ? p.b : alpha);
            a[x] = p.b - alpha;
            if (f != null) {
                f[x] = 0.5 * alpha * alpha;
            }
        }
        if (f != null) {
            f[d - 1] = 0;
        }
    }

    @Override
    public void localVjp(int n, double[] u, int uOff, double[] mu, int muOff, double[] gamma, int gOff,
                         double[] aBar, double[] fBar,
                         double[] uBar, int uBarOff, double[] muBar, int muBarOff, double[] gammaBar, int gBarOff,
                         double[] scratch) {
        final int d = graph.states();
        for (int x = 0; x + 1 < d; x++) {
            final double raw = u[uOff + x + 1] - u[uOff + x];
            if (raw > 0 && raw < p.b) {
                final double alphaBar = -aBar[x] + (fBar == null ? 0 : fBar[x] * raw);
                uBar[uBarOff + x + 1] += alphaBar;
                uBar[uBarOff + x] -= alphaBar;
            }
        }
    }

    private static double sigmoid(double z) {
        return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
    }

    @Override
    public void terminal(double[] mu, int muOff, double[] gamma, int gOff, double[] g) {
        final int d = graph.states();
        final double cap = gamma[gOff];
        final double lam = gamma[gOff + 1];
        double mean = 0;
        for (int x = 0; x < d; x++) {
            mean += x * mu[muOff + x];
        }
        final double sig = sigmoid((p.deterrent ? 1 : -1) * p.switchSharpness * (mean - cap));
        for (int x = 0; x < d; x++) {
            g[x] = lam * Math.max(x - cap, 0) * sig;
        }
    }

    @Override
    public void terminalVjp(double[] mu, int muOff, double[] gamma, int gOff, double[] gBar,
                            double[] muBar, int muBarOff, double[] gammaBar, int gBarOff) {
        final int d = graph.states();
        final double cap = gamma[gOff];
        final double lam = gamma[gOff + 1];
        double mean = 0;
        for (int x = 0; x < d; x++) {
            mean += x * mu[muOff + x];
        }
        final double sgn = p.deterrent ? 1 : -1;
        final double sig = sigmoid(sgn * p.switchSharpness * (mean - cap));
        final double dsig = sig * (1 - sig) * sgn * p.switchSharpness; // d sig / d mean = −d sig / d cap
        double capBar = 0, lamBar = 0, meanBar = 0;
        for (int x = 0; x < d; x++) {
            final double excess = Math.max(x - cap, 0);
            final double gb = gBar[x];
            lamBar += gb * excess * sig;
            meanBar += gb * lam * excess * dsig;
            capBar += gb * lam * ((x > cap ? -sig : 0) - excess * dsig);
        }
        for (int x = 0; x < d; x++) {
            muBar[muBarOff + x] += meanBar * x;
        }
        gammaBar[gBarOff] += capBar;
        gammaBar[gBarOff + 1] += lamBar;
    }
}
