package org.mfgcal.calibrator.game;

/**
 * The cybersecurity game of Carmona–Delarue (docs/MODEL.md §3). States DI, DS, UI, US (defended/undefended ×
 * infected/susceptible); γ = [q_rec_D, q_rec_U, q_inf_D, q_inf_U, β_DD, β_DU, β_UU, β_UD] per step. Each state
 * picks a control α from a finite set (default {0, 1}) by argmin of its Hamiltonian (first minimum wins); α·λ
 * is the rate of switching defence status. Running cost k_D·[defended] + k_I·[infected]; no terminal cost.
 * Immutable and thread-safe.
 */
public final class CyberGame implements Game {
    public static final int DI = 0, DS = 1, UI = 2, US = 3;
    private static final String[] NAMES = {"q_rec_D", "q_rec_U", "q_inf_D", "q_inf_U", "beta_DD", "beta_DU", "beta_UU", "beta_UD"};
    /** Ground truth of docs/MODEL.md §3. */
    public static final double[] TRUTH = {0.5, 0.4, 0.4, 0.3, 0.4, 0.3, 0.3, 0.4};

    /** Game constants; defaults are docs/MODEL.md's. */
    public record Params(double kD, double kI, double lambda, double vH, double[] controls) {
        public static final Params DEFAULTS = new Params(0.3, 0.5, 0.8, 0.6, new double[] {0, 1});

        public Params {
            LqGame.requireNonNegative("k_D", kD);
            LqGame.requireNonNegative("k_I", kI);
            LqGame.requireNonNegative("lambda_speed", lambda);
            LqGame.requireNonNegative("v_H", vH);
            if (controls == null || controls.length == 0) {
                throw new IllegalArgumentException("params.controls: need at least one control level");
            }
            for (double c : controls) {
                LqGame.requireNonNegative("controls[]", c);
            }
            controls = controls.clone();
        }
    }

    // Edge indices in the CSR order of the graph below (rows DI, DS, UI, US; targets ascending).
    private static final int E_DI_DS = 0, E_DI_UI = 1, E_DS_DI = 2, E_DS_US = 3, E_UI_DI = 4, E_UI_US = 5,
            E_US_DS = 6, E_US_UI = 7;
    private static final Graph GRAPH = Graph.fromAdjacency(new int[][] {{DS, UI}, {DI, US}, {DI, US}, {DS, UI}});
    /** For each state: its recovery/infection edge and its defence-switch edge. */
    private static final int[] EPI_EDGE = {E_DI_DS, E_DS_DI, E_UI_US, E_US_UI};
    private static final int[] SWITCH_EDGE = {E_DI_UI, E_DS_US, E_UI_DI, E_US_DS};

    private final Params p;
    private final double[] cost;

    public CyberGame(Params params) {
        this.p = params;
        this.cost = new double[] {params.kD + params.kI, params.kD, params.kI, 0};
    }

    @Override
    public String name() {
        return "cybersecurity";
    }

    @Override
    public Graph graph() {
        return GRAPH;
    }

    @Override
    public int paramsPerStep() {
        return 8;
    }

    @Override
    public String[] parameterNames() {
        return NAMES.clone();
    }

    @Override
    public void checkParameters(double[] gamma, int gOff, int n) {
        for (int k = 0; k < 8; k++) {
            double v = gamma[gOff + k];
            if (!(v >= 0) || !Double.isFinite(v)) {
                throw new IllegalArgumentException("gamma[" + n + "][" + k + "] (" + NAMES[k] + ") = " + v + ": must be ≥ 0");
            }
        }
    }

    private void epidemicRates(double[] mu, int muOff, double[] gamma, int g, double[] a) {
        a[E_DI_DS] = gamma[g];
        a[E_DS_DI] = p.vH * gamma[g + 2] + gamma[g + 4] * mu[muOff + DI] + gamma[g + 7] * mu[muOff + UI];
        a[E_UI_US] = gamma[g + 1];
        a[E_US_UI] = p.vH * gamma[g + 3] + gamma[g + 6] * mu[muOff + UI] + gamma[g + 5] * mu[muOff + DI];
    }

    @Override
    public void local(int n, double[] u, int uOff, double[] mu, int muOff, double[] gamma, int gOff,
                      double[] a, double[] f, double[] scratch) {
        epidemicRates(mu, muOff, gamma, gOff, a);
        for (int x = 0; x < 4; x++) {
            final int epi = EPI_EDGE[x];
            final int sw = SWITCH_EDGE[x];
            final double ux = u[uOff + x];
            final double epiTerm = a[epi] * (u[uOff + GRAPH.to[epi]] - ux);
            final double swGain = u[uOff + GRAPH.to[sw]] - ux;
            double best = Double.POSITIVE_INFINITY;
            double bestRate = 0;
            for (double alpha : p.controls) {
                final double rate = alpha * p.lambda;
                final double h = cost[x] + epiTerm + rate * swGain;
                if (h < best) {
                    best = h;
                    bestRate = rate;
                }
            }
            a[sw] = bestRate;
            if (f != null) {
                f[x] = cost[x];
            }
        }
    }

    @Override
    public void localVjp(int n, double[] u, int uOff, double[] mu, int muOff, double[] gamma, int gOff,
                         double[] aBar, double[] fBar,
                         double[] uBar, int uBarOff, double[] muBar, int muBarOff, double[] gammaBar, int gBarOff,
                         double[] scratch) {
        // Switch rates are piecewise constant in u; running cost is constant: only the epidemic rates matter.
        final double b1 = aBar[E_DI_DS], b2 = aBar[E_DS_DI], b3 = aBar[E_UI_US], b4 = aBar[E_US_UI];
        gammaBar[gBarOff] += b1;
        gammaBar[gBarOff + 1] += b3;
        gammaBar[gBarOff + 2] += b2 * p.vH;
        gammaBar[gBarOff + 4] += b2 * mu[muOff + DI];
        gammaBar[gBarOff + 7] += b2 * mu[muOff + UI];
        gammaBar[gBarOff + 3] += b4 * p.vH;
        gammaBar[gBarOff + 6] += b4 * mu[muOff + UI];
        gammaBar[gBarOff + 5] += b4 * mu[muOff + DI];
        muBar[muBarOff + DI] += b2 * gamma[gOff + 4] + b4 * gamma[gOff + 5];
        muBar[muBarOff + UI] += b2 * gamma[gOff + 7] + b4 * gamma[gOff + 6];
    }

    @Override
    public void terminal(double[] mu, int muOff, double[] gamma, int gOff, double[] g) {
        java.util.Arrays.fill(g, 0, 4, 0.0);
    }

    @Override
    public void terminalVjp(double[] mu, int muOff, double[] gamma, int gOff, double[] gBar,
                            double[] muBar, int muBarOff, double[] gammaBar, int gBarOff) {
        // g ≡ 0
    }
}
