package org.mfgcal.calibrator.neural;

/**
 * The {@link MlpSpec} network in plain Java loops: the independent implementation the ND4J network
 * ({@link Nd4jMlp}) is tested against, and the other side of the ND4J-vs-plain-Java benchmark
 * ({@code bench/.../MlpBenchmark}). Same maths, same weight layout. Not thread-safe (scratch grows with the batch).
 */
public final class JavaMlp implements Network {
    private final MlpSpec s;
    private double[] z1 = new double[0], h1 = new double[0], z2 = new double[0], h2 = new double[0], z3 = new double[0];
    private double[] d1 = new double[0], d2 = new double[0], d3 = new double[0];
    private double[] cachedTheta = new double[0], cachedX = new double[0];
    private int cachedRows = -1;

    public JavaMlp(MlpSpec spec) {
        this.s = spec;
    }

    public MlpSpec spec() {
        return s;
    }

    @Override
    public int inputs() {
        return s.inputs();
    }

    @Override
    public int outputs() {
        return s.outputs();
    }

    @Override
    public int size() {
        return s.size();
    }

    private void ensure(int rows) {
        int h = s.hidden();
        if (z1.length < rows * h) {
            z1 = new double[rows * h];
            h1 = new double[rows * h];
            z2 = new double[rows * h];
            h2 = new double[rows * h];
            d1 = new double[rows * h];
            d2 = new double[rows * h];
        }
        if (z3.length < rows * s.outputs()) {
            z3 = new double[rows * s.outputs()];
            d3 = new double[rows * s.outputs()];
        }
    }

    /** out[r, j] = Σ_i in[r, i] W[i, j] + b[j]. */
    private static void dense(double[] in, int rows, int nIn, double[] th, int wOff, int bOff, int nOut, double[] out) {
        for (int r = 0; r < rows; r++) {
            final int o = r * nOut;
            for (int j = 0; j < nOut; j++) {
                out[o + j] = th[bOff + j];
            }
            for (int i = 0; i < nIn; i++) {
                final double v = in[r * nIn + i];
                if (v == 0) {
                    continue;
                }
                final int w = wOff + i * nOut;
                for (int j = 0; j < nOut; j++) {
                    out[o + j] += v * th[w + j];
                }
            }
        }
    }

    private void run(double[] th, double[] x, int rows) {
        ensure(rows);
        int h = s.hidden();
        dense(x, rows, s.inputs(), th, s.offW1(), s.offB1(), h, z1);
        for (int i = 0; i < rows * h; i++) {
            h1[i] = Math.max(0, z1[i]);
        }
        dense(h1, rows, h, th, s.offW2(), s.offB2(), h, z2);
        for (int i = 0; i < rows * h; i++) {
            h2[i] = Math.max(0, z2[i]);
        }
        dense(h2, rows, h, th, s.offW3(), s.offB3(), s.outputs(), z3);
        cachedTheta = th.clone();
        cachedX = java.util.Arrays.copyOf(x, rows * s.inputs());
        cachedRows = rows;
    }

    private boolean cached(double[] th, double[] x, int rows) {
        int n = rows * s.inputs();
        return rows == cachedRows && java.util.Arrays.equals(th, cachedTheta)
                && java.util.Arrays.equals(x, 0, n, cachedX, 0, n);
    }

    @Override
    public void forward(double[] theta, double[] x, int rows, double[] out) {
        run(theta, x, rows);
        int n = rows * s.outputs();
        boolean sp = s.output() == MlpSpec.Output.SOFTPLUS;
        for (int i = 0; i < n; i++) {
            out[i] = sp ? Activations.softplus(z3[i]) + s.floor() : z3[i];
        }
    }

    @Override
    public void backward(double[] theta, double[] x, int rows, double[] outBar, double[] thetaGrad, double[] xBar) {
        if (!cached(theta, x, rows)) {
            run(theta, x, rows);
        }
        final int h = s.hidden(), nOut = s.outputs(), nIn = s.inputs();
        boolean sp = s.output() == MlpSpec.Output.SOFTPLUS;
        for (int i = 0; i < rows * nOut; i++) {
            d3[i] = sp ? outBar[i] * Activations.sigmoid(z3[i]) : outBar[i];
        }
        backDense(h2, rows, h, theta, s.offW3(), s.offB3(), nOut, d3, thetaGrad, d2);
        for (int i = 0; i < rows * h; i++) {
            if (z2[i] <= 0) {
                d2[i] = 0;
            }
        }
        backDense(h1, rows, h, theta, s.offW2(), s.offB2(), h, d2, thetaGrad, d1);
        for (int i = 0; i < rows * h; i++) {
            if (z1[i] <= 0) {
                d1[i] = 0;
            }
        }
        backDense(x, rows, nIn, theta, s.offW1(), s.offB1(), h, d1, thetaGrad, xBar);
    }

    /** dW += inᵀ·dOut, db += Σ_r dOut, dIn = dOut·Wᵀ (when dIn is not null). */
    private static void backDense(double[] in, int rows, int nIn, double[] th, int wOff, int bOff, int nOut,
                                  double[] dOut, double[] grad, double[] dIn) {
        for (int r = 0; r < rows; r++) {
            final int o = r * nOut;
            for (int j = 0; j < nOut; j++) {
                grad[bOff + j] += dOut[o + j];
            }
            for (int i = 0; i < nIn; i++) {
                final double v = in[r * nIn + i];
                final int w = wOff + i * nOut;
                double acc = 0;
                for (int j = 0; j < nOut; j++) {
                    final double g = dOut[o + j];
                    grad[w + j] += v * g;
                    acc += g * th[w + j];
                }
                if (dIn != null) {
                    dIn[r * nIn + i] = acc;
                }
            }
        }
    }
}
