package org.mfgcal.calibrator.solver;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.mfgcal.calibrator.game.LqGame;

/** The LQ game's fused sweep kernels against the generic sweeps built from its local maps. */
class FusedKernelTest {
    @ParameterizedTest
    @EnumSource(Scheme.class)
    void lqFusedKernels_equalGenericSweeps(Scheme scheme) {
        for (int d : new int[] {3, 8}) {
            LqGame game = new LqGame(d);
            double[] gamma = TestGames.arc(120, 2.0, 0.3, 3.0);
            double[] mu0 = TestGames.dirichletOnes(new java.util.Random(d), d);
            SolverOptions opt = SolverOptions.DEFAULTS.withScheme(scheme).withMethod(Method.PICARD);
            if (scheme == Scheme.REFERENCE && d == 8) {
                gamma = TestGames.arc(120, 2.0, 1.0, 3.0); // keep explicit Euler in its stable range
            }
            Solution fused = new EquilibriumSolver(game, 2.0, 120, opt).solve(mu0, gamma);
            Solution generic = new EquilibriumSolver(new Generic(game), 2.0, 120, opt).solve(mu0, gamma);
            Invariants.check(fused, opt.tol(), scheme == Scheme.STABLE ? 0 : 1e-12);
            assertTrue(fused.iterations() == generic.iterations(), "iterations differ");
            double eMu = Invariants.relErr(fused.mu(), generic.mu());
            double eU = Invariants.relErr(fused.u(), generic.u());
            assertTrue(eMu <= 1e-13 && eU <= 1e-13, "d=" + d + ": mu " + eMu + " u " + eU);
        }
    }
}
