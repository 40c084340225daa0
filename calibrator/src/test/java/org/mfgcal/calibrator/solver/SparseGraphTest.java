package org.mfgcal.calibrator.solver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.mfgcal.calibrator.game.Graph;
import org.mfgcal.calibrator.game.MobilityGame;
import org.mfgcal.calibrator.solver.TestGames.Instance;

/**
 * Sparse zone graphs: the graph builders against hand-built adjacency, a "sparse" complete graph (built by the
 * nearest-neighbour builder with k = d − 1) against the dense one, and the implicit gradient on a k-nearest graph
 * against central finite differences.
 */
class SparseGraphTest {

    @Test
    void nearest_onALine_isTheHandBuiltGraph() {
        // Points 0, 1, 2, 3, 10 on a line, k = 1: nearest of 1 is 0 (tie with 2, lower index), of 2 is 1 (tie with 3),
        // of 3 is 2, of 4 (at 10) is 3; the graph is symmetrised.
        Graph g = Graph.nearest(new double[] {0, 1, 2, 3, 10}, new double[5], 1);
        assertArrayEquals(new int[][] {{1}, {0, 2}, {1, 3}, {2, 4}, {3}}, g.adjacency());
        assertTrue(g.stronglyConnected());
        assertEquals(Graph.complete(4), Graph.nearest(new double[] {0, 1, 5, 9}, new double[] {0, 3, 1, 2}, 3));
        assertThrows(IllegalArgumentException.class, () -> Graph.nearest(new double[] {0, 1}, new double[] {0, 1}, 2));
        assertThrows(IllegalArgumentException.class,
                () -> Graph.nearest(new double[] {0, Double.NaN}, new double[] {0, 1}, 1));
    }

    @Test
    void observed_keepsPairsAtOrAboveThreshold_andHubAddsBothDirections() {
        double[] counts = {
            9, 5, 0,
            4, 0, 7,
            0, 0, 1};
        Graph g = Graph.observed(counts, 3, 5);
        assertArrayEquals(new int[][] {{1}, {2}, {}}, g.adjacency());
        assertTrue(!g.stronglyConnected());
        Graph h = g.withHub(2);
        assertArrayEquals(new int[][] {{1, 2}, {2}, {0, 1}}, h.adjacency());
        assertTrue(h.stronglyConnected());
        assertThrows(IllegalArgumentException.class, () -> Graph.observed(counts, 3, 0));
        assertThrows(IllegalArgumentException.class, () -> Graph.observed(new double[] {0, -1, 0, 0}, 2, 1));
    }

    /** The complete graph reached through the sparse builders gives the dense path's numbers, to round-off. */
    @ParameterizedTest
    @EnumSource(Scheme.class)
    void sparseCompleteGraph_equalsDenseGraph(Scheme scheme) {
        int d = 7;
        Random rnd = new Random(11);
        double[] xs = new double[d];
        double[] ys = new double[d];
        for (int x = 0; x < d; x++) {
            xs[x] = rnd.nextDouble();
            ys[x] = rnd.nextDouble();
        }
        Graph sparse = Graph.nearest(xs, ys, d - 1);
        Graph dense = Graph.complete(d);
        Instance in = TestGames.mobility(21, d, false, dense);
        MobilityGame gd = (MobilityGame) in.game();
        double[] wg = new double[d];
        for (int x = 0; x < d; x++) {
            wg[x] = 0.5 * x / d;
        }
        MobilityGame dg = new MobilityGame(dense, 0.8, 0.4, wg);
        MobilityGame sg = new MobilityGame(sparse, 0.8, 0.4, wg);
        assertEquals(gd.graph().edges(), sg.graph().edges());
        SolverOptions opt = SolverOptions.DEFAULTS.withScheme(scheme).withTolerances(1e-12, 1e-12);
        SquaredLoss loss = SquaredLoss.fullHorizon(in.steps(), d);
        double[] gDense = new double[in.gamma().length];
        double[] gSparse = new double[in.gamma().length];
        Gradient a = new EquilibriumSolver(dg, in.horizon(), in.steps(), opt)
                .lossAndGradient(in.mu0(), in.gamma(), null, loss, in.obs(), gDense);
        Gradient b = new EquilibriumSolver(sg, in.horizon(), in.steps(), opt)
                .lossAndGradient(in.mu0(), in.gamma(), null, loss, in.obs(), gSparse);
        assertTrue(a.solution().converged() && b.solution().converged());
        assertTrue(Invariants.relErr(a.solution().mu(), b.solution().mu()) <= 1e-14);
        assertTrue(Invariants.relErr(a.solution().u(), b.solution().u()) <= 1e-14);
        assertTrue(Invariants.relErr(gDense, gSparse) <= 1e-13, "gradient differs");
        // and against the generic (unfused) sweeps on the sparse graph: an independent implementation
        double[] gGeneric = new double[in.gamma().length];
        new EquilibriumSolver(new Generic(sg), in.horizon(), in.steps(), opt)
                .lossAndGradient(in.mu0(), in.gamma(), null, loss, in.obs(), gGeneric);
        assertTrue(Invariants.relErr(gDense, gGeneric) <= 1e-10, "generic gradient differs");
    }

