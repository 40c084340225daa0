package org.mfgcal.calibrator.online;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mfgcal.api.CalibrationListener;
import org.mfgcal.api.ClosedBin;
import org.mfgcal.api.ParameterUpdate;
import org.mfgcal.api.ParameterValue;
import org.mfgcal.api.UpdateResult;

/**
 * A warm update checks its first objective against the objective at the prior; that objective is bounded below by
 * the regulariser at the prior, so the prior's equilibrium is solved only when the bound does not decide. The
 * published results must be those of solving it every time (the solve changes nothing else), with fewer solver
 * iterations; and where the bound cannot decide, the prior is solved and the warm run repeated, with the same
 * results again.
 */
class PriorBoundTest {

    @Test
    void boundInsteadOfPriorSolve_sameUpdatesFewerIterations() {
        List<ClosedBin> bins = RegionCalibratorTest.simulate(0, 40, Long.MAX_VALUE);
        int[] priorSolves = new int[1];
        List<UpdateResult> bound = run(RegionCalibratorTest.config(), bins, false, priorSolves);
        List<UpdateResult> solved = run(bins, true);
        int warm = 0;
        long itBound = 0;
        long itSolved = 0;
        for (int i = 0; i < bins.size(); i++) {
            ParameterUpdate a = bound.get(i).parameters();
            ParameterUpdate b = solved.get(i).parameters();
            assertEquals(a == null, b == null, "bin " + i);
            if (a == null) {
                continue;
            }
            assertEquals(b.start(), a.start(), "bin " + i);
            assertEquals(b.optimiserSteps(), a.optimiserSteps(), "bin " + i);
            assertEquals(Double.doubleToLongBits(b.loss()), Double.doubleToLongBits(a.loss()), "loss, bin " + i);
            assertEquals(values(b), values(a), "parameters, bin " + i);
            assertEquals(b.health(), a.health(), "bin " + i);
            assertEquals(solved.get(i).forecast().steps(), bound.get(i).forecast().steps(), "forecast, bin " + i);
            if (a.start() == ParameterUpdate.Start.WARM) {
                warm++;
                itBound += a.picardIterations();
                itSolved += b.picardIterations();
                assertTrue(a.picardIterations() < b.picardIterations(), "bin " + i + ": " + a.picardIterations()
                        + " Picard iterations with the bound, " + b.picardIterations() + " with the prior solved");
            }
        }
        assertTrue(warm >= 30, "warm updates: " + warm);
        assertEquals(0, priorSolves[0], "prior solves with the bound");
        assertTrue(itBound < itSolved, itBound + " vs " + itSolved);
    }

    @Test
    void boundThatCannotDecide_priorSolvedAndRunRepeated_sameUpdates() {
        // A regulariser of 1e-6 of the default: the bound is far below every warm objective, so each warm update
        // solves at the prior and runs again from the warm start (one gradient evaluation more than solving first).
        int[] priorSolves = new int[1];
        OnlineConfig weak = RegionCalibratorTest.config().withRegularisation(1e-6 * RegionCalibratorTest.config()
                .smoothness(), 1e-6 * RegionCalibratorTest.config().priorWeight());
        List<ClosedBin> bins = RegionCalibratorTest.simulate(0, 30, 12, 0.5);
        List<UpdateResult> bound = run(weak, bins, false, priorSolves);
        List<UpdateResult> solved = run(weak, bins, true, new int[1]);
        int warm = 0;
        for (int i = 0; i < bins.size(); i++) {
            ParameterUpdate a = bound.get(i).parameters();
            ParameterUpdate b = solved.get(i).parameters();
            assertEquals(a == null, b == null, "bin " + i);
            if (a == null) {
                continue;
            }
            assertEquals(b.start(), a.start(), "bin " + i);
            assertEquals(Double.doubleToLongBits(b.loss()), Double.doubleToLongBits(a.loss()), "loss, bin " + i);
            assertEquals(values(b), values(a), "parameters, bin " + i);
            if (a.start() == ParameterUpdate.Start.WARM) {
                warm++;
            }
        }
        assertTrue(warm >= 10, "warm updates: " + warm);
        assertEquals(warm, priorSolves[0], "prior solved on every warm update (the bound never decides)");
    }

    private static List<UpdateResult> run(List<ClosedBin> bins, boolean solvePrior) {
        return run(RegionCalibratorTest.config(), bins, solvePrior, new int[1]);
    }

    /** The updates of one region over {@code bins}; {@code priorSolves[0]}: how often the prior was solved. */
    private static List<UpdateResult> run(OnlineConfig cfg, List<ClosedBin> bins, boolean solvePrior,
                                          int[] priorSolves) {
        boolean was = Estimator.solvePriorAlways;
        Estimator.solvePriorAlways = solvePrior;
        try {
            RegionCalibrator rc = new RegionCalibrator(cfg, "syn", RegionCalibratorTest.ZONES,
                    CalibrationListener.NONE);
            List<UpdateResult> out = new ArrayList<>();
            for (ClosedBin b : bins) {
                out.add(rc.update(b));
            }
            priorSolves[0] = rc.estimator().priorSolves;
            return out;
        } finally {
            Estimator.solvePriorAlways = was;
        }
    }

    private static List<Long> values(ParameterUpdate u) {
        List<Long> bits = new ArrayList<>();
        for (ParameterValue v : u.parameters()) {
            bits.add(Double.doubleToLongBits(v.value()));
        }
        return bits;
    }
}
