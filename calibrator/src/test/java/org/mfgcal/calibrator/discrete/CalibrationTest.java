package org.mfgcal.calibrator.discrete;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Implicit gradients of the regularised equilibrium against central finite differences, and parameter recovery at
 * noise 0 from population data (crowd ring) and from link counts only (Braess).
 */
class CalibrationTest {
    static final double FD_STEP = 1e-5;
    static final double FD_REL_TOL = 1e-6;
    static final double RECOVERY_REL_TOL = 0.02;

    private static SoftCalibration calibration(SmoothGame truth, String name, SoftCalibration.Observation obs) {
        double tau = SoftCalibration.defaultTemperature(name);
        double[] data = new SoftCalibration(truth, tau, obs, new double[obs.size(truth)]).observe(truth.parameters());
        return new SoftCalibration(truth, tau, obs, data);
    }

    private static void checkGradient(SoftCalibration cal, double[] theta) {
        SoftCalibration.Evaluation ev = cal.evaluate(theta, null);
        assertTrue(ev.loss() > 0);
        for (int j = 0; j < theta.length; j++) {
            double h = FD_STEP * Math.max(1.0, Math.abs(theta[j]));
            double[] p = theta.clone();
            double[] m = theta.clone();
            p[j] += h;
            m[j] -= h;
            double fd = (cal.loss(p) - cal.loss(m)) / (2 * h);
            double rel = Math.abs(fd - ev.gradient()[j]) / Math.abs(fd);
            final int jj = j;
            assertTrue(rel <= FD_REL_TOL, () -> "param " + jj + ": implicit " + ev.gradient()[jj] + " vs FD " + fd);
        }
    }

    private static double[] scaled(double[] theta, double f) {
        double[] t = theta.clone();
        for (int i = 0; i < t.length; i++) {
            t[i] *= f;
        }
        return t;
    }

    @Test
    void crowdRing_implicitGradient_matchesCentralDifferences() {
        CrowdRing truth = new CrowdRing();
        checkGradient(calibration(truth, "crowd-ring", SoftCalibration.meanField()), scaled(truth.parameters(), 1.3));
    }

    @Test
    void braess_implicitGradient_matchesCentralDifferences() {
        RoutingGame truth = RoutingGame.braess();
        checkGradient(calibration(truth, "braess", SoftCalibration.linkCounts()), scaled(truth.parameters(), 1.3));
    }

    @Test
    void sis_implicitGradient_matchesCentralDifferences() {
        SusceptibleInfected truth = new SusceptibleInfected();
        checkGradient(calibration(truth, "sis", SoftCalibration.meanField()), scaled(truth.parameters(), 0.8));
    }

    @Test
    void crowdRing_recoversAversion_noise0() {
        CrowdRing truth = new CrowdRing();
        SoftCalibration.Fit fit = calibration(truth, "crowd-ring", SoftCalibration.meanField())
                .fit(new double[] {1.5}, 30);
        assertEquals(1.0, fit.theta()[0], RECOVERY_REL_TOL * 1.0);
    }

    @Test
    void braess_recoversFreeFlowAndCapacity_fromLinkCountsOnly() {
        RoutingGame truth = RoutingGame.braess();
        SoftCalibration.Fit fit = calibration(truth, "braess", SoftCalibration.linkCounts())
                .fit(new double[] {0.4, 7.0}, 30);
        double[] t = truth.parameters();
        for (int j = 0; j < t.length; j++) {
            assertEquals(t[j], fit.theta()[j], RECOVERY_REL_TOL * Math.abs(t[j]), "parameter " + j);
        }
    }

    @Test
    void braess_regularisedEquilibrium_isSymmetricAndNearWardrop() {
        SoftEquilibrium eq = new SoftEquilibrium(RoutingGame.braess(), 0.1);
        eq.solve(null);
        double[] f = RoutingGame.braess().linkFlows(eq.stateAction());
        assertEquals(f[1], f[5], 1e-12, "A->B and C->D carry the same volume by symmetry");
        assertEquals(5.0, f[0], 1e-12);
        assertEquals(5.0, f[6], 1e-12);
        assertEquals(f[1] + f[2], 5.0, 1e-12);
    }
}
