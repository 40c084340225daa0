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
        final boolean fast = stable && d >= FAST_D;
        final double tMax = Math.min(base, clip - base);
        for (int n = nT - 2; n >= 0; n--) {
            final int o = n * d;
            final int o1 = o + d;
            final double g = gamma[n];
            final double wg = w * g;
            final double inv = 1 / (2 * g * w);
            if (fast && spread(u, o1, d) * inv < tMax) {
                hjbStableStep(d, dt, u, o, o1, muHat, wg, inv, base, c);
                continue;
            }
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
                    drift *= ExitFactor.phi(z);
                }
                u[o + x] = ux + dt * (wg * cost + c * muHat[o + x] + drift);
            }
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
        final boolean fast = d >= FAST_D;
        final double tMax = Math.min(base, clip - base);
        for (int n = 0; n < nT - 1; n++) {
            final int o = n * d;
            final int o1 = o + d;
            final double inv = 1 / (2 * gamma[n] * w);
            if (fast && spread(u, o, d) * inv < tMax) {
                fpkStableStep(d, dt, u, nu, o, o1, inv, base, a);
                continue;
            }
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
                final double stay = Math.exp(-z);
                nu[o1 + x] = nu[o + x] * stay;
                phiRow[x] = z < 1e-5 ? 1 - z * (0.5 - z / 6) : (1 - stay) / z;
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
     * Reverse of {@link #fpkStable}, n = N−2..0: accumulates into {@code nuBar}, {@code uBar}, {@code gammaBar}. Per
     * row, ā_xy = Δt ν_x (φ (ν̄_{n+1}(y) − ν̄_{n+1}(x)) + φ'(z) Δt s) with s = Σ_y a_xy (ν̄_{n+1}(y) − ν̄_{n+1}(x)), then
     * through the active (unclipped) rates into u_n and γ_n, as LqGame's local VJP.
     */
    static void fpkVjpStable(int nT, int d, double dt, double[] u, double[] nu, double[] gamma, double[] nuBar,
                             double[] uBar, double[] gammaBar, double w, double base, double clip) {
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
                final double ph = ExitFactor.phi(z);
                final double common = dt * nux * ExitFactor.dphi(z) * dt * s;
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
                    common = fb * drift * ExitFactor.dphi(z) * dt;
                    dBar *= ExitFactor.phi(z);
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
     * Smallest d for the O(d) steps below; under it the per-pair loops are as cheap. (bench/BENCHMARKS.md, issue 15:
     * LQ d = 32, N = 1,600.)
     */
    static final int FAST_D = 4;

    /** max_x v(x) − min_x v(x) over {@code v[o .. o+d)}. */
    private static double spread(double[] v, int o, int d) {
        double lo = v[o];
        double hi = lo;
        for (int x = 1; x < d; x++) {
            final double t = v[o + x];
            lo = Math.min(lo, t);
            hi = Math.max(hi, t);
        }
        return hi - lo;
    }

    /**
     * One stable HJB step in O(d) when no rate of the step is clipped (the caller checked spread·inv &lt; min(base,
     * clip − base), so every r_xy = base − (u(y) − u(x))·inv lies strictly inside (0, clip)). With c = u_{n+1} − mean
     * (centred, so that the sums below do not cancel), S₁ = Σ c, S₂ = Σ c², D_x = Σ_{y≠x} (c_y − c_x) = S₁ − d c_x and
     * Q_x = Σ_y (c_y − c_x)² = S₂ − 2 c_x S₁ + d c_x²: out_x = (d−1)·base − inv·D_x, drift_x = base·D_x − inv·Q_x,
     * cost_x = inv²·Q_x. The same quantities as the per-pair loop, reassociated (≤ 1e-13, DenseKernelTest).
     */
    private static void hjbStableStep(int d, double dt, double[] u, int o, int o1, double[] muHat, double wg,
                                      double inv, double base, double c) {
        double sum = 0;
        for (int y = 0; y < d; y++) {
            sum += u[o1 + y];
        }
        final double m = sum / d;
        double s1 = 0, s2 = 0;
        for (int y = 0; y < d; y++) {
            final double cy = u[o1 + y] - m;
            s1 += cy;
            s2 += cy * cy;
        }
        final double outBase = (d - 1) * base;
        final double inv2 = inv * inv;
        for (int x = 0; x < d; x++) {
            final double ux = u[o1 + x];
            final double cx = ux - m;
            final double dx = s1 - d * cx;
            final double qx = s2 - 2 * cx * s1 + d * cx * cx;
            final double out = outBase - inv * dx;
            final double drift = (base * dx - inv * qx) * ExitFactor.phi(dt * out);
            u[o + x] = ux + dt * (wg * inv2 * qx + c * muHat[o + x] + drift);
        }
    }

    /**
     * One stable FPK step in O(d) when no rate is clipped (as {@link #hjbStableStep}, rates from u_n): the stay
     * probabilities e^{−z_x} per state, then the inflow Σ_{y≠x} C_y a_yx with C_y = Δt ν(y) φ(z_y) and a_yx = base −
     * (c_x − c_y)·inv, i.e. A − c_x·inv·T − C_x·base with T = Σ C_y and A = Σ C_y (base + c_y·inv). {@code cs}
     * (≥ 2d) is scratch.
     */
    private static void fpkStableStep(int d, double dt, double[] u, double[] nu, int o, int o1, double inv,
                                      double base, double[] cs) {
        double sum = 0;
        for (int y = 0; y < d; y++) {
            sum += u[o + y];
        }
        final double m = sum / d;
        double s1 = 0;
        for (int y = 0; y < d; y++) {
            final double cy = u[o + y] - m;
            cs[y] = cy;
            s1 += cy;
        }
        final double outBase = (d - 1) * base;
        double t = 0, acc = 0;
        for (int x = 0; x < d; x++) {
            final double cx = cs[x];
            final double z = dt * (outBase - inv * (s1 - d * cx));
            final double stay = Math.exp(-z);
            final double nx = nu[o + x];
            nu[o1 + x] = nx * stay;
            final double ph = z < 1e-5 ? 1 - z * (0.5 - z / 6) : (1 - stay) / z;
            final double cc = dt * nx * ph;
            cs[d + x] = cc;
            t += cc;
            acc += cc * (base + cx * inv);
        }
        for (int x = 0; x < d; x++) {
            nu[o1 + x] += acc - cs[x] * inv * t - cs[d + x] * base;
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
