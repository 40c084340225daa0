package org.mfgcal.calibrator.game;

/**
 * Whole-sweep kernels of {@link MobilityGame} without learned interaction and closure (the online loop's game), on
 * any CSR graph, p = E (γ_n = the base rates q_n, indexed {@code n*E + e}). Rates a_e = max(0, q_e + (−c μ(y) −
 * (u(y) − u(x)))/(2b)), computed with the same expression as {@link MobilityGame#local}.
 *
 * <p>The generic sweeps call {@code local} per step (rates into a buffer, then a second pass reads them back) and, in
 * reverse, {@code local} again before {@code localVjp}, which recomputes every rate a third time; here the rate, cost,
 * drift and out-rate of an edge are formed in one pass, and the reverse sweeps reuse the rates of their first pass.
 * The FPK does the generic path's operations in the same order (clipping as {@code Math.max(v, 0.0)} bit for bit,
 * NaN kept, written {@code !(v <= 0) ? v : 0.0}, which measured faster); the HJB sums each row's cost plus drift in
 * the closed form b·Σ(q² − a²) and its VJP drops the rate terms that vanish at the optimum (docs/MODEL.md, "Sweep
 * kernels"); the reverse sweeps accumulate each row's own cotangent in a register instead of a read-modify-write of
 * memory per edge; on a {@link Graph#dense} graph every loop addresses a row's targets as two contiguous runs (the
 * same operations in the same order as the CSR loops). φ(z) is {@link ExitFactor#phiFast}. Equal to the generic
 * sweeps to ≤ 1e-13 (equilibrium, value function) and ≤ 1e-11 (gradient), {@code FusedKernelTest}. Measured in
 * bench/BENCHMARKS.md (issue 15, sixth pass). Stateless; scratch comes from the solver's workspace.
 */
final class MobilityKernels {
    private MobilityKernels() {
    }

    /**
     * Backward HJB u_n from u_{n+1}, n = N−2..0, either scheme ({@code u} modified, u_{N−1} given). The running cost
     * plus drift of an edge, b(a − q)² + c μ(y) a + a (u(y) − u(x)), is b(q² − a²) at the optimal rate (active:
     * c μ(y) + u(y) − u(x) = −2b(a − q); clipped: a = 0), so a row sums b·Σ(q − a)(q + a) (docs/MODEL.md, "Sweep
     * kernels"). On a {@link Graph#dense} graph the row's targets are addressed without {@link Graph#to}.
     */
    static void hjb(Graph g, int nT, double dt, boolean stable, double[] u, double[] muHat, double[] gamma,
                    double b, double c) {
        final int d = g.states();
        final int ne = g.edges();
        final int[] rs = g.rowStart;
        final int[] to = g.to;
        final boolean dense = g.dense;
        final double inv2b = 1 / (2 * b);
        for (int n = nT - 2; n >= 0; n--) {
            final int o = n * d;
            final int o1 = o + d;
            final int gOff = n * ne;
            for (int x = 0; x < d; x++) {
                final double ux = u[o1 + x];
                double h = 0, out = 0;
                if (dense) {
                    final int gb = gOff + rs[x];
                    for (int y = 0; y < x; y++) {
                        final double q = gamma[gb + y];
                        final double v = q + (-(c * muHat[o + y]) - (u[o1 + y] - ux)) * inv2b;
                        final double r = !(v <= 0) ? v : 0.0; // Math.max(v, 0.0) bit for bit (NaN kept)
                        h += (q - r) * (q + r);
                        out += r;
                    }
                    for (int y = x + 1; y < d; y++) {
                        final double q = gamma[gb - 1 + y];
                        final double v = q + (-(c * muHat[o + y]) - (u[o1 + y] - ux)) * inv2b;
                        final double r = !(v <= 0) ? v : 0.0; // Math.max(v, 0.0) bit for bit (NaN kept)
                        h += (q - r) * (q + r);
                        out += r;
                    }
                } else {
                    for (int e = rs[x], end = rs[x + 1]; e < end; e++) {
                        final int y = to[e];
                        final double q = gamma[gOff + e];
                        final double v = q + (-(c * muHat[o + y]) - (u[o1 + y] - ux)) * inv2b;
                        final double r = !(v <= 0) ? v : 0.0; // Math.max(v, 0.0) bit for bit (NaN kept)
                        h += (q - r) * (q + r);
                        out += r;
                    }
                }
                // Stable: the cost accrues over the expected time in x, Δt·φ(z), like the drift (Game#exitScaledCost).
                final double costDrift = b * h;
                u[o + x] = stable ? ux + dt * ExitFactor.phiFast(dt * out) * costDrift : ux + dt * costDrift;
            }
        }
    }

