package org.mfgcal.calibrator.discrete;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Every built-in game reaches exploitability &lt; 1e-3 with its documented solver settings, with the invariants of a
 * mean field (mass 1 at every step, μ ≥ 0, policies on the simplex); Braess reproduces the Wardrop split of the
 * published example; the solvers agree with each other where they converge.
 */
class SolverTest {
    static final double TARGET = 1e-3;
    static final double MASS_TOL = 1e-12;

    static SolveResult solve(String game, Algorithm alg, SolverOptions o) {
        SolveResult r = new DiscreteSolver(DiscreteGames.create(game), o).solve(alg);
        checkInvariants(DiscreteGames.create(game), r);
        return r;
    }

    static void checkInvariants(DiscreteGame g, SolveResult r) {
        int nS = g.states();
        int nA = g.actions();
        for (int t = 0; t < g.steps(); t++) {
            double m = 0;
            for (int x = 0; x < nS; x++) {
                double v = r.mu()[t * nS + x];
                assertTrue(v >= 0, "mu < 0 at t=" + t + " x=" + x);
                m += v;
                double p = 0;
                for (int a = 0; a < nA; a++) {
                    double pa = r.policy()[(t * nS + x) * nA + a];
                    assertTrue(pa >= 0, "pi < 0");
                    p += pa;
                }
                assertEquals(1.0, p, 1e-9, "policy mass at t=" + t + " x=" + x);
            }
            assertEquals(1.0, m, MASS_TOL, "mass at t=" + t);
        }
        for (double e : r.exploitability()) {
            assertTrue(e >= -1e-12, "negative exploitability " + e);
        }
    }

    @Test
    void crowdRing_omd_reachesTarget() {
        SolveResult r = solve("crowd-ring", Algorithm.OMD, DiscreteGames.options("crowd-ring", Algorithm.OMD));
        assertTrue(r.reachedTarget(), () -> "exploitability " + r.finalExploitability());
    }

    /** The solvers that work on every game (flow-shift and newton need a crowd potential game). */
    static final Algorithm[] GENERAL = {Algorithm.FP, Algorithm.OMD, Algorithm.FIXED_POINT, Algorithm.ANDERSON};

    @Test
    void beachBar_allSolvers_reachTarget() {
        for (Algorithm a : GENERAL) {
            SolveResult r = solve("beach-bar", a, DiscreteGames.options("beach-bar", a));
            assertTrue(r.reachedTarget(), () -> a + ": exploitability " + r.finalExploitability());
        }
    }

    @Test
    void sis_fixedPointAndAnderson_reachTarget() {
        for (Algorithm a : new Algorithm[] {Algorithm.FIXED_POINT, Algorithm.ANDERSON}) {
            SolveResult r = solve("sis", a, DiscreteGames.options("sis", a));
            assertTrue(r.reachedTarget(), () -> a + ": exploitability " + r.finalExploitability());
        }
    }

    @Test
    void lq_anderson_reachesTarget_meanStaysAtZero() {
        SolveResult r = solve("lq", Algorithm.ANDERSON, DiscreteGames.options("lq", Algorithm.ANDERSON));
        assertTrue(r.reachedTarget(), () -> "exploitability " + r.finalExploitability());
        LinearQuadratic g = new LinearQuadratic();
        for (int t = 0; t < g.steps(); t++) {
            // closed form of the LQ model: the population mean is constant (m_t = m_0 = 0 for uniform μ_0)
            assertEquals(0.0, g.mean(r.mu(), t), 1e-6, "mean at t=" + t);
        }
    }

    @Test
    void braess_allSolvers_reachTarget_wardropSplit() {
        for (Algorithm a : GENERAL) {
            SolveResult r = solve("braess", a, DiscreteGames.options("braess", a));
            assertTrue(r.reachedTarget(), () -> a + ": exploitability " + r.finalExploitability());
        }
        // Braess paradox equilibrium: 5 vehicles, 1.25 on O-A-B-D, 1.25 on O-A-C-D, 2.5 on O-A-B-C-D, cost 3.75
        SolveResult r = solve("braess", Algorithm.ANDERSON, DiscreteGames.options("braess", Algorithm.ANDERSON)
                .withTarget(1e-9).withIterations(400));
        RoutingGame g = RoutingGame.braess();
        double[] f = g.linkFlows(r.stateAction());
        // links: O->A, A->B, A->C, B->C, B->D, C->D, D->E
        double[] expected = {5, 3.75, 1.25, 2.5, 1.25, 3.75, 5};
        for (int e = 0; e < expected.length; e++) {
            assertEquals(expected[e], f[e], 2e-2, "flow on " + g.links().get(e).id());
        }
        Evaluator ev = new Evaluator(g);
        ev.exploitability(r.policy());
        assertEquals(-3.75, ev.value()[0], 2e-2);
    }

