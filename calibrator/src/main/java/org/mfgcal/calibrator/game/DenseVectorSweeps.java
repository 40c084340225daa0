package org.mfgcal.calibrator.game;

import org.mfgcal.simd.Rows;

/**
 * {@link MobilityKernels}' sweeps on a {@link Graph#dense} graph with the row loops in vector form ({@link Rows}, used
 * when {@link org.mfgcal.simd.Simd#ENABLED}): per step, the rates' target terms w(y) = −(c·m(y) + u(y))/(2b) once
 * (m = μ̂ in the HJB, ν in the FPK), then per row its rates and sums in one vector loop across the diagonal, and the
 * FPK's spread and the reverse sweeps' cotangent updates over the two runs of targets on either side of it. The row
 * arithmetic around the loops (φ(z), the stay probabilities, the cotangents' common terms) is the scalar kernels'.
 * Equal to the scalar kernels to rounding (the sums are formed in another order), {@code DenseVectorSweepsTest};
 * measured in bench/BENCHMARKS.md (issue 15, ninth pass). Only the stable FPK is here; the plain one stays scalar.
 */
final class DenseVectorSweeps {
    private DenseVectorSweeps() {
    }

    static void hjb(Graph g, int nT, double dt, boolean stable, double[] u, double[] muHat, double[] gamma, double b,
                    double c) {
        final int d = g.states();
        final int ne = g.edges();
        final int[] rs = g.rowStart;
        final double inv2b = 1 / (2 * b);
        final double[] w = new double[d];
        final double[] sums = new double[2];
        for (int n = nT - 2; n >= 0; n--) {
            final int o = n * d;
            final int o1 = o + d;
            final int gOff = n * ne;
            Rows.shifts(muHat, o, u, o1, d, c, inv2b, w);
            for (int x = 0; x < d; x++) {
                final double ux = u[o1 + x];
                final double ax = ux * inv2b;
                final int gb = gOff + rs[x];
                sums[0] = 0;
                sums[1] = 0;
                Rows.hjbRow(gamma, gb, w, x, d - 1, ax, null, 0, sums);
                final double costDrift = b * sums[0];
                u[o + x] = stable ? ux + dt * ExitFactor.phiFast(dt * sums[1]) * costDrift : ux + dt * costDrift;
            }
        }
    }

    /** The stable scheme's forward sweep (as {@link MobilityKernels#fpk}); scratch {@code a} (E), {@code row} (d). */
    static void fpkStable(Graph g, int nT, double dt, double[] u, double[] nu, double[] gamma, double b, double c,
                          double[] a, double[] row) {
        final int d = g.states();
        final int ne = g.edges();
        final int[] rs = g.rowStart;
        final double inv2b = 1 / (2 * b);
        final double[] w = new double[d];
        for (int n = 0; n < nT - 1; n++) {
            final int o = n * d;
            final int o1 = o + d;
            final int gOff = n * ne;
            Rows.shifts(nu, o, u, o, d, c, inv2b, w);
            for (int x = 0; x < d; x++) {
                final double ax = u[o + x] * inv2b;
                final int start = rs[x];
                final double out = Rows.fpkRow(gamma, gOff + start, w, x, d - 1, ax, a, start);
                MobilityKernels.leave(nu, o, o1, x, dt * out, row);
            }
            for (int x = 0; x < d; x++) {
                final double cx = dt * nu[o + x] * row[x];
                if (cx == 0) {
                    continue;
                }
                final int start = rs[x];
                Rows.spread(nu, o1, a, start, x, cx);
                Rows.spread(nu, o1 + x + 1, a, start + x, d - 1 - x, cx);
            }
        }
    }