    /**
     * Forward Kolmogorov ν_{n+1} from ν_n, n = 0..N−2, either scheme ({@code nu} modified, ν_0 given). Scratch:
     * {@code a} (E), {@code row} (d).
     */
    static void fpk(Graph g, int nT, double dt, boolean stable, double[] u, double[] nu, double[] gamma, double b,
                    double c, double[] a, double[] row) {
        final int d = g.states();
        final boolean dense = g.dense;
        final int ne = g.edges();
        final int[] rs = g.rowStart;
        final int[] to = g.to;
        final double inv2b = 1 / (2 * b);
        for (int n = 0; n < nT - 1; n++) {
            final int o = n * d;
            final int o1 = o + d;
            final int gOff = n * ne;
            if (stable) {
                // Pass 1: rates, stay probabilities e^{−z} and φ(z) (as Sweeps.fpk); pass 2 spreads the leaving mass.
                for (int x = 0; x < d; x++) {
                    final double ux = u[o + x];
                    double out = 0;
                    if (dense) {
                        final int start = rs[x];
                        for (int y = 0; y < x; y++) {
                            final double r = gamma[gOff + start + y] + (-(c * nu[o + y]) - (u[o + y] - ux)) * inv2b;
                            final double ar = !(r <= 0) ? r : 0.0;
                            a[start + y] = ar;
                            out += ar;
                        }
                        for (int y = x + 1; y < d; y++) {
                            final double r = gamma[gOff + start - 1 + y] + (-(c * nu[o + y]) - (u[o + y] - ux))
                                    * inv2b;
                            final double ar = !(r <= 0) ? r : 0.0;
                            a[start - 1 + y] = ar;
                            out += ar;
                        }
                    } else {
                        for (int e = rs[x], end = rs[x + 1]; e < end; e++) {
                            final int y = to[e];
                            final double r = gamma[gOff + e] + (-(c * nu[o + y]) - (u[o + y] - ux)) * inv2b;
                            final double ar = !(r <= 0) ? r : 0.0;
                            a[e] = ar;
                            out += ar;
                        }
                    }
                    leave(nu, o, o1, x, dt * out, row);
                }
                for (int x = 0; x < d; x++) {
                    final double cx = dt * nu[o + x] * row[x];
                    if (cx == 0) {
                        continue;
                    }
                    final int start = rs[x];
                    if (dense) { // the same sums in the same order, contiguous targets
                        for (int y = 0; y < x; y++) {
                            nu[o1 + y] += cx * a[start + y];
                        }
                        for (int y = x + 1; y < d; y++) {
                            nu[o1 + y] += cx * a[start - 1 + y];
                        }
                    } else {
                        for (int e = start, end = rs[x + 1]; e < end; e++) {
                            nu[o1 + to[e]] += cx * a[e];
                        }
                    }
                }
            } else {
                System.arraycopy(nu, o, nu, o1, d);
                for (int x = 0; x < d; x++) {
                    final double ux = u[o + x];
                    final double cx = dt * nu[o + x];
                    for (int e = rs[x], end = rs[x + 1]; e < end; e++) {
                        final int y = to[e];
                        final double r = gamma[gOff + e] + (-(c * nu[o + y]) - (u[o + y] - ux)) * inv2b;
                        final double flow = cx * (r > 0 ? r : 0);
                        nu[o1 + x] -= flow;
                        nu[o1 + y] += flow;
                    }
                }
            }
        }
    }

