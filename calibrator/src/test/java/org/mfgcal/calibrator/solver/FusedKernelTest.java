package org.mfgcal.calibrator.solver;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.mfgcal.calibrator.game.Graph;
import org.mfgcal.calibrator.game.LqGame;
import org.mfgcal.calibrator.game.MobilityGame;

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

    @ParameterizedTest
    @EnumSource(Scheme.class)
    void lqFusedAdjoint_equalsGenericAdjoint(Scheme scheme) {
        for (int d : new int[] {3, 8}) {
            TestGames.Instance in = TestGames.lq(30 + d, d, 80);
            LqGame game = new LqGame(d);
            double[] gamma = scheme == Scheme.REFERENCE ? TestGames.arc(80, 2.0, 1.0, 3.0) : TestGames.arc(80, 2.0, 0.2, 3.0);
            SolverOptions opt = SolverOptions.DEFAULTS.withScheme(scheme).withMethod(Method.PICARD).withTolerances(1e-13, 1e-13);
            SquaredLoss loss = SquaredLoss.fullHorizon(80, d);
            double[] gf = new double[80];
            double[] gg = new double[80];
            Gradient f = new EquilibriumSolver(game, 2.0, 80, opt).lossAndGradient(in.mu0(), gamma, null, loss, in.obs(), gf);
            Gradient g = new EquilibriumSolver(new Generic(game), 2.0, 80, opt).lossAndGradient(in.mu0(), gamma, null, loss, in.obs(), gg);
            assertTrue(f.adjointIterations() == g.adjointIterations(), "adjoint iterations differ");
            double e = Invariants.relErr(gf, gg);
            assertTrue(e <= 1e-11, scheme + " d=" + d + ": grad rel err " + e);
        }
    }

    /**
     * The plain mobility game's whole-sweep kernels (MobilityKernels) against the generic sweeps, on a dense and a
     * sparse graph, with rates clipped at 0 on part of the edges: equilibrium, value function and implicit gradient.
     */
    @ParameterizedTest
    @EnumSource(Scheme.class)
    void mobilityKernels_equalGenericSweeps(Scheme scheme) {
        for (Graph g : new Graph[] {Graph.complete(6), Graph.ring(10, 4)}) {
            java.util.Random rnd = new java.util.Random(g.states());
            int d = g.states();
            int steps = 48;
            double horizon = 12;
            double[] wg = new double[d];
            for (int x = 0; x < d; x++) {
                wg[x] = 2 * rnd.nextDouble(); // spread in u, so that some rates clip at 0
            }
            MobilityGame game = new MobilityGame(g, 0.5, 0.8, wg);
            double[] gamma = new double[steps * g.edges()];
            for (int i = 0; i < gamma.length; i++) {
                gamma[i] = 0.02 + 0.2 * rnd.nextDouble();
            }
            double[] mu0 = TestGames.dirichletOnes(rnd, d);
            double[] obs = new double[steps * d];
            for (int n = 0; n < steps; n++) {
                System.arraycopy(TestGames.dirichletOnes(rnd, d), 0, obs, n * d, d);
            }
            SolverOptions opt = SolverOptions.DEFAULTS.withScheme(scheme).withMethod(Method.PICARD)
                    .withTolerances(1e-13, 1e-13);
            EquilibriumSolver fs = new EquilibriumSolver(game, horizon, steps, opt);
            EquilibriumSolver gs = new EquilibriumSolver(new Generic(game), horizon, steps, opt);
            Solution fused = fs.solve(mu0, gamma);
            Solution generic = gs.solve(mu0, gamma);
            Invariants.check(fused, opt.tol(), scheme == Scheme.STABLE ? 0 : 1e-12);
            int clipped = 0;
            for (int e = 0; e < g.edges(); e++) {
                double r = gamma[e] - (fused.u()[d + g.to(e)] - fused.u()[d + g.from(e)]) / (2 * 0.5);
                clipped += r <= 0 ? 1 : 0;
            }
            assertTrue(clipped > 0, d + " states: no clipped rate, the test would not cover the clip");
            assertTrue(fused.iterations() == generic.iterations(), "iterations differ");
            double eMu = Invariants.relErr(fused.mu(), generic.mu());
            double eU = Invariants.relErr(fused.u(), generic.u());
            assertTrue(eMu <= 1e-13 && eU <= 1e-13, scheme + " d=" + d + ": mu " + eMu + " u " + eU);
            SquaredLoss loss = SquaredLoss.fullHorizon(steps, d);
            double[] gf = new double[gamma.length];
            double[] gg = new double[gamma.length];
            fs.lossAndGradient(mu0, gamma, null, loss, obs, gf);
            gs.lossAndGradient(mu0, gamma, null, loss, obs, gg);
            double e = Invariants.relErr(gf, gg);
            assertTrue(e <= 1e-11, scheme + " d=" + d + ": grad rel err " + e);
        }
    }
}
