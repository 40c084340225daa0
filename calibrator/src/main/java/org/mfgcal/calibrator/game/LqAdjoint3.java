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
    // per-step scratch of the builders
    private final double[] r = new double[9];
    private final double[] du = new double[9];
    private final boolean[] act = new boolean[9];
    private final double[] q = new double[9];

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

    /** Rates r[3x + y], u(y) − u(x) in du[3x + y] and "unclipped" flags of row {@code o} of u (x ≠ y). */
    private void rates(double[] u, int o, double inv, double base, double clip) {
        for (int x = 0; x < 3; x++) {
            for (int y = 0; y < 3; y++) {
                if (y == x) {
                    continue;
                }
                final double d = u[o + y] - u[o + x];
                final double raw = base - d * inv;
                du[3 * x + y] = d;
                r[3 * x + y] = LqDense.clamp(raw, clip);
                act[3 * x + y] = raw > 0 && raw < clip;
            }
        }
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

    private void buildFpk(int nT, double dt, double[] u, double[] nu, double[] gamma, double base, double clip,
                          double w, ExitMemo mm) {
        final double[] k = coef;
        for (int n = 0; n < nT - 1; n++) {
            final int o = n * 3;
            final int e = n * FPK_STRIDE;
            final double g = gamma[n];
            final double inv = 1 / (2 * g * w);
            final double invG = 1 / g;
            rates(u, o, inv, base, clip);
            Arrays.fill(k, e, e + FPK_STRIDE, 0.0);
            for (int x = 0; x < 3; x++) {
                double out = 0;
                for (int y = 0; y < 3; y++) {
                    if (y != x) {
                        out += r[3 * x + y];
                    }
                }
                final double z = dt * out;
                final double ph = mm.phi(o + x, z);
                final double dph = mm.dphi(o + x, z);
                final double nux = nu[o + x];
                final double kx = dt * nux * ph;       // ā_xy = kx·(ν̄(y) − ν̄(x)) + cx·s_x
                final double cx = dt * nux * dph * dt;
                // ν̄_n(x) += ν̄(x) + Δt φ s_x, s_x = Σ_y r_xy (ν̄(y) − ν̄(x))
                final double dphx = dt * ph;
                k[e + 3 * x + x] = 1 - dphx * out;
                for (int y = 0; y < 3; y++) {
                    if (y != x) {
                        k[e + 3 * x + y] = dphx * r[3 * x + y];
                    }
                }
                // q_xy = inv·ā_xy per unclipped pair, as a linear form in ν̄_{n+1} (q[3y' + j]: pair (x, y'), coefficient j)
                for (int y = 0; y < 3; y++) {
                    if (y == x || !act[3 * x + y]) {
                        continue;
                    }
                    for (int j = 0; j < 3; j++) {
                        final double sj = j == x ? -out : r[3 * x + j];
                        final double dj = (j == y ? 1 : 0) - (j == x ? 1 : 0);
                        final double qj = inv * (kx * dj + cx * sj);
                        k[e + 9 + 3 * y + j] -= qj;     // ū_n(y) −= q
                        k[e + 9 + 3 * x + j] += qj;     // ū_n(x) += q
                        k[e + 18 + j] += qj * du[3 * x + y] * invG;
                    }
                }
            }
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

    private void buildHjb(int nT, double dt, double[] u, double[] gamma, double base, double clip, double w,
                          ExitMemo mm) {
        final double[] k = coef;
        for (int n = 0; n < nT - 1; n++) {
            final int o1 = n * 3 + 3;
            final int e = n * HJB_STRIDE;
            final double g = gamma[n];
            final double inv = 1 / (2 * g * w);
            final double invG = 1 / g;
            rates(u, o1, inv, base, clip);
            Arrays.fill(k, e, e + HJB_STRIDE, 0.0);
            for (int x = 0; x < 3; x++) {
                double out = 0, drift = 0;
                for (int y = 0; y < 3; y++) {
                    if (y != x) {
                        out += r[3 * x + y];
                        drift += r[3 * x + y] * du[3 * x + y];
                    }
                }
                final double z = dt * out;
                final double dBar = dt * mm.phi(o1 + x, z);              // per unit ū_n(x)
                final double common = dt * drift * mm.dphi(o1 + x, z) * dt;
                double self = 1;
                double gb = 0;
                for (int y = 0; y < 3; y++) {
                    if (y == x) {
                        continue;
                    }
                    final double rr = r[3 * x + y];
                    final double dev = rr - base;
                    final double d = du[3 * x + y];
                    double toY = dBar * rr;                               // ū_{n+1}(y) += move, ū_{n+1}(x) −= move
                    gb += dt * w * dev * dev;
                    if (act[3 * x + y]) {
                        final double qq = (dBar * d + common + dt * 2 * w * g * dev) * inv;
                        toY -= qq;
                        gb += qq * d * invG;
                    }
                    k[e + 3 * y + x] = toY;
                    self -= toY;
                }
                k[e + 3 * x + x] = self;
                k[e + 9 + x] = gb;
            }
        }
    }
}
