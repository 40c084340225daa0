package org.mfgcal.calibrator.game;

/**
 * The stable scheme's exit factor φ(z) = (1 − e^{−z})/z and its derivative, in one place for the generic sweeps
 * ({@code solver.Sweeps}) and the games' fused kernels: the state's drift over a step is scaled by φ(Δt·Σ_e a_e)
 * (docs/MODEL.md §1, scheme {@code stable}), and so is the running cost for games with
 * {@link Game#exitScaledCost()} (the mobility game).
 */
public final class ExitFactor {
    private ExitFactor() {
    }

    /** φ(z) = (1 − e^{−z}) / z, φ(0) = 1 (first-order series below 1e-8). */
    public static double phi(double z) {
        return z < 1e-8 ? 1 - 0.5 * z : -Math.expm1(-z) / z;
    }

    /** φ'(z) = (e^{−z}(1 + z) − 1) / z², by its series below 1e-3. */
    public static double dphi(double z) {
        if (z < 1e-3) {
            return -0.5 + z * (1.0 / 3 + z * (-1.0 / 8 + z * (1.0 / 30 - z / 144)));
        }
        return (Math.exp(-z) * (1 + z) - 1) / (z * z);
    }
}
