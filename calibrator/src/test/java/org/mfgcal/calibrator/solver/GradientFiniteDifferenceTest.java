package org.mfgcal.calibrator.solver;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.mfgcal.calibrator.game.Graph;
import org.mfgcal.calibrator.solver.TestGames.Instance;

/**
 * The implicit-adjoint gradient against central finite differences of the equilibrium loss, for every built-in game,
 * both schemes and both solvers. Equilibria are solved to 1e-14 so that the finite difference measures the
 * derivative, not the solver's stopping error.
 */
class GradientFiniteDifferenceTest {
    static final double FD_TOL = 1e-6;
    static final double SOLVE_TOL = 1e-14;
    static final int CHECKED_ENTRIES = 12;

    static Stream<Instance> games() {
        return Stream.of(TestGames.lq(1, 3, 50), TestGames.lq(2, 6, 40), TestGames.lqPower2(3), TestGames.cyber(4),
                TestGames.sir(5, false), TestGames.sir(6, true), TestGames.mobility(7, 4, false, null),
                TestGames.mobility(8, 4, true, null), TestGames.mobility(9, 8, false, Graph.ring(8, 4)),
                TestGames.emissions(10));
    }

    static Stream<Arguments> cases() {
        return games().flatMap(g -> Stream.of(Scheme.values()).flatMap(s -> Stream.of(Method.values())
                .map(m -> Arguments.of(g, s, m))));
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void adjointGradient_matchesCentralDifferences(Instance in, Scheme scheme, Method method) {
        SolverOptions opt = new SolverOptions(scheme, method, in.damping(), SOLVE_TOL, 20000, SOLVE_TOL, 20000, 5);
        EquilibriumSolver solver = new EquilibriumSolver(in.game(), in.horizon(), in.steps(), opt);
        int d = in.game().states();
        SquaredLoss loss = SquaredLoss.fullHorizon(in.steps(), d);
        double[] grad = new double[in.gamma().length];
        Gradient g = solver.lossAndGradient(in.mu0(), in.gamma(), null, loss, in.obs(), grad);
        Invariants.check(g.solution(), SOLVE_TOL, scheme == Scheme.STABLE ? 0.0 : 1e-12);
        assertTrue(g.adjointConverged(), "adjoint not converged");

        // The largest entries plus seeded random ones.
        List<Integer> idx = new ArrayList<>();
        Random rnd = new Random(42);
        int largest = 0;
        for (int i = 1; i < grad.length; i++) {
            if (Math.abs(grad[i]) > Math.abs(grad[largest])) {
                largest = i;
            }
        }
        idx.add(largest);
        while (idx.size() < Math.min(CHECKED_ENTRIES, grad.length)) {
            idx.add(rnd.nextInt(grad.length));
        }
        double[] warm = g.solution().mu();
        double maxDiff = 0, maxRef = 0;
        for (int i : idx) {
            double[] gp = in.gamma().clone();
            double h = Double.parseDouble(System.getProperty("fd.h", "1e-6")) * Math.max(1, Math.abs(gp[i]));
            gp[i] = in.gamma()[i] + h;
            Solution sp = solver.solve(in.mu0(), gp, warm);
            gp[i] = in.gamma()[i] - h;
            Solution sm = solver.solve(in.mu0(), gp, warm);
            assertTrue(sp.converged() && sm.converged(), "perturbed solve did not converge");
            double fd = (loss.value(sp.mu(), in.obs()) - loss.value(sm.mu(), in.obs())) / (2 * h);
            maxDiff = Math.max(maxDiff, Math.abs(fd - grad[i]));
            maxRef = Math.max(maxRef, Math.abs(grad[i]));
        }
        double rel = maxDiff / maxRef;
        System.out.printf("%-22s %-9s %-8s it=%3d adj=%3d |grad|max=%.3e fd rel err %.2e%n", in, scheme, method,
                g.solution().iterations(), g.adjointIterations(), maxRef, rel);
        assertTrue(maxRef > 0, "gradient is identically zero on the checked entries");
        assertTrue(rel <= FD_TOL, () -> in + ": adjoint vs finite differences rel err " + rel);
    }
}
