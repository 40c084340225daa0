package org.mfgcal.calibrator.solver;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Invariants checked after every solver test: converged, residual ≤ tol, mass kept, μ ≥ 0, exploitability ≥ 0. */
public final class Invariants {
    /** Mass error allowed for a converged solution (sum of N rounding errors of order 1e-16). */
    public static final double MASS_TOL = 1e-12;

    private Invariants() {
    }

    public static void check(Solution s, double tol) {
        check(s, tol, 0.0);
    }

    /** With {@code negativeSlack} the reference (explicit Euler) scheme may dip below 0 by that much. */
    public static void check(Solution s, double tol, double negativeSlack) {
        assertTrue(s.converged(), () -> "not converged: residual " + s.residual() + " after " + s.iterations());
        assertTrue(s.residual() <= tol, () -> "residual " + s.residual() + " > tol " + tol);
        assertTrue(s.maxMassError() <= MASS_TOL, () -> "mass error " + s.maxMassError());
        assertTrue(s.minMu() >= -negativeSlack, () -> "negative mass: min mu " + s.minMu());
        assertTrue(s.exploitability() >= -1e-10, () -> "negative exploitability " + s.exploitability());
        double mass = 0;
        for (int x = 0; x < s.states(); x++) {
            mass += s.mu()[x];
        }
        final double m0 = mass;
        for (int n = 0; n < s.steps(); n++) {
            double sum = 0;
            for (int x = 0; x < s.states(); x++) {
                sum += s.mu()[n * s.states() + x];
            }
            final int step = n;
            final double total = sum;
            assertTrue(Math.abs(total - m0) <= MASS_TOL, () -> "mass " + total + " at step " + step);
        }
    }

    /** max|a − b| / max|b|. */
    public static double relErr(double[] a, double[] b) {
        double num = 0, den = 0;
        for (int i = 0; i < b.length; i++) {
            num = Math.max(num, Math.abs(a[i] - b[i]));
            den = Math.max(den, Math.abs(b[i]));
        }
        return num / den;
    }
}