    /**
     * The stable FPK's stay of state x over a step with exit intensity z = Δt·out: ν_{n+1}(x) = ν_n(x)·e^{−z} (from
     * offsets o, o1), and into {@code row[x]} the leaving fraction per unit rate, (1 − e^{−z})/z (its series below
     * 1e-5). Shared by the scalar and the vector sweeps ({@link DenseVectorSweeps}).
     */
    static void leave(double[] nu, int o, int o1, int x, double z, double[] row) {
        final double stay = Math.exp(-z);
        nu[o1 + x] = nu[o + x] * stay;
        row[x] = z < 1e-5 ? 1 - z * (0.5 - z / 6) : (1 - stay) / z;
    }

    /**
     * Reverse of {@link #fpk}, n = N−2..0: with the complete cotangent of ν_{n+1}, adds step n's contributions to
     * {@code nuBar[n]} (through ν_n and through the rates' c·ν(y) term), {@code uBar[n]} and {@code gammaBar[n]}.
     * Scratch: {@code a} (E); {@code aBar} unused (a rate's cotangent flows on as soon as it is formed).
     */
    static void fpkVjp(Graph g, int nT, double dt, boolean stable, double[] u, double[] nu, double[] gamma,
                       double[] nuBar, double[] uBar, double[] gammaBar, double b, double c, double[] a,
                       double[] aBar) {
        final int d = g.states();
        final int ne = g.edges();
        final int[] rs = g.rowStart;
        final int[] to = g.to;
        final double inv2b = 1 / (2 * b);
        final boolean dense = g.dense;
        for (int n = nT - 2; n >= 0; n--) {
            final int o = n * d;
            final int o1 = o + d;
            final int gOff = n * ne;
            // Per row: the rates, the cotangent of ν_n through the step, then of every active rate, which flows at
            // once into q, u_n and ν_n (the c·ν(y) term).
            for (int x = 0; x < d; x++) {
                final int start = rs[x], end = rs[x + 1];
                final double ux = u[o + x];
                final double nbx = nuBar[o1 + x];
                double s = 0, out = 0;
                if (dense) { // the sums of the CSR loop below in the same order, targets without Graph.to
                    for (int y = 0; y < x; y++) {
                        final double r = gamma[gOff + start + y] + (-(c * nu[o + y]) - (u[o + y] - ux)) * inv2b;
                        final double ar = r > 0 ? r : 0;
                        a[start + y] = ar;
                        s += ar * (nuBar[o1 + y] - nbx);
                        out += ar;
                    }
                    for (int y = x + 1; y < d; y++) {
                        final double r = gamma[gOff + start - 1 + y] + (-(c * nu[o + y]) - (u[o + y] - ux)) * inv2b;
                        final double ar = r > 0 ? r : 0;
                        a[start - 1 + y] = ar;
                        s += ar * (nuBar[o1 + y] - nbx);
                        out += ar;
                    }
                } else {
                    for (int e = start; e < end; e++) {
                        final int y = to[e];
                        final double r = gamma[gOff + e] + (-(c * nu[o + y]) - (u[o + y] - ux)) * inv2b;
                        final double ar = r > 0 ? r : 0;
                        a[e] = ar;
                        s += ar * (nuBar[o1 + y] - nbx);
                        out += ar;
                    }
                }
                final double nux = nu[o + x];
                final double k;
                double common = 0;
                if (stable) {
                    final double z = dt * out;
                    final double ph = ExitFactor.phiFast(z);
                    common = dt * nux * ExitFactor.dphi(z) * dt * s;
                    k = dt * nux * ph;
                    nuBar[o + x] += nbx + dt * ph * s;
                } else {
                    k = dt * nux;
                    nuBar[o + x] += nbx + dt * s;
                }
                double ubx = 0;
                if (dense) {
                    ubx = fpkVjpRun(a, nuBar, uBar, gammaBar, gOff, o, o1, start, 0, x, k, nbx, common, inv2b, c, ubx);
                    ubx = fpkVjpRun(a, nuBar, uBar, gammaBar, gOff, o, o1, start + x, x + 1, d - 1 - x, k, nbx, common,
                            inv2b, c, ubx);
                } else {
                    for (int e = start; e < end; e++) {
                        if (a[e] > 0) {
                            final int y = to[e];
                            final double ab = k * (nuBar[o1 + y] - nbx) + common;
                            if (ab != 0) {
                                gammaBar[gOff + e] += ab;
                                final double sv = ab * inv2b;
                                nuBar[o + y] -= sv * c;
                                uBar[o + y] -= sv;
                                ubx += sv;
                            }
                        }
                    }
                }
                uBar[o + x] += ubx;
            }
        }
    }