    @Test
    void crowdRing_fpWithLineSearch_reachesTarget() {
        SolveResult r = solve("crowd-ring", Algorithm.FP, DiscreteGames.options("crowd-ring", Algorithm.FP)
                .withIterations(3000));
        assertTrue(r.reachedTarget(), () -> "exploitability " + r.finalExploitability());
    }

    @Test
    void potentialDerivative_equalsRewardTimesFlowDirection() {
        // Φ'(μ, L)[dμ, dL] = Σ r·dL when rewards are ∇Φ (up to a per-step constant, invisible since Σ dμ_t = 0)
        for (PotentialGame g : new PotentialGame[] {new CrowdRing(), CrowdModelling2d.fourRooms()}) {
            Evaluator ev = new Evaluator(g);
            double[] a = ev.uniformPolicy();
            ev.exploitability(a);
            double[] muA = ev.mu().clone();
            double[] saA = ev.stateAction().clone();
            double[] b = a.clone();
            ev.greedy(b);
            ev.induce(b);
            double[] dmu = ev.mu().clone();
            double[] dsa = ev.stateAction().clone();
            for (int i = 0; i < dmu.length; i++) {
                dmu[i] -= muA[i];
            }
            for (int i = 0; i < dsa.length; i++) {
                dsa[i] -= saA[i];
            }
            ev.induce(a);
            ev.computeRewards();
            double expected = 0;
            for (int i = 0; i < dsa.length; i++) {
                expected += ev.rewards()[i] * dsa[i];
            }
            double[] d = new double[2];
            g.potentialDerivatives(muA, saA, dmu, dsa, d);
            assertEquals(expected, d[0], 1e-9 * Math.max(1, Math.abs(expected)), g.name());
            assertTrue(d[1] < 0, "concave");
        }
    }

    @Test
    void crowdRing_newtonAndFlowShift_sameEquilibrium_tightTarget() {
        // two different algorithms driven to 1e-9: their mean fields must coincide (the potential is strictly
        // concave in μ, so the equilibrium mean field is unique); exploitability re-checked by a fresh evaluator
        SolveResult n = solve("crowd-ring", Algorithm.NEWTON, DiscreteGames.options("crowd-ring", Algorithm.NEWTON)
                .withTarget(1e-9).withIterations(60));
        SolveResult f = solve("crowd-ring", Algorithm.FLOW_SHIFT,
                DiscreteGames.options("crowd-ring", Algorithm.FLOW_SHIFT).withTarget(1e-9).withIterations(400));
        assertTrue(n.reachedTarget(), () -> "newton " + n.finalExploitability());
        assertTrue(f.reachedTarget(), () -> "flow-shift " + f.finalExploitability());
        for (int i = 0; i < n.mu().length; i++) {
            assertEquals(f.mu()[i], n.mu()[i], 1e-7, "mu[" + i + "]");
        }
        Evaluator ev = new Evaluator(new CrowdRing());
        assertTrue(ev.exploitability(n.policy()) <= 1e-9);
        // OMD's equilibrium (target 1e-3) is close to it as well
        SolveResult o = solve("crowd-ring", Algorithm.OMD, DiscreteGames.options("crowd-ring", Algorithm.OMD));
        for (int i = 0; i < n.mu().length; i++) {
            assertEquals(n.mu()[i], o.mu()[i], 2e-2, "omd mu[" + i + "]");
        }
    }

    @Test
    void fourRooms_newton_reachesTarget_checkedIndependently() {
        SolveResult r = solve("four-rooms", Algorithm.NEWTON, DiscreteGames.options("four-rooms", Algorithm.NEWTON)
                .withIterations(80));
        assertTrue(r.reachedTarget(), () -> "exploitability " + r.finalExploitability());
        assertTrue(r.iterations() <= 60, "iterations " + r.iterations());
        Evaluator ev = new Evaluator(CrowdModelling2d.fourRooms());
        double e = ev.exploitability(r.policy());
        assertTrue(e <= 1e-3 && e >= 0, "independent exploitability " + e);
        // generic (non-factored) best response on the same policy gives the same number
        Evaluator generic = new Evaluator(new FactoredKernelTest.Plain(CrowdModelling2d.fourRooms()));
        assertEquals(e, generic.exploitability(r.policy()), 1e-9);
    }

    @Test
    void crowdOnlySolvers_onOtherGames_clearError() {
        for (String game : new String[] {"braess", "sis", "lq", "beach-bar"}) {
            for (Algorithm a : new Algorithm[] {Algorithm.NEWTON, Algorithm.FLOW_SHIFT}) {
                DiscreteSolver s = new DiscreteSolver(DiscreteGames.create(game), SolverOptions.defaults());
                IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> s.solve(a));
                assertTrue(ex.getMessage().contains("--solver " + a.cliName()) && ex.getMessage().contains(game),
                        ex.getMessage());
                assertFalse(DiscreteSolver.supports(DiscreteGames.create(game), a));
            }
        }
        assertTrue(DiscreteSolver.supports(new CrowdRing(), Algorithm.NEWTON));
    }
}
