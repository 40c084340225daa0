package org.mfgcal.calibrator.calibrate;

/** Test metrics of docs/MODEL.md §4 on flat N×d / N×p arrays. Stateless. */
public final class Metrics {
    /** Denominator offset of the relative L2. */
    public static final double REL_EPS = 1e-4;

    private Metrics() {
    }

    /** Mu L2 = mean_n Σ_{x observed} (μ_pred − μ_obs)². {@code observed} null = all states. */
    public static double muL2(double[] pred, double[] obs, int steps, int d, boolean[] observed) {
        double s = 0;
        for (int n = 0; n < steps; n++) {
            for (int x = 0; x < d; x++) {
                if (observed == null || observed[x]) {
                    double r = pred[n * d + x] - obs[n * d + x];
                    s += r * r;
                }
            }
        }
        return s / steps;
    }

    /** relative L2 = mean over n and observed x of (μ_pred − μ_obs)² / (μ_obs² + 1e-4). */
    public static double relL2(double[] pred, double[] obs, int steps, int d, boolean[] observed) {
        double s = 0;
        int c = 0;
        for (int n = 0; n < steps; n++) {
            for (int x = 0; x < d; x++) {
                if (observed == null || observed[x]) {
                    double o = obs[n * d + x];
                    double r = pred[n * d + x] - o;
                    s += r * r / (o * o + REL_EPS);
                    c++;
                }
            }
        }
        return s / c;
    }

    /** Gamma L2 = mean_n Σ_k (γ_pred − γ_true)². */
    public static double gammaL2(double[] pred, double[] truth, int steps, int p) {
        double s = 0;
        for (int i = 0; i < steps * p; i++) {
            double r = pred[i] - truth[i];
            s += r * r;
        }
        return s / steps;
    }

    /** Coefficient of determination of {@code fit} against {@code data}. */
    public static double rSquared(double[] fit, double[] data) {
        double mean = 0;
        for (double v : data) {
            mean += v;
        }
        mean /= data.length;
        double ssRes = 0, ssTot = 0;
        for (int i = 0; i < data.length; i++) {
            ssRes += (data[i] - fit[i]) * (data[i] - fit[i]);
            ssTot += (data[i] - mean) * (data[i] - mean);
        }
        return 1 - ssRes / ssTot;
    }

    /** Mean and standard error of the mean. */
    public static double[] meanSe(double[] v) {
        double m = 0;
        for (double x : v) {
            m += x;
        }
        m /= v.length;
        double ss = 0;
        for (double x : v) {
            ss += (x - m) * (x - m);
        }
        double se = v.length > 1 ? Math.sqrt(ss / (v.length - 1) / v.length) : 0;
        return new double[] {m, se};
    }
}
