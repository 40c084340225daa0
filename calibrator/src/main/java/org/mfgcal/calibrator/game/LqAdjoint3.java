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
    /**
     * Longest horizon served (N ≤ 32,768: the two caches of a thread hold at most 8.7 MB of coefficients and 1.8 MB of
     * keys); longer ones use the per-pair loops.
     */
    static final int MAX_STEPS = 1 << 15;
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
     * The coefficients of the reverse Kolmogorov steps: per state x, A's row from φ, the rates and the outflow; per
     * unclipped pair (x, y), q_xy = inv·ā_xy = inv·(k_x·(ν̄(y) − ν̄(x)) + c_x·s_x) as a linear form in ν̄_{n+1}
     * (k_x = Δt ν(x) φ, c_x = Δt² ν(x) φ', s_x = Σ_y r_xy (ν̄(y) − ν̄(x))), which goes to ū(x) with +, to ū(y) with −,
     * and to γ̄ times (u(y) − u(x))/γ. Written out for d = 3 (no scratch arrays or calls: the per-row helpers were not
     * inlined and cost twice as much).
     */
    private void buildFpk(int nT, double dt, double[] u, double[] nu, double[] gamma, double base, double clip,
                          double w, ExitMemo mm) {
        final double[] k = coef;
        double inv = 0, invG = 0;
        long gPrev = ~Double.doubleToRawLongBits(gamma[0]); // differs from the first step's γ
        for (int n = 0; n < nT - 1; n++) {
            final int o = n * 3;
            final int e = n * FPK_STRIDE;
            final double g = gamma[n];
            if (Double.doubleToRawLongBits(g) != gPrev) { // divisions only when γ changes (as LqDense3.fpk3)
                gPrev = Double.doubleToRawLongBits(g);
                inv = 1 / (2 * g * w);
                invG = 1 / g;
            }
            final double u0 = u[o], u1 = u[o + 1], u2 = u[o + 2];
            final double d01 = u1 - u0, d02 = u2 - u0, d12 = u2 - u1;
            final double a01 = base - d01 * inv, a02 = base - d02 * inv, a10 = base - -d01 * inv;
            final double a12 = base - d12 * inv, a20 = base - -d02 * inv, a21 = base - -d12 * inv;
            final double r01 = LqDense.clamp(a01, clip), r02 = LqDense.clamp(a02, clip);
            final double out0 = r01 + r02;
            final double z0 = dt * out0;
            final double ph0 = mm.phi(o + 0, z0);
            final double nu0 = nu[o + 0];
            final double al0 = inv * (dt * nu0 * ph0); // inv·k_x
            final double be0 = inv * (dt * nu0 * mm.dphi(o + 0, z0) * dt); // inv·c_x
            final double dph0 = dt * ph0;
            k[e + 0] = 1 - dph0 * out0;
            k[e + 1] = dph0 * r01;
            k[e + 2] = dph0 * r02;
            final double m01 = a01 > 0 && a01 < clip ? 1 : 0, m02 = a02 > 0 && a02 < clip ? 1 : 0;
            final double bo0 = -al0 - be0 * out0, b01 = be0 * r01, b02 = be0 * r02;
            final double q01_0 = m01 * bo0, q01_1 = m01 * (al0 + b01), q01_2 = m01 * b02;
            final double q02_0 = m02 * bo0, q02_1 = m02 * b01, q02_2 = m02 * (al0 + b02);
            final double r10 = LqDense.clamp(a10, clip), r12 = LqDense.clamp(a12, clip);
            final double out1 = r10 + r12;
            final double z1 = dt * out1;
            final double ph1 = mm.phi(o + 1, z1);
            final double nu1 = nu[o + 1];
            final double al1 = inv * (dt * nu1 * ph1); // inv·k_x
            final double be1 = inv * (dt * nu1 * mm.dphi(o + 1, z1) * dt); // inv·c_x
            final double dph1 = dt * ph1;
            k[e + 4] = 1 - dph1 * out1;
            k[e + 3] = dph1 * r10;
            k[e + 5] = dph1 * r12;
            final double m10 = a10 > 0 && a10 < clip ? 1 : 0, m12 = a12 > 0 && a12 < clip ? 1 : 0;
            final double bo1 = -al1 - be1 * out1, b10 = be1 * r10, b12 = be1 * r12;
            final double q10_0 = m10 * (al1 + b10), q10_1 = m10 * bo1, q10_2 = m10 * b12;
            final double q12_0 = m12 * b10, q12_1 = m12 * bo1, q12_2 = m12 * (al1 + b12);
            final double r20 = LqDense.clamp(a20, clip), r21 = LqDense.clamp(a21, clip);
            final double out2 = r20 + r21;
            final double z2 = dt * out2;
            final double ph2 = mm.phi(o + 2, z2);
            final double nu2 = nu[o + 2];
            final double al2 = inv * (dt * nu2 * ph2); // inv·k_x
            final double be2 = inv * (dt * nu2 * mm.dphi(o + 2, z2) * dt); // inv·c_x
            final double dph2 = dt * ph2;
            k[e + 8] = 1 - dph2 * out2;
            k[e + 6] = dph2 * r20;
            k[e + 7] = dph2 * r21;
            final double m20 = a20 > 0 && a20 < clip ? 1 : 0, m21 = a21 > 0 && a21 < clip ? 1 : 0;
            final double bo2 = -al2 - be2 * out2, b20 = be2 * r20, b21 = be2 * r21;
            final double q20_0 = m20 * (al2 + b20), q20_1 = m20 * b21, q20_2 = m20 * bo2;
            final double q21_0 = m21 * b20, q21_1 = m21 * (al2 + b21), q21_2 = m21 * bo2;
            k[e + 9] = (q01_0 + q02_0) - (q10_0 + q20_0);
            k[e + 12] = (q10_0 + q12_0) - (q01_0 + q21_0);
            k[e + 15] = (q20_0 + q21_0) - (q02_0 + q12_0);
            k[e + 18] = ((d01 * q01_0 + d02 * q02_0) + (d12 * q12_0 - d01 * q10_0) - (d02 * q20_0 + d12 * q21_0)) * invG;
            k[e + 10] = (q01_1 + q02_1) - (q10_1 + q20_1);
            k[e + 13] = (q10_1 + q12_1) - (q01_1 + q21_1);
            k[e + 16] = (q20_1 + q21_1) - (q02_1 + q12_1);
            k[e + 19] = ((d01 * q01_1 + d02 * q02_1) + (d12 * q12_1 - d01 * q10_1) - (d02 * q20_1 + d12 * q21_1)) * invG;
            k[e + 11] = (q01_2 + q02_2) - (q10_2 + q20_2);
            k[e + 14] = (q10_2 + q12_2) - (q01_2 + q21_2);
            k[e + 17] = (q20_2 + q21_2) - (q02_2 + q12_2);
            k[e + 20] = ((d01 * q01_2 + d02 * q02_2) + (d12 * q12_2 - d01 * q10_2) - (d02 * q20_2 + d12 * q21_2)) * invG;
        }
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

    /**
     * The coefficients of the reverse HJB steps: column x of C_n and h_n(x), per unit ū_n(x): ū_{n+1}(y) += Δt·φ·r_xy
     * − q_xy (q on unclipped pairs: (Δt·φ·du + Δt²·drift·φ' + 2Δt·wγ·(r − base))·inv), ū_{n+1}(x) += 1 − Σ_y of
     * those, γ̄_n += Σ_y Δt·w·(r − base)² + q_xy·du/γ. Written out for d = 3 as {@link #buildFpk}.
     */
    private void buildHjb(int nT, double dt, double[] u, double[] gamma, double base, double clip, double w,
                          ExitMemo mm) {
        final double[] k = coef;
        double inv = 0, invG = 0, dt2wg = 0;
        final double dtw = dt * w;
        long gPrev = ~Double.doubleToRawLongBits(gamma[0]); // differs from the first step's γ
        for (int n = 0; n < nT - 1; n++) {
            final int o1 = n * 3 + 3;
            final int e = n * HJB_STRIDE;
            final double g = gamma[n];
            if (Double.doubleToRawLongBits(g) != gPrev) { // divisions only when γ changes (as LqDense3.fpk3)
                gPrev = Double.doubleToRawLongBits(g);
                inv = 1 / (2 * g * w);
                invG = 1 / g;
                dt2wg = dt * 2 * w * g;
            }
            final double u0 = u[o1], u1 = u[o1 + 1], u2 = u[o1 + 2];
            final double d01 = u1 - u0, d02 = u2 - u0, d12 = u2 - u1;
            final double a01 = base - d01 * inv, a02 = base - d02 * inv, a10 = base - -d01 * inv;
            final double a12 = base - d12 * inv, a20 = base - -d02 * inv, a21 = base - -d12 * inv;
            final double r01 = LqDense.clamp(a01, clip), r02 = LqDense.clamp(a02, clip);
            final double out0 = r01 + r02;
            final double z0 = dt * out0;
            final double dBar0 = dt * mm.phi(o1 + 0, z0);
            final double com0 = dt * (r01 * d01 + r02 * d02) * mm.dphi(o1 + 0, z0) * dt;
            final double v01 = r01 - base, v02 = r02 - base;
            double t01 = dBar0 * r01, t02 = dBar0 * r02;
            double gb0 = dtw * v01 * v01;
            final double q01 = (a01 > 0 && a01 < clip ? inv : 0) * (dBar0 * d01 + com0 + dt2wg * v01); // 0 on a clipped pair
            t01 -= q01;
            gb0 += q01 * d01 * invG;
            gb0 += dtw * v02 * v02;
            final double q02 = (a02 > 0 && a02 < clip ? inv : 0) * (dBar0 * d02 + com0 + dt2wg * v02); // 0 on a clipped pair
            t02 -= q02;
            gb0 += q02 * d02 * invG;
            k[e + 3] = t01;
            k[e + 6] = t02;
            k[e + 0] = (1 - t01) - t02;
            k[e + 9] = gb0;
            final double r10 = LqDense.clamp(a10, clip), r12 = LqDense.clamp(a12, clip);
            final double out1 = r10 + r12;
            final double z1 = dt * out1;
            final double dBar1 = dt * mm.phi(o1 + 1, z1);
            final double com1 = dt * (r10 * (-d01) + r12 * d12) * mm.dphi(o1 + 1, z1) * dt;
            final double v10 = r10 - base, v12 = r12 - base;
            double t10 = dBar1 * r10, t12 = dBar1 * r12;
            double gb1 = dtw * v10 * v10;
            final double q10 = (a10 > 0 && a10 < clip ? inv : 0) * (dBar1 * (-d01) + com1 + dt2wg * v10); // 0 on a clipped pair
            t10 -= q10;
            gb1 += q10 * (-d01) * invG;
            gb1 += dtw * v12 * v12;
            final double q12 = (a12 > 0 && a12 < clip ? inv : 0) * (dBar1 * d12 + com1 + dt2wg * v12); // 0 on a clipped pair
            t12 -= q12;
            gb1 += q12 * d12 * invG;
            k[e + 1] = t10;
            k[e + 7] = t12;
            k[e + 4] = (1 - t10) - t12;
            k[e + 10] = gb1;
            final double r20 = LqDense.clamp(a20, clip), r21 = LqDense.clamp(a21, clip);
            final double out2 = r20 + r21;
            final double z2 = dt * out2;
            final double dBar2 = dt * mm.phi(o1 + 2, z2);
            final double com2 = dt * (r20 * (-d02) + r21 * (-d12)) * mm.dphi(o1 + 2, z2) * dt;
            final double v20 = r20 - base, v21 = r21 - base;
            double t20 = dBar2 * r20, t21 = dBar2 * r21;
            double gb2 = dtw * v20 * v20;
            final double q20 = (a20 > 0 && a20 < clip ? inv : 0) * (dBar2 * (-d02) + com2 + dt2wg * v20); // 0 on a clipped pair
            t20 -= q20;
            gb2 += q20 * (-d02) * invG;
            gb2 += dtw * v21 * v21;
            final double q21 = (a21 > 0 && a21 < clip ? inv : 0) * (dBar2 * (-d12) + com2 + dt2wg * v21); // 0 on a clipped pair
            t21 -= q21;
            gb2 += q21 * (-d12) * invG;
            k[e + 2] = t20;
            k[e + 5] = t21;
            k[e + 8] = (1 - t20) - t21;
            k[e + 11] = gb2;
        }
    }
}
