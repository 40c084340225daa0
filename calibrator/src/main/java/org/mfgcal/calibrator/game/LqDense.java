package org.mfgcal.calibrator.game;

/**
 * Whole-sweep kernels of {@link LqGame} on the complete graph (κ = 0, p = 1), its {@link SweepKernels}: the generic
 * sweeps' arithmetic with the edge list replaced by plain loops over y ≠ x (no index arrays), the step's constants
 * hoisted, and one call per sweep instead of one per step; the unrolled d = 3 reference-scheme kernels are
 * reassociated. Equal to the generic sweeps to ≤ 1e-13 ({@code DenseKernelTest}, {@code FusedKernelTest}). Flat
 * arrays indexed {@code n*d + x}; γ indexed {@code n}. Stateless.
 *
 * <p>Measured (bench/BENCHMARKS.md, thread CPU time, lq_const d = 3 N = 100, one Picard map = HJB + FPK): per-step
 * fused kernels 5.3 µs, these loops 4.2 µs, the unrolled d = 3 kernels 2.55 µs, with the shorter HJB chain and the
 * reciprocals of γ taken only when γ changes 1.15–1.19 µs.
 */
final class LqDense {
    private LqDense() {
    }

    /** Backward HJB u_n from u_{n+1}, n = N−2..0 ({@code u} modified; {@code muHat}, {@code gamma} not modified). */
    static void hjb(int nT, int d, double dt, boolean stable, double[] u, double[] muHat, double[] gamma,
                    double w, double base, double clip, double c) {
        if (d == 3 && !stable) {
            hjb3(nT, dt, u, muHat, gamma, w, base, clip, c);
            return;
        }
        if (stable && sorted(d, base, clip)) {
            hjbStableSorted(nT, d, dt, u, muHat, gamma, w, base, clip, c);
            return;
        }
        final ExitMemo mm = stable ? ExitMemo.get(nT * d) : null;
        for (int n = nT - 2; n >= 0; n--) {
            final double g = gamma[n];
            hjbStep(d, dt, stable, u, n * d, n * d + d, muHat, w * g, 1 / (2 * g * w), base, clip, c, mm);
        }
    }

    /** One step of {@link #hjb}'s per-pair loop: u_n (at {@code o}) from u_{n+1} (at {@code o1}). */
    private static void hjbStep(int d, double dt, boolean stable, double[] u, int o, int o1, double[] muHat,
                                double wg, double inv, double base, double clip, double c, ExitMemo mm) {
        for (int x = 0; x < d; x++) {
            final double ux = u[o1 + x];
            double cost = 0, drift = 0, out = 0;
            for (int y = 0; y < d; y++) {
                if (y == x) {
                    continue;
                }
                final double du = u[o1 + y] - ux;
                double r = base - du * inv;
                r = r < 0 ? 0 : (r > clip ? clip : r);
                final double dev = r - base;
                cost += dev * dev;
                drift += r * du;
                out += r;
            }
            if (stable) {
                final double z = dt * out;
                drift *= mm == null ? ExitFactor.phi(z) : mm.phi(o1 + x, z);
            }
            u[o + x] = ux + dt * (wg * cost + c * muHat[o + x] + drift);
        }
    }

    /** Forward Kolmogorov (explicit Euler), ν_{n+1} from ν_n, n = 0..N−2 ({@code nu} modified, ν_0 given). */
    static void fpk(int nT, int d, double dt, double[] u, double[] nu, double[] gamma, double w, double base,
                    double clip) {
        if (d == 3) {
            fpk3(nT, dt, u, nu, gamma, w, base, clip);
            return;
        }
        for (int n = 0; n < nT - 1; n++) {
            final int o = n * d;
            final int o1 = o + d;
            final double inv = 1 / (2 * gamma[n] * w);
            for (int x = 0; x < d; x++) {
                nu[o1 + x] = nu[o + x];
            }
            for (int x = 0; x < d; x++) {
                final double ux = u[o + x];
                final double cx = dt * nu[o + x];
                double left = 0;
                for (int y = 0; y < d; y++) {
                    if (y == x) {
                        continue;
                    }
                    double r = base - (u[o + y] - ux) * inv;
                    r = r < 0 ? 0 : (r > clip ? clip : r);
                    final double flow = cx * r;
                    left += flow;
                    nu[o1 + y] += flow;
                }
                nu[o1 + x] -= left;
            }
        }
    }

    /**
     * Forward Kolmogorov, stable scheme (exponential exit, docs/MODEL.md §1), ν_{n+1} from ν_n, n = 0..N−2: the generic
     * sweep's two passes (stay probabilities, then the leaving mass spread in proportion to the rates) on plain loops,
     * each row's rates computed once into {@code a} (d numbers per row, row-major d·d scratch at least). The same
     * operations in the same order as the generic sweep over {@link LqGame#local}.
     */
    static void fpkStable(int nT, int d, double dt, double[] u, double[] nu, double[] gamma, double w, double base,
                          double clip, double[] a, double[] phiRow) {
        if (sorted(d, base, clip) && conditioned(nT, d, u, 0, gamma, w, clip)) {
            fpkStableSorted(nT, d, dt, u, nu, gamma, w, base, clip);
            return;
        }
        final ExitMemo mm = ExitMemo.get(nT * d);
        if (d == 3 && mm != null) {
            fpkStable3(nT, dt, u, nu, gamma, w, base, clip, mm);
            return;
        }
        for (int n = 0; n < nT - 1; n++) {
            final int o = n * d;
            final int o1 = o + d;
            final double inv = 1 / (2 * gamma[n] * w);
            for (int x = 0; x < d; x++) {
                final double ux = u[o + x];
                final int row = x * (d - 1);   // the complete graph's CSR edge order
                double out = 0;
                for (int y = 0; y < x; y++) {
                    final double r = Math.min(Math.max(base - (u[o + y] - ux) * inv, 0), clip);
                    a[row + y] = r;
                    out += r;
                }
                for (int y = x + 1; y < d; y++) {
                    final double r = Math.min(Math.max(base - (u[o + y] - ux) * inv, 0), clip);
                    a[row + y - 1] = r;
                    out += r;
                }
                final double z = dt * out;
                if (mm == null) {
                    final double stay = Math.exp(-z);
                    nu[o1 + x] = nu[o + x] * stay;
                    phiRow[x] = z < 1e-5 ? 1 - z * (0.5 - z / 6) : (1 - stay) / z;
                } else {
                    // φ(z) from the memo (the HJB of this map computed it when γ_n = γ_{n−1}); stay = 1 − z·φ(z)
                    // = e^{−z} up to rounding, and the mass that leaves is exactly what stays away.
                    final double ph = mm.phi(o + x, z);
                    nu[o1 + x] = nu[o + x] * Math.max(1 - z * ph, 0);
                    phiRow[x] = ph;
                }
            }
            for (int x = 0; x < d; x++) {
                final double cx = dt * nu[o + x] * phiRow[x];
                if (cx == 0) {
                    continue;
                }
                final int row = x * (d - 1);
                for (int y = 0; y < x; y++) {
                    nu[o1 + y] += cx * a[row + y];
                }
                for (int y = x + 1; y < d; y++) {
                    nu[o1 + y] += cx * a[row + y - 1];
                }
            }
        }
    }

