package org.mfgcal.simd;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector forms of the row loops of the mobility sweeps on a dense graph (docs/MODEL.md, "Sweep kernels: vector
 * rows"): a row x's edges to targets y ≠ x come as two runs of consecutive targets, one on each side of the diagonal.
 * The {@code …Row} methods take a whole row of d − 1 edges (edge j goes to y = j before x and y = j + 1 after it); the
 * {@code …Scatter} and {@link #spread} methods one run of {@code len} edges. Edge-indexed arrays (rates q = γ, a, γ̄)
 * start at {@code j0}, target-indexed ones at {@code y0} or the offset named (the caller adds the step's offset). The
 * rate of an edge is a = max(0, q + w(y) + ax) with the per-step shift w(y) = −(c·m(y) + u(y))/(2b) ({@link #shifts})
 * and the row's ax = u(x)/(2b): the scalar kernels' q + (−c·m(y) − (u(y) − u(x)))/(2b) with the terms grouped
 * otherwise.
 *
 * <p>Always 256-bit vectors (4 doubles), whatever the CPU prefers, so that results do not depend on the machine; the
 * lanes' partial sums are added at the end of a row or run. Call only when {@link Simd#ENABLED}. Stateless. Methods
 * are kept small: a larger one (a 2× unrolled row loop) made C2 stop intrinsifying the vector calls.
 */
public final class Rows {
    private static final VectorSpecies<Double> S = DoubleVector.SPECIES_256;
    private static final int L = 4;

    private Rows() {
    }

    static boolean usable() {
        return DoubleVector.SPECIES_PREFERRED.vectorBitSize() >= S.vectorBitSize() && S.length() == L;
    }

    /** w(y) = −(c·m(mOff + y) + u(uOff + y))·inv2b for y = 0..d−1. */
    public static void shifts(double[] m, int mOff, double[] u, int uOff, int d, double c, double inv2b, double[] w) {
        final DoubleVector cv = DoubleVector.broadcast(S, c);
        int y = 0;
        for (int end = S.loopBound(d); y < end; y += L) {
            DoubleVector mv = DoubleVector.fromArray(S, m, mOff + y);
            DoubleVector uv = DoubleVector.fromArray(S, u, uOff + y);
            mv.fma(cv, uv).mul(-inv2b).intoArray(w, y);
        }
        for (; y < d; y++) {
            w[y] = Math.fma(m[mOff + y], c, u[uOff + y]) * -inv2b;
        }
    }

    /** Lanes k ≥ r, r = 0..3: the lanes of a row's boundary vector whose targets are past the diagonal. */
    private static final VectorMask<Double>[] PAST = pastMasks();

    @SuppressWarnings("unchecked")
    private static VectorMask<Double>[] pastMasks() {
        VectorMask<Double>[] m = new VectorMask[L];
        for (int r = 0; r < L; r++) {
            boolean[] bits = new boolean[L];
            for (int k = r; k < L; k++) {
                bits[k] = true;
            }
            m[r] = VectorMask.fromArray(S, bits, 0);
        }
        return m;
    }

    /**
     * The rates of a whole dense row x of {@code len} = d − 1 edges (edge j goes to y = j, or j + 1 past the diagonal;
     * into {@code a} from {@code a0} when {@code a} is not null); adds Σ(q − a)(q + a) to {@code sums[0]} and Σa to
     * {@code sums[1]} (the HJB row's cost plus drift over b, and its out-rate). One loop: the vector across the
     * diagonal takes w(j) or w(j + 1) by lane.
     */
    public static void hjbRow(double[] q, int j0, double[] w, int x, int len, double ax, double[] a, int a0,
                              double[] sums) {
        DoubleVector h = DoubleVector.zero(S);
        DoubleVector out = DoubleVector.zero(S);
        final int xb = x & -L;
        int j = 0;
        for (; j < xb; j += L) {
            DoubleVector qv = DoubleVector.fromArray(S, q, j0 + j);
            DoubleVector r = qv.add(DoubleVector.fromArray(S, w, j)).add(ax).max(0.0);
            if (a != null) {
                r.intoArray(a, a0 + j);
            }
            h = qv.sub(r).fma(qv.add(r), h);
            out = out.add(r);
        }
        if (xb + L <= len) {
            DoubleVector qv = DoubleVector.fromArray(S, q, j0 + j);
            DoubleVector wv = DoubleVector.fromArray(S, w, j).blend(DoubleVector.fromArray(S, w, j + 1), PAST[x - xb]);
            DoubleVector r = qv.add(wv).add(ax).max(0.0);
            if (a != null) {
                r.intoArray(a, a0 + j);
            }
            h = qv.sub(r).fma(qv.add(r), h);
            out = out.add(r);
            j += L;
            for (; j + L <= len; j += L) {
                qv = DoubleVector.fromArray(S, q, j0 + j);
                r = qv.add(DoubleVector.fromArray(S, w, j + 1)).add(ax).max(0.0);
                if (a != null) {
                    r.intoArray(a, a0 + j);
                }
                h = qv.sub(r).fma(qv.add(r), h);
                out = out.add(r);
            }
        }
        double hs = h.reduceLanes(VectorOperators.ADD);
        double os = out.reduceLanes(VectorOperators.ADD);
        for (; j < len; j++) {
            final double qi = q[j0 + j];
            final double r = Math.max(qi + w[j < x ? j : j + 1] + ax, 0.0);
            if (a != null) {
                a[a0 + j] = r;
            }
            hs = Math.fma(qi - r, qi + r, hs);
            os += r;
        }
        sums[0] += hs;
        sums[1] += os;
    }

    /** The rates of a whole dense row into {@code a} (as {@link #hjbRow}); returns their sum (the FPK's out-rate). */
    public static double fpkRow(double[] q, int j0, double[] w, int x, int len, double ax, double[] a, int a0) {
        DoubleVector out = DoubleVector.zero(S);
        final int xb = x & -L;
        int j = 0;
        for (; j < xb; j += L) {
            DoubleVector r = DoubleVector.fromArray(S, q, j0 + j).add(DoubleVector.fromArray(S, w, j)).add(ax).max(0.0);
            r.intoArray(a, a0 + j);
            out = out.add(r);
        }
        if (xb + L <= len) {
            DoubleVector wv = DoubleVector.fromArray(S, w, j).blend(DoubleVector.fromArray(S, w, j + 1), PAST[x - xb]);
            DoubleVector r = DoubleVector.fromArray(S, q, j0 + j).add(wv).add(ax).max(0.0);
            r.intoArray(a, a0 + j);
            out = out.add(r);
            j += L;
            for (; j + L <= len; j += L) {
                r = DoubleVector.fromArray(S, q, j0 + j).add(DoubleVector.fromArray(S, w, j + 1)).add(ax).max(0.0);
                r.intoArray(a, a0 + j);
                out = out.add(r);
            }
        }
        double os = out.reduceLanes(VectorOperators.ADD);
        for (; j < len; j++) {
            final double r = Math.max(q[j0 + j] + w[j < x ? j : j + 1] + ax, 0.0);
            a[a0 + j] = r;
            os += r;
        }
        return os;
    }

    /**
     * The rates of a whole dense row into {@code a} (FPK-VJP's first pass; as {@link #hjbRow}); adds
     * Σa·(nb1(y) − nbx) to {@code sums[0]} and Σa to {@code sums[1]} ({@code nb1}: the cotangent of ν_{n+1},
     * target-indexed from {@code b0}).
     */
    public static void fpkVjpRow(double[] q, int j0, double[] w, int x, int len, double ax, double[] a, int a0,
                                 double[] nb1, int b0, double nbx, double[] sums) {
        DoubleVector s = DoubleVector.zero(S);
        DoubleVector out = DoubleVector.zero(S);
        final int xb = x & -L;
        int j = 0;
        for (; j < xb; j += L) {
            DoubleVector r = DoubleVector.fromArray(S, q, j0 + j).add(DoubleVector.fromArray(S, w, j)).add(ax).max(0.0);
            r.intoArray(a, a0 + j);
            s = r.fma(DoubleVector.fromArray(S, nb1, b0 + j).sub(nbx), s);
            out = out.add(r);
        }
        if (xb + L <= len) {
            VectorMask<Double> past = PAST[x - xb];
            DoubleVector wv = DoubleVector.fromArray(S, w, j).blend(DoubleVector.fromArray(S, w, j + 1), past);
            DoubleVector nv = DoubleVector.fromArray(S, nb1, b0 + j).blend(DoubleVector.fromArray(S, nb1, b0 + j + 1),
                    past);
            DoubleVector r = DoubleVector.fromArray(S, q, j0 + j).add(wv).add(ax).max(0.0);
            r.intoArray(a, a0 + j);
            s = r.fma(nv.sub(nbx), s);
            out = out.add(r);
            j += L;
            for (; j + L <= len; j += L) {
                r = DoubleVector.fromArray(S, q, j0 + j).add(DoubleVector.fromArray(S, w, j + 1)).add(ax).max(0.0);
                r.intoArray(a, a0 + j);
                s = r.fma(DoubleVector.fromArray(S, nb1, b0 + j + 1).sub(nbx), s);
                out = out.add(r);
            }
        }
        double ss = s.reduceLanes(VectorOperators.ADD);
        double os = out.reduceLanes(VectorOperators.ADD);
        for (; j < len; j++) {
            final int y = j < x ? j : j + 1;
            final double r = Math.max(q[j0 + j] + w[y] + ax, 0.0);
            a[a0 + j] = r;
            ss = Math.fma(r, nb1[b0 + y] - nbx, ss);
            os += r;
        }
        sums[0] += ss;
        sums[1] += os;
    }

    /** nu(y0 + i) += cx·a(a0 + i) for i < len (the FPK's spread of a row's leaving mass). */
    public static void spread(double[] nu, int y0, double[] a, int a0, int len, double cx) {
        final DoubleVector cv = DoubleVector.broadcast(S, cx);
        int i = 0;
        for (int end = S.loopBound(len); i < end; i += L) {
            DoubleVector.fromArray(S, a, a0 + i).fma(cv, DoubleVector.fromArray(S, nu, y0 + i)).intoArray(nu, y0 + i);
        }
        for (; i < len; i++) {
            nu[y0 + i] = Math.fma(a[a0 + i], cx, nu[y0 + i]);
        }
    }

    /**
     * FPK-VJP's second pass over a run: every active rate (a > 0) has the cotangent ā = k·(nb1(y) − nbx) + common,
     * added to γ̄ (edge-indexed from {@code g0}); ā/(2b) is taken from ū_n(y) (from {@code u0}) and c·ā/(2b) from
     * ν̄_n(y) (from {@code n0}). Returns Σā/(2b), which the caller adds to ū_n(x).
     */
    public static double fpkVjpScatter(double[] a, int a0, double[] gammaBar, int g0, double[] nuBar, int n0,
                                       double[] uBar, int u0, double[] nb1, int b0, int len, double k, double nbx,
                                       double common, double inv2b, double c) {
        final double cInv2b = c * inv2b;
        final DoubleVector kv = DoubleVector.broadcast(S, k);
        final DoubleVector cm = DoubleVector.broadcast(S, common);
        DoubleVector acc = DoubleVector.zero(S);
        int i = 0;
        for (int end = S.loopBound(len); i < end; i += L) {
            VectorMask<Double> active = DoubleVector.fromArray(S, a, a0 + i).compare(VectorOperators.GT, 0.0);
            if (!active.anyTrue()) {
                continue;
            }
            DoubleVector ab = DoubleVector.fromArray(S, nb1, b0 + i).sub(nbx).fma(kv, cm)
                    .blend(0.0, active.not());
            DoubleVector.fromArray(S, gammaBar, g0 + i).add(ab).intoArray(gammaBar, g0 + i);
            DoubleVector.fromArray(S, nuBar, n0 + i).sub(ab.mul(cInv2b)).intoArray(nuBar, n0 + i);
            DoubleVector sv = ab.mul(inv2b);
            DoubleVector.fromArray(S, uBar, u0 + i).sub(sv).intoArray(uBar, u0 + i);
            acc = acc.add(sv);
        }
        double sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < len; i++) {
            if (a[a0 + i] > 0) {
                final double ab = Math.fma(nb1[b0 + i] - nbx, k, common);
                gammaBar[g0 + i] += ab;
                nuBar[n0 + i] -= ab * cInv2b;
                final double sv = ab * inv2b;
                uBar[u0 + i] -= sv;
                sum += sv;
            }
        }
        return sum;
    }

    /**
     * HJB-VJP's second pass over a run (rates in {@code a} from {@code a0}, q = γ from {@code j0}): with the row's
     * cost-plus-drift cotangent fc and the active rates' φ′ cotangent {@code common}, adds to γ̄ (from {@code j0})
     * −2b·fc·(a − q) (+ common where a > 0), to μ̂̄_n(y) (from {@code m0}) c·fc·a (− c·common/(2b) where a > 0) and to
     * ū_{n+1}(y) (from {@code u1}) fc·a (− common/(2b) where a > 0). Returns the run's contribution to ū_{n+1}(x):
     * Σ(−fc·a + [a > 0]·common/(2b)).
     */
    public static double hjbVjpScatter(double[] a, int a0, double[] q, int j0, double[] gammaBar, double[] muHatBar,
                                       int m0, double[] uBar, int u1, int len, double fc, double fc2b, double fcc,
                                       double common, double svc, double sv) {
        DoubleVector acc = DoubleVector.zero(S);
        int i = 0;
        for (int end = S.loopBound(len); i < end; i += L) {
            DoubleVector r = DoubleVector.fromArray(S, a, a0 + i);
            VectorMask<Double> active = r.compare(VectorOperators.GT, 0.0);
            DoubleVector on = DoubleVector.zero(S).blend(1.0, active); // 1 where active
            DoubleVector qBar = r.sub(DoubleVector.fromArray(S, q, j0 + i)).mul(-fc2b).add(on.mul(common));
            DoubleVector.fromArray(S, gammaBar, j0 + i).add(qBar).intoArray(gammaBar, j0 + i);
            DoubleVector mBar = r.mul(fcc).sub(on.mul(svc));
            DoubleVector.fromArray(S, muHatBar, m0 + i).add(mBar).intoArray(muHatBar, m0 + i);
            DoubleVector uyBar = r.mul(fc).sub(on.mul(sv));
            DoubleVector.fromArray(S, uBar, u1 + i).add(uyBar).intoArray(uBar, u1 + i);
            acc = acc.sub(uyBar);
        }
        double sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < len; i++) {
            final double r = a[a0 + i];
            final double on = r > 0 ? 1.0 : 0.0;
            gammaBar[j0 + i] += (r - q[j0 + i]) * -fc2b + on * common;
            muHatBar[m0 + i] += r * fcc - on * svc;
            final double uyBar = r * fc - on * sv;
            uBar[u1 + i] += uyBar;
            sum -= uyBar;
        }
        return sum;
    }
}
