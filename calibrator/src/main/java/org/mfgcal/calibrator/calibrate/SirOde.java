package org.mfgcal.calibrator.calibrate;

/**
 * The plain SIR ODE S' = −βSI, I' = βSI − γI (shares; R = 1 − S − I) on a grid of K sub-steps per day, with the
 * exponential-exit step of the solver's stable scheme (docs: calibrator/CALIBRATION.md, "Outbreak fits"):
 * S_{k+1} = S_k e^{−βI_kΔt}, I_{k+1} = I_k e^{−γΔt} + S_k (1 − e^{−βI_kΔt}), Δt = 1/K. This is exactly the SIR mean
 * field game's Kolmogorov step at full contact (α ≡ 1), so the game contains this model. S(0) = 1 − I0, I(0) = I0.
 *
 * <p>Daily incidence of day d (the interval [d, d+1)) = population·(S(d) − S(d+1)): the integrated S→I flow of the
 * interval. Forward sensitivities give its exact derivatives with respect to (β, γ_rec, I0). Stateless.
 */
public final class SirOde {
    private SirOde() {
    }

    /**
     * Daily incidence of {@code days} days into {@code inc} (modified) and, unless null, its Jacobian into
     * {@code jac} (days×3 row-major, modified: ∂inc_d/∂β, ∂inc_d/∂γ_rec, ∂inc_d/∂I0).
     */
    public static void incidence(double beta, double gammaRec, double i0, double population, int days, int substeps,
                                 double[] inc, double[] jac) {
        if (substeps < 1) {
            throw new IllegalArgumentException("substeps = " + substeps + ": must be ≥ 1");
        }
        final double dt = 1.0 / substeps;
        final double q = Math.exp(-gammaRec * dt);
        double s = 1 - i0, i = i0;
        // sensitivities [β, γ, I0] of S and I
        double sb = 0, sg = 0, si = -1, ib = 0, ig = 0, ii = 1;
        for (int d = 0; d < days; d++) {
            final double s0 = s, sb0 = sb, sg0 = sg, si0 = si;
            for (int k = 0; k < substeps; k++) {
                final double z = beta * i * dt;
                final double e = Math.exp(-z);
                final double sNext = s * e;
                final double iNext = i * q + s * (1 - e);
                if (jac != null) {
                    final double zb = dt * (i + beta * ib), zg = dt * beta * ig, zi = dt * beta * ii;
                    final double se = s * e;
                    final double nsb = sb * e - se * zb, nsg = sg * e - se * zg, nsi = si * e - se * zi;
                    final double nib = ib * q + sb * (1 - e) + se * zb;
                    final double nig = ig * q - i * dt * q + sg * (1 - e) + se * zg;
                    final double nii = ii * q + si * (1 - e) + se * zi;
                    sb = nsb;
                    sg = nsg;
                    si = nsi;
                    ib = nib;
                    ig = nig;
                    ii = nii;
                }
                s = sNext;
                i = iNext;
            }
            inc[d] = population * (s0 - s);
            if (jac != null) {
                jac[3 * d] = population * (sb0 - sb);
                jac[3 * d + 1] = population * (sg0 - sg);
                jac[3 * d + 2] = population * (si0 - si);
            }
        }
    }
}
