package org.mfgcal.calibrator.discrete;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The newton-windows solver (docs/DISCRETE_GAMES.md §3, issue 14 seventh round): reaches the target on four-rooms,
 * checked by an evaluator that shares none of its code; a window is the same game over fewer steps from another μ_0.
 */
class TimeWindowsTest {

    @Test
    void fourRooms_newtonWindows_reachesTarget_checkedIndependently() {
        DiscreteSolver s = new DiscreteSolver(CrowdModelling2d.fourRooms(),
                DiscreteGames.options("four-rooms", Algorithm.NEWTON_WINDOWS).withIterations(60));
        for (int rep = 0; rep < 2; rep++) {   // the second solve reuses the windows built by the first
            SolveResult r = s.solve(Algorithm.NEWTON_WINDOWS);
            SolverTest.checkInvariants(CrowdModelling2d.fourRooms(), r);
            assertTrue(r.reachedTarget(), () -> "exploitability " + r.finalExploitability());
            assertTrue(r.iterations() <= 10, "iterations " + r.iterations());
            int[] w = s.windowIterations();
            assertEquals(3, w.length);
            assertTrue(Arrays.stream(w).allMatch(k -> k >= 1 && k <= 40), Arrays.toString(w));
            Evaluator ev = new Evaluator(CrowdModelling2d.fourRooms());
            double e = ev.exploitability(r.policy());
            assertTrue(e <= 1e-3 && e >= 0, "independent exploitability " + e);
            Evaluator generic = new Evaluator(new FactoredKernelTest.Plain(CrowdModelling2d.fourRooms()));
            assertEquals(e, generic.exploitability(r.policy()), 1e-9);
        }
    }

    @Test
    void fourRooms_newtonWindows_tightTarget_sameEquilibriumAsNewton() {
        SolverOptions o = DiscreteGames.options("four-rooms", Algorithm.NEWTON).withIterations(120).withTarget(1e-6);
        SolveResult w = new DiscreteSolver(CrowdModelling2d.fourRooms(), o).solve(Algorithm.NEWTON_WINDOWS);
        SolveResult n = new DiscreteSolver(CrowdModelling2d.fourRooms(), o).solve(Algorithm.NEWTON);
        assertTrue(w.reachedTarget() && n.reachedTarget(), w.finalExploitability() + " " + n.finalExploitability());
        double e = new Evaluator(CrowdModelling2d.fourRooms()).exploitability(w.policy());
        assertTrue(e <= 1e-6, "independent exploitability " + e);
        double d = 0;
        for (int i = 0; i < w.mu().length; i++) {
            d = Math.max(d, Math.abs(w.mu()[i] - n.mu()[i]));
        }
        assertTrue(d <= 1e-4, "max |Δμ| " + d);
    }

    @Test
    void fourRooms_newtonWindows_zeroTarget_runsTheBudget() {
        // target 0 (CLI: run K iterations): the windows still stop at half of 1e-3, the whole game runs K iterations
        DiscreteSolver s = new DiscreteSolver(CrowdModelling2d.fourRooms(),
                DiscreteGames.options("four-rooms", Algorithm.NEWTON_WINDOWS).withIterations(4).withTarget(0));
        SolveResult r = s.solve(Algorithm.NEWTON_WINDOWS);
        assertEquals(4, r.iterations());
        assertFalse(r.reachedTarget());
        assertTrue(r.exploitability()[1] <= 1e-3 && r.finalExploitability() < 1e-3, Arrays.toString(r.exploitability()));
        assertTrue(Arrays.stream(s.windowIterations()).allMatch(k -> k < 40), Arrays.toString(s.windowIterations()));
    }

    @Test
    void window_isTheGameOverFewerSteps() {
        CrowdModelling2d g = CrowdModelling2d.fourRooms();
        Evaluator full = new Evaluator(g);
        double[] pol = full.uniformPolicy();
        full.induce(pol);
        int nS = g.states();
        int nA = g.actions();
        // the whole horizon from μ_0: the same game
        Evaluator same = new Evaluator(g.window(g.steps(), g.initialDistribution()));
        assertEquals(full.exploitability(pol), same.exploitability(pol), 1e-12);
        // steps [15, 40) from μ_15: the same mean field
        full.induce(pol);
        double[] mu = full.mu().clone();
        CrowdPotentialGame tail = g.window(25, Arrays.copyOfRange(mu, 15 * nS, 16 * nS));
        assertEquals(25, tail.steps());
        Evaluator te = new Evaluator(tail);
        te.induce(Arrays.copyOfRange(pol, 15 * nS * nA, 40 * nS * nA));
        assertArrayEquals(Arrays.copyOfRange(mu, 15 * nS, 40 * nS), te.mu(), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> g.window(0, g.initialDistribution()));
    }

    @Test
    void newtonWindows_withoutWindows_clearError() {
        for (String game : new String[] {"crowd-ring", "braess", "sis"}) {
            DiscreteSolver s = new DiscreteSolver(DiscreteGames.create(game), SolverOptions.defaults());
            IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                    () -> s.solve(Algorithm.NEWTON_WINDOWS));
            assertTrue(ex.getMessage().contains("--solver newton-windows") && ex.getMessage().contains(game),
                    ex.getMessage());
            assertFalse(DiscreteSolver.supports(DiscreteGames.create(game), Algorithm.NEWTON_WINDOWS));
        }
        assertTrue(DiscreteSolver.supports(CrowdModelling2d.fourRooms(), Algorithm.NEWTON_WINDOWS));
        assertEquals(Algorithm.NEWTON_WINDOWS, Algorithm.parse("newton-windows"));
    }
}
