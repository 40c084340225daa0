package org.mfgcal.calibrator.calibrate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.mfgcal.calibrator.game.SirGame;
import org.mfgcal.calibrator.optim.Minimiser;
import org.mfgcal.calibrator.optim.Minimiser.Run;
import org.mfgcal.calibrator.solver.EquilibriumSolver;
import org.mfgcal.calibrator.solver.Method;
import org.mfgcal.calibrator.solver.Scheme;
import org.mfgcal.calibrator.solver.Solution;
import org.mfgcal.calibrator.solver.SolverOptions;

/**
 * Least-squares fits of a daily incidence series: the plain SIR ODE ({@code sir_ode}: β, γ_rec, I0) and the SIR mean
 * field game ({@code mfg}: the same three plus the ratio κ = c_I / c_α of the cost of being infected to the cost of
 * distancing; c_α = 1). The game contains the ODE: at κ = 0 nobody distances (α ≡ 1) and its Kolmogorov step is
 * {@link SirOde}'s, so the game's fit starts from the ODE's optimum and can only improve on it.
 *
 * <h2>Implementation notes</h2>
 * <ul>
 *   <li><b>Grid.</b> Day d is the interval [d, d+1); K sub-steps per day (Δt = 1/K, N = D·K + 1 grid points, T = D),
 *       stable (exponential-exit) scheme, so rates of 10+/day stay positive and mass-preserving. Model incidence of day
 *       d = population·(S(d) − S(d+1)), the S→I flow integrated over the interval. S(0) = 1 − I0, I(0) = I0.</li>
 *   <li><b>Objective.</b> F = Σ_d (inc_d − obs_d)² / Σ_d (obs_d − mean)² = 1 − R², minimised over x = (ln β, ln γ_rec,
 *       logit I0) (positivity and I0 ∈ (0, 1) by construction).</li>
 *   <li><b>Gradients.</b> ODE: forward sensitivities. Game: the implicit adjoint of the equilibrium solver with the
 *       cotangent of F on μ*(S) at the day boundaries, plus ∂F/∂μ_0 for I0; the argmin contact level is
 *       differentiated as a constant (exact between switches). Both checked against central differences in tests.</li>
 *   <li><b>Start.</b> ODE: a coarse grid over (γ_rec, R0 = β/γ_rec, I0) (9 × 9 × 8 points), L-BFGS from the 4 best,
 *       all on the fine grid. Game: on a search grid of K_s = min(48, max(12, ⌈4(β + γ_rec)⌉)) sub-steps, κ = 0 from
 *       the ODE's optimum, then κ = κ*·10^{j/2}, j = −6..3, κ* = population / peak incidence (where distancing starts
 *       to matter), each refined by L-BFGS (30 iterations) from the best of the ODE optimum, the previous κ's optimum
 *       and 27 epidemic-shaped points (γ_rec 0.1–1, R0 1.5–6, I0 0.1/population–0.01);
 *       the best κ (if it beats κ = 0 by more than rounding) is refined at κ·10^{±1/4}; the 3 best κ's that beat κ = 0
 *       are polished on grids ×4 finer up to the fine grid and the best there is kept. If the polished game is not better than the ODE on the fine grid, the game's estimate is
 *       κ = 0 at the ODE's optimum — the same model — so the game never fits worse than the ODE.</li>
 *   <li><b>Uncertainty.</b> Gauss–Newton (Laplace) covariance s²(JᵀJ)⁻¹ of (β, γ_rec, I0) with J = ∂inc/∂θ at the
 *       optimum and s² = SSE/(D − 3); R0 = β/γ_rec and 1/γ_rec by the delta method. For the game κ is held at its
 *       selected value (profile), so its standard errors are conditional on κ.</li>
 * </ul>
 * Not thread-safe (one solver workspace per fit); deterministic.
 */
public final class OutbreakFit {
    /** Sub-steps per day of the final fit unless told otherwise (first-order scheme: 1% on I0 at β 2, γ_rec 1). */
    public static final int DEFAULT_SUBSTEPS = 192;
    /** Sub-steps per day of the search (grid, κ profile) before the final polish. */
    public static final int SEARCH_SUBSTEPS = 12;
    /** L-BFGS iterations per start unless told otherwise. */
    public static final int DEFAULT_MAX_ITERATIONS = 150;

    private static final int P = 3;

