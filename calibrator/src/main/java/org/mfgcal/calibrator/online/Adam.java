package org.mfgcal.calibrator.online;

import java.util.Arrays;

/**
 * Adam (Kingma and Ba, 2015) on a flat parameter vector: m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g²,
 * θ ← θ − α m̂ / (√v̂ + ε) with bias-corrected m̂, v̂. Its moments are part of the loop's warm state.
 *
 * <p>Not thread-safe; allocates nothing per step.
 */
public final class Adam {
    /** β₁ = 0.9, β₂ = 0.999, ε = 1e-8 as in the paper. */
    public static final double BETA1 = 0.9;
    public static final double BETA2 = 0.999;
    public static final double EPS = 1e-8;

    private final double[] m;
    private final double[] v;
    private long t;

    public Adam(int size) {
        this.m = new double[size];
        this.v = new double[size];
    }

    /** Forgets the moments (a cold start). */
    public void reset() {
        Arrays.fill(m, 0);
        Arrays.fill(v, 0);
        t = 0;
    }

    /** Steps taken since the last reset. */
    public long steps() {
        return t;
    }

    /**
     * One step: {@code theta} (modified) moves against {@code grad} (not modified) with step size {@code rate}.
     */
    public void step(double[] theta, double[] grad, double rate) {
        t++;
        final double c1 = 1 - Math.pow(BETA1, t);
        final double c2 = 1 - Math.pow(BETA2, t);
        final double a = rate * Math.sqrt(c2) / c1;
        final int n = m.length;
        for (int i = 0; i < n; i++) {
            final double g = grad[i];
            final double mi = BETA1 * m[i] + (1 - BETA1) * g;
            final double vi = BETA2 * v[i] + (1 - BETA2) * g * g;
            m[i] = mi;
            v[i] = vi;
            theta[i] -= a * mi / (Math.sqrt(vi) + EPS * Math.sqrt(c2));
        }
    }

    /** Copies the moments and step count of {@code other} (same size) into this optimiser. */
    public void copyFrom(Adam other) {
        System.arraycopy(other.m, 0, m, 0, m.length);
        System.arraycopy(other.v, 0, v, 0, v.length);
        t = other.t;
    }

    /** Writes the moments and step count (warm state, see {@link RegionCalibrator#exportState()}). */
    void writeState(StateCodec.Writer out) {
        out.i64(t).doubles(m).doubles(v);
    }

    /** Reads what {@link #writeState} wrote into this optimiser (same size). */
    void readState(StateCodec.Reader in) {
        t = in.i64("adam.steps");
        in.doubles("adam.m", m);
        in.doubles("adam.v", v);
    }

    /** Moves the moments one row of {@code rowSize} back, like {@link ParameterModel#shift}; the last row keeps its values. */
    public void shift(int rowSize) {
        System.arraycopy(m, rowSize, m, 0, m.length - rowSize);
        System.arraycopy(v, rowSize, v, 0, v.length - rowSize);
    }
}
