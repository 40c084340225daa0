package org.mfgcal.calibrator.neural;

/**
 * A feed-forward network y = f_θ(x) applied row-wise to a batch ({@code rows} inputs stacked as a row-major
 * {@code rows × inputs()} matrix; in calibration one row per time step, so the whole time grid is one batch).
 * The weights θ are passed in on every call as a flat {@code double[size()]}: the network holds no trainable
 * state, so optimisers, checkpoints and finite-difference checks work on plain arrays.
 *
 * <p>Contract: not thread-safe (implementations keep per-instance scratch / workspaces); one instance per thread.
 */
public interface Network {

    int inputs();

    int outputs();

    /** Number of weights θ. */
    int size();

    /** {@code out} (rows·outputs, modified) = f_θ(x); {@code theta}, {@code x} (rows·inputs) not modified. */
    void forward(double[] theta, double[] x, int rows, double[] out);

    /**
     * Backpropagation of an upstream cotangent {@code outBar} (rows·outputs, not modified):
     * {@code thetaGrad} (modified, accumulated) += (∂y/∂θ)ᵀ ȳ; {@code xBar} (rows·inputs, overwritten, may be
     * null) = (∂y/∂x)ᵀ ȳ.
     */
    void backward(double[] theta, double[] x, int rows, double[] outBar, double[] thetaGrad, double[] xBar);
}