    /**
     * {@link #fpkStable}'s loop for d = 3 unrolled, ν_n carried in registers: the same operations in the same order
     * (rates, outflows, φ from the memo, stay = 1 − z·φ, then the inflows x = 0, 1, 2 in turn), without the rate
     * array and the per-state loops (issue 15: the FPK was the largest part of an LQ d = 3 loss + gradient).
     */
    private static void fpkStable3(int nT, double dt, double[] u, double[] nu, double[] gamma, double w,
                                   double base, double clip, ExitMemo mm) {
        double m0 = nu[0], m1 = nu[1], m2 = nu[2];
        for (int n = 0; n < nT - 1; n++) {
            final int o = n * 3;
            final double inv = 1 / (2 * gamma[n] * w);
            final double u0 = u[o], u1 = u[o + 1], u2 = u[o + 2];
            final double r01 = Math.min(Math.max(base - (u1 - u0) * inv, 0), clip);
            final double r02 = Math.min(Math.max(base - (u2 - u0) * inv, 0), clip);
            final double r10 = Math.min(Math.max(base - (u0 - u1) * inv, 0), clip);
            final double r12 = Math.min(Math.max(base - (u2 - u1) * inv, 0), clip);
            final double r20 = Math.min(Math.max(base - (u0 - u2) * inv, 0), clip);
            final double r21 = Math.min(Math.max(base - (u1 - u2) * inv, 0), clip);
            final double z0 = dt * (r01 + r02), z1 = dt * (r10 + r12), z2 = dt * (r20 + r21);
            final double p0 = mm.phi(o, z0), p1 = mm.phi(o + 1, z1), p2 = mm.phi(o + 2, z2);
            double n0 = m0 * Math.max(1 - z0 * p0, 0);
            double n1 = m1 * Math.max(1 - z1 * p1, 0);
            double n2 = m2 * Math.max(1 - z2 * p2, 0);
            final double c0 = dt * m0 * p0, c1 = dt * m1 * p1, c2 = dt * m2 * p2;
            n1 += c0 * r01;
            n2 += c0 * r02;
            n0 += c1 * r10;
            n2 += c1 * r12;
            n0 += c2 * r20;
            n1 += c2 * r21;
            nu[o + 3] = n0;
            nu[o + 4] = n1;
            nu[o + 5] = n2;
            m0 = n0;
            m1 = n1;
            m2 = n2;
        }
    }

    /**
     * Reverse of {@link #fpkStable}, n = N−2..0: accumulates into {@code nuBar}, {@code uBar}, {@code gammaBar}. Per
     * row, ā_xy = Δt ν_x (φ (ν̄_{n+1}(y) − ν̄_{n+1}(x)) + φ'(z) Δt s) with s = Σ_y a_xy (ν̄_{n+1}(y) − ν̄_{n+1}(x)), then
     * through the active (unclipped) rates into u_n and γ_n, as LqGame's local VJP.
     */
    static void fpkVjpStable(int nT, int d, double dt, double[] u, double[] nu, double[] gamma, double[] nuBar,
                             double[] uBar, double[] gammaBar, double w, double base, double clip) {
        if (sorted(d, base, clip) && conditioned(nT, d, u, 0, gamma, w, clip)) {
            fpkVjpStableSorted(nT, d, dt, u, nu, gamma, nuBar, uBar, gammaBar, w, base, clip);
            return;
        }
        final ExitMemo mm = ExitMemo.get(nT * d);
        for (int n = nT - 2; n >= 0; n--) {
            final int o = n * d;
            final int o1 = o + d;
            final double g = gamma[n];
            final double inv = 1 / (2 * g * w);
            final double invG = 1 / g;
            double gBar = 0;
            for (int x = 0; x < d; x++) {
                final double ux = u[o + x];
                final double nbx = nuBar[o1 + x];
                double s = 0, out = 0;
                for (int y = 0; y < d; y++) {
                    if (y == x) {
                        continue;
                    }
                    final double r = clamp(base - (u[o + y] - ux) * inv, clip);
                    s += r * (nuBar[o1 + y] - nbx);
                    out += r;
                }
                final double nux = nu[o + x];
                final double z = dt * out;
                final double ph = mm == null ? ExitFactor.phi(z) : mm.phi(o + x, z);
                final double common = dt * nux * (mm == null ? ExitFactor.dphi(z) : mm.dphi(o + x, z)) * dt * s;
                final double k = dt * nux * ph;
                for (int y = 0; y < d; y++) {
                    if (y == x) {
                        continue;
                    }
                    final double du = u[o + y] - ux;
                    final double raw = base - du * inv;
                    if (raw > 0 && raw < clip) {
                        final double ab = k * (nuBar[o1 + y] - nbx) + common;
                        final double q = ab * inv;
                        uBar[o + y] -= q;
                        uBar[o + x] += q; // per edge, in the generic VJP's order (bit-equal, DenseKernelTest)
                        gBar += q * du * invG;
                    }
                }
                nuBar[o + x] += nbx + dt * ph * s;
            }
            gammaBar[n] += gBar;
        }
    }

