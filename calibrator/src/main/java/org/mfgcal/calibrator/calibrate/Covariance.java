package org.mfgcal.calibrator.calibrate;

import java.util.Arrays;

/**
 * The covariance of a three-parameter least-squares fit from its Jacobian (the outbreak fit's standard errors).
 * Stateless.
 */
final class Covariance {
    /** Parameters of the fit. */
    private static final int P = 3;

    private Covariance() {
    }

    /**
     * s²(JᵀJ)⁻¹ (3×3 row-major), computed with J's columns scaled to unit norm (the parameters differ by orders of
     * magnitude); NaN entries when the scaled JᵀJ is singular (condition ≳ 1e13) or J is not finite.
     */
    static double[] leastSquares(double[] jac, double sse) {
        int n = jac.length / P;
        double[] a = new double[9];
        for (int d = 0; d < n; d++) {
            for (int i = 0; i < P; i++) {
                for (int j = 0; j < P; j++) {
                    a[i * 3 + j] += jac[d * P + i] * jac[d * P + j];
                }
            }
        }
        double[] c = new double[P];
        for (int i = 0; i < P; i++) {
            c[i] = Math.sqrt(a[i * 3 + i]);
        }
        double[] inv;
        if (c[0] > 0 && c[1] > 0 && c[2] > 0) {
            for (int i = 0; i < P; i++) {
                for (int j = 0; j < P; j++) {
                    a[i * 3 + j] /= c[i] * c[j];
                }
            }
            inv = invert3(a);
            for (int i = 0; i < P; i++) {
                for (int j = 0; j < P; j++) {
                    inv[i * 3 + j] /= c[i] * c[j];
                }
            }
        } else {
            inv = new double[9];
            Arrays.fill(inv, Double.NaN);
        }
        double s2 = n > P ? sse / (n - P) : Double.NaN;
        for (int i = 0; i < 9; i++) {
            inv[i] *= s2;
        }
        return inv;
    }

    static double[] invert3(double[] m) {
        double c00 = m[4] * m[8] - m[5] * m[7];
        double c01 = m[5] * m[6] - m[3] * m[8];
        double c02 = m[3] * m[7] - m[4] * m[6];
        double det = m[0] * c00 + m[1] * c01 + m[2] * c02;
        double norm = 0;
        for (double v : m) {
            norm = Math.max(norm, Math.abs(v));
        }
        double[] r = new double[9];
        if (!(Math.abs(det) > 1e-13 * norm * norm * norm) || !Double.isFinite(det)) {
            Arrays.fill(r, Double.NaN);
            return r;
        }
        r[0] = c00 / det;
        r[1] = (m[2] * m[7] - m[1] * m[8]) / det;
        r[2] = (m[1] * m[5] - m[2] * m[4]) / det;
        r[3] = c01 / det;
        r[4] = (m[0] * m[8] - m[2] * m[6]) / det;
        r[5] = (m[2] * m[3] - m[0] * m[5]) / det;
        r[6] = c02 / det;
        r[7] = (m[1] * m[6] - m[0] * m[7]) / det;
        r[8] = (m[0] * m[4] - m[1] * m[3]) / det;
        return r;
    }
}
