package org.mfgcal.calibrator.discrete;

/**
 * A {@link DiscreteGame} with parameters θ in which rewards and transitions are differentiable in (μ, L, θ): the
 * entropy-regularised equilibrium is then a smooth function of θ and {@link SoftEquilibrium} differentiates it
 * implicitly (docs/DISCRETE_GAMES.md §4). Directional derivatives (forward mode) are enough because games carry
 * few parameters.
 */
public interface SmoothGame extends DiscreteGame {

    /** Names of the parameters, in order. */
    String[] parameterNames();

    /** θ (a new array). */
    double[] parameters();

    /** The same game with parameters θ (validated: a bad value is an {@link IllegalArgumentException}). */
    SmoothGame withParameters(double[] theta);

    /**
     * Directional derivative of {@link #rewards}: dr = ∂r/∂μ·dmu + ∂r/∂L·dsa + ∂r/∂θ·dtheta.
     * {@code dmu}, {@code dsa} and {@code dtheta} may be null (zero direction). {@code dr} is modified (overwritten).
     */
    void rewardsJvp(double[] mu, double[] sa, double[] dmu, double[] dsa, double[] dtheta, double[] dr);

    /**
     * Directional derivative of {@link #transitions} at step t: dprob = ∂P/∂μ_t·dmu_t + ∂P/∂θ·dtheta, written to
     * {@code dprob[off ..]} (overwritten). {@code dmu}, {@code dtheta} may be null.
     */
    void transitionsJvp(int t, double[] mu, double[] dmu, double[] dtheta, double[] dprob, int off);
}
