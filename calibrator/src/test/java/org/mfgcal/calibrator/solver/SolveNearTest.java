package org.mfgcal.calibrator.solver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.mfgcal.calibrator.game.Graph;
import org.mfgcal.calibrator.game.MobilityGame;

/** {@link EquilibriumSolver#solveNear}: the forecast draws' relative stopping rule (docs/MODEL.md, forecast bands). */
class SolveNearTest {
    private static final int D = 12;
    private static final int N = 13;

    private static double[] rates(SplittableRandom rng, double[] base, double sd) {
        double[] g = new double[base.length];
        for (int i = 0; i < g.length; i++) {
            g[i] = base[i] * Math.exp(sd * rng.nextGaussian());
        }
        return g;
    }

    @Test
    void relativeZeroIsThePlainSolve_andADrawIsAccurateRelativeToItsDeviation() {
        Graph graph = Graph.complete(D);
        MobilityGame game = new MobilityGame(graph, 1.0, 0.5, new double[D]);
        EquilibriumSolver solver = new EquilibriumSolver(game, N - 1, N, SolverOptions.DEFAULTS);
        SplittableRandom rng = new SplittableRandom(15);
        double[] mu0 = new double[D];
        double sum = 0;
        for (int x = 0; x < D; x++) {
            mu0[x] = 0.5 + rng.nextDouble();
            sum += mu0[x];
        }
        for (int x = 0; x < D; x++) {
            mu0[x] /= sum;
        }
        double[] base = new double[N * graph.edges()];
        for (int i = 0; i < base.length; i++) {
            base[i] = 0.05 * Math.exp(rng.nextGaussian());
        }
        Solution mean = solver.solve(mu0, base, null);
        assertTrue(mean.converged());
        final double[] mg = mean.mu();

        double[] draw = rates(rng, base, 0.3);
        Solution plain = solver.solve(mu0, draw, mg);
        Solution zero = solver.solveNear(mu0, draw, mg, 0);
        assertArrayEquals(plain.mu(), zero.mu(), 0.0);
        assertEquals(plain.iterations(), zero.iterations());

        // A tight reference, then the relative rule: fewer iterations, the deviation from the mean within 2 %.
        Solution exact = new EquilibriumSolver(game, N - 1, N, SolverOptions.DEFAULTS.withTolerances(1e-13, 1e-5))
                .solve(mu0, draw, mg);
        Solution near = solver.solveNear(mu0, draw, mg, 0.1);
        assertTrue(near.converged());
        assertTrue(near.iterations() <= plain.iterations(), near.iterations() + " vs " + plain.iterations());
        double dev = 0;
        double err = 0;
        for (int i = 0; i < mg.length; i++) {
            dev = Math.max(dev, Math.abs(exact.mu()[i] - mg[i]));
            err = Math.max(err, Math.abs(near.mu()[i] - exact.mu()[i]));
        }
        assertTrue(dev > 1e-3, "the draw moves the equilibrium: " + dev);
        assertTrue(err <= 0.02 * dev, "error " + err + " against a deviation " + dev);
        assertThrows(IllegalArgumentException.class, () -> solver.solveNear(mu0, draw, mg, 1.0));
    }
}
