package org.mfgcal.calibrator.discrete;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The sparse Newton–CG of issue 14 ({@link NewtonFlow}: reachable cells, policy support, compact free variables)
 * against the dense formulation it replaced ({@link NewtonFlowReference}, the previous implementation kept verbatim
 * in the test sources but for one fixed scratch array): the same step from the same policy, and the same equilibrium
 * when both drive four-rooms and crowd-ring far below the 1e-3 target (four-rooms 1e-5, crowd-ring 1e-10).
 * Exploitabilities are recomputed by fresh evaluators, including the generic (non-factored) sweeps, which share no
 * code with either solver. Added test time: ≈ 2.1 s of CPU (10–16 s wall on the loaded shared machine).
 */
class NewtonFlowTest {

    /** Reference path: evaluate, dense Newton step, one flow-shift sweep (what DiscreteSolver did before). */
    static double[] referenceSolve(CrowdPotentialGame g, double target, int maxIt, int[] its) {
        Evaluator ev = new Evaluator(g);
        NewtonFlowReference nf = new NewtonFlowReference(g, ev);
        FlowShift fs = new FlowShift(g, ev);
        double[] pol = ev.uniformPolicy();
        for (int k = 1; k <= maxIt; k++) {
            if (ev.exploitability(pol) <= target) {
                its[0] = k;
                return pol;
            }
            nf.step(ev, pol, DiscreteSolver.NEWTON_CG, DiscreteSolver.NEWTON_TOL);
            fs.sweep(pol);
        }
        its[0] = -1;
        return pol;
    }

    @Test
    void oneStep_equalsDenseReference_fromSeveralPolicies() {
        CrowdModelling2d g = CrowdModelling2d.fourRooms();
        Evaluator ev = new Evaluator(g);
        Evaluator evRef = new Evaluator(g);
        NewtonFlow fast = new NewtonFlow(g, ev);
        NewtonFlowReference ref = new NewtonFlowReference(g, evRef);
        double[] pol = ev.uniformPolicy();
        for (int k = 0; k < 4; k++) {
            double[] polRef = pol.clone();
            double e = ev.exploitability(pol);
            assertEquals(e, evRef.exploitability(polRef), 0.0, "same policy, same evaluator arithmetic");
            fast.lambda = ref.lambda;
            // a fixed number of CG iterations (tolerance 0): with an adaptive stop a last-digit difference in the
            // residual can stop one path an iteration earlier; beyond ~10 iterations round-off grows in CG on
            // this ill-conditioned system (κ up to 1e25), so the comparison uses 8
            fast.step(ev, pol, 8, 0.0);
            ref.step(evRef, polRef, 8, 0.0);
            assertTrue(fast.freeVariables() > 0, "step " + k + " has variables");
            assertEquals(ref.lastCg, fast.lastCg, "CG iterations at step " + k);
            assertEquals(ref.lastAlpha, fast.lastAlpha, 0.0, "step length at step " + k);
            double maxDiff = 0;
            for (int i = 0; i < pol.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(pol[i] - polRef[i]));
            }
            assertTrue(maxDiff <= 1e-10, "policy after step " + k + " differs by " + maxDiff);
            // continue both from the fast iterate (the reference's λ is carried over)
            System.arraycopy(pol, 0, polRef, 0, pol.length);
        }
    }

    @Test
    void fourRooms_fastAndReference_sameEquilibrium() {
        CrowdModelling2d g = CrowdModelling2d.fourRooms();
        // at 1e-5 both paths are 43 iterations in and their mean fields agree to ~2e-7 (the equilibrium mean field
        // is unique: Φ is strictly concave in μ); at 1e-3 they differ by ~4e-5 (different iterates)
        double target = 1e-5;
        int[] its = new int[1];
        double[] ref = referenceSolve(g, target, 120, its);
        assertTrue(its[0] > 0, "reference path reaches " + target);
        SolveResult fast = new DiscreteSolver(g, DiscreteGames.options("four-rooms", Algorithm.NEWTON)
                .withTarget(target).withIterations(120)).solve(Algorithm.NEWTON);
        assertTrue(fast.reachedTarget(), () -> "fast path " + fast.finalExploitability());
        assertTrue(fast.iterationsTo(1e-3) > 0 && fast.iterationsTo(1e-3) <= 60, "iterations to 1e-3");
        Evaluator ev = new Evaluator(g);
        ev.induce(ref);
        double[] muRef = ev.mu().clone();
        double maxDiff = 0;
        for (int i = 0; i < muRef.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(muRef[i] - fast.mu()[i]));
        }
        assertTrue(maxDiff <= 1e-6, "max |Δμ| between the fast and the reference equilibrium: " + maxDiff);
        Evaluator generic = new Evaluator(new FactoredKernelTest.Plain(CrowdModelling2d.fourRooms()));
        double e = generic.exploitability(fast.policy());
        assertTrue(e >= 0 && e <= target, "generic-sweep exploitability " + e);
    }

    @Test
    void crowdRing_fastAndReference_sameEquilibrium() {
        CrowdRing g = new CrowdRing();
        int[] its = new int[1];
        double[] ref = referenceSolve(g, 1e-10, 60, its);
        assertTrue(its[0] > 0, "reference path reaches 1e-10");
        SolveResult fast = new DiscreteSolver(g, DiscreteGames.options("crowd-ring", Algorithm.NEWTON)
                .withTarget(1e-10).withIterations(60)).solve(Algorithm.NEWTON);
        assertTrue(fast.reachedTarget());
        Evaluator ev = new Evaluator(g);
        ev.induce(ref);
        for (int i = 0; i < ev.mu().length; i++) {
            assertEquals(ev.mu()[i], fast.mu()[i], 1e-6, "mu[" + i + "]");
        }
    }
}
