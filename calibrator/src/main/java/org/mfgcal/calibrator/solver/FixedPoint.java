package org.mfgcal.calibrator.solver;

/**
 * The equilibrium fixed-point loop of {@link EquilibriumSolver} (plain and coupled solves):
 * damped Picard with docs/MODEL.md's stopping rule (max|Δμ| ≤ tol after ≥ 2 updates, or maxIter), or Anderson on the
 * map with mixing 1 − δ (stop when max|G(μ) − μ| ≤ tol). On return {@code x} holds μ*: the last Picard iterate, or
 * G(x_k) for Anderson (an exact image of the map), and {@code img} holds G of the last evaluated point. Anderson
 * alternates x and {@code next} as x_k and x_{k+1} instead of copying (see {@link AndersonMixer}). Allocates nothing;
 * not thread-safe (it works in the caller's buffers).
 */
final class FixedPoint {
    private FixedPoint() {
    }

    /** One evaluation of the map: {@code out} = G({@code in}). */
    interface Map {
        void apply(double[] in, double[] out);
    }

    /** Outcome of a run (a tiny record, allocated once per solve). */
    record Outcome(int iterations, boolean converged, double residual) {
    }

    /**
     * {@code resid} = img − x (modified); returns max|resid|, NaN if any entry is NaN (Math.max propagates NaN). With
     * the result used (lq_const, len = 300, thread CPU, standalone): Math.max on |r| 0.17 µs, the maximum over the
     * bit patterns of |r| as longs 0.20 µs, four running long maxima 0.26–0.39 µs (bench/BENCHMARKS.md).
     */
    static double residual(double[] img, double[] x, double[] resid, int len) {
        double m = 0;
        for (int i = 0; i < len; i++) {
            final double r = img[i] - x[i];
            resid[i] = r;
            m = Math.max(m, Math.abs(r));
        }
        return m;
    }

    /**
     * @param x      modified: the start on entry, μ* on return
     * @param img    modified: scratch, G of the last evaluated point on return
     * @param next   scratch (Anderson); on return, for Anderson, the last iterate x_k with G(x_k) = μ*
     * @param mixer  null for Picard
     */
    static Outcome run(Map g, double[] x, double[] img, double[] next, AndersonMixer mixer,
                       SolverOptions opt, int len) {
        return run(g, x, img, next, mixer, opt, len, 0);
    }

    /**
     * As {@link #run(Map, double[], double[], double[], AndersonMixer, SolverOptions, int)}, with the tolerance
     * max(tol, {@code relative}·r_1), r_1 the first update's max|Δμ| (Picard) or max|G(x_0) − x_0| (Anderson);
     * {@code relative} = 0 is the plain rule.
     */
    static Outcome run(Map g, double[] x, double[] img, double[] next, AndersonMixer mixer,
                       SolverOptions opt, int len, double relative) {
        int it = 0;
        double tol = opt.tol();
        if (mixer == null) {
            final double delta = opt.damping();
            while (true) {
                g.apply(x, img);
                double diff = 0;
                for (int i = 0; i < len; i++) {
                    final double v = delta == 0 ? img[i] : (1 - delta) * img[i] + delta * x[i];
                    final double ad = Math.abs(v - x[i]);
                    diff = ad > diff || ad != ad ? ad : diff;
                    x[i] = v;
                }
                it++;
                if (it == 1 && relative > 0 && diff < Double.POSITIVE_INFINITY) {
                    tol = Math.max(tol, relative * diff);
                }
                if (diff <= tol && it >= 2) {
                    return new Outcome(it, true, diff);
                }
                if (it >= opt.maxIter() || !Double.isFinite(diff)) {
                    return new Outcome(it, false, diff);
                }
            }
        }
        mixer.reset();
        final double beta = 1 - opt.damping();
        double[] cur = x;   // x_k; x_{k+1} goes to the other buffer (the mixer still reads x_{k−1} from it first)
        double[] other = next;
        while (true) {
            g.apply(cur, img);
            it++;
            final double[] r = mixer.residualBuffer();
            final double rn = residual(img, cur, r, len);
            if (it == 1 && relative > 0 && rn < Double.POSITIVE_INFINITY) {
                tol = Math.max(tol, relative * rn);
            }
            final boolean converged = rn <= tol;
            if (converged || it >= opt.maxIter() || !Double.isFinite(rn)) {
                if (cur == x) {
                    System.arraycopy(x, 0, next, 0, len);  // x_k, where G was last evaluated
                }
                System.arraycopy(img, 0, x, 0, len);   // μ* = G(x_k)
                return new Outcome(it, converged, rn);
            }
            mixer.next(cur, r, rn, beta, other);
            final double[] t = cur;
            cur = other;
            other = t;
        }
    }
}
