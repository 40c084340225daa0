package org.mfgcal.calibrator.solver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;
import org.mfgcal.calibrator.solver.TestGames.Instance;

/** Windowed and partial-observation losses under finite differences; the solver's iterations allocate nothing. */
class LossAndWorkspaceTest {

    static double fdRelErr(Instance in, SquaredLoss loss, Method method) {
        SolverOptions opt = new SolverOptions(Scheme.STABLE, method, in.damping(), 1e-14, 20000, 1e-14, 20000, 5);
        EquilibriumSolver s = new EquilibriumSolver(in.game(), in.horizon(), in.steps(), opt);
        double[] grad = new double[in.gamma().length];
        Gradient g = s.lossAndGradient(in.mu0(), in.gamma(), null, loss, in.obs(), grad);
        Invariants.check(g.solution(), 1e-14);
        double maxDiff = 0, maxRef = 0;
        // The 8 largest entries plus a stride through the rest (tiny entries only measure rounding noise).
        java.util.TreeSet<Integer> idx = new java.util.TreeSet<>();
        Integer[] order = new Integer[grad.length];
        for (int i = 0; i < grad.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (x, y) -> Double.compare(Math.abs(grad[y]), Math.abs(grad[x])));
        for (int k = 0; k < Math.min(8, grad.length); k++) {
            idx.add(order[k]);
        }
        for (int i = 0; i < grad.length; i += Math.max(1, grad.length / 8)) {
            idx.add(i);
        }
        for (int i : idx) {
            double[] gp = in.gamma().clone();
            double h = Double.parseDouble(System.getProperty("fd.h", "1e-6")) * Math.max(1, Math.abs(gp[i]));
            gp[i] += h;
            double lp = loss.value(s.solve(in.mu0(), gp, g.solution().mu()).mu(), in.obs());
            gp[i] -= 2 * h;
            double lm = loss.value(s.solve(in.mu0(), gp, g.solution().mu()).mu(), in.obs());
            maxDiff = Math.max(maxDiff, Math.abs((lp - lm) / (2 * h) - grad[i]));
            maxRef = Math.max(maxRef, Math.abs(grad[i]));
        }
        assertTrue(maxRef > 0);
        System.out.printf("%s %s: max |grad| %.3e, max |fd − grad| %.3e%n", in, method, maxRef, maxDiff);
        return maxDiff / maxRef;
    }

    @Test
    void windowedLoss_gradientMatchesFiniteDifferences() {
        Instance in = TestGames.mobility(21, 5, false, null);
        SquaredLoss w = SquaredLoss.fullHorizon(in.steps(), 5).window(10, 6); // Δ = ⌊0.2 N⌋ = 6 from s = 10
        for (Method m : Method.values()) {
            double rel = fdRelErr(in, w, m);
            assertTrue(rel <= 1e-6, m + " rel err " + rel);
        }
    }

    @Test
    void partialObservation_onlyInfected_gradientMatchesFiniteDifferences() {
        Instance in = TestGames.sir(22, false);
        SquaredLoss onlyI = new SquaredLoss(in.steps(), 3, 0, in.steps(), new boolean[] {false, true, false});
        for (Method m : Method.values()) {
            double rel = fdRelErr(in, onlyI, m);
            assertTrue(rel <= 1e-6, m + " rel err " + rel);
        }
    }

    @Test
    void windowedLoss_valueIsHandComputed() {
        // N = 3, d = 2: only steps 1..2 and state 1 count; L = ((0.5−0.25)² + (0.1−0.4)²) / 2.
        double[] mu = {0.9, 0.1, 0.5, 0.5, 0.9, 0.1};
        double[] obs = {0.0, 0.0, 0.0, 0.25, 0.0, 0.4};
        SquaredLoss l = new SquaredLoss(3, 2, 1, 2, new boolean[] {false, true});
        assertEquals((0.0625 + 0.09) / 2, l.value(mu, obs), 1e-16);
        double[] g = new double[6];
        l.gradient(mu, obs, g);
        assertEquals(0, g[0] + g[1] + g[2] + g[4], 0);
        assertEquals(2 * 0.25 / 2, g[3], 1e-16);
        assertEquals(2 * -0.3 / 2, g[5], 1e-16);
    }

    static long allocated() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    /**
     * A solve + gradient allocates only its results (μ* and u copies, a few small records), whatever the number of
     * Picard, Anderson and adjoint iterations: the workspace is sized at construction.
     */
    @Test
    void solveAndGradient_allocateOnlyTheirResults() {
        Instance in = TestGames.lq(23, 8, 400);
        for (Method m : Method.values()) {
            EquilibriumSolver s = new EquilibriumSolver(in.game(), in.horizon(), in.steps(),
                    SolverOptions.DEFAULTS.withMethod(m).withTolerances(1e-12, 1e-12));
            SquaredLoss loss = SquaredLoss.fullHorizon(in.steps(), 8);
            double[] grad = new double[in.gamma().length];
            for (int i = 0; i < 3; i++) {
                s.lossAndGradient(in.mu0(), in.gamma(), null, loss, in.obs(), grad); // warm-up
            }
            long before = allocated();
            Gradient g = s.lossAndGradient(in.mu0(), in.gamma(), null, loss, in.obs(), grad);
            long bytes = allocated() - before;
            long results = 2L * in.steps() * 8 * Double.BYTES; // μ* and u
            int iterations = g.solution().iterations() + g.adjointIterations();
            System.out.printf("%s: %d iterations, %d bytes allocated (results %d)%n", m, iterations, bytes, results);
            assertTrue(iterations >= 10, "too few iterations to tell: " + iterations);
            assertTrue(bytes <= results + 4096, m + ": allocated " + bytes + " bytes, results need " + results);
        }
    }
}
