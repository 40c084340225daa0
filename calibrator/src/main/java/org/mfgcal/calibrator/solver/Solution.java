package org.mfgcal.calibrator.solver;

/**
 * An equilibrium: μ* (N×d, row-major), the value function u = HJB(μ*) and solver health.
 *
 * @param iterations     evaluations of the Picard map G (Picard updates, or Anderson steps)
 * @param residual       the last max|Δμ| (Picard) or max|G(μ) − μ| (Anderson)
 * @param minMu          min over all n, x of μ*_n(x)
 * @param maxMassError   max over n of |Σ_x μ*_n(x) − Σ_x μ_0(x)|
 * @param exploitability Σ_x μ_0(x)·(v_0(x) − u_0(x)): cost of the control the population uses minus the best
 *                       response's cost, both under μ* (0 at an exact equilibrium of the discrete game)
 */
public record Solution(double[] mu, double[] u, int steps, int states, int iterations, boolean converged,
                       double residual, double minMu, double maxMassError, double exploitability) {
}
