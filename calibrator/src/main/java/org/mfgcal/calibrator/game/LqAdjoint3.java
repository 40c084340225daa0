package org.mfgcal.calibrator.game;

import java.util.Arrays;

/**
 * The stable scheme's reverse sweeps of the LQ game at d = 3 ({@link LqDense#fpkVjpStable}, {@link LqDense#hjbVjp})
 * as per-step 3×3 linear maps. Both reverse sweeps are linear in the cotangent they carry, with coefficients that
 * depend only on the linearisation point (u, ν, γ): the rates, φ and φ' of every state. The adjoint solve applies them
 * at the same point several times (one reverse sweep per adjoint iteration), so the coefficients are built once per
 * point, per thread, and each sweep is then a chain of 3×3 matrix–vector products: step n of the reverse Kolmogorov
 * sweep is ν̄_n += A_n ν̄_{n+1}, ū_n += B_n ν̄_{n+1}, γ̄_n += g_n·ν̄_{n+1}; step n of the reverse HJB is
 * ū_{n+1} += C_n ū_n, γ̄_n += h_n·ū_n, μ̂̄_n += Δt·c·ū_n. A cache holds a copy of the inputs it was built from and
 * is rebuilt unless they are equal bit for bit, so the results never depend on what ran before on the thread. The
 * same sums as the per-pair loops, regrouped (equal to rounding; DenseKernelTest, GradientFiniteDifferenceTest).
 * Issue 15: the adjoint was half of an LQ d = 3 loss + gradient (bench/BENCHMARKS.md).
 */
final class LqAdjoint3 {
    private static final ThreadLocal<LqAdjoint3> FPK = ThreadLocal.withInitial(LqAdjoint3::new);
    private static final ThreadLocal<LqAdjoint3> HJB = ThreadLocal.withInitial(LqAdjoint3::new);
    private static final int FPK_STRIDE = 21; // A (9, row x), B (9, row x), g (3)
    private static final int HJB_STRIDE = 12; // C (9, row y: ū_{n+1}(y) += Σ_x C[y][x] ū_n(x)), h (3)

    private int kT = -1;
    private double kDt, kW, kBase, kClip, kC;
    private double[] kU = new double[0];
    private double[] kNu = kU;
    private double[] kGamma = kU;
    private double[] coef = kU;

    private boolean matches(int nT, double dt, double[] u, double[] nu, double[] gamma, double w, double base,
                            double clip, double c) {
        final int len = nT * 3;
        return kT == nT && kDt == dt && kW == w && kBase == base && kClip == clip && kC == c
                && Arrays.equals(kU, 0, len, u, 0, len) && Arrays.equals(kGamma, 0, nT, gamma, 0, nT)
                && (nu == null || Arrays.equals(kNu, 0, len, nu, 0, len));
    }

    private void keep(int nT, double dt, double[] u, double[] nu, double[] gamma, double w, double base, double clip,
                      double c, int stride) {
        final int len = nT * 3;
        if (kU.length < len) {
            kU = new double[len];
            kNu = new double[len];
            kGamma = new double[nT];
        }
        if (coef.length < nT * stride) {
            coef = new double[nT * stride];
        }
        System.arraycopy(u, 0, kU, 0, len);
        if (nu != null) {
            System.arraycopy(nu, 0, kNu, 0, len);
        }
        System.arraycopy(gamma, 0, kGamma, 0, nT);
        kT = nT;
        kDt = dt;
        kW = w;
        kBase = base;
        kClip = clip;
        kC = c;
    }

    /** {@link LqDense#fpkVjpStable} for d = 3 (see the class notes); {@code mm} the series memo. */
    static void fpkVjp(int nT, double dt, double[] u, double[] nu, double[] gamma, double[] nuBar, double[] uBar,
                       double[] gammaBar, double w, double base, double clip, ExitMemo mm) {
        final LqAdjoint3 a = FPK.get();
        if (!a.matches(nT, dt, u, nu, gamma, w, base, clip, 0)) {
            a.keep(nT, dt, u, nu, gamma, w, base, clip, 0, FPK_STRIDE);
            a.buildFpk(nT, dt, u, nu, gamma, base, clip, w, mm);
        }
        final double[] k = a.coef;
        int o1 = (nT - 1) * 3;
        double b0 = nuBar[o1], b1 = nuBar[o1 + 1], b2 = nuBar[o1 + 2];
        for (int n = nT - 2; n >= 0; n--) {
            final int o = n * 3;
            final int e = n * FPK_STRIDE;
            final double m0 = nuBar[o] + (k[e] * b0 + (k[e + 1] * b1 + k[e + 2] * b2));
            final double m1 = nuBar[o + 1] + (k[e + 3] * b0 + (k[e + 4] * b1 + k[e + 5] * b2));
            final double m2 = nuBar[o + 2] + (k[e + 6] * b0 + (k[e + 7] * b1 + k[e + 8] * b2));
            uBar[o] += k[e + 9] * b0 + (k[e + 10] * b1 + k[e + 11] * b2);
            uBar[o + 1] += k[e + 12] * b0 + (k[e + 13] * b1 + k[e + 14] * b2);
            uBar[o + 2] += k[e + 15] * b0 + (k[e + 16] * b1 + k[e + 17] * b2);
            gammaBar[n] += k[e + 18] * b0 + (k[e + 19] * b1 + k[e + 20] * b2);
            nuBar[o] = m0;
            nuBar[o + 1] = m1;
            nuBar[o + 2] = m2;
            b0 = m0;
            b1 = m1;
            b2 = m2;
        }
    }