    /** Reverse of {@link #fpk}, n = N−2..0: accumulates into {@code nuBar}, {@code uBar}, {@code gammaBar}. */
    static void fpkVjp(int nT, int d, double dt, double[] u, double[] nu, double[] gamma, double[] nuBar,
                       double[] uBar, double[] gammaBar, double w, double base, double clip) {
        double inv = 0, invG = 0; // divisions only when γ changes (see fpk3)
        long gPrev = ~Double.doubleToRawLongBits(gamma[nT - 2]); // differs from the first step's γ
        for (int n = nT - 2; n >= 0; n--) {
            final int o = n * d;
            final int o1 = o + d;
            final double g = gamma[n];
            if (Double.doubleToRawLongBits(g) != gPrev) {
                gPrev = Double.doubleToRawLongBits(g);
                inv = 1 / (2 * g * w);
                invG = 1 / g;
            }
            double gBar = 0;
            for (int x = 0; x < d; x++) {
                final double ux = u[o + x];
                final double nbx = nuBar[o1 + x];
                final double cx = dt * nu[o + x];
                double s = 0;
                double ubx = 0;
                for (int y = 0; y < d; y++) {
                    if (y == x) {
                        continue;
                    }
                    final double du = u[o + y] - ux;
                    final double raw = base - du * inv;
                    final double diff = nuBar[o1 + y] - nbx;
                    if (raw > 0 && raw < clip) {
                        s += raw * diff;
                        final double q = cx * diff * inv;
                        uBar[o + y] -= q;
                        ubx += q;
                        gBar += q * du * invG;
                    } else if (raw >= clip) {
                        s += clip * diff;
                    }
                }
                uBar[o + x] += ubx;
                nuBar[o + x] += nbx + dt * s;
            }
            gammaBar[n] += gBar;
        }
    }

    /** Reverse of {@link #hjb}, n = 0..N−2: accumulates into {@code uBar}, {@code muHatBar}, {@code gammaBar}. */
    static void hjbVjp(int nT, int d, double dt, boolean stable, double[] u, double[] gamma, double[] uBar,
                       double[] muHatBar, double[] gammaBar, double w, double base, double clip, double c) {
        if (stable && sorted(d, base, clip) && conditioned(nT, d, u, d, gamma, w, clip)) {
            hjbVjpStableSorted(nT, d, dt, u, gamma, uBar, muHatBar, gammaBar, w, base, clip, c);
            return;
        }
        final ExitMemo mm = stable ? ExitMemo.get(nT * d) : null;
        double inv = 0, invG = 0; // divisions only when γ changes (see fpk3)
        long gPrev = ~Double.doubleToRawLongBits(gamma[0]); // differs from the first step's γ
        for (int n = 0; n < nT - 1; n++) {
            final int o = n * d;
            final int o1 = o + d;
            final double g = gamma[n];
            if (Double.doubleToRawLongBits(g) != gPrev) {
                gPrev = Double.doubleToRawLongBits(g);
                inv = 1 / (2 * g * w);
                invG = 1 / g;
            }
            double gBar = 0;
            for (int x = 0; x < d; x++) {
                final double bx = uBar[o + x];
                uBar[o1 + x] += bx;
                if (bx == 0) {
                    continue;
                }
                final double ux = u[o1 + x];
                final double fb = dt * bx;
                double dBar = fb;
                double common = 0;
                if (stable) {
                    double out = 0, drift = 0;
                    for (int y = 0; y < d; y++) {
                        if (y == x) {
                            continue;
                        }
                        final double du = u[o1 + y] - ux;
                        double r = base - du * inv;
                        r = r < 0 ? 0 : (r > clip ? clip : r);
                        out += r;
                        drift += r * du;
                    }
                    final double z = dt * out;
                    common = fb * drift * (mm == null ? ExitFactor.dphi(z) : mm.dphi(o1 + x, z)) * dt;
                    dBar *= mm == null ? ExitFactor.phi(z) : mm.phi(o1 + x, z);
                }
                double ubx = 0;
                for (int y = 0; y < d; y++) {
                    if (y == x) {
                        continue;
                    }
                    final double du = u[o1 + y] - ux;
                    final double raw = base - du * inv;
                    final double r = raw < 0 ? 0 : (raw > clip ? clip : raw);
                    final double dev = r - base;
                    final double move = dBar * r;
                    uBar[o1 + y] += move;
                    ubx -= move;
                    gBar += fb * w * dev * dev;
                    if (raw > 0 && raw < clip) {
                        final double ab = dBar * du + common + fb * 2 * w * g * dev;
                        final double q = ab * inv;
                        uBar[o1 + y] -= q;
                        ubx += q;
                        gBar += q * du * invG;
                    }
                }
                uBar[o1 + x] += ubx;
                muHatBar[o + x] += fb * c;
            }
            gammaBar[n] += gBar;
        }
    }

    /**
     * Smallest d for the sorted O(d) sweeps below; under it the per-pair loops are as cheap (d = 3 has its own
     * kernels).
     */
    static final int SORTED_D = 4;

    /** Whether the sorted sweeps apply: d ≥ {@link #SORTED_D} and 0 &lt; base &lt; clip (each state's own "edge" active). */
    private static boolean sorted(int d, double base, double clip) {
        return d >= SORTED_D && base > 0 && clip > base;
    }

    /**
     * Sorts {@code ord} (a permutation, nearly sorted from the previous step: insertion sort, O(d) when few states
     * change rank) by v[o + ord[i]] ascending, and writes the centred sorted values sv[i] = v[o + ord[i]] − mean with
     * their prefix sums p1[i] = Σ_{j&lt;i} sv[j] and, when {@code p2} is not null, p2[i] = Σ_{j&lt;i} sv[j]².
     */
    private static void sortCentred(double[] v, int o, int d, int[] ord, double[] sv, double[] p1, double[] p2) {
        for (int i = 1; i < d; i++) {
            final int key = ord[i];
            final double kv = v[o + key];
            int j = i - 1;
            while (j >= 0 && v[o + ord[j]] > kv) {
                ord[j + 1] = ord[j];
                j--;
            }
            ord[j + 1] = key;
        }
        double sum = 0;
        for (int x = 0; x < d; x++) {
            sum += v[o + x];
        }
        final double m = sum / d;
        double a1 = 0, a2 = 0;
        p1[0] = 0;
        if (p2 != null) {
            p2[0] = 0;
        }
        for (int i = 0; i < d; i++) {
            final double c = v[o + ord[i]] - m;
            sv[i] = c;
            a1 += c;
            p1[i + 1] = a1;
            if (p2 != null) {
                a2 += c * c;
                p2[i + 1] = a2;
            }
        }
    }