    /** Fit options, validated on construction. */
    public record Options(int substeps, int maxIterations, boolean fitGame) {
        public static final Options DEFAULTS = new Options(DEFAULT_SUBSTEPS, DEFAULT_MAX_ITERATIONS, true);

        /** Search grid: ≥ 12 sub-steps per day and Δt·(β + γ_rec) ≤ 1/4 at the ODE's optimum, at most the fine grid. */
        int searchSubsteps(double beta, double gammaRec) {
            double k = Math.min(4 * SEARCH_SUBSTEPS, Math.max(SEARCH_SUBSTEPS, Math.ceil(4 * (beta + gammaRec))));
            return (int) Math.min(k, substeps);
        }

        public Options {
            if (substeps < 1 || substeps > 10_000) {
                throw new IllegalArgumentException("substeps = " + substeps + ": must be in 1..10000");
            }
            if (maxIterations < 1) {
                throw new IllegalArgumentException("max iterations = " + maxIterations + ": must be ≥ 1");
            }
        }
    }

    /**
     * One fitted model. Standard errors are NaN when the Gauss–Newton matrix is singular (a parameter the data do not
     * identify); {@link #identified()} says so.
     *
     * @param kappa    c_I / c_α of the game (0 for the ODE)
     * @param fitted   daily incidence of the fit (D numbers)
     * @param contact  the game's contact level α at the start of each day (all 1 for the ODE)
     * @param lossPath 1 − R² after each accepted L-BFGS step of the winning start
     */
    public record Estimate(String model, double beta, double gammaRec, double i0, double kappa,
                           double betaSe, double gammaRecSe, double i0Se, double r0, double r0Se,
                           double infectiousPeriod, double infectiousPeriodSe, double sse, double r2,
                           double[] fitted, double[] contact, int evaluations, double seconds, double[] lossPath) {
        public boolean identified() {
            return Double.isFinite(betaSe) && Double.isFinite(gammaRecSe) && Double.isFinite(i0Se);
        }
    }

    /** Both fits and the game's profile over κ (κ, best 1 − R² at that κ). */
    public record Result(Estimate sirOde, Estimate mfg, double[][] kappaProfile) {
    }

    private final double[] obs;
    private final double population;
    private final int days;
    private final Options opt;
    private final double scale;

    public OutbreakFit(double[] incidence, double population, Options options) {
        if (!(population > 0) || !Double.isFinite(population)) {
            throw new IllegalArgumentException("population = " + population + ": must be finite and > 0");
        }
        if (incidence.length < 4) {
            throw new IllegalArgumentException("incidence has " + incidence.length + " days: need at least 4 for 3 parameters");
        }
        double mean = 0;
        for (int d = 0; d < incidence.length; d++) {
            double v = incidence[d];
            if (!(v >= 0) || !Double.isFinite(v)) {
                throw new IllegalArgumentException("incidence[" + d + "] = " + v + ": must be finite and ≥ 0");
            }
            mean += v;
        }
        if (mean > population) {
            throw new IllegalArgumentException("total incidence " + mean + " exceeds the population " + population);
        }
        mean /= incidence.length;
        double sst = 0;
        for (double v : incidence) {
            sst += (v - mean) * (v - mean);
        }
        if (!(sst > 0)) {
            throw new IllegalArgumentException("incidence is constant (" + incidence[0] + " every day): R² is undefined");
        }
        this.obs = incidence.clone();
        this.population = population;
        this.days = incidence.length;
        this.opt = options;
        this.scale = sst;
    }

    /** Fits the ODE, then (unless {@code fitGame} is off) the game. */
    public Result fit() {
        Estimate ode = fitOde();
        if (!opt.fitGame()) {
            return new Result(ode, null, new double[0][]);
        }
        Estimate mfg = fitGame(ode);
        return new Result(ode, mfg, lastProfile);
    }

    /** F(x) and, unless {@code grad} is null, ∇F (modified); +∞ where the model cannot be evaluated. */
    interface Objective extends Minimiser.Objective {
    }

    static double[] natural(double[] x) {
        return new double[] {Math.exp(x[0]), Math.exp(x[1]), 1 / (1 + Math.exp(-x[2]))};
    }

    static double[] unconstrained(double beta, double gammaRec, double i0) {
        return new double[] {Math.log(beta), Math.log(gammaRec), Math.log(i0 / (1 - i0))};
    }

