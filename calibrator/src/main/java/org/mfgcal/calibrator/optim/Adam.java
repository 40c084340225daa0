package org.mfgcal.calibrator.optim;

import java.util.Arrays;
import org.mfgcal.calibrator.io.StateCodec;

/**
 * Adam (Kingma and Ba, 2015) on a flat parameter vector: m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g²,
 * θ ← θ − α m̂ / (√v̂ + ε) with bias-corrected m̂, v̂, computed as the paper's efficient form
 * θ ← θ − α_t m / (√v + ε̂) with α_t = α√(1−β₂ᵗ)/(1−β₁ᵗ) and ε̂ = ε√(1−β₂ᵗ). Shared by offline training
 * ({@code calibrate.Trainer}) and the online loop, whose warm state includes the moments ({@link #writeState}).
 *
 * <p>Not thread-safe; allocates nothing per step.
 */
public final class Adam {
    /** Learning rate of the offline reference protocol (docs/MODEL.md §4), the default of {@link #Adam(int)}. */
    public static final double LEARNING_RATE = 5e-3;
    /** β₁ = 0.9, β₂ = 0.999, ε = 1e-8 as in the paper. */
    public static final double BETA1 = 0.9;
    public static final double BETA2 = 0.999;
    public static final double EPS = 1e-8;

    private final double lr;
    private final double[] m;
    private final double[] v;
    private long t;

    /**
     * @param size         parameters
     * @param learningRate step size α of {@link #step(double[], double[])} (&gt; 0, finite)
     */
    public Adam(int size, double learningRate) {
        if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
            throw new IllegalArgumentException("learning rate = " + learningRate + ": must be > 0");
        }
        this.lr = learningRate;
        this.m = new double[size];
        this.v = new double[size];
    }

    /** An optimiser with the default {@link #LEARNING_RATE}. */
    public Adam(int size) {
        this(size, LEARNING_RATE);
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

    /** One step with the constructor's learning rate; {@code theta} modified, {@code grad} not modified. */
    public void step(double[] theta, double[] grad) {
        step(theta, grad, lr);
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

    /** Moves the moments one row of {@code rowSize} back as a window slides; the last row keeps its values. */
    public void shift(int rowSize) {
        System.arraycopy(m, rowSize, m, 0, m.length - rowSize);
        System.arraycopy(v, rowSize, v, 0, v.length - rowSize);
    }

    /** The moments and step count (saved with an offline model, {@code calibrate.Model.Saved}). */
    public State state() {
        return new State(m.clone(), v.clone(), t);
    }

    /** Sets the moments and step count from {@link #state()} of an optimiser of the same size. */
    public void restore(State s) {
        if (s.m().length != m.length || s.v().length != v.length) {
            throw new IllegalArgumentException("Adam state has " + s.m().length + " weights, optimiser has " + m.length);
        }
        System.arraycopy(s.m(), 0, m, 0, m.length);
        System.arraycopy(s.v(), 0, v, 0, v.length);
        t = s.t();
    }

    /** Writes the moments and step count (the online warm state). */
    public void writeState(StateCodec.Writer out) {
        out.i64(t).doubles(m).doubles(v);
    }

    /** Reads what {@link #writeState} wrote into this optimiser (same size). */
    public void readState(StateCodec.Reader in) {
        t = in.i64("adam.steps");
        in.doubles("adam.m", m);
        in.doubles("adam.v", v);
    }

    /** Serialisable optimiser state. */
    /** Writes the state of a fresh optimiser of {@code size} parameters (zero moments, no step) without one. */
    public static void writeZero(StateCodec.Writer out, int size) {
        double[] zero = new double[size];
        out.i64(0).doubles(zero).doubles(zero);
    }

    /**
     * Reads what {@link #writeState} wrote for {@code size} parameters: null when it is a fresh optimiser's state
     * (no step, every moment +0.0), else the optimiser it describes.
     */
    public static Adam readUnlessZero(StateCodec.Reader in, int size) {
        Adam read = new Adam(size);
        read.readState(in);
        return read.t != 0 || !zero(read.m) || !zero(read.v) ? read : null;
    }

    private static boolean zero(double[] a) {
        for (double v : a) {
            if (v != 0 || 1 / v < 0) {
                return false;
            }
        }
        return true;
    }

    public record State(double[] m, double[] v, long t) {
    }
}
