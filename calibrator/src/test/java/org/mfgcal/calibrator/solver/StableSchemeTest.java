package org.mfgcal.calibrator.solver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mfgcal.calibrator.game.Graph;
import org.mfgcal.calibrator.game.LqGame;
import org.mfgcal.calibrator.game.MobilityGame;

/** The stable scheme where explicit Euler diverges, and a hand-computed two-state case for both schemes. */
class StableSchemeTest {
    static final int N = 100;
    static final double T = 2.0;

    static double[] mu0(int d) {
        double[] m = new double[d];
        m[0] = 1.0;
        return m;
    }

    @ParameterizedTest(name = "d={0}")
    @ValueSource(ints = {8, 16, 32})
    void stableScheme_lqArc_convergesWithExactMassAndPositivity(int d) {
        double[] gamma = TestGames.arc(N, T, 0.1, 3.0);
        for (Method m : Method.values()) {
            EquilibriumSolver s = new EquilibriumSolver(new LqGame(d), T, N, SolverOptions.DEFAULTS.withMethod(m));
            Solution sol = s.solve(mu0(d), gamma);
            System.out.printf("stable d=%d %s: iterations %d, residual %.1e, min mu %.2e, mass err %.1e, exploitability %.3e%n",
                    d, m, sol.iterations(), sol.residual(), sol.minMu(), sol.maxMassError(), sol.exploitability());
            Invariants.check(sol, SolverOptions.DEFAULTS.tol());
            assertTrue(Double.isFinite(sol.exploitability()));
        }
    }

    @Test
    void referenceScheme_lqArcAtD8_diverges() {
        double[] gamma = TestGames.arc(N, T, 0.1, 3.0);
        EquilibriumSolver s = new EquilibriumSolver(new LqGame(8), T, N,
                SolverOptions.DEFAULTS.withScheme(Scheme.REFERENCE).withMethod(Method.PICARD));
        Solution sol = s.solve(mu0(8), gamma);
        // Explicit Euler with Δt·outflow > 1: mass goes negative / blows up, and Picard never settles.
        assertFalse(sol.converged() && sol.minMu() >= 0 && sol.maxMassError() <= 1e-6,
                "reference scheme unexpectedly fine: " + sol);
        assertTrue(sol.minMu() < 0 || !Double.isFinite(sol.minMu()), "min mu " + sol.minMu());
    }

    /**
     * Two states, no game (c = 0, g = 0 ⇒ u ≡ 0, a = q): μ_0 = (1, 0), q_01 = 1, q_10 = 1/2, T = 1, N = 3 (Δt = 1/2).
     * Euler by hand: μ_1 = (1/2, 1/2), μ_2 = (3/8, 5/8). Exponential exit: μ_1(0) = e^{−1/2},
     * μ_2(0) = e^{−1/2}·e^{−1/2} + (1 − e^{−1/2})(1 − e^{−1/4}).
     */
    @Test
    void twoStateChain_matchesHandComputedSteps() {
        MobilityGame game = new MobilityGame(Graph.complete(2), 1.0, 0.0, new double[2]);
        double[] gamma = {1.0, 0.5, 1.0, 0.5, 1.0, 0.5};
        double[] mu0 = {1.0, 0.0};
        Solution ref = new EquilibriumSolver(game, 1.0, 3,
                SolverOptions.DEFAULTS.withScheme(Scheme.REFERENCE).withMethod(Method.PICARD)).solve(mu0, gamma);
        assertEquals(0.5, ref.mu()[2], 1e-15);
        assertEquals(0.5, ref.mu()[3], 1e-15);
        assertEquals(0.375, ref.mu()[4], 1e-15);
        assertEquals(0.625, ref.mu()[5], 1e-15);
        Solution st = new EquilibriumSolver(game, 1.0, 3, SolverOptions.DEFAULTS).solve(mu0, gamma);
        double e1 = Math.exp(-0.5);
        assertEquals(e1, st.mu()[2], 1e-15);
        assertEquals(e1 * e1 + (1 - e1) * (1 - Math.exp(-0.25)), st.mu()[4], 1e-15);
        assertEquals(1.0, st.mu()[4] + st.mu()[5], 1e-15);
        assertEquals(0.0, ref.exploitability(), 1e-15); // no game: nothing to gain
        assertEquals(0.0, st.exploitability(), 1e-15);
    }
}