    /**
     * Largest spread·inv / clip of a step for which the sorted sweeps' prefix sums are used: their window sums are
     * differences of prefix sums over all states, which lose about (spread·inv/clip)² ulps against the per-pair loop
     * (on DenseKernelTest's inputs with spread·inv in the thousands and clip 100, 1e-11 on ν). LQ d = 32, N = 1,600
     * has spread·inv ≤ 214 with clip 100.
     */
    static final double SPREAD_LIMIT = 4;

    /** Whether the spread of {@code v[o .. o+d)} times inv is within {@link #SPREAD_LIMIT}·clip. */
    private static boolean stepConditioned(double[] v, int o, int d, double inv, double clip) {
        double lo = v[o];
        double hi = lo;
        for (int x = 1; x < d; x++) {
            final double t = v[o + x];
            lo = Math.min(lo, t);
            hi = Math.max(hi, t);
        }
        return (hi - lo) * inv <= SPREAD_LIMIT * clip;
    }

    /** {@link #stepConditioned} for every step n = 0..N−2 of a sweep reading u at rows n (shift 0) or n+1 (shift d). */
    private static boolean conditioned(int nT, int d, double[] u, int shift, double[] gamma, double w, double clip) {
        for (int n = 0; n < nT - 1; n++) {
            if (!stepConditioned(u, n * d + shift, d, 1 / (2 * gamma[n] * w), clip)) {
                return false;
            }
        }
        return true;
    }

    private static int[] identity(int d) {
        int[] ord = new int[d];
        for (int x = 0; x < d; x++) {
            ord[x] = x;
        }
        return ord;
    }

    /**
     * The stable HJB sweep ({@link #hjb}) in O(d) per step instead of O(d²) (plus an insertion sort, O(d) when few
     * states change rank between steps). The rate r_xy = clamp(base − (u(y) − u(x))·inv, 0, clip) depends on u(y) −
     * u(x) only: with the values of u_{n+1} sorted (and centred, c = u − mean), the states y with r_xy = clip (c_y ≤
     * c_x − β, β = (clip − base)/inv), with 0 &lt; r_xy &lt; clip, and with r_xy = 0 (c_y ≥ c_x + α, α = base/inv) are
     * three contiguous ranges K, A, Z whose bounds only move up as x moves up (two pointers). On A (which holds x
     * itself, r_xx = base, removed from the sums) out, drift and cost are polynomials in c_y with coefficients from
     * prefix sums: with n_A, S₁ = Σ_A c, S₂ = Σ_A c², D = S₁ − n_A c_x and Q = S₂ − 2 c_x S₁ + n_A c_x²: out =
     * (n_A − 1)·base − inv·D + n_K·clip, drift = base·D − inv·Q + clip·(S₁(K) − n_K c_x), cost = inv²·Q +
     * n_Z·base² + n_K·(clip − base)². At a range bound the rate is continuous, so where a tie falls changes rounding
     * only. A step whose spread is beyond {@link #SPREAD_LIMIT} takes the per-pair loop. Reassociated against it
     * (≤ 1e-13, DenseKernelTest, both clips reached); timings in bench/BENCHMARKS.md (issue 15).
     */
    private static void hjbStableSorted(int nT, int d, double dt, double[] u, double[] muHat, double[] gamma,
                                        double w, double base, double clip, double c) {
        final int[] ord = identity(d);
        final double[] sv = new double[d];
        final double[] p1 = new double[d + 1];
        final double[] p2 = new double[d + 1];
        final double cb2 = (clip - base) * (clip - base);
        final double b2 = base * base;
        for (int n = nT - 2; n >= 0; n--) {
            final int o = n * d;
            final int o1 = o + d;
            final double g = gamma[n];
            final double wg = w * g;
            final double inv = 1 / (2 * g * w);
            if (!stepConditioned(u, o1, d, inv, clip)) {
                hjbStep(d, dt, true, u, o, o1, muHat, wg, inv, base, clip, c, null);
                continue;
            }
            final double inv2 = inv * inv;
            final double alpha = base / inv;
            final double beta = (clip - base) / inv;
            sortCentred(u, o1, d, ord, sv, p1, p2);
            int k = 0;
            int z = 0;
            for (int i = 0; i < d; i++) {
                final int x = ord[i];
                final double cx = sv[i];
                while (k < d && sv[k] <= cx - beta) {
                    k++;
                }
                while (z < d && sv[z] < cx + alpha) {
                    z++;
                }
                final int nA = z - k;
                final double s1 = p1[z] - p1[k];
                final double s2 = p2[z] - p2[k];
                final double dA = s1 - nA * cx;
                final double qA = s2 - 2 * cx * s1 + nA * cx * cx;
                final double out = (nA - 1) * base - inv * dA + k * clip;
                final double drift = base * dA - inv * qA + clip * (p1[k] - k * cx);
                final double cost = inv2 * qA + (d - z) * b2 + k * cb2;
                u[o + x] = u[o1 + x] + dt * (wg * cost + c * muHat[o + x] + drift * ExitFactor.phi(dt * out));
            }
        }
    }