    /**
     * The coefficients of the reverse Kolmogorov steps, the per-pair loop's terms written out for the three rows
     * (state x with neighbours y1 < y2; rates r, unclamped rates a, differences u(y) − u(x)).
     */
    private void buildFpk(int nT, double dt, double[] u, double[] nu, double[] gamma, double base, double clip,
                          double w, ExitMemo mm) {
        final double[] k = coef;
        for (int n = 0; n < nT - 1; n++) {
            final int o = n * 3;
            final int e = n * FPK_STRIDE;
            final double g = gamma[n];
            final double inv = 1 / (2 * g * w);
            final double invG = 1 / g;
            final double u0 = u[o], u1 = u[o + 1], u2 = u[o + 2];
            final double d01 = u1 - u0, d02 = u2 - u0, d12 = u2 - u1;
            final double a01 = base - d01 * inv, a02 = base - d02 * inv, a10 = base - -d01 * inv;
            final double a12 = base - d12 * inv, a20 = base - -d02 * inv, a21 = base - -d12 * inv;
            for (int i = e + 9; i < e + FPK_STRIDE; i++) {
                k[i] = 0;
            }
            fpkRow(k, e, 0, 1, 2, a01, a02, d01, d02, nu[o], mm, o, dt, inv, invG, clip);
            fpkRow(k, e, 1, 0, 2, a10, a12, -d01, d12, nu[o + 1], mm, o, dt, inv, invG, clip);
            fpkRow(k, e, 2, 0, 1, a20, a21, -d02, -d12, nu[o + 2], mm, o, dt, inv, invG, clip);
        }
    }

    private static void fpkRow(double[] k, int e, int x, int y1, int y2, double a1, double a2, double du1,
                               double du2, double nux, ExitMemo mm, int o, double dt, double inv, double invG,
                               double clip) {
        final double r1 = LqDense.clamp(a1, clip), r2 = LqDense.clamp(a2, clip);
        final double out = r1 + r2;
        final double z = dt * out;
        final double ph = mm.phi(o + x, z);
        final double dph = mm.dphi(o + x, z);
        final double kx = dt * nux * ph;      // ā_xy = kx·(ν̄(y) − ν̄(x)) + cx·s_x
        final double cx = dt * nux * dph * dt;
        // ν̄_n(x) += ν̄(x) + Δt φ s_x, s_x = Σ_y r_xy (ν̄(y) − ν̄(x))
        final double dphx = dt * ph;
        k[e + 3 * x + x] = 1 - dphx * out;
        k[e + 3 * x + y1] = dphx * r1;
        k[e + 3 * x + y2] = dphx * r2;
        // s_x as a linear form in ν̄_{n+1}: coefficient −out at x, r_xy at y
        final double s0 = x == 0 ? -out : (y1 == 0 ? r1 : r2);
        final double s1 = x == 1 ? -out : (y1 == 1 ? r1 : r2);
        final double s2 = x == 2 ? -out : (y1 == 2 ? r1 : r2);
        if (a1 > 0 && a1 < clip) {
            fpkPair(k, e, x, y1, inv, kx, cx, s0, s1, s2, du1, invG);
        }
        if (a2 > 0 && a2 < clip) {
            fpkPair(k, e, x, y2, inv, kx, cx, s0, s1, s2, du2, invG);
        }
    }

    /** q_xy = inv·ā_xy of an unclipped pair as a linear form in ν̄_{n+1}: ū_n(y) −= q, ū_n(x) += q, γ̄_n += q·du/γ. */
    private static void fpkPair(double[] k, int e, int x, int y, double inv, double kx, double cx, double s0,
                                double s1, double s2, double du, double invG) {
        final double q0 = inv * (kx * ((y == 0 ? 1 : 0) - (x == 0 ? 1 : 0)) + cx * s0);
        final double q1 = inv * (kx * ((y == 1 ? 1 : 0) - (x == 1 ? 1 : 0)) + cx * s1);
        final double q2 = inv * (kx * ((y == 2 ? 1 : 0) - (x == 2 ? 1 : 0)) + cx * s2);
        final int by = e + 9 + 3 * y, bx = e + 9 + 3 * x;
        k[by] -= q0;
        k[bx] += q0;
        k[e + 18] += q0 * du * invG;
        k[by + 1] -= q1;
        k[bx + 1] += q1;
        k[e + 19] += q1 * du * invG;
        k[by + 2] -= q2;
        k[bx + 2] += q2;
        k[e + 20] += q2 * du * invG;
    }

