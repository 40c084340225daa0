package org.mfgcal.calibrator.online;

import org.mfgcal.calibrator.game.MobilityGame;
import org.mfgcal.calibrator.solver.EquilibriumSolver;
import org.mfgcal.calibrator.solver.Gradient;
import org.mfgcal.calibrator.solver.Solution;
import org.mfgcal.calibrator.solver.SquaredLoss;

/**
 * The objective of one region's window: F(θ) = Σ_{n≥1,x} (μ*_n(x) − μ^obs_n(x))² / (2σ²) + regulariser(θ), with μ*
 * the equilibrium of the mobility game under the rates of the {@link RateTable} and σ² the window's observation
 * variance ({@link #begin}); ∂F/∂θ by the solver's exact implicit (adjoint) gradient, pulled back through the table.
 * Owns the window's solver (a workspace, linearised at the last solve), the table, γ buffers on bin rows and on the
 * solver grid, and the update's Picard/adjoint counters. Not thread-safe; allocates nothing per evaluation beyond the
 * solver's result copies.
 */
final class Objective {
    private final RegionShape s;
    private final Window win;
    final RateTable table;
    final EquilibriumSolver solver;
    private final SquaredLoss loss;
    final double[] gamma;
    final double[] gammaBar;
    /** γ and ∂L/∂γ on the solver grid (the same arrays as gamma, gammaBar when k = 1). */
    final double[] gridGamma;
    final double[] gridGammaBar;
    /** ∂F/∂θ of the last gradient evaluation. */
    final double[] thetaBar;
    private double scale;
    private int picard;
    private int adjoint;
    private Solution lastSolution;
    private double[] lastTheta;     // θ of the last evaluate (the caller's array, for gradientOfLast)

    Objective(RegionShape s, OnlineConfig cfg, Window win) {
        this.s = s;
        this.win = win;
        MobilityGame game = new MobilityGame(s.graph, cfg.controlCost(), cfg.congestion(), new double[s.d]);
        this.table = new RateTable(s.w, s.edges, cfg.smoothness(), cfg.priorWeight(), Math.log(cfg.priorRate()));
        this.solver = new EquilibriumSolver(game, s.rows * cfg.binHours(), s.grid, cfg.solver());
        // Exploitability is published for the calibrated equilibrium only (publishedSolve), not in every solve.
        this.solver.setReportExploitability(false);
        this.loss = new SquaredLoss(s.grid, s.d, 1, s.rows, null, s.k);
        int n = table.size();
        gamma = new double[s.w * s.edges];
        gammaBar = new double[s.w * s.edges];
        gridGamma = s.k == 1 ? gamma : new double[s.grid * s.edges];
        gridGammaBar = s.k == 1 ? gammaBar : new double[s.grid * s.edges];
        thetaBar = new double[n];
    }

    /** Starts an update: the data term's scale 1/(2σ²)·(W−1)/… from {@code variance}; counters to 0. */
    void begin(double variance) {
        scale = s.rows / (2 * variance);
        picard = 0;
        adjoint = 0;
    }

    /** The data term's scale (W − 1)/(2σ²). */
    double scale() {
        return scale;
    }

    /** 1/σ² = 2·scale/(W − 1). */
    double inverseVariance() {
        return 2 * scale / s.rows;
    }

    int picard() {
        return picard;
    }

    int adjoint() {
        return adjoint;
    }

    /** Resets the counters (the warm/cold measurement counts each run on its own). */
    void resetCounters() {
        picard = 0;
        adjoint = 0;
    }

    /** The solution of the last solve (null before the first). */
    Solution lastSolution() {
        return lastSolution;
    }

    /**
     * F at {@code th} (not modified); with {@code gradient}, also ∂F/∂θ into {@link #thetaBar}. Solves warm-started
     * from {@code warmStart} (null: from μ_0). Counts iterations. +∞ when the equilibrium does not converge or the
     * adjoint diverges.
     */
    double evaluate(double[] th, boolean gradient, double[] warmStart) {
        lastTheta = th;
        table.gamma(th, gamma);
        s.toGrid(gamma, s.w, gridGamma);
        Solution sol;
        double data;
        if (gradient) {
            Gradient g = solver.lossAndGradient(win.mu0, gridGamma, warmStart, loss, win.obs, gridGammaBar);
            s.fromGrid(gridGammaBar, gammaBar, s.w);
            sol = g.solution();
            adjoint += g.adjointIterations();
            data = g.loss();
        } else {
            sol = solver.solve(win.mu0, gridGamma, warmStart);
            data = loss.value(sol.mu(), win.obs);
        }
        picard += sol.iterations();
        lastSolution = sol;
        if (!sol.converged() || !Double.isFinite(data)) {
            return Double.POSITIVE_INFINITY;
        }
        if (gradient) {
            if (!pullbackScaled(th)) {
                return Double.POSITIVE_INFINITY; // the adjoint diverged: no usable step from here
            }
            return data * scale + table.regulariser(th, thetaBar);
        }
        return data * scale + table.regulariserValue(th);
    }

    /** {@link #thetaBar} ← scale · (∂γ/∂θ)ᵀ γ̄ at {@code th}; false when it is not finite. */
    private boolean pullbackScaled(double[] th) {
        return Double.isFinite(table.pullbackScaled(gamma, gammaBar, thetaBar, scale));
    }

    /**
     * ∂F/∂θ into {@link #thetaBar} at the θ of the last {@link #evaluate} without gradient (θ not modified since),
     * exactly as {@link #evaluate} with gradient would have computed it there (the adjoint at the solver's workspace,
     * which still holds that equilibrium); false when it is not finite (evaluate would have returned +∞). Counts
     * the adjoint iterations.
     */
    boolean gradientOfLast() {
        final double[] th = lastTheta;
        Gradient g = solver.gradientAtSolution(lastSolution, win.mu0, gridGamma, loss, win.obs, gridGammaBar);
        s.fromGrid(gridGammaBar, gammaBar, s.w);
        adjoint += g.adjointIterations();
        if (!pullbackScaled(th)) {
            return false;
        }
        table.regulariserGradient(th, thetaBar);
        return true;
    }

    /** F at {@code theta} for the equilibrium {@code mu} already solved (the published one). */
    double valueAt(double[] mu, double[] theta) {
        return loss.value(mu, win.obs) * scale + table.regulariserValue(theta);
    }

    /**
     * A solve with exploitability at {@code theta} from {@code warmStart} (null: μ_0): it leaves the solver's
     * workspace linearised at that equilibrium (for the uncertainty probes). Counts iterations.
     */
    Solution publishedSolve(double[] theta, double[] warmStart) {
        table.gamma(theta, gamma);
        s.toGrid(gamma, s.w, gridGamma);
        solver.setReportExploitability(true);
        try {
            Solution sol = solver.solve(win.mu0, gridGamma, warmStart);
            picard += sol.iterations();
            lastSolution = sol;
            return sol;
        } finally {
            solver.setReportExploitability(false);
        }
    }
}
