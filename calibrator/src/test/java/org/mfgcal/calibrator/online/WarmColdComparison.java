package org.mfgcal.calibrator.online;

/**
 * Test and bench only ({@link WarmColdHarness}): one measurement of warm against cold start on the same window (issue 5, "must show" 1): the cold start runs from
 * the prior with fresh optimiser moments until its loss stops improving; the warm update then runs from the previous
 * bin's state until it reaches the cold start's final loss (within a relative {@link RegionCalibrator#REACH}).
 * Iterations are equilibrium (Picard/Anderson) plus adjoint iterations, summed over optimiser steps.
 *
 * <p>Immutable, thread-safe.
 *
 * @param bin             the closed bin
 * @param coldLoss        objective at the end of the cold start
 * @param coldIterations  solver iterations of the cold start
 * @param coldSteps       optimiser steps of the cold start
 * @param warmLoss        objective at the end of the warm update
 * @param warmIterations  solver iterations of the warm update
 * @param warmSteps       optimiser steps of the warm update
 * @param reached         whether the warm update reached the cold loss
 */
public record WarmColdComparison(long bin, double coldLoss, int coldIterations, int coldSteps, double warmLoss,
                                 int warmIterations, int warmSteps, boolean reached) {

    /** warmIterations / coldIterations. */
    public double ratio() {
        return coldIterations == 0 ? Double.NaN : (double) warmIterations / coldIterations;
    }
}