    /** Implicit gradient on a k = 3 nearest-neighbour graph of 12 zones against central differences. */
    @ParameterizedTest
    @EnumSource(Scheme.class)
    void nearestGraphGradient_matchesFiniteDifferences(Scheme scheme) {
        int d = 12;
        Random rnd = new Random(5);
        double[] xs = new double[d];
        double[] ys = new double[d];
        for (int x = 0; x < d; x++) {
            xs[x] = rnd.nextDouble();
            ys[x] = rnd.nextDouble();
        }
        Graph g = Graph.nearest(xs, ys, 3);
        assertTrue(g.edges() < d * (d - 1) / 2, "the graph should be sparse, has " + g.edges());
        Instance in = TestGames.mobility(31, d, false, g);
        double tol = GradientFiniteDifferenceTest.SOLVE_TOL;
        SolverOptions opt = new SolverOptions(scheme, Method.ANDERSON, in.damping(), tol, 20000, tol, 20000, 5);
        EquilibriumSolver solver = new EquilibriumSolver(in.game(), in.horizon(), in.steps(), opt);
        SquaredLoss loss = SquaredLoss.fullHorizon(in.steps(), d);
        double[] grad = new double[in.gamma().length];
        Gradient gr = solver.lossAndGradient(in.mu0(), in.gamma(), null, loss, in.obs(), grad);
        assertTrue(gr.adjointConverged());
        List<Integer> idx = new ArrayList<>();
        int largest = 0;
        for (int i = 1; i < grad.length; i++) {
            if (Math.abs(grad[i]) > Math.abs(grad[largest])) {
                largest = i;
            }
        }
        idx.add(largest);
        Random pick = new Random(3);
        while (idx.size() < 12) {
            idx.add(pick.nextInt(grad.length));
        }
        double maxDiff = 0, maxRef = 0;
        for (int i : idx) {
            double[] gp = in.gamma().clone();
            double h = 1e-6 * Math.max(1, Math.abs(gp[i]));
            gp[i] = in.gamma()[i] + h;
            Solution sp = solver.solve(in.mu0(), gp, gr.solution().mu());
            gp[i] = in.gamma()[i] - h;
            Solution sm = solver.solve(in.mu0(), gp, gr.solution().mu());
            double fd = (loss.value(sp.mu(), in.obs()) - loss.value(sm.mu(), in.obs())) / (2 * h);
            maxDiff = Math.max(maxDiff, Math.abs(fd - grad[i]));
            maxRef = Math.max(maxRef, Math.abs(grad[i]));
        }
        assertTrue(maxRef > 0);
        double rel = maxDiff / maxRef;
        assertTrue(rel <= GradientFiniteDifferenceTest.FD_TOL, "rel err " + rel);
    }
}