    /** {@link LqDense#hjbVjp}, stable, for d = 3 (see the class notes); {@code mm} the series memo. */
    static void hjbVjp(int nT, double dt, double[] u, double[] gamma, double[] uBar, double[] muHatBar,
                       double[] gammaBar, double w, double base, double clip, double c, ExitMemo mm) {
        final LqAdjoint3 a = HJB.get();
        if (!a.matches(nT, dt, u, null, gamma, w, base, clip, c)) {
            a.keep(nT, dt, u, null, gamma, w, base, clip, c, HJB_STRIDE);
            a.buildHjb(nT, dt, u, gamma, base, clip, w, mm);
        }
        final double[] k = a.coef;
        final double dc = dt * c;
        double b0 = uBar[0], b1 = uBar[1], b2 = uBar[2];
        for (int n = 0; n < nT - 1; n++) {
            final int o = n * 3;
            final int o1 = o + 3;
            final int e = n * HJB_STRIDE;
            final double m0 = uBar[o1] + (k[e] * b0 + (k[e + 1] * b1 + k[e + 2] * b2));
            final double m1 = uBar[o1 + 1] + (k[e + 3] * b0 + (k[e + 4] * b1 + k[e + 5] * b2));
            final double m2 = uBar[o1 + 2] + (k[e + 6] * b0 + (k[e + 7] * b1 + k[e + 8] * b2));
            gammaBar[n] += k[e + 9] * b0 + (k[e + 10] * b1 + k[e + 11] * b2);
            muHatBar[o] += dc * b0;
            muHatBar[o + 1] += dc * b1;
            muHatBar[o + 2] += dc * b2;
            uBar[o1] = m0;
            uBar[o1 + 1] = m1;
            uBar[o1 + 2] = m2;
            b0 = m0;
            b1 = m1;
            b2 = m2;
        }
    }

    /** The coefficients of the reverse HJB steps, the per-pair loop's terms written out as in {@link #buildFpk}. */
    private void buildHjb(int nT, double dt, double[] u, double[] gamma, double base, double clip, double w,
                          ExitMemo mm) {
        final double[] k = coef;
        for (int n = 0; n < nT - 1; n++) {
            final int o1 = n * 3 + 3;
            final int e = n * HJB_STRIDE;
            final double g = gamma[n];
            final double inv = 1 / (2 * g * w);
            final double invG = 1 / g;
            final double u0 = u[o1], u1 = u[o1 + 1], u2 = u[o1 + 2];
            final double d01 = u1 - u0, d02 = u2 - u0, d12 = u2 - u1;
            final double a01 = base - d01 * inv, a02 = base - d02 * inv, a10 = base - -d01 * inv;
            final double a12 = base - d12 * inv, a20 = base - -d02 * inv, a21 = base - -d12 * inv;
            final double dtw = dt * w, dt2wg = dt * 2 * w * g;
            hjbRow(k, e, 0, 1, 2, a01, a02, d01, d02, mm, o1, dt, inv, invG, base, clip, dtw, dt2wg);
            hjbRow(k, e, 1, 0, 2, a10, a12, -d01, d12, mm, o1, dt, inv, invG, base, clip, dtw, dt2wg);
            hjbRow(k, e, 2, 0, 1, a20, a21, -d02, -d12, mm, o1, dt, inv, invG, base, clip, dtw, dt2wg);
        }
    }

    /**
     * Column x of C_n and h_n(x): per unit ū_n(x), with fb = Δt, ū_{n+1}(y) += Δt·φ·r_xy − q_xy (q on unclipped
     * pairs: (Δt·φ·du + Δt²·drift·φ' + 2Δt·wγ·(r − base))·inv), ū_{n+1}(x) += 1 − Σ_y of those, γ̄_n += Σ_y
     * Δt·w·(r − base)² + q_xy·du/γ.
     */
    private static void hjbRow(double[] k, int e, int x, int y1, int y2, double a1, double a2, double du1,
                               double du2, ExitMemo mm, int o1, double dt, double inv, double invG, double base,
                               double clip, double dtw, double dt2wg) {
        final double r1 = LqDense.clamp(a1, clip), r2 = LqDense.clamp(a2, clip);
        final double out = r1 + r2;
        final double drift = r1 * du1 + r2 * du2;
        final double z = dt * out;
        final double dBar = dt * mm.phi(o1 + x, z);
        final double common = dt * drift * mm.dphi(o1 + x, z) * dt;
        final double dev1 = r1 - base, dev2 = r2 - base;
        double to1 = dBar * r1;
        double to2 = dBar * r2;
        double gb = dtw * dev1 * dev1;
        if (a1 > 0 && a1 < clip) {
            final double qq = (dBar * du1 + common + dt2wg * dev1) * inv;
            to1 -= qq;
            gb += qq * du1 * invG;
        }
        gb += dtw * dev2 * dev2;
        if (a2 > 0 && a2 < clip) {
            final double qq = (dBar * du2 + common + dt2wg * dev2) * inv;
            to2 -= qq;
            gb += qq * du2 * invG;
        }
        k[e + 3 * y1 + x] = to1;
        k[e + 3 * y2 + x] = to2;
        k[e + 3 * x + x] = (1 - to1) - to2;
        k[e + 9 + x] = gb;
    }
}
