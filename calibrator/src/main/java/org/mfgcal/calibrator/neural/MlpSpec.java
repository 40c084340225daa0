package org.mfgcal.calibrator.neural;

import java.util.Random;

/**
 * Shape of the parameter network of docs/MODEL.md §4: {@code inputs → hidden → ReLU → hidden → ReLU → outputs},
 * then either {@code softplus(z) + floor} (positive parameters, the reference's floor 0.1) or the identity (signed
 * outputs such as the interaction reward C). Flat weight layout θ = [W1 (in×h), b1 (h), W2 (h×h), b2 (h),
 * W3 (h×out), b3 (out)], matrices row-major, y = x·W + b. Immutable.
 *
 * @param floor the constant added after the softplus (ignored for {@link Output#IDENTITY})
 */
public record MlpSpec(int inputs, int hidden, int outputs, Output output, double floor) {

    /** Output activation. */
    public enum Output { SOFTPLUS, IDENTITY }

    /** Hidden width of the reference network. */
    public static final int DEFAULT_HIDDEN = 64;
    /** Positivity floor of the reference network (softplus + 0.1). */
    public static final double DEFAULT_FLOOR = 0.1;

    public MlpSpec {
        if (inputs < 1 || hidden < 1 || outputs < 1) {
            throw new IllegalArgumentException("network shape " + inputs + " → " + hidden + " → " + hidden + " → "
                    + outputs + ": every width must be ≥ 1");
        }
        if (output == null || !Double.isFinite(floor)) {
            throw new IllegalArgumentException("network output activation and a finite floor are required");
        }
    }

    public int size() {
        return inputs * hidden + hidden + hidden * hidden + hidden + hidden * outputs + outputs;
    }

    int offW1() {
        return 0;
    }

    int offB1() {
        return inputs * hidden;
    }

    int offW2() {
        return offB1() + hidden;
    }

    int offB2() {
        return offW2() + hidden * hidden;
    }

    int offW3() {
        return offB2() + hidden;
    }

    int offB3() {
        return offW3() + hidden * outputs;
    }

    /**
     * Seeded initial weights: He-uniform for the ReLU layers, the last layer scaled by 0.1, and the output bias set
     * so that the network starts near {@code initialOutput} (softplus⁻¹(initialOutput − floor) for softplus outputs).
     */
    public double[] initialWeights(Random rnd, double initialOutput) {
        double[] th = new double[size()];
        fill(th, offW1(), inputs * hidden, Math.sqrt(6.0 / inputs), rnd);
        fill(th, offW2(), hidden * hidden, Math.sqrt(6.0 / hidden), rnd);
        fill(th, offW3(), hidden * outputs, 0.1 * Math.sqrt(6.0 / hidden), rnd);
        double bias = output == Output.SOFTPLUS ? Activations.softplusInverse(Math.max(1e-6, initialOutput - floor))
                : initialOutput;
        for (int k = 0; k < outputs; k++) {
            th[offB3() + k] = bias;
        }
        return th;
    }

    private static void fill(double[] th, int off, int n, double scale, Random rnd) {
        for (int i = 0; i < n; i++) {
            th[off + i] = scale * (2 * rnd.nextDouble() - 1);
        }
    }
}