    /**
     * The stable FPK sweep ({@link #fpkStable}) in O(d) per step, with the ranges of {@link #hjbStableSorted} on u_n:
     * first each state's total outflow, stay probability e^{−z_x} and leaving mass C_x = Δt ν(x) φ(z_x); then the
     * inflow Σ_{y≠x} C_y a_yx, a_yx = clamp(base − (c_x − c_y)·inv, 0, clip), over the sorted states: a_yx = 0 for
     * c_y ≤ c_x − α, clip for c_y ≥ c_x + β, else (base − c_x·inv) + c_y·inv, from prefix sums of C and C·c (minus
     * x's own C_x·base). The inflow is a sum of non-negative terms; rounding in the prefix differences can leave
     * −1e-16 where it is 0, so it is floored at 0 (positivity is the stable scheme's guarantee). Reassociated (≤ 1e-13,
     * DenseKernelTest).
     */
    private static void fpkStableSorted(int nT, int d, double dt, double[] u, double[] nu, double[] gamma, double w,
                                        double base, double clip) {
        final int[] ord = identity(d);
        final double[] sv = new double[d];
        final double[] p1 = new double[d + 1];
        final double[] cs = new double[d];
        final double[] pc = new double[d + 1];
        final double[] pcc = new double[d + 1];
        for (int n = 0; n < nT - 1; n++) {
            final int o = n * d;
            final int o1 = o + d;
            final double inv = 1 / (2 * gamma[n] * w);
            final double alpha = base / inv;
            final double beta = (clip - base) / inv;
            sortCentred(u, o, d, ord, sv, p1, null);
            int k = 0;
            int z = 0;
            double ac = 0, acc = 0;
            for (int i = 0; i < d; i++) {
                final int x = ord[i];
                final double cx = sv[i];
                while (k < d && sv[k] <= cx - beta) {
                    k++;
                }
                while (z < d && sv[z] < cx + alpha) {
                    z++;
                }
                final int nA = z - k;
                final double dA = (p1[z] - p1[k]) - nA * cx;
                final double zz = dt * ((nA - 1) * base - inv * dA + k * clip);
                final double stay = Math.exp(-zz);
                final double nx = nu[o + x];
                nu[o1 + x] = nx * stay;
                final double ph = zz < 1e-5 ? 1 - zz * (0.5 - zz / 6) : (1 - stay) / zz;
                final double cc = dt * nx * ph;
                cs[i] = cc;
                pc[i] = ac;
                pcc[i] = acc;
                ac += cc;
                acc += cc * cx;
            }
            pc[d] = ac;
            pcc[d] = acc;
            int lo = 0;
            int hi = 0;
            for (int i = 0; i < d; i++) {
                final double cx = sv[i];
                while (lo < d && sv[lo] <= cx - alpha) {
                    lo++;
                }
                while (hi < d && sv[hi] < cx + beta) {
                    hi++;
                }
                final double in = clip * (ac - pc[hi]) + (base - cx * inv) * (pc[hi] - pc[lo])
                        + inv * (pcc[hi] - pcc[lo]) - cs[i] * base;
                nu[o1 + ord[i]] += Math.max(in, 0);
            }
        }
    }

    /**
     * {@link #fpkVjpStable} in O(d) per step, on the sorted ranges of {@link #hjbStableSorted} (rates from u_n). With
     * b = ν̄_{n+1} centred and A, K the active and clipped ranges of x: s_x = clip·Σ_K (b_y − b_x) + base·Σ_A (b_y −
     * b_x) − inv·M_x, M_x = Σ_A (b_y − b_x)(c_y − c_x); the active edges' q_xy = (k_x (b_y − b_x) + common_x)·inv go
     * to ū(x) as inv·(k_x Σ_A (b_y − b_x) + (n_A − 1)·common_x), to γ̄ as inv·(k_x M_x + common_x·D_x)/γ, and to ū(y)
     * (minus) summed over the x whose active range holds y (c_y − α &lt; c_x &lt; c_y + β, again contiguous) from prefix
     * sums of k, k·b and common. Reassociated (≤ 1e-13, DenseKernelTest).
     */
    private static void fpkVjpStableSorted(int nT, int d, double dt, double[] u, double[] nu, double[] gamma,
                                           double[] nuBar, double[] uBar, double[] gammaBar, double w, double base,
                                           double clip) {
        final int[] ord = identity(d);
        final double[] sv = new double[d];
        final double[] p1 = new double[d + 1];
        final double[] sb = new double[d];
        final double[] pb = new double[d + 1];
        final double[] pcb = new double[d + 1];
        final double[] pk = new double[d + 1];
        final double[] pkb = new double[d + 1];
        final double[] pm = new double[d + 1];
        final double[] cm = new double[d];
        for (int n = nT - 2; n >= 0; n--) {
            final int o = n * d;
            final int o1 = o + d;
            final double g = gamma[n];
            final double inv = 1 / (2 * g * w);
            final double invG = 1 / g;
            final double alpha = base / inv;
            final double beta = (clip - base) / inv;
            sortCentred(u, o, d, ord, sv, p1, null);
            double bm = 0;
            for (int x = 0; x < d; x++) {
                bm += nuBar[o1 + x];
            }
            bm /= d;
            double a1 = 0, a2 = 0;
            for (int i = 0; i < d; i++) {
                final double b = nuBar[o1 + ord[i]] - bm;
                sb[i] = b;
                pb[i] = a1;
                pcb[i] = a2;
                a1 += b;
                a2 += b * sv[i];
            }
            pb[d] = a1;
            pcb[d] = a2;
            double gBar = 0;
            double ak = 0, akb = 0, am = 0;
            int k = 0;
            int z = 0;
            for (int i = 0; i < d; i++) {
                final int x = ord[i];
                final double cx = sv[i];
                final double bx = sb[i];
                while (k < d && sv[k] <= cx - beta) {
                    k++;
                }
                while (z < d && sv[z] < cx + alpha) {
                    z++;
                }
                final int nA = z - k;
                final double s1 = p1[z] - p1[k];
                final double dA = s1 - nA * cx;
                final double sbA = (pb[z] - pb[k]) - nA * bx;
                final double mx = (pcb[z] - pcb[k]) - cx * (pb[z] - pb[k]) - bx * s1 + nA * cx * bx;
                final double out = (nA - 1) * base - inv * dA + k * clip;
                final double sx = clip * (pb[k] - k * bx) + base * sbA - inv * mx;
                final double nux = nu[o + x];
                final double zz = dt * out;
                final double ph = ExitFactor.phi(zz);
                final double common = dt * nux * ExitFactor.dphi(zz) * dt * sx;
                final double kx = dt * nux * ph;
                uBar[o + x] += inv * (kx * sbA + (nA - 1) * common);
                gBar += inv * (kx * mx + common * dA) * invG;
                nuBar[o + x] += nuBar[o1 + x] + dt * ph * sx;
                cm[i] = common;
                pk[i] = ak;
                pkb[i] = akb;
                pm[i] = am;
                ak += kx;
                akb += kx * bx;
                am += common;
            }
            pk[d] = ak;
            pkb[d] = akb;
            pm[d] = am;
            int lo = 0;
            int hi = 0;
            for (int i = 0; i < d; i++) {
                final double cy = sv[i];
                while (lo < d && sv[lo] <= cy - alpha) {
                    lo++;
                }
                while (hi < d && sv[hi] < cy + beta) {
                    hi++;
                }
                uBar[o + ord[i]] -= inv * (sb[i] * (pk[hi] - pk[lo]) - (pkb[hi] - pkb[lo]) + (pm[hi] - pm[lo])
                        - cm[i]);
            }
            gammaBar[n] += gBar;
        }
    }