    /**
     * Reverse of {@link #hjb}, n = 0..N−2: with the complete cotangent of u_n, adds step n's contributions to
     * {@code uBar[n+1]}, {@code muHatBar[n]} and {@code gammaBar[n]}. Scratch: {@code a} (E). The row's cost plus
     * drift b·Σ(q² − a²) has, at the optimal rates, no derivative through the rates other than through φ(z) (the
     * derivative of b(a − q)² + c μ(y) a + a Δu in a is zero where a > 0): an active rate's cotangent is the φ' term
     * alone, 0 in the plain scheme (docs/MODEL.md, "Sweep kernels").
     */
    static void hjbVjp(Graph g, int nT, double dt, boolean stable, double[] u, double[] muHat, double[] gamma,
                       double[] uBar, double[] muHatBar, double[] gammaBar, double b, double c, double[] a,
                       double[] aBar) {
        final int d = g.states();
        final int ne = g.edges();
        final int[] rs = g.rowStart;
        final int[] to = g.to;
        final double inv2b = 1 / (2 * b);
        final double twoB = 2 * b;
        final boolean dense = g.dense;
        for (int n = 0; n < nT - 1; n++) {
            final int o = n * d;
            final int o1 = o + d;
            final int gOff = n * ne;
            for (int x = 0; x < d; x++) {
                final double bx = uBar[o + x];
                uBar[o1 + x] += bx;
                if (bx == 0) {
                    continue; // f̄ = 0 and ā = 0 on this row: nothing flows back
                }
                final int start = rs[x], end = rs[x + 1];
                final double ux = u[o1 + x];
                final double fb = dt * bx;
                // Rates and (stable) the row sums the φ(z) factor needs: u_n = u_{n+1} + Δt φ(z) b Σ(q² − a²).
                double out = 0, h = 0;
                if (dense) { // the sums of the CSR loop below in the same order, targets without Graph.to
                    for (int y = 0; y < x; y++) {
                        final double q = gamma[gOff + start + y];
                        final double r = q + (-(c * muHat[o + y]) - (u[o1 + y] - ux)) * inv2b;
                        final double ar = r > 0 ? r : 0;
                        a[start + y] = ar;
                        out += ar;
                        h += (q - ar) * (q + ar);
                    }
                    for (int y = x + 1; y < d; y++) {
                        final double q = gamma[gOff + start - 1 + y];
                        final double r = q + (-(c * muHat[o + y]) - (u[o1 + y] - ux)) * inv2b;
                        final double ar = r > 0 ? r : 0;
                        a[start - 1 + y] = ar;
                        out += ar;
                        h += (q - ar) * (q + ar);
                    }
                } else {
                    for (int e = start; e < end; e++) {
                        final int y = to[e];
                        final double q = gamma[gOff + e];
                        final double r = q + (-(c * muHat[o + y]) - (u[o1 + y] - ux)) * inv2b;
                        final double ar = r > 0 ? r : 0;
                        a[e] = ar;
                        out += ar;
                        h += (q - ar) * (q + ar);
                    }
                }
                double fc = fb;  // cotangent of the row's cost plus drift
                double common = 0; // cotangent of every active rate (through φ(z) only)
                if (stable) {
                    final double z = dt * out;
                    common = fb * (b * h) * ExitFactor.dphi(z) * dt;
                    fc *= ExitFactor.phiFast(z);
                }
                final double sv = common * inv2b;
                final double svc = sv * c;
                final double fcc = fc * c;
                final double fc2b = fc * twoB;
                double ubx = 0;
                if (dense) {
                    ubx = hjbVjpRun(a, gamma, muHatBar, uBar, gammaBar, gOff, o, o1, start, 0, x, fc, fc2b, fcc, common,
                            svc, sv, ubx);
                    ubx = hjbVjpRun(a, gamma, muHatBar, uBar, gammaBar, gOff, o, o1, start + x, x + 1, d - 1 - x, fc,
                            fc2b, fcc, common, svc, sv, ubx);
                } else {
                    for (int e = start; e < end; e++) {
                        final int y = to[e];
                        final double q = gamma[gOff + e];
                        final double r = a[e];
                        // b(q² − a²) in q (a held: its own derivative vanishes), c μ(y) a in μ(y), a Δu in u(y), u(x).
                        final double move = fc * r;
                        double qBar = -fc2b * (r - q);
                        double mBar = fcc * r;
                        double uyBar = move;
                        ubx -= move;
                        if (r > 0) {
                            qBar += common;
                            mBar -= svc;
                            uyBar -= sv;
                            ubx += sv;
                        }
                        muHatBar[o + y] += mBar;
                        uBar[o1 + y] += uyBar;
                        gammaBar[gOff + e] += qBar;
                    }
                }
                uBar[o1 + x] += ubx;
            }
        }
    }

