package org.mfgcal.calibrator.optim;

import java.util.Arrays;
import org.mfgcal.calibrator.io.StateCodec;

/**
 * Limited-memory BFGS (Nocedal and Wright, Numerical Optimization, 2nd ed., Algorithm 7.4, the two-loop recursion)
 * with a caller-supplied initial inverse Hessian H₀ = M⁻¹ (a preconditioner) instead of the scalar γI.
 *
 * <p>Shared by the online loop ({@link PreconditionedDescent}) and the offline outbreak fit ({@link Minimiser}).
 * The online loop uses M = regulariser Hessian + diagonal Gauss–Newton data curvature, which is exact for the
 * quadratic part of the objective: the quasi-Newton pairs then only have to learn the data term's off-diagonal
 * curvature. The memory (the pairs s = θ' − θ, y = ∇F(θ') − ∇F(θ)) is part of the loop's warm state and is shifted
 * with the window like the parameters (see {@link #shift}).
 *
 * <p>Not thread-safe; allocates nothing after construction.
 */
public final class Lbfgs {
    /** Applies z = M⁻¹ q; {@code q} not modified, {@code z} modified. */
    @FunctionalInterface
    public interface Preconditioner {
        void solve(double[] q, double[] z);
    }

    private final int n;
    private final int memory;
    // Pairs oldest first: s[0..count-1], y[0..count-1]; the arrays are rotated by reference, never copied.
    private final double[][] s;
    private final double[][] y;
    private final double[] rho;
    private final double[] alpha;
    private final double[] q;
    private int count;

    /**
     * @param size   parameters
     * @param memory pairs kept (≥ 1)
     */
    public Lbfgs(int size, int memory) {
        if (size < 1 || memory < 1) {
            throw new IllegalArgumentException("L-BFGS needs size >= 1 and memory >= 1, got " + size + ", " + memory);
        }
        this.n = size;
        this.memory = memory;
        this.s = new double[memory][size];
        this.y = new double[memory][size];
        this.rho = new double[memory];
        this.alpha = new double[memory];
        this.q = new double[size];
    }

    /** Forgets every pair (a cold start). */
    public void reset() {
        count = 0;
    }

    /** Pairs held. */
    public int pairs() {
        return count;
    }

    /**
     * Stores the pair (s = {@code step}, y = {@code gradChange}) (neither modified) if its curvature sᵀy is
     * positive enough for the update to stay positive definite; returns whether it was stored.
     */
    public boolean update(double[] step, double[] gradChange) {
        final double sy = dot(step, gradChange);
        if (!curved(sy, step, gradChange)) {
            return false;
        }
        if (count == memory) {
            rotateOut(0);
        }
        System.arraycopy(step, 0, s[count], 0, n);
        System.arraycopy(gradChange, 0, y[count], 0, n);
        rho[count] = 1 / sy;
        count++;
        return true;
    }

    /**
     * The quasi-Newton direction p = −H g into {@code dir} (modified); {@code grad} not modified. With no pairs,
     * p = −M⁻¹ g.
     */
    public void direction(double[] grad, Preconditioner precond, double[] dir) {
        System.arraycopy(grad, 0, q, 0, n);
        for (int j = count - 1; j >= 0; j--) {
            final double a = rho[j] * dot(s[j], q);
            alpha[j] = a;
            axpy(-a, y[j], q);
        }
        precond.solve(q, dir);
        for (int j = 0; j < count; j++) {
            final double b = rho[j] * dot(y[j], dir);
            axpy(alpha[j] - b, s[j], dir);
        }
        for (int i = 0; i < n; i++) {
            dir[i] = -dir[i];
        }
    }

    /**
     * Moves every pair one row of {@code rowSize} entries back, as the window slides (the oldest row leaves, the new
     * last row starts at zero: no curvature information about it yet); pairs whose curvature is no longer positive
     * are dropped.
     */
    public void shift(int rowSize) {
        int j = 0;
        while (j < count) {
            final double[] sj = s[j];
            final double[] yj = y[j];
            System.arraycopy(sj, rowSize, sj, 0, n - rowSize);
            Arrays.fill(sj, n - rowSize, n, 0);
            System.arraycopy(yj, rowSize, yj, 0, n - rowSize);
            Arrays.fill(yj, n - rowSize, n, 0);
            final double sy = dot(sj, yj);
            if (curved(sy, sj, yj)) {
                rho[j] = 1 / sy;
                j++;
            } else {
                rotateOut(j);
            }
        }
    }

    /** Copies the pairs of {@code other} (same size and memory). */
    public void copyFrom(Lbfgs other) {
        if (other.n != n || other.memory != memory) {
            throw new IllegalArgumentException("copyFrom: shapes differ");
        }
        for (int j = 0; j < other.count; j++) {
            System.arraycopy(other.s[j], 0, s[j], 0, n);
            System.arraycopy(other.y[j], 0, y[j], 0, n);
        }
        System.arraycopy(other.rho, 0, rho, 0, memory);
        count = other.count;
    }

    /** Writes the pairs, oldest first (the online warm state). */
    public void writeState(StateCodec.Writer out) {
        out.i32(count);
        for (int j = 0; j < count; j++) {
            out.doubles(s[j]).doubles(y[j]);
        }
        out.doubles(rho, count);
    }

    /** Reads what {@link #writeState} wrote into this memory (same size and memory). */
    public void readState(StateCodec.Reader in) {
        int c = in.i32("lbfgs.pairs");
        if (c < 0 || c > memory) {
            throw new IllegalArgumentException("warm-state snapshot: lbfgs.pairs is " + c + ", expected 0.." + memory);
        }
        for (int j = 0; j < c; j++) {
            in.doubles("lbfgs.s[" + j + "]", s[j]);
            in.doubles("lbfgs.y[" + j + "]", y[j]);
        }
        in.doubles("lbfgs.rho", rho, c);
        count = c;
    }

    /** Removes pair j, keeping the order of the others (its arrays move to the free end). */
    private void rotateOut(int j) {
        final double[] sj = s[j];
        final double[] yj = y[j];
        for (int k = j; k < count - 1; k++) {
            s[k] = s[k + 1];
            y[k] = y[k + 1];
            rho[k] = rho[k + 1];
        }
        s[count - 1] = sj;
        y[count - 1] = yj;
        count--;
    }

    private static boolean curved(double sy, double[] s, double[] y) {
        return sy > 1e-10 * Math.sqrt(dot(s, s) * dot(y, y));
    }

    /** Σ a_i b_i with four partial sums (the JIT vectorises it; a single sum is a serial dependency chain). */
    public static double dot(double[] a, double[] b) {
        final int n = a.length;
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            s0 += a[i] * b[i];
            s1 += a[i + 1] * b[i + 1];
            s2 += a[i + 2] * b[i + 2];
            s3 += a[i + 3] * b[i + 3];
        }
        for (; i < n; i++) {
            s0 += a[i] * b[i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    private static void axpy(double a, double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) {
            y[i] += a * x[i];
        }
    }
}
