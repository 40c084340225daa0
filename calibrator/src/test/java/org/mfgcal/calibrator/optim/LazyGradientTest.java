package org.mfgcal.calibrator.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The quasi-Newton driver with lazy line-search gradients ({@link Descent.Problem#value} and
 * {@link Descent.Problem#gradientOfValue}) against the same driver computing every trial's gradient: the same
 * iterates bit for bit, and fewer gradient computations when trials are rejected.
 */
class LazyGradientTest {
    /** An extended Rosenbrock function (rejected unit steps are common on it), with a gradient counter. */
    static class Rosenbrock implements Descent.Problem {
        final double[] g;
        double[] lastX;
        int gradients;

        Rosenbrock(int n) {
            g = new double[n];
        }

        static double f(double[] x) {
            double v = 0;
            for (int i = 0; i + 1 < x.length; i++) {
                final double a = x[i + 1] - x[i] * x[i];
                final double b = 1 - x[i];
                v += 100 * a * a + b * b;
            }
            return v;
        }

        void grad(double[] x) {
            gradients++;
            java.util.Arrays.fill(g, 0);
            for (int i = 0; i + 1 < x.length; i++) {
                final double a = x[i + 1] - x[i] * x[i];
                g[i] += -400 * a * x[i] - 2 * (1 - x[i]);
                g[i + 1] += 200 * a;
            }
        }

        @Override
        public double evaluate(double[] x) {
            grad(x);
            return f(x);
        }

        @Override
        public double[] gradient() {
            return g;
        }

        @Override
        public void evaluated() {
        }

        @Override
        public void best() {
        }

        @Override
        public void restart() {
        }
    }

    /** The same function answering the line search's trials without their gradient. */
    static final class LazyRosenbrock extends Rosenbrock {
        LazyRosenbrock(int n) {
            super(n);
        }

        @Override
        public double value(double[] x) {
            lastX = x.clone();
            return f(x);
        }

        @Override
        public boolean gradientOfValue() {
            grad(lastX);
            return true;
        }
    }

    @Test
    void lazyTrialsGiveTheSameIteratesWithFewerGradients() {
        final int n = 6;
        double[] x0 = {-1.2, 1, -1.2, 1, 0.5, -0.3};
        Descent.Problem[] problems = {new Rosenbrock(n), new LazyRosenbrock(n)};
        double[][] xs = new double[2][];
        int[] steps = new int[2];
        double[] best = new double[2];
        for (int k = 0; k < 2; k++) {
            Descent dsc = new Descent(n);
            double[] x = x0.clone();
            steps[k] = dsc.quasiNewton(problems[k], x, new Lbfgs(n, 5), (q, z) -> System.arraycopy(q, 0, z, 0, n),
                    60, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, 1e-14, 2.0, 1e-8);
            xs[k] = x;
            best[k] = dsc.bestObjective();
        }
        assertEquals(steps[0], steps[1]);
        assertArrayEquals(xs[0], xs[1], 0.0);
        assertEquals(best[0], best[1], 0.0);
        assertTrue(best[0] < 0.5 * Rosenbrock.f(x0), "the driver made progress: " + best[0]);
        int eager = ((Rosenbrock) problems[0]).gradients;
        int lazy = ((Rosenbrock) problems[1]).gradients;
        // Eager: one gradient per evaluation; lazy: the first and one per accepted step.
        assertEquals(steps[1] + 1, lazy);
        assertTrue(lazy < eager, "lazy " + lazy + " gradients, eager " + eager);
    }
}
