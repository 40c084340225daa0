package org.mfgcal.calibrator.discrete;

/**
 * Outcome of a discrete-time equilibrium solve.
 *
 * @param algorithm      the solver
 * @param policy         final policy π (length T·S·A)
 * @param mu             its induced mean field (length T·S)
 * @param stateAction    its state–action distribution (length T·S·A)
 * @param exploitability exploitability after each iteration (length = iterations)
 * @param seconds        wall-clock seconds since the start after each iteration
 * @param iterations     iterations run
 * @param reachedTarget  whether the exploitability target was met
 */
public record SolveResult(Algorithm algorithm, double[] policy, double[] mu, double[] stateAction,
                          double[] exploitability, double[] seconds, int iterations, boolean reachedTarget) {

    public double finalExploitability() {
        return exploitability[iterations - 1];
    }

    /** First iteration (1-based) with exploitability ≤ e, or −1. */
    public int iterationsTo(double e) {
        for (int k = 0; k < iterations; k++) {
            if (exploitability[k] <= e) {
                return k + 1;
            }
        }
        return -1;
    }
}
