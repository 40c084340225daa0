package org.mfgcal.calibrator.neural;

/** Scalar activations shared by the networks and the table parameterisations (numerically stable forms). */
public final class Activations {
    private Activations() {
    }

    /** softplus(z) = log(1 + e^z), without overflow. */
    public static double softplus(double z) {
        return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
    }

    /** softplus'(z) = σ(z). */
    public static double sigmoid(double z) {
        if (z >= 0) {
            return 1 / (1 + Math.exp(-z));
        }
        double e = Math.exp(z);
        return e / (1 + e);
    }

    /** The z with softplus(z) = y, y > 0. */
    public static double softplusInverse(double y) {
        if (!(y > 0)) {
            throw new IllegalArgumentException("softplus⁻¹(" + y + "): argument must be > 0");
        }
        return y > 30 ? y : Math.log(Math.expm1(y));
    }
}
