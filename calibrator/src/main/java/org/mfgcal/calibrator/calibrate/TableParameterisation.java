package org.mfgcal.calibrator.calibrate;

import org.mfgcal.calibrator.neural.Activations;

/**
 * γ_n,k = act(θ[b(n), k]) with b(n) = ⌊n·B/N⌋ one of B time bins (B = 1: a constant), act = softplus(·) + floor
 * (positive parameters) or the identity. Smoothness penalty λ Σ_b Σ_k (θ_{b+1,k} − θ_{b,k})². Independent of μ.
 */
public final class TableParameterisation implements Parameterisation {
    private final int p, steps, bins;
    private final boolean softplus;
    private final double floor, smoothness;

    public TableParameterisation(int p, int steps, int bins, boolean softplus, double floor, double smoothness) {
        if (bins < 1 || bins > steps) {
            throw new IllegalArgumentException("table bins = " + bins + ": must be in 1.." + steps);
        }
        if (!(smoothness >= 0)) {
            throw new IllegalArgumentException("smoothness = " + smoothness + ": must be ≥ 0");
        }
        this.p = p;
        this.steps = steps;
        this.bins = bins;
        this.softplus = softplus;
        this.floor = floor;
        this.smoothness = smoothness;
    }

    public int bins() {
        return bins;
    }

    /** Weights giving γ ≡ {@code value} in every bin (per column). */
    public double[] initialWeights(double[] value) {
        double[] th = new double[size()];
        for (int b = 0; b < bins; b++) {
            for (int k = 0; k < p; k++) {
                th[b * p + k] = softplus ? Activations.softplusInverse(Math.max(1e-9, value[k] - floor)) : value[k];
            }
        }
        return th;
    }

    private int bin(int n) {
        return Math.min(bins - 1, (int) ((long) n * bins / steps));
    }

    @Override
    public int paramsPerStep() {
        return p;
    }

    @Override
    public int size() {
        return bins * p;
    }

    @Override
    public boolean dependsOnMu() {
        return false;
    }

    @Override
    public void gamma(double[] theta, Inputs[] in, int count, double[] out) {
        for (int n = 0; n < steps; n++) {
            final int b = bin(n);
            for (int k = 0; k < p; k++) {
                final double z = theta[b * p + k];
                out[n * p + k] = softplus ? Activations.softplus(z) + floor : z;
            }
        }
        for (int i = 1; i < count; i++) {
            System.arraycopy(out, 0, out, i * steps * p, steps * p);
        }
    }

    @Override
    public void backprop(double[] theta, Inputs[] in, int count, double[] gammaBar, double[] thetaGrad) {
        for (int i = 0; i < count; i++) {
            for (int n = 0; n < steps; n++) {
                final int b = bin(n);
                for (int k = 0; k < p; k++) {
                    final double g = gammaBar[(i * steps + n) * p + k];
                    thetaGrad[b * p + k] += softplus ? g * Activations.sigmoid(theta[b * p + k]) : g;
                }
            }
        }
    }

    @Override
    public void muVjp(double[] theta, Inputs in, double[] gammaBar, double[] muBar) {
        // independent of μ
    }

    @Override
    public double penalty(double[] theta, double[] thetaGrad) {
        if (smoothness == 0) {
            return 0;
        }
        double s = 0;
        for (int b = 0; b + 1 < bins; b++) {
            for (int k = 0; k < p; k++) {
                final double diff = theta[(b + 1) * p + k] - theta[b * p + k];
                s += diff * diff;
                thetaGrad[(b + 1) * p + k] += 2 * smoothness * diff;
                thetaGrad[b * p + k] -= 2 * smoothness * diff;
            }
        }
        return smoothness * s;
    }
}
