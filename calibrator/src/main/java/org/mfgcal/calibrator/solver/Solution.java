package org.mfgcal.calibrator.solver;

/**
 * An equilibrium: μ* (N×d, row-major), the value function u = HJB(μ*) and solver health.
 *
 * @param iterations     evaluations of the Picard map G (Picard updates, or Anderson steps)
 * @param residual       the last max|Δμ| (Picard) or max|G(μ) − μ| (Anderson)
 * @param minMu          min over all n, x of μ*_n(x)
 * @param maxMassError   max over n of |Σ_x μ*_n(x) − Σ_x μ_0(x)|
 * @param exploitability expected cost (over μ_0) of the control the population uses minus that of a best response,
 *                       both under μ*, with the solver's scheme; ≥ 0, and NaN when not converged (see
 *                       {@code Sweeps.exploitability})
 */
public record Solution(double[] mu, double[] u, int steps, int states, int iterations, boolean converged,
                       double residual, double minMu, double maxMassError, double exploitability) {
}
