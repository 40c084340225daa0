package org.mfgcal.calibrator.online;

import org.mfgcal.calibrator.optim.Adam;
import org.mfgcal.calibrator.optim.Lbfgs;

/**
 * What the warm/cold measurement ({@link Estimator.WarmRun}, the tests' and benchmarks' harness) keeps of an
 * {@link Estimator} before its measured cold start and puts back afterwards: θ, μ* of the last solve, the optimiser
 * memories and whether μ* is set. Allocated on the first measurement only, so a region that is never measured does
 * not carry it. Not thread-safe.
 */
final class WarmColdCopy {
    private final double[] theta;
    private final double[] mu;
    private final Lbfgs lbfgs;
    private Adam adam;
    private boolean hasMu;

    WarmColdCopy(int n, int muLength) {
        theta = new double[n];
        mu = new double[muLength];
        lbfgs = new Lbfgs(n, Estimator.LBFGS_MEMORY);
    }

    /** Copies the estimator's state ({@code adam} null without the Adam optimiser). */
    void keep(double[] th, double[] m, Adam a, Lbfgs l, boolean hasM) {
        System.arraycopy(th, 0, theta, 0, theta.length);
        System.arraycopy(m, 0, mu, 0, mu.length);
        if (a != null) {
            if (adam == null) {
                adam = new Adam(theta.length);
            }
            adam.copyFrom(a);
        }
        lbfgs.copyFrom(l);
        hasMu = hasM;
    }

    /** Writes the kept state back into the estimator's arrays and optimisers; returns whether μ* was set. */
    boolean restore(double[] th, double[] m, Adam a, Lbfgs l) {
        System.arraycopy(theta, 0, th, 0, theta.length);
        System.arraycopy(mu, 0, m, 0, mu.length);
        if (a != null) {
            a.copyFrom(adam);
        }
        l.copyFrom(lbfgs);
        return hasMu;
    }
}
