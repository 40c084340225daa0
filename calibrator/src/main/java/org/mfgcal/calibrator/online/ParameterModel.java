package org.mfgcal.calibrator.online;

/**
 * How the online loop's free parameters θ map to the game's parameter trajectory γ (N·p, {@code n*p + k}) over the
 * window, and how they are regularised. The loop only sees this interface, so a per-bin rate table
 * ({@link RateTable}) and a network parameterisation are interchangeable.
 *
 * <p>Contract: {@link #gamma} and {@link #pullback} are exact derivatives of each other; {@link #regulariser} and
 * {@link #curvature} add into their outputs. Implementations hold window state (priors), are not thread-safe and
 * allocate nothing in these methods (they run inside the optimiser loop).
 */
public interface ParameterModel {

    /** Number of free parameters θ. */
    int size();

    /** Time steps N of the trajectory γ the model produces (the window length). */
    int steps();

    /** Parameters p of one time step. */
    int paramsPerStep();

    /** γ (N·p, modified) from θ (not modified). */
    void gamma(double[] theta, double[] gamma);

    /**
     * θ̄ = (∂γ/∂θ)ᵀ γ̄: {@code thetaBar} (modified, overwritten) from {@code gammaBar}; {@code gamma} is
     * {@link #gamma}{@code (theta)}. Not modified: {@code theta}, {@code gamma}, {@code gammaBar}.
     */
    void pullback(double[] theta, double[] gamma, double[] gammaBar, double[] thetaBar);

    /** Adds the regulariser's gradient to {@code thetaBar} (modified) and returns its value. */
    double regulariser(double[] theta, double[] thetaBar);

    /** Adds the diagonal of the regulariser's Hessian to {@code diag} (modified). */
    void curvature(double[] theta, double[] diag);

    /** Slides the window by one bin: θ (modified) and the model's priors move one step back in time. */
    void shift(double[] theta);

    /**
     * Entries by which {@link #shift} moves θ towards the start (a table moves by one row; a network whose
     * parameters do not index time returns 0), so optimiser moments can follow.
     */
    int shiftStride();

    /** Sets θ (modified) to the model's prior (the cold start). */
    void reset(double[] theta);
}