    /**
     * {@link #hjbVjp} (stable scheme) in O(d) per step, on the sorted ranges of {@link #hjbStableSorted} (rates from
     * u_{n+1}). Per x with ū_n(x) ≠ 0 (fb = Δt ū_n(x), dBar = fb φ, common = fb·drift·φ'·Δt): the moves dBar·r_xy
     * sum to dBar·out_x; an active edge's q_xy = inv·(α_x du + common) with α_x = dBar − 2wγ·inv·fb; γ̄ gets
     * fb·w·cost_x + inv·(α_x Q_x + common·D_x)/γ. ū_{n+1}(y) gets Σ_x (move_xy − q_xy) over x with y in their clipped
     * range (c_x ≥ c_y + β: dBar_x·clip) or active range (E_x − c_y·inv·F_x, F = dBar + α, E = dBar·base + inv·c_x·F
     * − inv·common), from prefix sums in the sorted order, minus x = y's own term. Reassociated (≤ 1e-13,
     * DenseKernelTest).
     */
    private static void hjbVjpStableSorted(int nT, int d, double dt, double[] u, double[] gamma, double[] uBar,
                                           double[] muHatBar, double[] gammaBar, double w, double base, double clip,
                                           double c) {
        final int[] ord = identity(d);
        final double[] sv = new double[d];
        final double[] p1 = new double[d + 1];
        final double[] p2 = new double[d + 1];
        final double[] pdb = new double[d + 1];
        final double[] pe = new double[d + 1];
        final double[] pf = new double[d + 1];
        final double[] own = new double[d];
        final double cb2 = (clip - base) * (clip - base);
        final double b2 = base * base;
        for (int n = 0; n < nT - 1; n++) {
            final int o = n * d;
            final int o1 = o + d;
            final double g = gamma[n];
            final double inv = 1 / (2 * g * w);
            final double invG = 1 / g;
            final double inv2 = inv * inv;
            final double alpha = base / inv;
            final double beta = (clip - base) / inv;
            final double twoWgInv = 2 * w * g * inv;
            sortCentred(u, o1, d, ord, sv, p1, p2);
            double gBar = 0;
            double adb = 0, ae = 0, af = 0;
            int k = 0;
            int z = 0;
            for (int i = 0; i < d; i++) {
                final int x = ord[i];
                final double cx = sv[i];
                final double bx = uBar[o + x];
                uBar[o1 + x] += bx;
                pdb[i] = adb;
                pe[i] = ae;
                pf[i] = af;
                while (k < d && sv[k] <= cx - beta) {
                    k++;
                }
                while (z < d && sv[z] < cx + alpha) {
                    z++;
                }
                if (bx == 0) {
                    own[i] = 0;
                    continue;
                }
                final int nA = z - k;
                final double s1 = p1[z] - p1[k];
                final double dA = s1 - nA * cx;
                final double qA = (p2[z] - p2[k]) - 2 * cx * s1 + nA * cx * cx;
                final double out = (nA - 1) * base - inv * dA + k * clip;
                final double drift = base * dA - inv * qA + clip * (p1[k] - k * cx);
                final double cost = inv2 * qA + (d - z) * b2 + k * cb2;
                final double fb = dt * bx;
                final double zz = dt * out;
                final double common = fb * drift * ExitFactor.dphi(zz) * dt;
                final double dBar = fb * ExitFactor.phi(zz);
                final double al = dBar - twoWgInv * fb;
                uBar[o1 + x] += inv * (al * dA + (nA - 1) * common) - dBar * out;
                gBar += fb * w * cost + inv * (al * qA + common * dA) * invG;
                muHatBar[o + x] += fb * c;
                final double f = dBar + al;
                own[i] = dBar * base - inv * common;
                adb += dBar;
                ae += dBar * base + inv * cx * f - inv * common;
                af += f;
            }
            pdb[d] = adb;
            pe[d] = ae;
            pf[d] = af;
            int lo = 0;
            int hi = 0;
            for (int i = 0; i < d; i++) {
                final double cy = sv[i];
                while (lo < d && sv[lo] <= cy - alpha) {
                    lo++;
                }
                while (hi < d && sv[hi] < cy + beta) {
                    hi++;
                }
                uBar[o1 + ord[i]] += clip * (adb - pdb[hi]) + (pe[hi] - pe[lo]) - cy * inv * (pf[hi] - pf[lo])
                        - own[i];
            }
            gammaBar[n] += gBar;
        }
    }

    /**
     * A per-thread memo of the exit factor φ(z) and φ'(z) by exact argument, one slot per (u row, state): the per-pair
     * stable sweeps of one map and of the adjoint evaluate them at the same z many times (the FPK at step n on u_n, as
     * the HJB's step n − 1 when γ_n = γ_{n−1}; every adjoint iteration at the same linearisation point), and at d = 3
     * these transcendental calls were most of an LQ loss + gradient (issue 15, bench/BENCHMARKS.md). A slot returns
     * its value only when its key equals z, so the results are those of {@link ExitFactor}, whatever ran before on the
     * thread. Sweeps longer than {@link #MAX_SLOTS} slots go without it.
     */
    static final class ExitMemo {
        static final int MAX_SLOTS = 1 << 20;
        private static final ThreadLocal<ExitMemo> MEMO = ThreadLocal.withInitial(ExitMemo::new);
        private double[] kPhi = new double[0];
        private double[] vPhi = kPhi;
        private double[] kDphi = kPhi;
        private double[] vDphi = kPhi;

