package org.mfgcal.calibrator.game;

/**
 * Whole-sweep kernels of {@link LqGame} on the complete graph (κ = 0, p = 1), its {@link SweepKernels}: the generic
 * sweeps' arithmetic with the edge list replaced by plain loops over y ≠ x (no index arrays), the step's constants
 * hoisted, and one call per sweep instead of one per step; the unrolled d = 3 reference-scheme kernels are
 * reassociated. Equal to the generic sweeps to ≤ 1e-13 ({@code DenseKernelTest}, {@code FusedKernelTest}). Flat
 * arrays indexed {@code n*d + x}; γ indexed {@code n}. Stateless (the exit factors of the stable loops come from the
 * per-thread {@link ExitMemo}, a cache by exact argument). The unrolled d = 3 kernels are in {@link LqDense3} (the
 * stable ones take φ from its series, {@link ExitFactor#phiPoly}, through a memo of their own), the stable d = 3
 * reverse sweeps as per-step linear maps in {@link LqAdjoint3}, the stable sweeps on sorted values (O(d) per step,
 * d ≥ 4) in {@link LqSorted}.
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
            LqDense3.hjb3(nT, dt, u, muHat, gamma, w, base, clip, c);
            return;
        }
        if (stable && LqSorted.applies(d, base, clip)) {
            LqSorted.hjb(nT, d, dt, u, muHat, gamma, w, base, clip, c);
            return;
        }
        final ExitMemo mm = stable ? ExitMemo.get(nT * d, d == 3) : null;
        if (d == 3 && mm != null) {
            LqDense3.hjbStable3(nT, dt, u, muHat, gamma, w, base, clip, c, mm);
            return;
        }
        for (int n = nT - 2; n >= 0; n--) {
            final double g = gamma[n];
            hjbStep(d, dt, stable, u, n * d, n * d + d, muHat, w * g, 1 / (2 * g * w), base, clip, c, mm);
        }
    }

    /** One step of {@link #hjb}'s per-pair loop: u_n (at {@code o}) from u_{n+1} (at {@code o1}). */
    static void hjbStep(int d, double dt, boolean stable, double[] u, int o, int o1, double[] muHat,
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
            LqDense3.fpk3(nT, dt, u, nu, gamma, w, base, clip);
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
        if (LqSorted.applies(d, base, clip) && LqSorted.conditioned(nT, d, u, 0, gamma, w, clip)) {
            LqSorted.fpk(nT, d, dt, u, nu, gamma, w, base, clip);
            return;
        }
        final ExitMemo mm = ExitMemo.get(nT * d, d == 3);
        if (d == 3 && mm != null) {
            LqDense3.fpkStable3(nT, dt, u, nu, gamma, w, base, clip, mm);
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
     * Reverse of {@link #fpkStable}, n = N−2..0: accumulates into {@code nuBar}, {@code uBar}, {@code gammaBar}. Per
     * row, ā_xy = Δt ν_x (φ (ν̄_{n+1}(y) − ν̄_{n+1}(x)) + φ'(z) Δt s) with s = Σ_y a_xy (ν̄_{n+1}(y) − ν̄_{n+1}(x)), then
     * through the active (unclipped) rates into u_n and γ_n, as LqGame's local VJP.
     */
    static void fpkVjpStable(int nT, int d, double dt, double[] u, double[] nu, double[] gamma, double[] nuBar,
                             double[] uBar, double[] gammaBar, double w, double base, double clip) {
        if (LqSorted.applies(d, base, clip) && LqSorted.conditioned(nT, d, u, 0, gamma, w, clip)) {
            LqSorted.fpkVjp(nT, d, dt, u, nu, gamma, nuBar, uBar, gammaBar, w, base, clip);
            return;
        }
        final ExitMemo mm = ExitMemo.get(nT * d, d == 3);
        if (d == 3 && mm != null && nT <= LqAdjoint3.MAX_STEPS) {
            LqAdjoint3.fpkVjp(nT, dt, u, nu, gamma, nuBar, uBar, gammaBar, w, base, clip, mm);
            return;
        }
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
        double inv = 0, invG = 0; // divisions only when γ changes (see LqDense3.fpk3)
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
        if (stable && LqSorted.applies(d, base, clip) && LqSorted.conditioned(nT, d, u, d, gamma, w, clip)) {
            LqSorted.hjbVjp(nT, d, dt, u, gamma, uBar, muHatBar, gammaBar, w, base, clip, c);
            return;
        }
        final ExitMemo mm = stable ? ExitMemo.get(nT * d, d == 3) : null;
        if (d == 3 && mm != null && nT <= LqAdjoint3.MAX_STEPS) {
            LqAdjoint3.hjbVjp(nT, dt, u, gamma, uBar, muHatBar, gammaBar, w, base, clip, c, mm);
            return;
        }
        double inv = 0, invG = 0; // divisions only when γ changes (see LqDense3.fpk3)
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

    static double clamp(double r, double clip) {
        return r < 0 ? 0 : (r > clip ? clip : r);
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