    /**
     * {@link #hjbVjp}'s second loop over {@code n} edges e0.. with consecutive targets y0.. (a dense row's run on one
     * side of the diagonal); the same operations in the same order as the CSR loop; returns the row's ū(x) sum.
     */
    private static double hjbVjpRun(double[] a, double[] gamma, double[] muHatBar, double[] uBar, double[] gammaBar,
                                    int gOff, int o, int o1, int e0, int y0, int n, double fc, double fc2b, double fcc,
                                    double common, double svc, double sv, double ubx) {
        for (int i = 0; i < n; i++) {
            final int e = e0 + i;
            final int y = y0 + i;
            final double q = gamma[gOff + e];
            final double r = a[e];
            final double move = fc * r;
            double qBar = -fc2b * (r - q);
            double mBar = fcc * r;
            double uyBar = move;
            ubx -= move;
            if (r > 0) {
                qBar += common;
                mBar -= svc;
                uyBar -= sv;
                ubx += sv;
            }
            muHatBar[o + y] += mBar;
            uBar[o1 + y] += uyBar;
            gammaBar[gOff + e] += qBar;
        }
        return ubx;
    }

    /** {@link #fpkVjp}'s second loop over a dense row's run (as {@link #hjbVjpRun}); returns the row's ū(x) sum. */
    private static double fpkVjpRun(double[] a, double[] nuBar, double[] uBar, double[] gammaBar, int gOff, int o,
                                    int o1, int e0, int y0, int n, double k, double nbx, double common, double inv2b,
                                    double c, double ubx) {
        for (int i = 0; i < n; i++) {
            final int e = e0 + i;
            if (a[e] > 0) {
                final int y = y0 + i;
                final double ab = k * (nuBar[o1 + y] - nbx) + common;
                if (ab != 0) {
                    gammaBar[gOff + e] += ab;
                    final double sv = ab * inv2b;
                    nuBar[o + y] -= sv * c;
                    uBar[o + y] -= sv;
                    ubx += sv;
                }
            }
        }
        return ubx;
    }
}
