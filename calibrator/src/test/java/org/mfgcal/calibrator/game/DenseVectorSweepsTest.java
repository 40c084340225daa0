package org.mfgcal.calibrator.game;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mfgcal.simd.Simd;

/**
 * The vector sweeps on dense graphs ({@link DenseVectorSweeps}) against the scalar kernels ({@link MobilityKernels}),
 * sweep by sweep, on random inputs with part of the rates clipped at 0 and rows of every length around the vector
 * width (d = 2 has runs of 0 and 1 edge; d = 59 is the 59-airport region). Both schemes for the HJB and the VJPs.
 */
class DenseVectorSweepsTest {
    private static final double B = 0.5;
    private static final double C = 0.8;

    @Test
    void testJvm_runsTheVectorKernels() {
        assertTrue(Simd.ENABLED, "the build's test JVMs run with --add-modules jdk.incubator.vector (pom.xml, "
                + "mfgcal.test.jvm); " + Simd.describe());
    }

    /** The parameter check (vector form first) still names the first bad base rate, whatever its position. */
    @Test
    void checkParameters_namesTheBadRate() {
        MobilityGame game = new MobilityGame(Graph.complete(9), B, C, new double[9]);
        int e = game.paramsPerStep();
        double[] gamma = new double[3 * e];
        java.util.Arrays.fill(gamma, 0.1);
        game.checkParameters(gamma, e, 1);
        for (int k : new int[] {0, 3, 37, e - 1}) {
            for (double v : new double[] {Double.NaN, -0.5, Double.POSITIVE_INFINITY}) {
                double[] g = gamma.clone();
                g[e + k] = v;
                IllegalArgumentException ex = org.junit.jupiter.api.Assertions.assertThrows(
                        IllegalArgumentException.class, () -> game.checkParameters(g, e, 1));
                assertTrue(ex.getMessage().startsWith("gamma[1][" + k + "]") && ex.getMessage().contains(" = " + v),
                        ex.getMessage());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3, 5, 6, 9, 13, 59})
    void everySweep_equalsTheScalarKernel(int d) {
        Graph g = Graph.complete(d);
        Random rnd = new Random(d);
        int nT = 7;
        double dt = 0.4;
        int ne = g.edges();
        double[] gamma = fill(rnd, nT * ne, 0.02, 0.2);
        double[] m = fill(rnd, nT * d, 0, 2.0 / d);
        double[] u = fill(rnd, nT * d, -0.6, 0.6); // spread: some rates clip at 0
        int clipped = 0;
        for (int e = 0; e < ne; e++) {
            double r = gamma[e] + (-C * m[g.to(e)] - (u[g.to(e)] - u[g.from(e)])) / (2 * B);
            clipped += r <= 0 ? 1 : 0;
        }
        assertTrue(d == 2 || clipped > 0, "no clipped rate: the test would not cover the clip");
        for (boolean stable : new boolean[] {true, false}) {
            String at = "d=" + d + (stable ? " stable" : " plain");
            double[] us = u.clone();
            double[] uv = u.clone();
            MobilityKernels.hjb(g, nT, dt, stable, us, m, gamma, B, C);
            DenseVectorSweeps.hjb(g, nT, dt, stable, uv, m, gamma, B, C);
            close(us, uv, 1e-13, at + " hjb");

            if (stable) {
                double[] ns = m.clone();
                double[] nv = m.clone();
                MobilityKernels.fpk(g, nT, dt, true, u, ns, gamma, B, C, new double[ne], new double[d]);
                DenseVectorSweeps.fpkStable(g, nT, dt, u, nv, gamma, B, C, new double[ne], new double[d]);
                close(ns, nv, 1e-13, at + " fpk");
            }

            double[] seed = fill(rnd, nT * d, -1, 1);
            double[][] s = {seed.clone(), new double[nT * d], new double[nT * ne]};
            double[][] v = {seed.clone(), new double[nT * d], new double[nT * ne]};
            MobilityKernels.fpkVjp(g, nT, dt, stable, u, m, gamma, s[0], s[1], s[2], B, C, new double[ne],
                    new double[ne]);
            DenseVectorSweeps.fpkVjp(g, nT, dt, stable, u, m, gamma, v[0], v[1], v[2], B, C, new double[ne]);
            for (int k = 0; k < 3; k++) {
                close(s[k], v[k], 1e-12, at + " fpkVjp output " + k);
            }

            double[] uBarSeed = fill(rnd, nT * d, -1, 1);
            uBarSeed[3 % d] = 0; // a row with no cotangent is skipped
            double[][] hs = {uBarSeed.clone(), new double[nT * d], new double[nT * ne]};
            double[][] hv = {uBarSeed.clone(), new double[nT * d], new double[nT * ne]};
            MobilityKernels.hjbVjp(g, nT, dt, stable, u, m, gamma, hs[0], hs[1], hs[2], B, C, new double[ne],
                    new double[ne]);
            DenseVectorSweeps.hjbVjp(g, nT, dt, stable, u, m, gamma, hv[0], hv[1], hv[2], B, C, new double[ne]);
            for (int k = 0; k < 3; k++) {
                close(hs[k], hv[k], 1e-12, at + " hjbVjp output " + k);
            }
        }
    }

    private static double[] fill(Random rnd, int n, double lo, double hi) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = lo + (hi - lo) * rnd.nextDouble();
        }
        return a;
    }

    /** Largest difference relative to the largest magnitude of the scalar result. */
    private static void close(double[] scalar, double[] vector, double tol, String what) {
        double scale = 0;
        double diff = 0;
        for (int i = 0; i < scalar.length; i++) {
            assertTrue(Double.isFinite(vector[i]), what + ": entry " + i + " is " + vector[i]);
            scale = Math.max(scale, Math.abs(scalar[i]));
            diff = Math.max(diff, Math.abs(scalar[i] - vector[i]));
        }
        assertTrue(scale > 0, what + ": all zero, nothing compared");
        assertTrue(diff <= tol * scale, what + ": max difference " + diff + " at scale " + scale);
    }
}