    /** Chain rule natural → unconstrained, in place. */
    private static void toUnconstrained(double[] th, double[] g) {
        g[0] *= th[0];
        g[1] *= th[1];
        g[2] *= th[2] * (1 - th[2]);
    }

    private double sse(double[] fit) {
        double s = 0;
        for (int d = 0; d < days; d++) {
            double r = fit[d] - obs[d];
            s += r * r;
        }
        return s;
    }

    /** The ODE objective. */
    Objective odeObjective(int substeps) {
        final double[] inc = new double[days];
        final double[] jac = new double[days * P];
        return (x, grad) -> {
            double[] th = natural(x);
            if (!valid(th)) {
                return Double.POSITIVE_INFINITY;
            }
            SirOde.incidence(th[0], th[1], th[2], population, days, substeps, inc, grad == null ? null : jac);
            double f = sse(inc) / scale;
            if (!Double.isFinite(f)) {
                return Double.POSITIVE_INFINITY;
            }
            if (grad != null) {
                Arrays.fill(grad, 0);
                for (int d = 0; d < days; d++) {
                    double r2 = 2 * (inc[d] - obs[d]) / scale;
                    for (int k = 0; k < P; k++) {
                        grad[k] += r2 * jac[d * P + k];
                    }
                }
                toUnconstrained(th, grad);
            }
            return f;
        };
    }

    /** Box of the fitted rates, per day: [1e-3, 1e4] for β, [1e-3, 1e3] for γ_rec (an estimate on a bound is flagged). */
    public static final double RATE_MIN = 1e-3, BETA_MAX = 1e4, GAMMA_MAX = 1e3;

    private static boolean valid(double[] th) {
        return th[0] >= RATE_MIN && th[0] <= BETA_MAX && th[1] >= RATE_MIN && th[1] <= GAMMA_MAX && th[2] > 0
                && th[2] < 1;
    }

    /** The SIR game on the sub-stepped grid, with κ fixed. */
    final class GameModel implements Objective {
        final EquilibriumSolver solver;
        final int nT;
        final double[] gamma;
        final double[] cot;
        final double[] gbuf;
        final double[] m0 = new double[3];
        final double[] inc = new double[days];
        final int k;
        double kappa;
        Solution last;
        double[] lastMu0;

        GameModel(double kappa, int substeps) {
            this.k = substeps;
            this.nT = days * substeps + 1;
            // Tolerance of the equilibrium well below one case: max|G(μ) − μ| ≤ 0.01 / population (at most 1e-6); an
            // equilibrium not reached in 60 iterations (the contact level keeps switching) counts as not evaluable.
            double tol = Math.min(1e-6, 1e-2 / population);
            SolverOptions so = new SolverOptions(Scheme.STABLE, Method.ANDERSON, 0.0, tol, 60, tol, 60, 5);
            this.solver = new EquilibriumSolver(new SirGame(SirGame.Params.DEFAULTS, true), days, nT, so);
            this.solver.setReportExploitability(false);
            this.gamma = new double[nT * 4];
            this.cot = new double[nT * 3];
            this.gbuf = new double[nT * 4];
            this.kappa = kappa;
        }

        /** Solves at natural parameters θ; false when the equilibrium did not converge. */
        boolean solve(double[] th) {
            for (int n = 0; n < nT; n++) {
                gamma[n * 4] = th[0];
                gamma[n * 4 + 1] = th[1];
                gamma[n * 4 + 2] = 1.0;
                gamma[n * 4 + 3] = kappa;
            }
            lastMu0 = new double[] {1 - th[2], th[2], 0};
            last = solver.solve(lastMu0, gamma);
            if (!last.converged()) {
                return false;
            }
            double[] mu = last.mu();
            for (int d = 0; d < days; d++) {
                inc[d] = population * (mu[d * k * 3] - mu[(d + 1) * k * 3]);
            }
            return true;
        }

        /** Gradient of Σ_d c_d inc_d with respect to natural θ (into g, 3 numbers); false if the adjoint failed. */
        boolean pullback(double[] th, double[] c, double[] g) {
            Arrays.fill(cot, 0);
            for (int d = 0; d < days; d++) {
                cot[d * k * 3] += population * c[d];
                cot[(d + 1) * k * 3] -= population * c[d];
            }
            var gr = solver.gradientForCotangent(last, lastMu0, cot, gamma, gbuf);
            if (!gr.adjointConverged()) {
                return false;
            }
            double gb = 0, gg = 0;
            for (int n = 0; n < nT; n++) {
                gb += gbuf[n * 4];
                gg += gbuf[n * 4 + 1];
            }
            solver.lastInitialGradient(m0);
            g[0] = gb;
            g[1] = gg;
            g[2] = m0[1] - m0[0];
            return true;
        }

