package org.mfgcal.calibrator.online;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.mfgcal.api.CalibrationListener;
import org.mfgcal.api.ClosedBin;
import org.mfgcal.calibrator.solver.SolverOptions;

/**
 * Solver sub-steps per bin (RegionCalibrator, "Sub-steps"): the default k, and the objective's gradient with respect
 * to θ with k = 2 against central finite differences (the rate rows expanded to the sub-steps, the loss on the bin
 * boundaries only). Synthetic data of {@link RegionCalibratorTest} (four zones, six-hour bins, W = 4).
 */
class SubstepsTest {

    @Test
    void defaults_substepsKeepStepsOfAtMostThreeHours() {
        assertEquals(1, OnlineConfig.defaults(0.25).substeps());
        assertEquals(1, OnlineConfig.defaults(1).substeps());
        assertEquals(1, OnlineConfig.defaults(3).substeps());
        assertEquals(2, OnlineConfig.defaults(6).substeps());
        assertEquals(8, OnlineConfig.defaults(24).substeps());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OnlineConfig.defaults(1).withSubsteps(0));
        assertTrue(e.getMessage().contains("substeps") && e.getMessage().contains("0"), e.getMessage());
    }

    @Test
    void objectiveGradient_twoSubsteps_matchesCentralDifferences() {
        // No congestion (c = 0): with the default c the synthetic shares make every controlled rate clip at 0, the
        // equilibrium stays at μ_0 and the data term's gradient vanishes. Tight solver tolerances: the finite
        // differences see the fixed point's residual divided by h.
        OnlineConfig cfg = RegionCalibratorTest.config().withSubsteps(2).withGame(1.0, 0.0)
                .withSolver(SolverOptions.DEFAULTS.withTolerances(1e-13, 1e-13).withMaxIter(5000, 5000));
        RegionCalibrator rc = new RegionCalibrator(cfg, "syn", RegionCalibratorTest.ZONES, CalibrationListener.NONE);
        List<ClosedBin> bins = RegionCalibratorTest.simulate(1000, 4, Long.MAX_VALUE);
        for (ClosedBin b : bins) {
            rc.update(b);
        }
        double[] theta = rc.thetaCopy();
        // Move away from the optimum (where the gradient is ~0) so that the comparison is not trivial.
        SplittableRandom rng = new SplittableRandom(7);
        for (int i = 0; i < theta.length; i++) {
            theta[i] += 0.3 * (rng.nextDouble() - 0.5);
        }
        double[] grad = new double[theta.length];
        double f0 = rc.objectiveAt(theta, grad);
        assertTrue(Double.isFinite(f0), "objective " + f0);
        final double h = 1e-5;
        double maxErr = 0;
        double maxGrad = 0;
        for (int i = 0; i < theta.length; i++) {
            double[] tp = theta.clone();
            double[] tm = theta.clone();
            tp[i] += h;
            tm[i] -= h;
            double fd = (rc.objectiveAt(tp, null) - rc.objectiveAt(tm, null)) / (2 * h);
            maxErr = Math.max(maxErr, Math.abs(fd - grad[i]));
            maxGrad = Math.max(maxGrad, Math.abs(grad[i]));
            assertEquals(fd, grad[i], 1e-5 * Math.max(1, Math.abs(fd)), "dF/dtheta[" + i + "]");
        }
        assertTrue(maxGrad > 1e-2, "gradient too small to test: " + maxGrad);
        System.out.printf("substeps k=2: %d theta entries, max |grad - FD| = %.2e, max |grad| = %.3g%n",
                theta.length, maxErr, maxGrad);
    }
}