        /** This thread's memo with at least {@code slots} slots, or null beyond {@link #MAX_SLOTS}. */
        static ExitMemo get(int slots) {
            if (slots > MAX_SLOTS) {
                return null;
            }
            ExitMemo m = MEMO.get();
            if (m.kPhi.length < slots) {
                m.kPhi = new double[slots];
                m.vPhi = new double[slots];
                m.kDphi = new double[slots];
                m.vDphi = new double[slots];
                java.util.Arrays.fill(m.kPhi, Double.NaN);
                java.util.Arrays.fill(m.kDphi, Double.NaN);
            }
            return m;
        }

        double phi(int slot, double z) {
            if (kPhi[slot] == z) {
                return vPhi[slot];
            }
            final double v = ExitFactor.phi(z);
            kPhi[slot] = z;
            vPhi[slot] = v;
            return v;
        }

        double dphi(int slot, double z) {
            if (kDphi[slot] == z) {
                return vDphi[slot];
            }
            final double v = ExitFactor.dphi(z);
            kDphi[slot] = z;
            vDphi[slot] = v;
            return v;
        }
    }

    private static double clamp(double r, double clip) {
        return r < 0 ? 0 : (r > clip ? clip : r);
    }

    /**
     * {@link #hjb} for d = 3, reference scheme, fully unrolled with u_{n+1} carried in registers. The sweep is a chain
     * of N dependent steps, so its cost is the latency of one step. Each edge contributes Δt·[wγ(r − base)² + r·du],
     * which for an unclipped rate r = base − du/(2γw) is du·(P − Q·du), P = Δt·base, Q = Δt/(4γw). When no pair is
     * clipped (one predicted test per step, |du| ≤ 2γw·min(base, clip − base) for all three pairs), a state's update is
     * u(x) + Δt·c·μ̂(x) + P·Σ du − Q·Σ du²: on the chain du, du², one add, one multiply and one subtract (15 cycles)
     * instead of du, Q·du, P − Q·du, du·(…), two adds (18); the linear part runs alongside. Otherwise each edge is
     * taken by {@link #hjbEdge} (r = 0 a constant, r = clip a linear term). Math.min/max clamps on the chain made the
     * map 4.3 µs instead of 2.55 µs. Reassociated, so equal to the loop kernels to rounding (≤ 1e-13,
     * DenseKernelTest). HJB sweep 1.85 → 1.04 µs (per-pair polynomial) → 0.66–0.68 µs (this form, with fpk3's
     * reuse of the γ reciprocals; thread CPU; bench/BENCHMARKS.md). Carrying v = Q·u instead (chain 12 cycles) gave
     * 0.59 against 0.64 µs for constant γ but 0.81 against 0.65 µs when γ changes every step (a rescale on the chain).
     */
    private static void hjb3(int nT, double dt, double[] u, double[] muHat, double[] gamma, double w, double base,
                             double clip, double c) {
        int o = (nT - 1) * 3;
        double u0 = u[o], u1 = u[o + 1], u2 = u[o + 2];
        final double pp = dt * base;
        final double dc = dt * c;
        final double dtClip = dt * clip;
        final double tMax = Math.min(base, clip - base);
        double inv = 0, q = 0, dtWg = 0, low = 0;
        long gPrev = ~Double.doubleToRawLongBits(gamma[nT - 2]); // differs from the first step's γ
        for (int n = nT - 2; n >= 0; n--) {
            o = n * 3;
            final double g = gamma[n];
            if (Double.doubleToRawLongBits(g) != gPrev) { // see fpk3: the division only when γ changes
                gPrev = Double.doubleToRawLongBits(g);
                inv = 1 / (2 * g * w);
                q = dt * inv * 0.5;
                dtWg = dt * (w * g);
                low = dtWg * base * base;
            }
            final double d01 = u1 - u0, d02 = u2 - u0, d12 = u2 - u1;
            final double n0, n1, n2;
            // Non-short-circuit &: one branch for the three pairs.
            if (Math.abs(d01) * inv <= tMax & Math.abs(d02) * inv <= tMax & Math.abs(d12) * inv <= tMax) {
                final double s01 = d01 * d01, s02 = d02 * d02, s12 = d12 * d12;
                n0 = ((u0 + dc * muHat[o]) + pp * (d01 + d02)) - q * (s01 + s02);
                n1 = ((u1 + dc * muHat[o + 1]) + pp * (d12 - d01)) - q * (s01 + s12);
                n2 = ((u2 + dc * muHat[o + 2]) - pp * (d02 + d12)) - q * (s02 + s12);
            } else {
                final double h01 = hjbEdge(d01, inv, base, clip, pp, q, low, dtWg, dtClip);
                final double h10 = hjbEdge(-d01, inv, base, clip, pp, q, low, dtWg, dtClip);
                final double h02 = hjbEdge(d02, inv, base, clip, pp, q, low, dtWg, dtClip);
                final double h20 = hjbEdge(-d02, inv, base, clip, pp, q, low, dtWg, dtClip);
                final double h12 = hjbEdge(d12, inv, base, clip, pp, q, low, dtWg, dtClip);
                final double h21 = hjbEdge(-d12, inv, base, clip, pp, q, low, dtWg, dtClip);
                n0 = (u0 + dc * muHat[o]) + (h01 + h02);
                n1 = (u1 + dc * muHat[o + 1]) + (h10 + h12);
                n2 = (u2 + dc * muHat[o + 2]) + (h20 + h21);
            }
            u[o] = n0;
            u[o + 1] = n1;
            u[o + 2] = n2;
            u0 = n0;
            u1 = n1;
            u2 = n2;
        }
    }

