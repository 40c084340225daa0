package org.mfgcal.calibrator.calibrate;

import java.util.Random;

/** Random draws of the synthetic protocol: Gamma (Marsaglia–Tsang) and Dirichlet. Stateless. */
public final class Noise {
    private Noise() {
    }

    /** Gamma(shape, 1). */
    public static double gamma(Random rnd, double shape) {
        if (shape < 1) {
            double u = rnd.nextDouble();
            return gamma(rnd, shape + 1) * Math.pow(u, 1 / shape);
        }
        final double dd = shape - 1.0 / 3, c = 1 / Math.sqrt(9 * dd);
        while (true) {
            double x, v;
            do {
                x = rnd.nextGaussian();
                v = 1 + c * x;
            } while (v <= 0);
            v = v * v * v;
            double u = rnd.nextDouble();
            if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + dd * (1 - v + Math.log(v))) {
                return dd * v;
            }
        }
    }

    /** Dirichlet(alpha) into {@code out} (modified). */
    public static void dirichlet(Random rnd, double[] alpha, double[] out, int off) {
        double s = 0;
        for (int i = 0; i < alpha.length; i++) {
            double g = gamma(rnd, alpha[i]);
            out[off + i] = g;
            s += g;
        }
        for (int i = 0; i < alpha.length; i++) {
            out[off + i] /= s;
        }
    }

    /**
     * docs/MODEL.md §4 observation noise: each row μ^obs_n ~ Dirichlet(κ(μ̄_n + 1e-6)), κ = 1/noise; a copy when
     * noise = 0. {@code mu} (N·d) not modified.
     */
    public static double[] observe(Random rnd, double[] mu, int steps, int d, double noise) {
        double[] out = mu.clone();
        if (noise <= 0) {
            return out;
        }
        double kappa = 1 / noise;
        double[] alpha = new double[d];
        for (int n = 0; n < steps; n++) {
            for (int x = 0; x < d; x++) {
                alpha[x] = kappa * (Math.max(mu[n * d + x], 0) + 1e-6);
            }
            dirichlet(rnd, alpha, out, n * d);
        }
        return out;
    }
}
