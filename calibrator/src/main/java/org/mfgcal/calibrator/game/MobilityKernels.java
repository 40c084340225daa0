package org.mfgcal.calibrator.game;

/**
 * Whole-sweep kernels of {@link MobilityGame} without learned interaction and closure (the online loop's game), on
 * any CSR graph, p = E (γ_n = the base rates q_n, indexed {@code n*E + e}). Rates a_e = max(0, q_e + (−c μ(y) −
 * (u(y) − u(x)))/(2b)), computed with the same expression as {@link MobilityGame#local}.
 *
 * <p>The generic sweeps call {@code local} per step (rates into a buffer, then a second pass reads them back) and, in
 * reverse, {@code local} again before {@code localVjp}, which recomputes every rate a third time; here the rate, cost,
 * drift and out-rate of an edge are formed in one pass, and the reverse sweeps reuse the rates of their first pass.
 * The forward sweeps do the generic path's operations in the same order (clipping with {@code Math.max}, which
 * compiles branch-free: clipped edges are frequent and unpredictable); the reverse sweeps accumulate each row's own
 * cotangent in a register instead of a read-modify-write of memory per edge. Equal to the generic sweeps to ≤ 1e-13
 * (equilibrium, value function) and ≤ 1e-11 (gradient), {@code FusedKernelTest}. Measured in bench/BENCHMARKS.md (d = 21,
 * N = 96, complete graph). Stateless; scratch comes from the solver's workspace.
 */
final class MobilityKernels {
    private MobilityKernels() {
    }

