package org.mfgcal.calibrator.calibrate;

/**
 * γ as a function of weights θ: for each input (a trajectory's time features, N·f, and mean field, N·d) a parameter
 * path γ (N·p, row {@code n*p + k}). Batched: {@code count} inputs at once (networks run them as one matrix of
 * count·N rows). Weights are passed in, so the object holds no trainable state.
 *
 * <p>Pre-evaluated use feeds the observed μ; the coupled use feeds the solver's iterate μ̂ and needs
 * {@link #muVjp}. Not thread-safe (networks keep scratch): one instance per thread.
 */
public interface Parameterisation {

    /** Columns p of γ it produces per step. */
    int paramsPerStep();

    /** Number of weights. */
    int size();

    /** Whether γ depends on μ (if not, pre-evaluated and coupled coincide and {@link #muVjp} adds nothing). */
    boolean dependsOnMu();

    /** {@code out} (count·N·p, modified) = γθ of each input. */
    void gamma(double[] theta, Inputs[] in, int count, double[] out);

    /** {@code thetaGrad} (modified, accumulated) += Σ_i (∂γ_i/∂θ)ᵀ γ̄_i, {@code gammaBar} count·N·p (not modified). */
    void backprop(double[] theta, Inputs[] in, int count, double[] gammaBar, double[] thetaGrad);

    /** {@code muBar} (N·d, accumulated) += (∂γ/∂μ)ᵀ γ̄ for one input. */
    void muVjp(double[] theta, Inputs in, double[] gammaBar, double[] muBar);

    /** Adds a regulariser's gradient to {@code thetaGrad} and returns its value (0 by default). */
    default double penalty(double[] theta, double[] thetaGrad) {
        return 0;
    }

    /** The inputs of one trajectory: time features (N·f) and mean field (N·d). */
    record Inputs(double[] time, double[] mu) {
    }
}
