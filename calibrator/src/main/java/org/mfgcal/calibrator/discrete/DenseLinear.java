package org.mfgcal.calibrator.discrete;

/** Small dense linear algebra on flat row-major arrays (Gaussian elimination with partial pivoting). */
final class DenseLinear {
    private DenseLinear() {
    }

    /**
     * Solves A X = B in place for n×n A (row-major, modified: destroyed) and n×m B (row-major, modified: receives X).
     *
     * @throws IllegalStateException if A is singular to working precision
     */
    static void solve(double[] a, int n, double[] b, int m) {
        for (int c = 0; c < n; c++) {
            int p = c;
            double best = Math.abs(a[c * n + c]);
            for (int i = c + 1; i < n; i++) {
                double v = Math.abs(a[i * n + c]);
                if (v > best) {
                    best = v;
                    p = i;
                }
            }
            if (!(best > 1e-300)) {
                throw new IllegalStateException("singular matrix at column " + c);
            }
            if (p != c) {
                for (int j = 0; j < n; j++) {
                    double t = a[c * n + j];
                    a[c * n + j] = a[p * n + j];
                    a[p * n + j] = t;
                }
                for (int j = 0; j < m; j++) {
                    double t = b[c * m + j];
                    b[c * m + j] = b[p * m + j];
                    b[p * m + j] = t;
                }
            }
            double inv = 1.0 / a[c * n + c];
            for (int i = c + 1; i < n; i++) {
                double f = a[i * n + c] * inv;
                if (f == 0.0) {
                    continue;
                }
                for (int j = c; j < n; j++) {
                    a[i * n + j] -= f * a[c * n + j];
                }
                for (int j = 0; j < m; j++) {
                    b[i * m + j] -= f * b[c * m + j];
                }
            }
        }
        for (int c = n - 1; c >= 0; c--) {
            double inv = 1.0 / a[c * n + c];
            for (int j = 0; j < m; j++) {
                double s = b[c * m + j];
                for (int k = c + 1; k < n; k++) {
                    s -= a[c * n + k] * b[k * m + j];
                }
                b[c * m + j] = s * inv;
            }
        }
    }
}
