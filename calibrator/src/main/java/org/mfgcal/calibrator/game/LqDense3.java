package org.mfgcal.calibrator.game;

/**
 * {@link LqDense}'s unrolled kernels for d = 3 (reference-scheme HJB and FPK, stable FPK), moved out of it verbatim to
 * keep one concept per class; each kernel's note gives its measured gain. Stateless.
 */
final class LqDense3 {
    private LqDense3() {
    }

    /**
     * LqDense.hjb for d = 3, reference scheme, fully unrolled with u_{n+1} carried in registers. The sweep is a chain
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
    static void hjb3(int nT, double dt, double[] u, double[] muHat, double[] gamma, double w, double base,
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
     * LqDense.fpk for d = 3, fully unrolled with ν_n carried in registers. The rates do not depend on ν (κ = 0), so
     * ν_{n+1} = M_n ν_n with M_n = I + Δt·Qᵀ built off the chain; the chain per step is one multiply-add row. A pair
     * x, y shares t = Δt(u(y) − u(x))/(2γw): Δt·a_xy = Δt·base − t and Δt·a_yx = Δt·base + t, both inside the clip
     * range when |t| ≤ Δt·min(base, clip − base) (one test instead of four). Reassociated (equal to the loop kernel to
     * rounding, ≤ 1e-13, DenseKernelTest). FPK sweep 1.06–1.24 → 0.63–0.66 µs thread CPU (bench/BENCHMARKS.md).
     * The per-step reciprocal is recomputed only when γ_n differs from γ_{n−1} (same values bit for bit; γ is
     * piecewise constant in the conformance cases): a division per step was about 0.12 of 0.57 µs (standalone sweep).
     */
    static void fpk3(int nT, double dt, double[] u, double[] nu, double[] gamma, double w, double base,
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
                p01 = LqDense.clamp(p01, pc);
                p10 = LqDense.clamp(p10, pc);
            }
            double p02 = pb - t02, p20 = pb + t02;
            if (!(Math.abs(t02) <= tMax)) {
                p02 = LqDense.clamp(p02, pc);
                p20 = LqDense.clamp(p20, pc);
            }
            double p12 = pb - t12, p21 = pb + t12;
            if (!(Math.abs(t12) <= tMax)) {
                p12 = LqDense.clamp(p12, pc);
                p21 = LqDense.clamp(p21, pc);
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
     * LqDense.hjb's stable per-pair loop for d = 3 unrolled, u_{n+1} carried in registers: the same rates, cost, drift
     * and outflow sums in the same order, with φ from the series ({@link ExitFactor#phiPoly} through the memo, which
     * the FPK and the adjoint then read) instead of {@code expm1}: the three φ are on the sweep's dependency chain, and
     * three native {@code expm1} calls per step were most of the sweep (issue 15, bench/BENCHMARKS.md). When no rate
     * is clipped (|u(y) − u(x)|·inv ≤ min(base, clip − base) for the three pairs, one test) the clamps are skipped:
     * the unclipped rate is the clamped one bit for bit.
     */
    static void hjbStable3(int nT, double dt, double[] u, double[] muHat, double[] gamma, double w, double base,
                           double clip, double c, ExitMemo mm) {
        int o1 = (nT - 1) * 3;
        double u0 = u[o1], u1 = u[o1 + 1], u2 = u[o1 + 2];
        final double tMax = Math.min(base, clip - base);
        double inv = 0, wg = 0;
        long gPrev = ~Double.doubleToRawLongBits(gamma[nT - 2]); // differs from the first step's γ
        for (int n = nT - 2; n >= 0; n--) {
            final int o = n * 3;
            o1 = o + 3;
            final double g = gamma[n];
            if (Double.doubleToRawLongBits(g) != gPrev) { // see fpk3: the division only when γ changes
                gPrev = Double.doubleToRawLongBits(g);
                inv = 1 / (2 * g * w);
                wg = w * g;
            }
            // du = u(y) − u(x) for the pairs (x, y); u(x) − u(y) is its exact negation.
            final double d01 = u1 - u0, d02 = u2 - u0, d12 = u2 - u1;
            double r01 = base - d01 * inv, r02 = base - d02 * inv, r10 = base - -d01 * inv;
            double r12 = base - d12 * inv, r20 = base - -d02 * inv, r21 = base - -d12 * inv;
            if (!(Math.abs(d01) * inv <= tMax & Math.abs(d02) * inv <= tMax & Math.abs(d12) * inv <= tMax)) {
                r01 = LqDense.clamp(r01, clip);
                r02 = LqDense.clamp(r02, clip);
                r10 = LqDense.clamp(r10, clip);
                r12 = LqDense.clamp(r12, clip);
                r20 = LqDense.clamp(r20, clip);
                r21 = LqDense.clamp(r21, clip);
            }
            final double e01 = r01 - base, e02 = r02 - base, e10 = r10 - base;
            final double e12 = r12 - base, e20 = r20 - base, e21 = r21 - base;
            final double f0 = wg * (e01 * e01 + e02 * e02) + c * muHat[o];
            final double f1 = wg * (e10 * e10 + e12 * e12) + c * muHat[o + 1];
            final double f2 = wg * (e20 * e20 + e21 * e21) + c * muHat[o + 2];
            final double b0 = r01 * d01 + r02 * d02, b1 = r10 * -d01 + r12 * d12, b2 = r20 * -d02 + r21 * -d12;
            final double z0 = dt * (r01 + r02), z1 = dt * (r10 + r12), z2 = dt * (r20 + r21);
            final double n0, n1, n2;
            if (z0 <= 0.5 & z1 <= 0.5 & z2 <= 0.5) {
                // φ = 1 + t·Q(t), t = −z: u + Δt(f + b·φ) = (u + Δt(f + b)) + (Δt·b·t)·Q, so that only Q and one
                // multiply-add are on the chain; φ itself (for the memo) is off it.
                final double t0 = -z0, t1 = -z1, t2 = -z2;
                final double q0 = ExitFactor.phiTail(t0), q1 = ExitFactor.phiTail(t1), q2 = ExitFactor.phiTail(t2);
                mm.putPhi(o1, z0, 1 + t0 * q0);
                mm.putPhi(o1 + 1, z1, 1 + t1 * q1);
                mm.putPhi(o1 + 2, z2, 1 + t2 * q2);
                final double db0 = dt * b0, db1 = dt * b1, db2 = dt * b2;
                n0 = (u0 + (dt * f0 + db0)) + (db0 * t0) * q0;
                n1 = (u1 + (dt * f1 + db1)) + (db1 * t1) * q1;
                n2 = (u2 + (dt * f2 + db2)) + (db2 * t2) * q2;
            } else {
                n0 = u0 + dt * (f0 + b0 * mm.phi(o1, z0));
                n1 = u1 + dt * (f1 + b1 * mm.phi(o1 + 1, z1));
                n2 = u2 + dt * (f2 + b2 * mm.phi(o1 + 2, z2));
            }
            u[o] = n0;
            u[o + 1] = n1;
            u[o + 2] = n2;
            u0 = n0;
            u1 = n1;
            u2 = n2;
        }
    }

    /**
     * LqDense.fpkStable's loop for d = 3 unrolled, ν_n carried in registers: the same operations in the same order
     * (rates, outflows, φ from the memo, stay = 1 − z·φ, then the inflows x = 0, 1, 2 in turn), without the rate
     * array and the per-state loops (issue 15: the FPK was the largest part of an LQ d = 3 loss + gradient). The
     * clamps are skipped when no rate is clipped (one test, as in {@link #hjbStable3}), and the reciprocal of γ is
     * taken only when γ changes (as in {@link #fpk3}): 1.7 → 0.78 µs standalone (bench/BENCHMARKS.md).
     */
    static void fpkStable3(int nT, double dt, double[] u, double[] nu, double[] gamma, double w,
                                   double base, double clip, ExitMemo mm) {
        double m0 = nu[0], m1 = nu[1], m2 = nu[2];
        final double tMax = Math.min(base, clip - base);
        double inv = 0;
        long gPrev = ~Double.doubleToRawLongBits(gamma[0]); // differs from the first step's γ
        for (int n = 0; n < nT - 1; n++) {
            final int o = n * 3;
            final double g = gamma[n];
            if (Double.doubleToRawLongBits(g) != gPrev) { // see fpk3: the division only when γ changes
                gPrev = Double.doubleToRawLongBits(g);
                inv = 1 / (2 * g * w);
            }
            final double u0 = u[o], u1 = u[o + 1], u2 = u[o + 2];
            final double d01 = u1 - u0, d02 = u2 - u0, d12 = u2 - u1;
            double r01 = base - d01 * inv, r02 = base - d02 * inv, r10 = base - -d01 * inv;
            double r12 = base - d12 * inv, r20 = base - -d02 * inv, r21 = base - -d12 * inv;
            if (!(Math.abs(d01) * inv <= tMax & Math.abs(d02) * inv <= tMax & Math.abs(d12) * inv <= tMax)) {
                r01 = LqDense.clamp(r01, clip);
                r02 = LqDense.clamp(r02, clip);
                r10 = LqDense.clamp(r10, clip);
                r12 = LqDense.clamp(r12, clip);
                r20 = LqDense.clamp(r20, clip);
                r21 = LqDense.clamp(r21, clip);
            }
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
}
