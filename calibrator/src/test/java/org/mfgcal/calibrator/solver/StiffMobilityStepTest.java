package org.mfgcal.calibrator.solver;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mfgcal.calibrator.game.Graph;
import org.mfgcal.calibrator.game.MobilityGame;

/**
 * The mobility game's stable step at daily bins (issue 11): with Δt = 24 h and the heterogeneous rates of the daily
 * flights prior, accruing the quadratic running cost over the whole Δt made the backward HJB sweep overflow to NaN;
 * accruing it over the expected time in the zone (Δt·φ) keeps every value between 0 (costs are ≥ 0, terminal 0) and
 * T·c·max_x Σ_y q_xy, the cost of following the base rates with congestion at most c per rate unit (a = q has no
 * deviation cost, c·μ(y)·a ≤ c·q).
 */
class StiffMobilityStepTest {

    @Test
    void dailyBins_fastHeterogeneousRates_valueStaysBounded_whereTheWholeStepCostOverflowed() {
        int d = 11;
        int steps = 7;
        double dt = 24;
        Graph g = Graph.complete(d);
        double b = 1.0;
        double c = 0.5;
        MobilityGame game = new MobilityGame(g, b, c, new double[d]);
        Random rnd = new Random(11);
        double[] gamma = new double[steps * g.edges()];
        for (int i = 0; i < gamma.length; i++) {
            gamma[i] = Math.exp(-8 + 7.1 * rnd.nextDouble()); // log-rates in [-8, -0.9] per hour, as the daily prior
        }
        double[] mu0 = new double[d];
        Arrays.fill(mu0, 0.5 / (d - 1));
        mu0[d - 1] = 0.5;
        double maxOut = 0;
        for (int n = 0; n < steps; n++) {
            for (int x = 0; x < d; x++) {
                double out = 0;
                for (int e = g.rowStart(x); e < g.rowEnd(x); e++) {
                    out += gamma[n * g.edges() + e];
                }
                maxOut = Math.max(maxOut, out);
            }
        }
        double bound = (steps - 1) * dt * c * maxOut;
        SolverOptions opt = SolverOptions.DEFAULTS.withMaxIter(1, 1);
        for (boolean fused : new boolean[] {true, false}) {
            EquilibriumSolver s = new EquilibriumSolver(fused ? game : new Generic(game), (steps - 1) * dt, steps, opt);
            double[] u = s.solve(mu0, gamma).u(); // one Picard map from μ_0: u = HJB(μ_0)
            for (double v : u) {
                assertTrue(v >= -1e-12 && v <= bound * (1 + 1e-12), (fused ? "fused" : "generic") + ": u " + v
                        + " outside [0, " + bound + "]");
            }
        }
        // the step with the cost over the whole Δt (before): the same sweep leaves the bound or overflows
        EquilibriumSolver old = new EquilibriumSolver(Generic.costOverWholeStep(game), (steps - 1) * dt, steps, opt);
        double[] u = old.solve(mu0, gamma).u();
        boolean broken = false;
        for (double v : u) {
            broken |= !Double.isFinite(v) || v < -1e-12 || v > bound;
        }
        assertTrue(broken, "the whole-step cost should break the bound on this case (else the test shows nothing)");
        assertFalse(Double.isNaN(bound));
    }
}