        @Override
        public double value(double[] x, double[] grad) {
            double[] th = natural(x);
            if (!valid(th) || !solve(th)) {
                return Double.POSITIVE_INFINITY;
            }
            double f = sse(inc) / scale;
            if (!Double.isFinite(f)) {
                return Double.POSITIVE_INFINITY;
            }
            if (grad != null) {
                double[] c = new double[days];
                for (int d = 0; d < days; d++) {
                    c[d] = 2 * (inc[d] - obs[d]) / scale;
                }
                if (!pullback(th, c, grad)) {
                    return Double.POSITIVE_INFINITY;
                }
                toUnconstrained(th, grad);
            }
            return f;
        }

        /** The contact level α at the start of each day of the last solve (1 where nobody is infected). */
        double[] contact(double[] th) {
            double[] a = new double[days];
            double[] mu = last.mu();
            double[] u = last.u();
            double[] rates = new double[2];
            SirGame g = (SirGame) solver.game();
            for (int d = 0; d < days; d++) {
                int n = d * k;
                g.local(n, u, n * 3, mu, n * 3, gamma, n * 4, rates, null, null);
                double denom = th[0] * mu[n * 3 + 1];
                a[d] = denom > 0 ? rates[0] / denom : 1.0;
            }
            return a;
        }
    }

    private int evaluations;
    private double[][] lastProfile = new double[0][];

    private Estimate fitOde() {
        long t0 = System.nanoTime();
        evaluations = 0;
        Objective f = counting(odeObjective(opt.substeps()));
        // Coarse grid over (γ_rec, R0, I0), then L-BFGS from the 4 best points (the ODE is cheap: all on the fine grid).
        double[] gs = geom(0.05, 5.0, 9), r0s = geom(0.5, 20.0, 9);
        double i0lo = Math.min(0.1 / population, 1e-3), i0hi = 0.2;
        double[] i0s = geom(i0lo, i0hi, 8);
        List<double[]> pts = new ArrayList<>();
        for (double g : gs) {
            for (double r : r0s) {
                for (double i : i0s) {
                    double[] x = unconstrained(r * g, g, i);
                    double v = f.value(x, null);
                    pts.add(new double[] {v, x[0], x[1], x[2]});
                }
            }
        }
        pts.sort((a, b) -> Double.compare(a[0], b[0]));
        Run best = null;
        for (int s = 0; s < Math.min(4, pts.size()); s++) {
            double[] p = pts.get(s);
            if (!Double.isFinite(p[0])) {
                break;
            }
            Run r = Minimiser.minimise(f, new double[] {p[1], p[2], p[3]}, opt.maxIterations());
            if (best == null || r.f() < best.f()) {
                best = r;
            }
        }
        if (best == null) {
            throw new IllegalStateException("the SIR ODE could not be evaluated on any start point");
        }
        Run fine = best;
        double[] th = natural(fine.x());
        double[] inc = new double[days];
        double[] jac = new double[days * P];
        SirOde.incidence(th[0], th[1], th[2], population, days, opt.substeps(), inc, jac);
        double[] ones = new double[days];
        Arrays.fill(ones, 1.0);
        return estimate("sir_ode", th, 0.0, inc, jac, ones, evaluations, seconds(t0), fine.path());
    }

