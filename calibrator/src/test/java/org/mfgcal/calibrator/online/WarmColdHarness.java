package org.mfgcal.calibrator.online;

import org.mfgcal.api.ClosedBin;
import org.mfgcal.api.UpdateResult;

/**
 * Test and bench only: the warm-versus-cold measurement (issue 5) of a {@link RegionCalibrator} on one bin. On a
 * warm update it first runs a cold start to convergence (budget {@code coldSteps}), then, from the state before it,
 * the warm update until it reaches the cold start's loss within a relative {@link RegionCalibrator#REACH} (same
 * budget); the calibrator continues from the warm result. Main code has only the seam
 * ({@code RegionCalibrator.update(ClosedBin, Estimator.WarmRun)}).
 */
public final class WarmColdHarness {
    private WarmColdHarness() {
    }

    /**
     * Processes {@code bin} like {@link RegionCalibrator#update}, measuring a warm update against a cold start;
     * {@code out[0]} is the measurement, or null when the update was not a warm one (window filling or cold).
     */
    public static UpdateResult compare(RegionCalibrator rc, ClosedBin bin, WarmColdComparison[] out) {
        if (out.length != 1) {
            throw new IllegalArgumentException("compare: out must have length 1, got " + out.length);
        }
        out[0] = null;
        return rc.update(bin, (e, b) -> measure(e, b, out));
    }

    /** Cold start to convergence, then the warm update until it reaches the cold loss; the state keeps the warm one. */
    private static int measure(Estimator e, long b, WarmColdComparison[] out) {
        final int budget = e.config().coldSteps();
        e.keepForMeasurement();
        e.startCold();
        e.resetCounters();
        int coldSteps = e.optimise(budget, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY);
        double coldLoss = e.bestObjective();
        int coldIt = e.iterations();
        e.restoreAfterMeasurement();
        e.resetCounters();
        double target = coldLoss + RegionCalibrator.REACH * Math.abs(coldLoss);
        int warmSteps = e.optimise(budget, target, Double.POSITIVE_INFINITY);
        out[0] = new WarmColdComparison(b, coldLoss, coldIt, coldSteps, e.bestObjective(), e.iterations(), warmSteps,
                e.bestObjective() <= target);
        return warmSteps;
    }
}
