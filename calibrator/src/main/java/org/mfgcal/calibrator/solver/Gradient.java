package org.mfgcal.calibrator.solver;

/**
 * A loss and its exact gradient with respect to the whole parameter trajectory γ (N×p, row-major), by implicit
 * differentiation at the equilibrium {@code solution}.
 */
public record Gradient(Solution solution, double loss, double[] grad, int adjointIterations, boolean adjointConverged,
                       double adjointResidual) {
}
