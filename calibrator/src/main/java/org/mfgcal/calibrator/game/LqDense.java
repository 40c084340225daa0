package org.mfgcal.calibrator.game;

/**
 * Whole-sweep kernels of {@link LqGame} on the complete graph (κ = 0, p = 1): the same arithmetic, in the same order,
 * as its per-step fused kernels (so results are bit-for-bit equal, checked by {@code DenseKernelTest}), with the
 * edge list replaced by plain loops over y ≠ x (no index arrays), the step's constants hoisted, and one call per
 * sweep instead of one per step. Flat arrays indexed {@code n*d + x}; γ indexed {@code n}. Stateless.
 *
 * <p>Measured (bench/BENCHMARKS.md, thread CPU time, lq_const d = 3 N = 100, one Picard map = HJB + FPK): per-step
 * fused kernels 5.3 µs, these loops 4.2 µs, the unrolled d = 3 kernels 2.55 µs.
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
        for (int n = nT - 2; n >= 0; n--) {
            final int o = n * d;
            final int o1 = o + d;
            final double g = gamma[n];
            final double wg = w * g;
            final double inv = 1 / (2 * g * w);
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
                    drift *= z < 1e-8 ? 1 - 0.5 * z : -Math.expm1(-z) / z;
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

    /** Reverse of {@link #fpk}, n = N−2..0: accumulates into {@code nuBar}, {@code uBar}, {@code gammaBar}. */
    static void fpkVjp(int nT, int d, double dt, double[] u, double[] nu, double[] gamma, double[] nuBar,
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
        for (int n = 0; n < nT - 1; n++) {
            final int o = n * d;
            final int o1 = o + d;
            final double g = gamma[n];
            final double inv = 1 / (2 * g * w);
            final double invG = 1 / g;
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
                    common = fb * drift * LqGame.dphi(z) * dt;
                    dBar *= z < 1e-8 ? 1 - 0.5 * z : -Math.expm1(-z) / z;
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

    private static double clamp(double r, double clip) {
        return r < 0 ? 0 : (r > clip ? clip : r);
    }

    /**
     * {@link #hjb} for d = 3, reference scheme, fully unrolled with u_{n+1} carried in registers. Uses u(x) − u(y) =
     * −(u(y) − u(x)) exactly (IEEE negation), so each difference is computed once; sums keep the loop's order. The
     * clamp stays a branch: Math.min/max made the map 4.3 µs instead of 2.55 µs (it sits on the step's latency chain).
     */
    private static void hjb3(int nT, double dt, double[] u, double[] muHat, double[] gamma, double w, double base,
                             double clip, double c) {
        int o = (nT - 1) * 3;
        double u0 = u[o], u1 = u[o + 1], u2 = u[o + 2];
        for (int n = nT - 2; n >= 0; n--) {
            o = n * 3;
            final double g = gamma[n];
            final double wg = w * g;
            final double inv = 1 / (2 * g * w);
            final double d01 = u1 - u0, d02 = u2 - u0, d12 = u2 - u1;
            final double t01 = d01 * inv, t02 = d02 * inv, t12 = d12 * inv;
            final double r01 = clamp(base - t01, clip), r02 = clamp(base - t02, clip);
            final double r10 = clamp(base + t01, clip), r12 = clamp(base - t12, clip);
            final double r20 = clamp(base + t02, clip), r21 = clamp(base + t12, clip);
            final double e01 = r01 - base, e02 = r02 - base, e10 = r10 - base;
            final double e12 = r12 - base, e20 = r20 - base, e21 = r21 - base;
            final double cost0 = e01 * e01 + e02 * e02;
            final double cost1 = e10 * e10 + e12 * e12;
            final double cost2 = e20 * e20 + e21 * e21;
            final double drift0 = r01 * d01 + r02 * d02;
            final double drift1 = r10 * -d01 + r12 * d12;
            final double drift2 = r20 * -d02 + r21 * -d12;
            final double n0 = u0 + dt * (wg * cost0 + c * muHat[o] + drift0);
            final double n1 = u1 + dt * (wg * cost1 + c * muHat[o + 1] + drift1);
            final double n2 = u2 + dt * (wg * cost2 + c * muHat[o + 2] + drift2);
            u[o] = n0;
            u[o + 1] = n1;
            u[o + 2] = n2;
            u0 = n0;
            u1 = n1;
            u2 = n2;
        }
    }

    /** {@link #fpk} for d = 3, fully unrolled with ν_n carried in registers; same operation order as the loop. */
    private static void fpk3(int nT, double dt, double[] u, double[] nu, double[] gamma, double w, double base,
                             double clip) {
        double m0 = nu[0], m1 = nu[1], m2 = nu[2];
        for (int n = 0; n < nT - 1; n++) {
            final int o = n * 3;
            final double inv = 1 / (2 * gamma[n] * w);
            final double u0 = u[o], u1 = u[o + 1], u2 = u[o + 2];
            final double t01 = (u1 - u0) * inv, t02 = (u2 - u0) * inv, t12 = (u2 - u1) * inv;
            final double c0 = dt * m0, c1 = dt * m1, c2 = dt * m2;
            final double f01 = c0 * clamp(base - t01, clip), f02 = c0 * clamp(base - t02, clip);
            final double f10 = c1 * clamp(base + t01, clip), f12 = c1 * clamp(base - t12, clip);
            final double f20 = c2 * clamp(base + t02, clip), f21 = c2 * clamp(base + t12, clip);
            final double n0 = m0 - (f01 + f02) + f10 + f20;
            final double n1 = m1 + f01 - (f10 + f12) + f21;
            final double n2 = m2 + f02 + f12 - (f20 + f21);
            nu[o + 3] = n0;
            nu[o + 4] = n1;
            nu[o + 5] = n2;
            m0 = n0;
            m1 = n1;
            m2 = n2;
        }
    }
}