    private Estimate fitGame(Estimate ode) {
        long t0 = System.nanoTime();
        evaluations = 0;
        double peak = 0;
        for (double v : obs) {
            peak = Math.max(peak, v);
        }
        double kStar = population / peak;
        double[] x0 = unconstrained(ode.beta(), ode.gammaRec(), ode.i0());
        final int ks = opt.searchSubsteps(ode.beta(), ode.gammaRec());
        GameModel gm = new GameModel(0.0, ks);
        Objective f = counting(gm);
        KappaSearch search = new KappaSearch(f, gm, x0, kStar, population, opt.maxIterations());
        List<double[]> profile = search.profile;
        List<Object[]> candidates = search.candidates;
        double bestKappa = search.bestKappa;
        int gridIter = KappaSearch.iterations(opt.maxIterations());
        profile.sort((a, b) -> Double.compare(a[0], b[0]));
        lastProfile = profile.toArray(new double[0][]);

        // Final polish on the fine grid at the selected κ; the game at κ = 0 is the ODE, so when distancing does not
        // pay on the fine grid the game's estimate is the ODE's own optimum (never worse than the ODE).
        // The search grid is coarse (its error can exceed the differences between κ's): polish the 3 best κ > 0 that
        // beat κ = 0 on it through grids ×4 finer up to the fine grid, and keep the best on the fine grid.
        candidates.sort((a, b) -> Double.compare(((Run) a[1]).f(), ((Run) b[1]).f()));
        Run polished = null;
        int tried = 0;
        for (Object[] cand : candidates) {
            double kap = (double) cand[0];
            Run start = (Run) cand[1];
            if (tried == 3 || !better(start.f(), profile.get(0)[1])) {
                break;
            }
            tried++;
            double[] x = start.x();
            for (int k = ks * 4; ; k *= 4) {
                int kk = Math.min(k, opt.substeps());
                Run r = Minimiser.minimise(counting(new GameModel(kap, kk)), x, gridIter);
                if (!Double.isFinite(r.f())) {
                    break;
                }
                x = r.x();
                if (kk == opt.substeps()) {
                    if (polished == null || r.f() < polished.f()) {
                        polished = r;
                        bestKappa = kap;
                    }
                    break;
                }
            }
        }
        GameModel fine = new GameModel(bestKappa, opt.substeps());
        double[] th;
        double kappa = bestKappa;
        double odeF = ode.sse() / scale;
        double[] path;
        if (polished != null && polished.f() < odeF) {
            th = natural(polished.x());
            path = polished.path();
        } else {
            kappa = 0;
            fine.kappa = 0;
            th = new double[] {ode.beta(), ode.gammaRec(), ode.i0()};
            path = ode.lossPath();
        }
        if (!fine.solve(th)) {
            throw new IllegalStateException("the game's equilibrium at its optimum did not converge");
        }
        double[] inc = fine.inc.clone();
        double[] jac = new double[days * P];
        double[] c = new double[days];
        double[] g = new double[P];
        for (int d = 0; d < days; d++) {
            Arrays.fill(c, 0);
            c[d] = 1;
            if (!fine.pullback(th, c, g)) {
                Arrays.fill(jac, Double.NaN);
                break;
            }
            System.arraycopy(g, 0, jac, d * P, P);
        }
        return estimate("mfg", th, kappa, inc, jac, fine.contact(th), evaluations, seconds(t0), path);
    }

    /** A real improvement of 1 − R², not rounding: the game at small κ reproduces the ODE to the last digits. */
    static boolean better(double f, double ref) {
        return f < ref * (1 - 1e-7) - 1e-12;
    }

    private Estimate estimate(String model, double[] th, double kappa, double[] inc, double[] jac, double[] contact,
                              int evals, double secs, double[] path) {
        double sse = sse(inc);
        double r2 = 1 - sse / scale;
        double[] cov = covariance(jac, sse);
        double sb = Math.sqrt(cov[0]), sg = Math.sqrt(cov[4]), si = Math.sqrt(cov[8]);
        double r0 = th[0] / th[1];
        // delta method: ∇R0 = (1/γ, −β/γ²)
        double a = 1 / th[1], b = -th[0] / (th[1] * th[1]);
        double r0Var = a * a * cov[0] + 2 * a * b * cov[1] + b * b * cov[4];
        double period = 1 / th[1];
        double periodSe = sg / (th[1] * th[1]);
        return new Estimate(model, th[0], th[1], th[2], kappa, sb, sg, si, r0, Math.sqrt(r0Var), period, periodSe, sse,
                r2, inc, contact, evals, secs, path);
    }

    /** s²(JᵀJ)⁻¹ of the fit's 3 parameters ({@link Covariance#leastSquares}). */
    static double[] covariance(double[] jac, double sse) {
        return Covariance.leastSquares(jac, sse);
    }

    private Objective counting(Objective f) {
        return (x, g) -> {
            evaluations++;
            return f.value(x, g);
        };
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    static double[] geom(double lo, double hi, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = lo * Math.pow(hi / lo, i / (double) (n - 1));
        }
        return v;
    }
}
