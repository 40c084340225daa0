package org.mfgcal.calibrator.optim;

import java.util.ArrayList;
import java.util.List;

/**
 * Unconstrained minimisation of a smooth objective of few variables by L-BFGS ({@link Lbfgs}, identity H₀, 6
 * pairs) with an Armijo backtracking line search; a step is capped at 2 in every coordinate (a factor e² for a
 * log-parameter). Only decreases are accepted, so the result is never worse than the start. Used by the offline
 * outbreak fit ({@code calibrate.OutbreakFit}); the online loop's driver is {@link Descent}.
 *
 * <p>Stateless; each run allocates its buffers.
 */
public final class Minimiser {
    /** Pairs kept by the L-BFGS memory. */
    public static final int MEMORY = 6;

    private Minimiser() {
    }

    /** F(x) and its gradient into {@code grad} (modified); x not modified. Non-finite where F is not defined. */
    @FunctionalInterface
    public interface Objective {
        double value(double[] x, double[] grad);
    }

    /**
     * @param x          the best point (at least as good as the start)
     * @param f          its objective
     * @param iterations L-BFGS iterations taken
     * @param path       the objective after each accepted step, the start first
     */
    public record Run(double[] x, double f, int iterations, double[] path) {
    }

    /**
     * Minimises {@code f} from {@code x0} (not modified) for at most {@code maxIter} iterations; stops early when
     * the gradient's largest entry is below 1e-10 or three accepted steps in a row decrease F by at most
     * 1e-12·max(1e-3, F). A failed line search resets the memory once (a steepest-descent retry).
     */
    public static Run minimise(Objective f, double[] x0, int maxIter) {
        final int n = x0.length;
        double[] x = x0.clone();
        double[] g = new double[n];
        double fx = f.value(x, g);
        List<Double> path = new ArrayList<>();
        path.add(fx);
        if (!Double.isFinite(fx)) {
            return new Run(x, Double.POSITIVE_INFINITY, 0, new double[] {Double.POSITIVE_INFINITY});
        }
        Lbfgs mem = new Lbfgs(n, MEMORY);
        double[] dir = new double[n];
        double[] xn = new double[n];
        double[] gn = new double[n];
        double[] s = new double[n];
        double[] y = new double[n];
        int it = 0;
        int flat = 0;
        for (; it < maxIter; it++) {
            if (maxAbs(g) < 1e-10) {
                break;
            }
            mem.direction(g, (q, z) -> System.arraycopy(q, 0, z, 0, n), dir);
            double gd = dot(g, dir);
            if (!(gd < 0)) {
                mem.reset();
                for (int i = 0; i < n; i++) {
                    dir[i] = -g[i];
                }
                gd = -dot(g, g);
            }
            double t = Math.min(1.0, 2.0 / maxAbs(dir));
            boolean accepted = false;
            double fn = Double.NaN;
            for (int ls = 0; ls < 40; ls++) {
                for (int i = 0; i < n; i++) {
                    xn[i] = x[i] + t * dir[i];
                }
                fn = f.value(xn, gn);
                if (fn <= fx + Descent.ARMIJO * t * gd && Double.isFinite(fn)) {
                    accepted = true;
                    break;
                }
                t *= Double.isFinite(fn) ? 0.5 : 0.25;
            }
            if (!accepted) {
                if (mem.pairs() > 0) {
                    mem.reset(); // retry once along the steepest descent
                    continue;
                }
                break;
            }
            for (int i = 0; i < n; i++) {
                s[i] = xn[i] - x[i];
                y[i] = gn[i] - g[i];
            }
            mem.update(s, y);
            double drop = fx - fn;
            System.arraycopy(xn, 0, x, 0, n);
            System.arraycopy(gn, 0, g, 0, n);
            fx = fn;
            path.add(fx);
            flat = drop <= 1e-12 * Math.max(1e-3, fx) ? flat + 1 : 0;
            if (flat >= 3) {
                break;
            }
        }
        double[] p = new double[path.size()];
        for (int i = 0; i < p.length; i++) {
            p[i] = path.get(i);
        }
        return new Run(x, fx, it, p);
    }

    /** Σ a_i b_i in index order (a plain sum: the few-variable fits' results depend on its rounding). */
    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static double maxAbs(double[] a) {
        double m = 0;
        for (double v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }
}