    /** One edge's Δt·[wγ(r − base)² + r·du] of {@link #hjb3}, r = clamp(base − du·inv, 0, clip). */
    private static double hjbEdge(double du, double inv, double base, double clip, double pp, double q, double low,
                                  double dtWg, double dtClip) {
        final double raw = base - du * inv;
        if (raw < 0) {
            return low;
        }
        if (raw > clip) {
            return dtWg * (clip - base) * (clip - base) + dtClip * du;
        }
        return du * (pp - q * du);
    }

    /**
     * {@link #fpk} for d = 3, fully unrolled with ν_n carried in registers. The rates do not depend on ν (κ = 0), so
     * ν_{n+1} = M_n ν_n with M_n = I + Δt·Qᵀ built off the chain; the chain per step is one multiply-add row. A pair
     * x, y shares t = Δt(u(y) − u(x))/(2γw): Δt·a_xy = Δt·base − t and Δt·a_yx = Δt·base + t, both inside the clip
     * range when |t| ≤ Δt·min(base, clip − base) (one test instead of four). Reassociated (equal to the loop kernel to
     * rounding, ≤ 1e-13, DenseKernelTest). FPK sweep 1.06–1.24 → 0.63–0.66 µs thread CPU (bench/BENCHMARKS.md).
     * The per-step reciprocal is recomputed only when γ_n differs from γ_{n−1} (same values bit for bit; γ is
     * piecewise constant in the conformance cases): a division per step was about 0.12 of 0.57 µs (standalone sweep).
     */
    private static void fpk3(int nT, double dt, double[] u, double[] nu, double[] gamma, double w, double base,
                             double clip) {
        double m0 = nu[0], m1 = nu[1], m2 = nu[2];
        final double pb = dt * base;
        final double pc = dt * clip;
        final double tMax = dt * Math.min(base, clip - base);
        double dinv = 0;
        long gPrev = ~Double.doubleToRawLongBits(gamma[0]); // differs from the first step's γ
        for (int n = 0; n < nT - 1; n++) {
            final int o = n * 3;
            final double g = gamma[n];
            if (Double.doubleToRawLongBits(g) != gPrev) {
                gPrev = Double.doubleToRawLongBits(g);
                dinv = dt / (2 * g * w);
            }
            final double u0 = u[o], u1 = u[o + 1], u2 = u[o + 2];
            final double t01 = (u1 - u0) * dinv, t02 = (u2 - u0) * dinv, t12 = (u2 - u1) * dinv;
            double p01 = pb - t01, p10 = pb + t01;
            if (!(Math.abs(t01) <= tMax)) {
                p01 = clamp(p01, pc);
                p10 = clamp(p10, pc);
            }
            double p02 = pb - t02, p20 = pb + t02;
            if (!(Math.abs(t02) <= tMax)) {
                p02 = clamp(p02, pc);
                p20 = clamp(p20, pc);
            }
            double p12 = pb - t12, p21 = pb + t12;
            if (!(Math.abs(t12) <= tMax)) {
                p12 = clamp(p12, pc);
                p21 = clamp(p21, pc);
            }
            final double n0 = m0 * (1 - (p01 + p02)) + (m1 * p10 + m2 * p20);
            final double n1 = m1 * (1 - (p10 + p12)) + (m0 * p01 + m2 * p21);
            final double n2 = m2 * (1 - (p20 + p21)) + (m0 * p02 + m1 * p12);
            nu[o + 3] = n0;
            nu[o + 4] = n1;
            nu[o + 5] = n2;
            m0 = n0;
            m1 = n1;
            m2 = n2;
        }
    }

    /**
     * The exploitability dynamic programme of {@code Sweeps.exploitability} (same operations in the same order, so the
     * same result bit for bit; DenseKernelTest): per step, the population's rates from u_n and the greedy rates from
     * BR_{n+1} are computed row by row on the fly instead of through two {@code local} calls over the edge list
     * (lq_const: about 10 → 3–5 µs thread CPU, bench/BENCHMARKS.md).
     * {@code v1}, {@code br1} hold the terminal value on entry; {@code v0}, {@code br0} are scratch (d each).
     * Returns Σ_x ν_0(x)(V_0(x) − BR_0(x)).
     */
    static double exploitability(int nT, int d, double dt, boolean stable, double[] gamma, double[] u, double[] nu,
                                 double[] v1, double[] v0, double[] br1, double[] br0, double w, double base,
                                 double clip, double c) {
        for (int n = nT - 2; n >= 0; n--) {
            final int o = n * d;
            final double g = gamma[n];
            final double inv = 1 / (2 * g * w);
            for (int x = 0; x < d; x++) {
                final double ux = u[o + x];
                final double bx = br1[x];
                final double vx = v1[x];
                double costP = 0, costG = 0, dPv = 0, dPb = 0, dGb = 0, outP = 0, outG = 0;
                for (int y = 0; y < d; y++) {
                    if (y == x) {
                        continue;
                    }
                    double rP = base - (u[o + y] - ux) * inv;
                    rP = rP < 0 ? 0 : (rP > clip ? clip : rP);
                    final double devP = rP - base;
                    costP += devP * devP;
                    final double db = br1[y] - bx;
                    double rG = base - db * inv;
                    rG = rG < 0 ? 0 : (rG > clip ? clip : rG);
                    final double devG = rG - base;
                    costG += devG * devG;
                    dPv += rP * (v1[y] - vx);
                    outP += rP;
                    dPb += rP * db;
                    dGb += rG * db;
                    outG += rG;
                }
                final double fP = w * g * costP + c * nu[o + x];
                final double fG = w * g * costG + c * nu[o + x];
                if (stable) {
                    final double zP = dt * outP;
                    final double phP = ExitFactor.phi(zP);
                    final double zG = dt * outG;
                    dPv *= phP;
                    dPb *= phP;
                    dGb *= ExitFactor.phi(zG);
                }
                v0[x] = vx + dt * (fP + dPv);
                final double viaPi = bx + dt * (fP + dPb);
                final double viaGreedy = bx + dt * (fG + dGb);
                br0[x] = Math.min(viaPi, viaGreedy);
            }
            double[] t = v1;
            v1 = v0;
            v0 = t;
            t = br1;
            br1 = br0;
            br0 = t;
        }
        double s = 0;
        for (int x = 0; x < d; x++) {
            s += nu[x] * (v1[x] - br1[x]);
        }
        return s;
    }
}
