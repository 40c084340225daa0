package org.mfgcal.calibrator.calibrate;

import java.util.List;

/** Full-horizon predictions and metrics of a model on a split, and of the persistence baseline. Stateless. */
public final class Evaluation {
    private Evaluation() {
    }

    /** Mean over samples of the full-horizon Mu L2 (NaN-free: an unconverged solve counts with its last iterate). */
    public static double meanMuL2(Model m, List<Sample> split, boolean[] observed, double[][] warm) {
        int nT = m.spec().steps(), d = m.spec().states(), p = m.game().paramsPerStep();
        double[] g = m.isCoupled() ? null : m.gammaBatch(split); // one network call for the whole split
        double s = 0;
        for (int i = 0; i < split.size(); i++) {
            Sample smp = split.get(i);
            double[] w = warm == null ? null : warm[i];
            org.mfgcal.calibrator.solver.Solution sol = g == null ? m.predict(smp, w).solution()
                    : m.solve(smp, java.util.Arrays.copyOfRange(g, i * nT * p, (i + 1) * nT * p), w);
            if (warm != null && sol.converged()) {
                warm[i] = sol.mu();
            }
            s += Metrics.muL2(sol.mu(), smp.obs(), nT, d, observed);
        }
        return s / split.size();
    }

    /** Metrics of one split. */
    public record SplitMetrics(double muL2, double relL2, double gammaL2, double truthMuL2, int notConverged,
                               List<double[]> mu, List<double[]> gamma) {
    }

    public static SplitMetrics evaluate(Model m, List<Sample> split, boolean[] observed) {
        int nT = m.spec().steps(), d = m.spec().states(), p = m.game().paramsPerStep();
        double mu = 0, rel = 0, gam = 0, truth = 0;
        int bad = 0, withTruth = 0, withMuTruth = 0;
        List<double[]> mus = new java.util.ArrayList<>();
        List<double[]> gs = new java.util.ArrayList<>();
        for (Sample s : split) {
            Model.Prediction pr = m.predict(s, null);
            if (!pr.solution().converged()) {
                bad++;
            }
            double[] pm = pr.solution().mu();
            mus.add(pm);
            gs.add(pr.gamma());
            mu += Metrics.muL2(pm, s.obs(), nT, d, observed);
            rel += Metrics.relL2(pm, s.obs(), nT, d, observed);
            if (s.trueGamma() != null && s.trueGamma().length == nT * p) {
                gam += Metrics.gammaL2(pr.gamma(), s.trueGamma(), nT, p);
                withTruth++;
            }
            if (s.trueMu() != null) {
                truth += Metrics.muL2(s.trueMu(), s.obs(), nT, d, observed);
                withMuTruth++;
            }
        }
        int n = Math.max(1, split.size());
        return new SplitMetrics(mu / n, rel / n, withTruth == 0 ? Double.NaN : gam / withTruth,
                withMuTruth == 0 ? Double.NaN : truth / withMuTruth, bad, mus, gs);
    }

    /** Persistence: μ_pred_n = μ^obs_0 for every n. */
    public static double[] persistence(Sample s, int nT, int d) {
        double[] out = new double[nT * d];
        for (int n = 0; n < nT; n++) {
            System.arraycopy(s.obs(), 0, out, n * d, d);
        }
        return out;
    }

    public static SplitMetrics evaluatePersistence(List<Sample> split, int nT, int d, boolean[] observed) {
        double mu = 0, rel = 0;
        List<double[]> mus = new java.util.ArrayList<>();
        for (Sample s : split) {
            double[] pm = persistence(s, nT, d);
            mus.add(pm);
            mu += Metrics.muL2(pm, s.obs(), nT, d, observed);
            rel += Metrics.relL2(pm, s.obs(), nT, d, observed);
        }
        int n = Math.max(1, split.size());
        return new SplitMetrics(mu / n, rel / n, Double.NaN, Double.NaN, 0, mus, List.of());
    }
}
