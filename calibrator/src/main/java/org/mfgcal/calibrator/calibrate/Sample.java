package org.mfgcal.calibrator.calibrate;

/**
 * One observed trajectory: μ^obs (N·d, row {@code n*d + x}), its time features (N·f: what a network sees besides
 * μ_t, e.g. t/T, time of day, day of week) and, for synthetic data, the true γ path (N·p) and the noise-free μ.
 * The solve of a sample always starts from its first observed row. Immutable by convention (arrays not copied).
 *
 * @param label e.g. {@code train-17} or a date
 */
public record Sample(String label, double[] obs, double[] time, double[] trueGamma, double[] trueMu) {

    public double[] mu0(int d) {
        return java.util.Arrays.copyOf(obs, d);
    }
}
