package org.mfgcal.calibrator.calibrate;

import java.util.List;

/**
 * Column blocks side by side: γ_n = [γ¹_n, γ²_n, …] with θ = [θ¹, θ², …] — e.g. mobility base rates q(t) from a table
 * next to the interaction reward C(t, μ) from a network.
 */
public final class StackedParameterisation implements Parameterisation {
    private final List<Parameterisation> blocks;
    private final int steps, p, size;
    private double[][] bufs = new double[0][];

    public StackedParameterisation(List<Parameterisation> blocks, int steps) {
        this.blocks = List.copyOf(blocks);
        this.steps = steps;
        int pp = 0, ss = 0;
        for (Parameterisation b : blocks) {
            pp += b.paramsPerStep();
            ss += b.size();
        }
        this.p = pp;
        this.size = ss;
    }

    public List<Parameterisation> blocks() {
        return blocks;
    }

    /** Offset of block {@code i}'s weights in θ. */
    public int weightOffset(int i) {
        int o = 0;
        for (int j = 0; j < i; j++) {
            o += blocks.get(j).size();
        }
        return o;
    }

    @Override
    public int paramsPerStep() {
        return p;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public boolean dependsOnMu() {
        return blocks.stream().anyMatch(Parameterisation::dependsOnMu);
    }

    private double[] buf(int i, int n) {
        if (bufs.length != blocks.size()) {
            bufs = new double[blocks.size()][0];
        }
        if (bufs[i].length != n) {
            bufs[i] = new double[n];
        }
        return bufs[i];
    }

    private double[] slice(double[] theta, int i, double[] dst) {
        System.arraycopy(theta, weightOffset(i), dst, 0, dst.length);
        return dst;
    }

    @Override
    public void gamma(double[] theta, Inputs[] in, int count, double[] out) {
        int col = 0;
        for (int i = 0; i < blocks.size(); i++) {
            Parameterisation b = blocks.get(i);
            int pb = b.paramsPerStep();
            double[] g = new double[count * steps * pb];
            b.gamma(slice(theta, i, new double[b.size()]), in, count, g);
            for (int r = 0; r < count * steps; r++) {
                System.arraycopy(g, r * pb, out, r * p + col, pb);
            }
            col += pb;
        }
    }

    @Override
    public void backprop(double[] theta, Inputs[] in, int count, double[] gammaBar, double[] thetaGrad) {
        int col = 0;
        for (int i = 0; i < blocks.size(); i++) {
            Parameterisation b = blocks.get(i);
            int pb = b.paramsPerStep();
            double[] gb = buf(i, count * steps * pb);
            for (int r = 0; r < count * steps; r++) {
                System.arraycopy(gammaBar, r * p + col, gb, r * pb, pb);
            }
            double[] tg = new double[b.size()];
            b.backprop(slice(theta, i, new double[b.size()]), in, count, gb, tg);
            int off = weightOffset(i);
            for (int k = 0; k < tg.length; k++) {
                thetaGrad[off + k] += tg[k];
            }
            col += pb;
        }
    }

    @Override
    public void muVjp(double[] theta, Inputs in, double[] gammaBar, double[] muBar) {
        int col = 0;
        for (int i = 0; i < blocks.size(); i++) {
            Parameterisation b = blocks.get(i);
            int pb = b.paramsPerStep();
            if (b.dependsOnMu()) {
                double[] gb = new double[steps * pb];
                for (int r = 0; r < steps; r++) {
                    System.arraycopy(gammaBar, r * p + col, gb, r * pb, pb);
                }
                b.muVjp(slice(theta, i, new double[b.size()]), in, gb, muBar);
            }
            col += pb;
        }
    }

    @Override
    public double penalty(double[] theta, double[] thetaGrad) {
        double s = 0;
        for (int i = 0; i < blocks.size(); i++) {
            Parameterisation b = blocks.get(i);
            double[] tg = new double[b.size()];
            s += b.penalty(slice(theta, i, new double[b.size()]), tg);
            int off = weightOffset(i);
            for (int k = 0; k < tg.length; k++) {
                thetaGrad[off + k] += tg[k];
            }
        }
        return s;
    }
}
