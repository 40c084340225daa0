package org.mfgcal.calibrator.neural;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The ND4J network against the independent plain-Java one (same maths, separate code), and both backward passes
 * against central finite differences of the forward pass.
 */
class NetworkTest {
    static final double AGREE_TOL = 1e-12;
    static final double FD_TOL = 1e-6;
    static final int ROWS = 37;

    private static double[] randn(Random r, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextGaussian();
        }
        return v;
    }

    @ParameterizedTest
    @EnumSource(MlpSpec.Output.class)
    void nd4jMlp_matchesJavaMlp_forwardAndBackward(MlpSpec.Output out) {
        MlpSpec spec = new MlpSpec(4, 64, 3, out, 0.1);
        Random r = new Random(1);
        double[] th = spec.initialWeights(r, 1.0);
        double[] x = randn(r, ROWS * 4);
        double[] ybar = randn(r, ROWS * 3);
        Network a = new Nd4jMlp(spec);
        Network b = new JavaMlp(spec);
        double[] ya = new double[ROWS * 3], yb = new double[ROWS * 3];
        a.forward(th, x, ROWS, ya);
        b.forward(th, x, ROWS, yb);
        double[] ga = new double[spec.size()], gb = new double[spec.size()];
        double[] xa = new double[ROWS * 4], xb = new double[ROWS * 4];
        a.backward(th, x, ROWS, ybar, ga, xa);
        b.backward(th, x, ROWS, ybar, gb, xb);
        assertTrue(maxRel(ya, yb) <= AGREE_TOL, "forward differs: " + maxRel(ya, yb));
        assertTrue(maxRel(ga, gb) <= AGREE_TOL, "weight gradient differs: " + maxRel(ga, gb));
        assertTrue(maxRel(xa, xb) <= AGREE_TOL, "input gradient differs: " + maxRel(xa, xb));
        // a second call reuses the workspace and must give the same numbers
        double[] ya2 = new double[ROWS * 3];
        a.forward(th, x, ROWS, ya2);
        assertEquals(0.0, maxRel(ya2, ya));
    }

    /**
     * One instance used at several row counts in turn (training batch, validation split, one trajectory): each call
     * must match the Java twin, and a backward pass must not reuse the activations of another row count's forward.
     */
    @org.junit.jupiter.api.Test
    void nd4jMlp_interleavedRowCounts_matchJavaMlp() {
        MlpSpec spec = new MlpSpec(4, 64, 1, MlpSpec.Output.SOFTPLUS, 0.1);
        Random r = new Random(3);
        double[] th = spec.initialWeights(r, 1.0);
        Network a = new Nd4jMlp(spec);
        Network b = new JavaMlp(spec);
        int[] rowCounts = {1000, 100, 2000, 1000, 37, 100};
        double[][] xs = new double[rowCounts.length][];
        for (int c = 0; c < rowCounts.length; c++) {
            int rows = rowCounts[c];
            xs[c] = randn(r, rows * 4);
            double[] ybar = randn(r, rows);
            double[] ya = new double[rows], yb = new double[rows];
            a.forward(th, xs[c], rows, ya);
            b.forward(th, xs[c], rows, yb);
            assertTrue(maxRel(ya, yb) <= AGREE_TOL, rows + " rows: forward differs: " + maxRel(ya, yb));
            double[] ga = new double[spec.size()], gb = new double[spec.size()];
            double[] xa = new double[rows * 4], xb = new double[rows * 4];
            a.backward(th, xs[c], rows, ybar, ga, c % 2 == 0 ? null : xa);
            b.backward(th, xs[c], rows, ybar, gb, c % 2 == 0 ? null : xb);
            assertTrue(maxRel(ga, gb) <= AGREE_TOL, rows + " rows: weight gradient differs: " + maxRel(ga, gb));
            assertTrue(maxRel(xa, xb) <= AGREE_TOL, rows + " rows: input gradient differs: " + maxRel(xa, xb));
        }
        // backward at 1000 rows right after a forward at 100 rows (other buffers, other inputs): must recompute
        double[] ybar = randn(r, 1000);
        double[] ga = new double[spec.size()], gb = new double[spec.size()];
        a.forward(th, xs[1], 100, new double[100]);
        a.backward(th, xs[0], 1000, ybar, ga, null);
        b.backward(th, xs[0], 1000, ybar, gb, null);
        assertTrue(maxRel(ga, gb) <= AGREE_TOL, "stale activations: " + maxRel(ga, gb));
        // and after the weights changed in place (the optimiser's update)
        th[5] += 0.25;
        java.util.Arrays.fill(ga, 0);
        java.util.Arrays.fill(gb, 0);
        a.backward(th, xs[0], 1000, ybar, ga, null);
        b.backward(th, xs[0], 1000, ybar, gb, null);
        assertTrue(maxRel(ga, gb) <= AGREE_TOL, "stale weights: " + maxRel(ga, gb));
    }

    @ParameterizedTest
    @EnumSource(MlpSpec.Output.class)
    void nd4jMlp_backward_matchesFiniteDifferences(MlpSpec.Output out) {
        MlpSpec spec = new MlpSpec(3, 16, 2, out, 0.1);
        Random r = new Random(2);
        double[] th = spec.initialWeights(r, 0.7);
        for (int i = 0; i < th.length; i++) {
            th[i] += 0.1 * r.nextGaussian();
        }
        int rows = 9;
        double[] x = randn(r, rows * 3);
        double[] ybar = randn(r, rows * 2);
        Network net = new Nd4jMlp(spec);
        double[] g = new double[spec.size()], xb = new double[rows * 3];
        net.backward(th, x, rows, ybar, g, xb);
        double maxDiff = 0, maxRef = 0;
        for (int i = 0; i < th.length; i += 7) {
            double fd = fd(net, th, x, rows, ybar, i, true);
            maxDiff = Math.max(maxDiff, Math.abs(fd - g[i]));
            maxRef = Math.max(maxRef, Math.abs(g[i]));
        }
        for (int i = 0; i < x.length; i++) {
            double fd = fd(net, th, x, rows, ybar, i, false);
            maxDiff = Math.max(maxDiff, Math.abs(fd - xb[i]));
            maxRef = Math.max(maxRef, Math.abs(xb[i]));
        }
        assertTrue(maxDiff / maxRef <= FD_TOL, "rel err " + maxDiff / maxRef);
    }

    /** d/dv of ȳ·f(θ, x) for entry i of θ (or of x). */
    private static double fd(Network net, double[] th, double[] x, int rows, double[] ybar, int i, boolean weight) {
        double h = 1e-6;
        double[] t = th.clone(), xx = x.clone();
        double[] target = weight ? t : xx;
        double v = target[i];
        double[] y = new double[ybar.length];
        target[i] = v + h;
        net.forward(t, xx, rows, y);
        double plus = dot(y, ybar);
        target[i] = v - h;
        net.forward(t, xx, rows, y);
        double minus = dot(y, ybar);
        return (plus - minus) / (2 * h);
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    static double maxRel(double[] a, double[] b) {
        double num = 0, den = 0;
        for (int i = 0; i < a.length; i++) {
            num = Math.max(num, Math.abs(a[i] - b[i]));
            den = Math.max(den, Math.abs(b[i]));
        }
        return den == 0 ? num : num / den;
    }
}
