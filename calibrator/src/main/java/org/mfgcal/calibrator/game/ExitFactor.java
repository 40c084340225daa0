package org.mfgcal.calibrator.game;

/**
 * The stable scheme's exit factor φ(z) = (1 − e^{−z})/z and its derivative, in one place for the generic sweeps
 * ({@code solver.Sweeps}) and the games' fused kernels: the state's drift over a step is scaled by φ(Δt·Σ_e a_e)
 * (docs/MODEL.md §1, scheme {@code stable}), and so is the running cost for games with
 * {@link Game#exitScaledCost()} (the mobility game).
 */
public final class ExitFactor {
    private ExitFactor() {
    }

    /** φ(z) = (1 − e^{−z}) / z, φ(0) = 1 (first-order series below 1e-8). */
    public static double phi(double z) {
        return z < 1e-8 ? 1 - 0.5 * z : -Math.expm1(-z) / z;
    }

    /**
     * φ(z) with the series 1 + t·Q(t), t = −z, Q of degree 13 evaluated by Estrin's scheme, for |z| ≤ 0.5 (truncation
     * below 0.03 ulp; within 1 ulp of the exact value there, as {@link #phi}; ExitFactorTest), {@link #phi} above.
     * The series is about 3× cheaper than {@code expm1} (a native call in JDK 17) and its latency is a few
     * multiply-adds in parallel: the unrolled d = 3 LQ kernels use it (issue 15, bench/BENCHMARKS.md).
     */
    public static double phiPoly(double z) {
        if (!(Math.abs(z) <= 0.5)) {
            return phi(z);
        }
        final double t = -z;
        return 1 + t * phiTail(t);
    }

    /**
     * φ(z) without the native {@code expm1}: {@link #phiPoly}'s series for |z| ≤ 0.5, (1 − e^{−z})/z above 0.5
     * (no cancellation there, e^{−z} < 0.61: within 2 ulp; {@code Math.exp} is a JIT intrinsic), {@link #phi}
     * otherwise (z < −0.5, NaN). The mobility kernels call it once per state and step (docs/MODEL.md, "Sweep
     * kernels").
     */
    public static double phiFast(double z) {
        if (Math.abs(z) <= 0.5) {
            final double t = -z;
            return 1 + t * phiTail(t);
        }
        return z > 0.5 ? (1 - Math.exp(-z)) / z : phi(z);
    }

    /** Q(t) with {@link #phiPoly}(z) = 1 + t·Q(t), t = −z, |t| ≤ 0.5 (for kernels that keep 1 + t·Q off their chain). */
    static double phiTail(double t) {
        final double t2 = t * t, t4 = t2 * t2, t8 = t4 * t4;
        final double q0 = P1 + P2 * t, q1 = P3 + P4 * t, q2 = P5 + P6 * t, q3 = P7 + P8 * t;
        final double q4 = P9 + P10 * t, q5 = P11 + P12 * t, q6 = P13 + P14 * t;
        final double r0 = q0 + q1 * t2, r1 = q2 + q3 * t2, r2 = q4 + q5 * t2;
        return (r0 + r1 * t4) + (r2 + q6 * t4) * t8;
    }

    /**
     * φ'(z) = Σ_{j≥0} −(j+1)/(j+2)!·t^j, t = −z, degree 15 (−1/2 + t·Q(t), Estrin), for |z| ≤ 0.5: within 2 ulp of the
     * exact value, where {@link #dphi}'s closed form loses up to 3e6 ulp to cancellation near z = 1e-3 (ExitFactorTest);
     * {@link #dphi} above.
     */
    public static double dphiPoly(double z) {
        if (!(Math.abs(z) <= 0.5)) {
            return dphi(z);
        }
        final double t = -z, t2 = t * t, t4 = t2 * t2, t8 = t4 * t4;
        final double q0 = D1 + D2 * t, q1 = D3 + D4 * t, q2 = D5 + D6 * t, q3 = D7 + D8 * t;
        final double q4 = D9 + D10 * t, q5 = D11 + D12 * t, q6 = D13 + D14 * t, q7 = D15;
        final double r0 = q0 + q1 * t2, r1 = q2 + q3 * t2, r2 = q4 + q5 * t2, r3 = q6 + q7 * t2;
        return -0.5 + t * ((r0 + r1 * t4) + (r2 + r3 * t4) * t8);
    }

    // 1/(k+1)! and −(j+1)/(j+2)!: numerators and factorials are exact doubles, so each is the correctly rounded value.
    private static final double P1 = 1.0 / 2, P2 = 1.0 / 6, P3 = 1.0 / 24, P4 = 1.0 / 120, P5 = 1.0 / 720,
            P6 = 1.0 / 5040, P7 = 1.0 / 40320, P8 = 1.0 / 362880, P9 = 1.0 / 3628800, P10 = 1.0 / 39916800,
            P11 = 1.0 / 479001600, P12 = 1.0 / 6227020800L, P13 = 1.0 / 87178291200L, P14 = 1.0 / 1307674368000L;
    private static final double D1 = -2.0 / 6, D2 = -3.0 / 24, D3 = -4.0 / 120, D4 = -5.0 / 720, D5 = -6.0 / 5040,
            D6 = -7.0 / 40320, D7 = -8.0 / 362880, D8 = -9.0 / 3628800, D9 = -10.0 / 39916800,
            D10 = -11.0 / 479001600, D11 = -12.0 / 6227020800L, D12 = -13.0 / 87178291200L,
            D13 = -14.0 / 1307674368000L, D14 = -15.0 / 20922789888000L, D15 = -16.0 / 355687428096000L;

    /** φ'(z) = (e^{−z}(1 + z) − 1) / z², by its series below 1e-3. */
    public static double dphi(double z) {
        if (z < 1e-3) {
            return -0.5 + z * (1.0 / 3 + z * (-1.0 / 8 + z * (1.0 / 30 - z / 144)));
        }
        return (Math.exp(-z) * (1 + z) - 1) / (z * z);
    }
}
