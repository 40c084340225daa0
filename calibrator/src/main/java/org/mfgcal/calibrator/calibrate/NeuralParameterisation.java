package org.mfgcal.calibrator.calibrate;

import org.mfgcal.calibrator.neural.Network;

/**
 * γ_n = net([time features_n, μ_n]) (μ_n left out when {@code useMu} is false), the network run once on all
 * count·N rows of a batch. With the reference network ({@code MlpSpec}: 64 → ReLU → 64 → ReLU → p → softplus + 0.1)
 * this is docs/MODEL.md §4's γθ(t, μ_t). Not thread-safe (the network and the row buffers are per instance).
 */
public final class NeuralParameterisation implements Parameterisation {
    private final Network net;
    private final int steps, f, d, p;
    private final boolean useMu;
    private double[] rows = new double[0];
    private double[] rowsBar = new double[0];

    public NeuralParameterisation(Network net, int steps, int timeFeatures, int states, boolean useMu) {
        int expected = timeFeatures + (useMu ? states : 0);
        if (net.inputs() != expected) {
            throw new IllegalArgumentException("network has " + net.inputs() + " inputs, expected " + expected
                    + " (" + timeFeatures + " time features" + (useMu ? " + " + states + " states" : "") + ")");
        }
        this.net = net;
        this.steps = steps;
        this.f = timeFeatures;
        this.d = states;
        this.p = net.outputs();
        this.useMu = useMu;
    }

    public Network network() {
        return net;
    }

    private int width() {
        return f + (useMu ? d : 0);
    }

    private double[] pack(Inputs[] in, int count) {
        final int w = width();
        int need = count * steps * w;
        if (rows.length != need) {
            rows = new double[need];
        }
        for (int i = 0; i < count; i++) {
            for (int n = 0; n < steps; n++) {
                int r = (i * steps + n) * w;
                System.arraycopy(in[i].time(), n * f, rows, r, f);
                if (useMu) {
                    System.arraycopy(in[i].mu(), n * d, rows, r + f, d);
                }
            }
        }
        return rows;
    }

    @Override
    public int paramsPerStep() {
        return p;
    }

    @Override
    public int size() {
        return net.size();
    }

    @Override
    public boolean dependsOnMu() {
        return useMu;
    }

    @Override
    public void gamma(double[] theta, Inputs[] in, int count, double[] out) {
        net.forward(theta, pack(in, count), count * steps, out);
    }

    @Override
    public void backprop(double[] theta, Inputs[] in, int count, double[] gammaBar, double[] thetaGrad) {
        net.backward(theta, pack(in, count), count * steps, gammaBar, thetaGrad, null);
    }

    @Override
    public void muVjp(double[] theta, Inputs in, double[] gammaBar, double[] muBar) {
        if (!useMu) {
            return;
        }
        double[] x = pack(new Inputs[] {in}, 1);
        final int w = width();
        if (rowsBar.length != steps * w) {
            rowsBar = new double[steps * w];
        }
        net.backward(theta, x, steps, gammaBar, new double[net.size()], rowsBar);
        for (int n = 0; n < steps; n++) {
            for (int x2 = 0; x2 < d; x2++) {
                muBar[n * d + x2] += rowsBar[n * w + f + x2];
            }
        }
    }
}
