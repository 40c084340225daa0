package org.mfgcal.calibrator.discrete;

/**
 * A {@link PotentialGame} with factored transitions whose rewards are r_t(x, a | μ) = b_t(x, a) + g(μ_t(x)): a
 * base reward that does not depend on the population plus a crowd term g of the state's own mass, g decreasing
 * (crowd aversion, g(m) = −c·log(m + ε) in the crowd games). Then Φ = Σ b·L + Σ_{t,x} G(μ_t(x)) with G' = g is a
 * potential, separable and concave in μ, and the flow-shift solver ({@link FlowShift}, docs/DISCRETE_GAMES.md §3)
 * can take per-state Newton steps on it.
 */
public interface CrowdPotentialGame extends PotentialGame, FactoredGame {

    /** The crowd term g(m) of the reward at a state holding mass m ≥ 0. */
    double crowdReward(double mass);

    /** G(m) with G' = g (up to a constant): the state's term of the potential. */
    double crowdPotential(double mass);

    /** −g'(m) ≥ 0, the curvature of −Φ in the state's mass. */
    double crowdCurvature(double mass);

    /**
     * c when the crowd term is g(m) = −c·log(m + ε) (then 1/(m + ε) = {@link #crowdCurvature}/c and the flow-shift
     * 1-D solves may use the series of log1p, docs/DISCRETE_GAMES.md §3), 0 for any other form.
     */
    default double logCrowdCoefficient() {
        return 0.0;
    }

    /**
     * The same game over the first {@code steps} steps of its time-stationary dynamics and rewards, started from
     * {@code initial} instead of μ_0 (a time window, for the {@code newton-windows} solver, docs/DISCRETE_GAMES.md
     * §3), or null when the game does not offer windows.
     */
    default CrowdPotentialGame window(int steps, double[] initial) {
        return null;
    }
}