    static void fpkVjp(Graph g, int nT, double dt, boolean stable, double[] u, double[] nu, double[] gamma,
                       double[] nuBar, double[] uBar, double[] gammaBar, double b, double c, double[] a) {
        final int d = g.states();
        final int ne = g.edges();
        final int[] rs = g.rowStart;
        final double inv2b = 1 / (2 * b);
        final double[] w = new double[d];
        final double[] sums = new double[2];
        for (int n = nT - 2; n >= 0; n--) {
            final int o = n * d;
            final int o1 = o + d;
            final int gOff = n * ne;
            Rows.shifts(nu, o, u, o, d, c, inv2b, w);
            for (int x = 0; x < d; x++) {
                final int start = rs[x];
                final double ax = u[o + x] * inv2b;
                final double nbx = nuBar[o1 + x];
                sums[0] = 0;
                sums[1] = 0;
                Rows.fpkVjpRow(gamma, gOff + start, w, x, d - 1, ax, a, start, nuBar, o1, nbx, sums);
                final double s = sums[0];
                final double nux = nu[o + x];
                final double k;
                double common = 0;
                if (stable) {
                    final double z = dt * sums[1];
                    final double ph = ExitFactor.phiFast(z);
                    common = dt * nux * ExitFactor.dphi(z) * dt * s;
                    k = dt * nux * ph;
                    nuBar[o + x] += nbx + dt * ph * s;
                } else {
                    k = dt * nux;
                    nuBar[o + x] += nbx + dt * s;
                }
                final double ubx = Rows.fpkVjpScatter(a, start, gammaBar, gOff + start, nuBar, o, uBar, o, nuBar, o1, x,
                        k, nbx, common, inv2b, c)
                        + Rows.fpkVjpScatter(a, start + x, gammaBar, gOff + start + x, nuBar, o + x + 1, uBar, o + x + 1,
                        nuBar, o1 + x + 1, d - 1 - x, k, nbx, common, inv2b, c);
                uBar[o + x] += ubx;
            }
        }
    }

    static void hjbVjp(Graph g, int nT, double dt, boolean stable, double[] u, double[] muHat, double[] gamma,
                       double[] uBar, double[] muHatBar, double[] gammaBar, double b, double c, double[] a) {
        final int d = g.states();
        final int ne = g.edges();
        final int[] rs = g.rowStart;
        final double inv2b = 1 / (2 * b);
        final double twoB = 2 * b;
        final double[] w = new double[d];
        final double[] sums = new double[2];
        for (int n = 0; n < nT - 1; n++) {
            final int o = n * d;
            final int o1 = o + d;
            final int gOff = n * ne;
            boolean shifted = false;
            for (int x = 0; x < d; x++) {
                final double bx = uBar[o + x];
                uBar[o1 + x] += bx;
                if (bx == 0) {
                    continue; // f̄ = 0 and ā = 0 on this row: nothing flows back
                }
                if (!shifted) {
                    Rows.shifts(muHat, o, u, o1, d, c, inv2b, w);
                    shifted = true;
                }
                final int start = rs[x];
                final double ax = u[o1 + x] * inv2b;
                final double fb = dt * bx;
                sums[0] = 0;
                sums[1] = 0;
                Rows.hjbRow(gamma, gOff + start, w, x, d - 1, ax, a, start, sums);
                double fc = fb;  // cotangent of the row's cost plus drift
                double common = 0; // cotangent of every active rate (through φ(z) only)
                if (stable) {
                    final double z = dt * sums[1];
                    common = fb * (b * sums[0]) * ExitFactor.dphi(z) * dt;
                    fc *= ExitFactor.phiFast(z);
                }
                final double sv = common * inv2b;
                final double svc = sv * c;
                final double fcc = fc * c;
                final double fc2b = fc * twoB;
                final double ubx = Rows.hjbVjpScatter(a, start, gamma, gOff + start, gammaBar, muHatBar, o, uBar, o1,
                        x, fc, fc2b, fcc, common, svc, sv)
                        + Rows.hjbVjpScatter(a, start + x, gamma, gOff + start + x, gammaBar, muHatBar, o + x + 1, uBar,
                        o1 + x + 1, d - 1 - x, fc, fc2b, fcc, common, svc, sv);
                uBar[o1 + x] += ubx;
            }
        }
    }
}