    /** Backward HJB u_n from u_{n+1}, n = N−2..0, either scheme ({@code u} modified, u_{N−1} given). */
    static void hjb(Graph g, int nT, double dt, boolean stable, double[] u, double[] muHat, double[] gamma,
                    double b, double c) {
        final int d = g.states();
        final int ne = g.edges();
        final int[] rs = g.rowStart;
        final int[] to = g.to;
        final double inv2b = 1 / (2 * b);
        for (int n = nT - 2; n >= 0; n--) {
            final int o = n * d;
            final int o1 = o + d;
            final int gOff = n * ne;
            for (int x = 0; x < d; x++) {
                final double ux = u[o1 + x];
                double cost = 0, drift = 0, out = 0;
                for (int e = rs[x], end = rs[x + 1]; e < end; e++) {
                    final int y = to[e];
                    final double q = gamma[gOff + e];
                    final double my = muHat[o + y];
                    final double uy = u[o1 + y];
                    final double r = Math.max(q + (-(c * my) - (uy - ux)) * inv2b, 0.0);
                    final double dev = r - q;
                    cost += b * dev * dev + c * my * r;
                    drift += r * (uy - ux);
                    out += r;
                }
                // Stable: the cost accrues over the expected time in x, Δt·φ(z), like the drift (Game#exitScaledCost).
                u[o + x] = stable ? ux + dt * ExitFactor.phi(dt * out) * (cost + drift) : ux + dt * (cost + drift);
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
                    for (int e = rs[x], end = rs[x + 1]; e < end; e++) {
                        final int y = to[e];
                        final double r = gamma[gOff + e] + (-(c * nu[o + y]) - (u[o + y] - ux)) * inv2b;
                        final double ar = Math.max(r, 0.0);
                        a[e] = ar;
                        out += ar;
                    }
                    final double z = dt * out;
                    final double stay = Math.exp(-z);
                    nu[o1 + x] = nu[o + x] * stay;
                    row[x] = z < 1e-5 ? 1 - z * (0.5 - z / 6) : (1 - stay) / z;
                }
                for (int x = 0; x < d; x++) {
                    final double cx = dt * nu[o + x] * row[x];
                    if (cx == 0) {
                        continue;
                    }
                    for (int e = rs[x], end = rs[x + 1]; e < end; e++) {
                        nu[o1 + to[e]] += cx * a[e];
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
     * Reverse of {@link #fpk}, n = N−2..0: with the complete cotangent of ν_{n+1}, adds step n's contributions to
     * {@code nuBar[n]} (through ν_n and through the rates' c·ν(y) term), {@code uBar[n]} and {@code gammaBar[n]}.
     * Scratch: {@code a}, {@code aBar} (E each).
     */
    static void fpkVjp(Graph g, int nT, double dt, boolean stable, double[] u, double[] nu, double[] gamma,
                       double[] nuBar, double[] uBar, double[] gammaBar, double b, double c, double[] a,
                       double[] aBar) {
        final int d = g.states();
        final int ne = g.edges();
        final int[] rs = g.rowStart;
        final int[] to = g.to;
        final double inv2b = 1 / (2 * b);
        for (int n = nT - 2; n >= 0; n--) {
            final int o = n * d;
            final int o1 = o + d;
            final int gOff = n * ne;
            // Pass A: rates, then the cotangent of every rate (aBar) and of ν_n through the step.
            for (int x = 0; x < d; x++) {
                final int start = rs[x], end = rs[x + 1];
                final double ux = u[o + x];
                final double nbx = nuBar[o1 + x];
                double s = 0, out = 0;
                for (int e = start; e < end; e++) {
                    final int y = to[e];
                    final double r = gamma[gOff + e] + (-(c * nu[o + y]) - (u[o + y] - ux)) * inv2b;
                    final double ar = r > 0 ? r : 0;
                    a[e] = ar;
                    s += ar * (nuBar[o1 + y] - nbx);
                    out += ar;
                }
                final double nux = nu[o + x];
                if (stable) {
                    final double z = dt * out;
                    final double ph = ExitFactor.phi(z);
                    final double common = dt * nux * ExitFactor.dphi(z) * dt * s;
                    final double k = dt * nux * ph;
                    for (int e = start; e < end; e++) {
                        aBar[e] = k * (nuBar[o1 + to[e]] - nbx) + common;
                    }
                    nuBar[o + x] += nbx + dt * ph * s;
                } else {
                    final double k = dt * nux;
                    for (int e = start; e < end; e++) {
                        aBar[e] = k * (nuBar[o1 + to[e]] - nbx);
                    }
                    nuBar[o + x] += nbx + dt * s;
                }
            }
            // Pass B: through the active rates into q, u_n and ν_n (the c·ν(y) term).
            for (int x = 0; x < d; x++) {
                double ubx = 0;
                for (int e = rs[x], end = rs[x + 1]; e < end; e++) {
                    final double ab = aBar[e];
                    if (a[e] > 0 && ab != 0) {
                        final int y = to[e];
                        gammaBar[gOff + e] += ab;
                        final double sv = ab * inv2b;
                        nuBar[o + y] -= sv * c;
                        uBar[o + y] -= sv;
                        ubx += sv;
                    }
                }
                uBar[o + x] += ubx;
            }
        }
    }

    /**
     * Reverse of {@link #hjb}, n = 0..N−2: with the complete cotangent of u_n, adds step n's contributions to
     * {@code uBar[n+1]}, {@code muHatBar[n]} and {@code gammaBar[n]}. Scratch: {@code a}, {@code aBar} (E each).
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
                // Rates and (stable) the row sums the φ(z) factor needs: u_n = u_{n+1} + Δt φ(z) (cost + drift).
                double out = 0, drift = 0, cost = 0;
                for (int e = start; e < end; e++) {
                    final int y = to[e];
                    final double uy = u[o1 + y];
                    final double q = gamma[gOff + e];
                    final double my = muHat[o + y];
                    final double r = q + (-(c * my) - (uy - ux)) * inv2b;
                    final double ar = r > 0 ? r : 0;
                    a[e] = ar;
                    out += ar;
                    drift += ar * (uy - ux);
                    if (stable) {
                        final double dev = ar - q;
                        cost += b * dev * dev + c * my * ar;
                    }
                }
                double dBar = fb;
                double common = 0;
                double fc = fb;  // cotangent of the running cost
                if (stable) {
                    final double z = dt * out;
                    final double ph = ExitFactor.phi(z);
                    common = fb * (cost + drift) * ExitFactor.dphi(z) * dt;
                    dBar *= ph;
                    fc *= ph;
                }
                double ubx = 0;
                for (int e = start; e < end; e++) {
                    final int y = to[e];
                    final double q = gamma[gOff + e];
                    final double my = muHat[o + y];
                    final double du = u[o1 + y] - ux;
                    final double r = a[e];
                    // ā_e from the drift, plus the running cost b(a − q)² + c μ(y) a.
                    final double move = dBar * r;
                    uBar[o1 + y] += move;
                    ubx -= move;
                    final double dev = r - q;
                    double qBar = -fc * twoB * dev;
                    muHatBar[o + y] += fc * c * r;
                    if (r > 0) {
                        final double ab = dBar * du + common + fc * (twoB * dev + c * my);
                        if (ab != 0) {
                            qBar += ab;
                            final double sv = ab * inv2b;
                            muHatBar[o + y] -= sv * c;
                            uBar[o1 + y] -= sv;
                            ubx += sv;
                        }
                    }
                    gammaBar[gOff + e] += qBar;
                }
                uBar[o1 + x] += ubx;
            }
        }
    }
}
