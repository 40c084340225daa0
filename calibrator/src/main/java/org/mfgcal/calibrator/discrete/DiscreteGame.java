package org.mfgcal.calibrator.discrete;

/**
 * A discrete-time, finite-horizon, finite-state mean field game (docs/DISCRETE_GAMES.md §1).
 *
 * <p>Time steps t = 0..T−1 ({@link #steps()} = T), states x = 0..S−1, actions a = 0..A−1. At step t an agent in
 * state x chooses a legal action a, collects the reward r_t(x, a | μ, L) (maximised) and, for t &lt; T−1, moves to
 * x' with probability P_t(x' | x, a, μ_t). μ_t(x) is the population's state distribution and L_t(x, a) = μ_t(x)
 * π_t(a|x) its state–action distribution. Rewards may use the whole (μ, L) (the routing game charges link travel
 * times from total link flows); transitions use only μ_t, so the mean field is computed forwards in one sweep.
 *
 * <p>Index conventions (flat arrays): μ and V at {@code t*S + x}; π, L, r and Q at {@code (t*S + x)*A + a};
 * transitions are sparse with a fixed fan-out K: successor {@code next[(x*A + a)*K + k]} with probability
 * {@code prob[off + (x*A + a)*K + k]} (unused slots: probability 0). Dense games use K = S.
 *
 * <p>Contract: implementations are immutable and thread-safe; the methods below fill caller-owned arrays.
 */
public interface DiscreteGame {

    /** Short name, e.g. {@code crowd-ring}. */
    String name();

    int states();

    int actions();

    /** Number of decision steps T. */
    int steps();

    /** Fan-out K of the sparse transition table. */
    int fanout();

    /** μ_0, length S (a new array). */
    double[] initialDistribution();

    /** Legal actions, {@code legal[x*A + a]} (a new array); every state has at least one. */
    boolean[] legal();

    /** Successor table {@code next[(x*A + a)*K + k]} (a new array). */
    int[] successors();

    /** True when P does not depend on t nor on μ: {@link #transitions} is then called once with t = 0. */
    boolean stationaryTransitions();

    /**
     * Transition probabilities of step t.
     *
     * @param mu   mean field, only {@code mu[t*S .. t*S+S-1]} is read; not modified
     * @param prob modified: {@code prob[off + (x*A + a)*K + k]} for all x, a, k
     */
    void transitions(int t, double[] mu, double[] prob, int off);

    /**
     * Rewards of all steps.
     *
     * @param mu mean field, length T·S, not modified
     * @param sa state–action distribution L, length T·S·A, not modified
     * @param r  modified: r[(t*S + x)*A + a]
     */
    void rewards(double[] mu, double[] sa, double[] r);
}
