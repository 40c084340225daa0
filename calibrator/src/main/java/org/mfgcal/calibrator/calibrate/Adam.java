package org.mfgcal.calibrator.calibrate;

/**
 * Adam (Kingma &amp; Ba) on a flat weight vector, with bias correction. The reference protocol's constants are
 * defined here, once. A step allocates nothing. Not thread-safe.
 */
public final class Adam {
    /** Learning rate of the reference protocol (docs/MODEL.md §4). */
    public static final double LEARNING_RATE = 5e-3;
    public static final double BETA1 = 0.9;
    public static final double BETA2 = 0.999;
    public static final double EPSILON = 1e-8;

    private final double lr;
    private final double[] m;
    private final double[] v;
    private long t;

    public Adam(int size, double learningRate) {
        if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
            throw new IllegalArgumentException("learning rate = " + learningRate + ": must be > 0");
        }
        this.lr = learningRate;
        this.m = new double[size];
        this.v = new double[size];
    }

    public Adam(int size) {
        this(size, LEARNING_RATE);
    }

    /** θ ← θ − lr·m̂/(√v̂ + ε). {@code theta} modified, {@code grad} not modified. */
    public void step(double[] theta, double[] grad) {
        t++;
        final double c1 = 1 - Math.pow(BETA1, t);
        final double c2 = 1 - Math.pow(BETA2, t);
        for (int i = 0; i < theta.length; i++) {
            final double g = grad[i];
            m[i] = BETA1 * m[i] + (1 - BETA1) * g;
            v[i] = BETA2 * v[i] + (1 - BETA2) * g * g;
            theta[i] -= lr * (m[i] / c1) / (Math.sqrt(v[i] / c2) + EPSILON);
        }
    }

    public long steps() {
        return t;
    }

    /** The moments and step count (warm state of an online optimiser). */
    public State state() {
        return new State(m.clone(), v.clone(), t);
    }

    public void restore(State s) {
        if (s.m().length != m.length || s.v().length != v.length) {
            throw new IllegalArgumentException("Adam state has " + s.m().length + " weights, optimiser has " + m.length);
        }
        System.arraycopy(s.m(), 0, m, 0, m.length);
        System.arraycopy(s.v(), 0, v, 0, v.length);
        t = s.t();
    }

    /** Serialisable optimiser state. */
    public record State(double[] m, double[] v, long t) {
    }
}
