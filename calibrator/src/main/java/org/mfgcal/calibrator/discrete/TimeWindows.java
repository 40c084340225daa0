package org.mfgcal.calibrator.discrete;

import java.util.Arrays;

/**
 * The first phase of the {@code newton-windows} solver (docs/DISCRETE_GAMES.md §3, issue 14 seventh round): the
 * horizon [0, T) is covered by three overlapping windows [0, e_1), [k_1, e_2), [k_2, T) with k_1 &lt; e_1 ≤ k_2 &lt;
 * e_2. Each window is the same game over its own steps ({@link CrowdPotentialGame#window}), started from the mean
 * field the previous window's solution reaches at its keep step k, and solved by {@code newton} to half the target.
 * The policy of the whole game takes steps [0, k_1) from the first window, [k_1, k_2) from the second and [k_2, T)
 * from the third: the steps after a keep step are dropped because the window's end distorts them (agents of a short
 * game have no reason to prepare the steps beyond its end). A Newton sweep costs O(window²) and a window needs about
 * as many iterations as the whole game, so three windows cost ≈ 0.6 of one whole solve on four-rooms, and the glued
 * policy is within the target or a few whole-game Newton iterations from it.
 */
final class TimeWindows {
    /** Window ends and keep steps as fractions of T (four-rooms, T = 40: windows [0, 20), [15, 32), [28, 40)). */
    static final double[] END = {0.5, 0.8};
    static final double[] KEEP = {0.375, 0.7};
    /** Each window is solved to this fraction of the target (of 10⁻³ when the target is 0: a fixed budget). */
    static final double WINDOW_TARGET = 0.5;
    static final double DEFAULT_TARGET = 1e-3;
    /** Iteration budget of a window at least (the solve's budget counts the whole game's iterations). */
    static final int WINDOW_BUDGET = 200;
    /** Horizons below this are not split (the first phase is skipped). */
    static final int MIN_STEPS = 8;

    private final int nS, nA;
    private final int[] from, to, keep;
    private final DiscreteSolver[] solvers;
    private final int[] iterations;

    private TimeWindows(CrowdPotentialGame game, Evaluator ev, SolverOptions options) {
        nS = ev.nS;
        nA = ev.nA;
        int nT = ev.nT;
        int n = END.length + 1;
        from = new int[n];
        to = new int[n];
        keep = new int[n];
        for (int i = 0; i < n; i++) {
            from[i] = i == 0 ? 0 : keep[i - 1];
            to[i] = i + 1 < n ? (int) Math.round(END[i] * nT) : nT;
            keep[i] = i + 1 < n ? (int) Math.round(KEEP[i] * nT) : nT;
        }
        // windows after the first are built from the uniform policy's mean field at their first step (its support
        // is every structurally reachable cell); solve() overwrites their μ_0 in place with the previous window's μ
        ev.induce(ev.uniformPolicy());
        double[] reachable = Arrays.copyOf(ev.mu, ev.mu.length);
        double target = options.target() > 0 ? options.target() : DEFAULT_TARGET;
        SolverOptions o = options.withTarget(WINDOW_TARGET * target)
                .withIterations(Math.max(WINDOW_BUDGET, options.maxIterations()));
        solvers = new DiscreteSolver[n];
        for (int i = 0; i < n; i++) {
            double[] m0 = Arrays.copyOfRange(reachable, from[i] * nS, from[i] * nS + nS);
            solvers[i] = new DiscreteSolver(game.window(to[i] - from[i], m0), o);
        }
        iterations = new int[n];
    }

    /** The windows of {@code game}, or null when it has none or its horizon is too short to split. */
    static TimeWindows of(DiscreteGame game, Evaluator ev, SolverOptions options) {
        if (!(game instanceof CrowdPotentialGame cg) || game.steps() < MIN_STEPS
                || cg.window(game.steps(), game.initialDistribution()) == null) {
            return null;
        }
        return new TimeWindows(cg, ev, options);
    }

    /** Solves the windows in order and writes the glued policy of the whole horizon to {@code policy}. */
    void solve(double[] policy) {
        for (int i = 0; i < solvers.length; i++) {
            SolveResult r = solvers[i].solve(Algorithm.NEWTON);
            iterations[i] = r.iterations();
            System.arraycopy(r.policy(), 0, policy, from[i] * nS * nA, (keep[i] - from[i]) * nS * nA);
            if (i + 1 < solvers.length) {
                System.arraycopy(r.mu(), (keep[i] - from[i]) * nS, solvers[i + 1].evaluator().mu0, 0, nS);
            }
        }
    }

    /** Iterations (exploitability evaluations) of each window's Newton solve in the last {@link #solve}. */
    int[] windowIterations() {
        return iterations.clone();
    }
}
