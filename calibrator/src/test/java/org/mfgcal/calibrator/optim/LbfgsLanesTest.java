package org.mfgcal.calibrator.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;
import org.mfgcal.simd.Lanes;
import org.mfgcal.simd.Simd;

/**
 * The vector passes of the L-BFGS memory ({@link Lanes}) give the scalar loops' results bit for bit: four partial
 * sums over i ≡ k (mod 4), the tail added to the first, combined as (s0 + s1) + (s2 + s3), written out here once more
 * as the reference. Lengths around the vector width and one of the size of the 59-airport region's parameters.
 */
class LbfgsLanesTest {
    private static final int[] LENGTHS = {0, 1, 3, 4, 5, 7, 8, 9, 13, 1001, 78_706};

    @Test
    void vectorPasses_equalTheScalarSumsBitForBit() {
        assertTrue(Simd.ENABLED, Simd.describe());
        Random rnd = new Random(7);
        for (int n : LENGTHS) {
            double[] a = random(rnd, n);
            double[] b = random(rnd, n);
            double[] x = random(rnd, n);
            assertEquals(Double.doubleToLongBits(dot(a, b)), Double.doubleToLongBits(Lanes.dot(a, b)), "dot n=" + n);
            assertEquals(Double.doubleToLongBits(dot(a, b)), Double.doubleToLongBits(Lbfgs.dot(a, b)), "Lbfgs.dot n=" + n);

            double[] q = new double[n];
            assertEquals(Double.doubleToLongBits(dot(b, a)), Double.doubleToLongBits(Lanes.copyDot(a, b, q)),
                    "copyDot n=" + n);
            assertArrayEquals(a, q, "copyDot's copy n=" + n);

            double[] v = a.clone();
            double[] ref = a.clone();
            for (int i = 0; i < n; i++) {
                ref[i] = ref[i] + -0.37 * x[i];
            }
            double got = Lanes.axpyDot(-0.37, x, b, v);
            assertArrayEquals(ref, v, "axpyDot's update n=" + n);
            assertEquals(Double.doubleToLongBits(dot(b, ref)), Double.doubleToLongBits(got), "axpyDot n=" + n);

            double[] sums = new double[3];
            Lanes.curvature(a, b, sums);
            assertEquals(Double.doubleToLongBits(dot(a, b)), Double.doubleToLongBits(sums[0]), "sᵀy n=" + n);
            assertEquals(Double.doubleToLongBits(dot(a, a)), Double.doubleToLongBits(sums[1]), "sᵀs n=" + n);
            assertEquals(Double.doubleToLongBits(dot(b, b)), Double.doubleToLongBits(sums[2]), "yᵀy n=" + n);
        }
    }

    @Test
    void squaredDistance_fourLaneSumsOfFusedSquares() {
        Random rnd = new Random(11);
        for (int n : LENGTHS) {
            double[] x = random(rnd, n + 5);
            double[] y = random(rnd, n + 3);
            double[] p = new double[4];
            int i = 0;
            for (; i + 3 < n; i += 4) {
                for (int k = 0; k < 4; k++) {
                    double dv = x[5 + i + k] - y[3 + i + k];
                    p[k] = Math.fma(dv, dv, p[k]);
                }
            }
            for (; i < n; i++) {
                double dv = x[5 + i] - y[3 + i];
                p[0] = Math.fma(dv, dv, p[0]);
            }
            double expected = (p[0] + p[1]) + (p[2] + p[3]);
            assertEquals(Double.doubleToLongBits(expected), Double.doubleToLongBits(Lanes.squaredDistance(x, 5, y, 3, n)),
                    "n=" + n);
        }
    }

    @Test
    void finiteNonNegative_findsEveryBadValueAtEveryPosition() {
        double[] bad = {-1e-300, -1, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
        for (int n : new int[] {1, 3, 4, 5, 9, 58}) {
            double[] a = new double[n + 2];
            java.util.Arrays.fill(a, 0.25);
            a[1] = -0.0; // allowed, as the scalar check allows it
            assertTrue(Lanes.finiteNonNegative(a, 1, n), "all valid, n=" + n);
            for (int at = 0; at < n; at++) {
                for (double v : bad) {
                    double[] b = a.clone();
                    b[1 + at] = v;
                    assertEquals(false, Lanes.finiteNonNegative(b, 1, n), v + " at " + at + ", n=" + n);
                }
            }
            a[0] = Double.NaN; // outside the range
            a[n + 1] = -1;
            assertTrue(Lanes.finiteNonNegative(a, 1, n), "values outside the range count, n=" + n);
        }
    }

    /** The scalar loops' order of summation. */
    private static double dot(double[] a, double[] b) {
        double[] p = new double[4];
        int n = a.length;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            for (int k = 0; k < 4; k++) {
                p[k] += a[i + k] * b[i + k];
            }
        }
        for (; i < n; i++) {
            p[0] += a[i] * b[i];
        }
        return (p[0] + p[1]) + (p[2] + p[3]);
    }

    private static double[] random(Random rnd, int n) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = rnd.nextGaussian() * Math.exp(4 * rnd.nextGaussian()); // magnitudes spread: rounding matters
        }
        return a;
    }
}
