package org.mfgcal.simd;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector forms of the L-BFGS passes over long arrays (the optimiser's {@code Lbfgs}) that give the scalar loops'
 * results bit for bit: those keep four partial sums, the k-th over the entries i ≡ k (mod 4), add the tail to the
 * first and combine them as (s0 + s1) + (s2 + s3); here lane k of a 4-lane vector is partial sum k, products and sums
 * are rounded separately as there (no fused multiply-add), and the tail and the combination are the same. Call only
 * when {@link Simd#ENABLED}. Stateless.
 */
public final class Lanes {
    private static final VectorSpecies<Double> S = DoubleVector.SPECIES_256;

    private Lanes() {
    }

    /** Σ a_i b_i. */
    public static double dot(double[] a, double[] b) {
        final int n = a.length;
        DoubleVector acc = DoubleVector.zero(S);
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += 4) {
            acc = acc.add(DoubleVector.fromArray(S, a, i).mul(DoubleVector.fromArray(S, b, i)));
        }
        double s0 = acc.lane(0);
        for (; i < n; i++) {
            s0 += a[i] * b[i];
        }
        return (s0 + acc.lane(1)) + (acc.lane(2) + acc.lane(3));
    }

    /** q ← g, then Σ s_i q_i. */
    public static double copyDot(double[] g, double[] s, double[] q) {
        final int n = s.length;
        DoubleVector acc = DoubleVector.zero(S);
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += 4) {
            DoubleVector gv = DoubleVector.fromArray(S, g, i);
            gv.intoArray(q, i);
            acc = acc.add(DoubleVector.fromArray(S, s, i).mul(gv));
        }
        double s0 = acc.lane(0);
        for (; i < n; i++) {
            q[i] = g[i];
            s0 += s[i] * q[i];
        }
        return (s0 + acc.lane(1)) + (acc.lane(2) + acc.lane(3));
    }

    /** v ← v + a·x, then Σ w_i v_i. */
    public static double axpyDot(double a, double[] x, double[] w, double[] v) {
        final int n = w.length;
        DoubleVector acc = DoubleVector.zero(S);
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += 4) {
            DoubleVector vi = DoubleVector.fromArray(S, v, i).add(DoubleVector.fromArray(S, x, i).mul(a));
            vi.intoArray(v, i);
            acc = acc.add(DoubleVector.fromArray(S, w, i).mul(vi));
        }
        double s0 = acc.lane(0);
        for (; i < n; i++) {
            final double vi = v[i] + a * x[i];
            v[i] = vi;
            s0 += w[i] * vi;
        }
        return (s0 + acc.lane(1)) + (acc.lane(2) + acc.lane(3));
    }

    /**
     * The three sums Σ s_i y_i, Σ s_i², Σ y_i² into {@code out[0..2]} in one pass.
     */
    public static void curvature(double[] s, double[] y, double[] out) {
        final int n = s.length;
        DoubleVector a = DoubleVector.zero(S);
        DoubleVector b = DoubleVector.zero(S);
        DoubleVector c = DoubleVector.zero(S);
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += 4) {
            DoubleVector sv = DoubleVector.fromArray(S, s, i);
            DoubleVector yv = DoubleVector.fromArray(S, y, i);
            a = a.add(sv.mul(yv));
            b = b.add(sv.mul(sv));
            c = c.add(yv.mul(yv));
        }
        double a0 = a.lane(0);
        double b0 = b.lane(0);
        double c0 = c.lane(0);
        for (; i < n; i++) {
            a0 += s[i] * y[i];
            b0 += s[i] * s[i];
            c0 += y[i] * y[i];
        }
        out[0] = (a0 + a.lane(1)) + (a.lane(2) + a.lane(3));
        out[1] = (b0 + b.lane(1)) + (b.lane(2) + b.lane(3));
        out[2] = (c0 + c.lane(1)) + (c.lane(2) + c.lane(3));
    }

    /** Σ (x(xOff + i) − y(yOff + i))² over i < len, in four lane sums (not the order of a single running sum). */
    public static double squaredDistance(double[] x, int xOff, double[] y, int yOff, int len) {
        DoubleVector acc = DoubleVector.zero(S);
        int i = 0;
        for (int end = S.loopBound(len); i < end; i += 4) {
            DoubleVector dv = DoubleVector.fromArray(S, x, xOff + i).sub(DoubleVector.fromArray(S, y, yOff + i));
            acc = dv.fma(dv, acc);
        }
        double s0 = acc.lane(0);
        for (; i < len; i++) {
            final double dv = x[xOff + i] - y[yOff + i];
            s0 = Math.fma(dv, dv, s0);
        }
        return (s0 + acc.lane(1)) + (acc.lane(2) + acc.lane(3));
    }

    /**
     * Whether every a(off + i), i < len, is finite and not below 0 (−0.0 passes, NaN fails): the lanes' minimum and
     * maximum (both keep a NaN) checked once at the end.
     */
    public static boolean finiteNonNegative(double[] a, int off, int len) {
        DoubleVector lo = DoubleVector.zero(S);
        DoubleVector hi = DoubleVector.zero(S);
        int i = 0;
        for (int end = S.loopBound(len); i < end; i += 4) {
            DoubleVector v = DoubleVector.fromArray(S, a, off + i);
            lo = lo.min(v);
            hi = hi.max(v);
        }
        double min = lo.reduceLanes(VectorOperators.MIN);
        double max = hi.reduceLanes(VectorOperators.MAX);
        for (; i < len; i++) {
            min = Math.min(min, a[off + i]);
            max = Math.max(max, a[off + i]);
        }
        return min >= 0 && max <= Double.MAX_VALUE;
    }
}
