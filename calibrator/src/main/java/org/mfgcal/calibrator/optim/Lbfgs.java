package org.mfgcal.calibrator.optim;

import java.util.ArrayList;
import java.util.Arrays;
import org.mfgcal.calibrator.io.StateCodec;
import org.mfgcal.simd.Lanes;
import org.mfgcal.simd.Simd;

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
 * <p>Not thread-safe. The pair arrays are allocated on first use; with a {@link #mark} set, a new pair may allocate
 * its arrays (until the spares cover what an update stores).
 */
public final class Lbfgs {
    /** Applies z = M⁻¹ q; {@code q} not modified, {@code z} modified. */
    @FunctionalInterface
    public interface Preconditioner {
        void solve(double[] q, double[] z);
    }

    private final int n;
    private final int memory;
    // Pairs oldest first: s[0..count-1], y[0..count-1]; the arrays are rotated by reference, never copied. Slots at
    // and after count may hold spare arrays or null (allocated on first use, see acquire).
    private final double[][] s;
    private final double[][] y;
    private final double[] rho;
    private final double[] alpha;
    private int count;
    // Every pair array this memory owns (live, marked or spare), so that arrays leaving the live pairs are reused.
    private final ArrayList<double[]> owned = new ArrayList<>();
    // The pairs at the last mark (by reference: a live pair is never written to while a mark holds it).
    private final double[][] markS;
    private final double[][] markY;
    private final double[] markRho;
    private int markCount = -1;         // −1: no mark
    private int claimedSinceMark;      // arrays taken from spares or allocated since the last mark

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
        this.s = new double[memory][];
        this.y = new double[memory][];
        this.rho = new double[memory];
        this.alpha = new double[memory];
        this.markS = new double[memory][];
        this.markY = new double[memory][];
        this.markRho = new double[memory];
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
        final double sy = curvedProduct(step, gradChange);
        if (Double.isNaN(sy)) {
            return false;
        }
        if (count == memory) {
            rotateOut(0);
        }
        claimSlot(count);
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
        final double[] q = SparePool.take(n);
        if (count == 0) {
            System.arraycopy(grad, 0, q, 0, n);
        }
        // First loop, q ← q − α_j y_j, j = count−1..0, α_j = ρ_j s_jᵀq: each pass applies one pair's update and forms
        // the next pair's dot on the updated entries (the same values and sums as separate passes, one read of q).
        for (int j = count - 1; j >= 0; j--) {
            final double a = rho[j] * (j == count - 1 ? copyDot(grad, s[j], q) : axpyDot(-alpha[j + 1], y[j + 1],
                    s[j], q));
            alpha[j] = a;
        }
        if (count > 0) {
            axpy(-alpha[0], y[0], q);
        }
        precond.solve(q, dir);
        // Second loop, dir ← dir + (α_j − β_j) s_j, j = 0..count−1, β_j = ρ_j y_jᵀdir, fused the same way; the last
        // pass also negates (exact).
        double prev = 0;
        for (int j = 0; j < count; j++) {
            final double b = rho[j] * (j == 0 ? dot(y[0], dir) : axpyDot(prev, s[j - 1], y[j], dir));
            prev = alpha[j] - b;
        }
        if (count > 0) {
            axpyNegate(prev, s[count - 1], dir);
        } else {
            for (int i = 0; i < n; i++) {
                dir[i] = -dir[i];
            }
        }
        SparePool.give(q);
    }

    /**
     * Moves every pair one row of {@code rowSize} entries back, as the window slides (the oldest row leaves, the new
     * last row starts at zero: no curvature information about it yet); pairs whose curvature is no longer positive
     * are dropped. It drops the {@link #mark} (the pairs are shifted in place).
     */
    public void shift(int rowSize) {
        markCount = -1;
        int j = 0;
        while (j < count) {
            final double[] sj = s[j];
            final double[] yj = y[j];
            System.arraycopy(sj, rowSize, sj, 0, n - rowSize);
            Arrays.fill(sj, n - rowSize, n, 0);
            System.arraycopy(yj, rowSize, yj, 0, n - rowSize);
            Arrays.fill(yj, n - rowSize, n, 0);
            final double sy = curvedProduct(sj, yj);
            if (!Double.isNaN(sy)) {
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
        count = 0;
        for (int j = 0; j < other.count; j++) {
            claimSlot(j);
            System.arraycopy(other.s[j], 0, s[j], 0, n);
            System.arraycopy(other.y[j], 0, y[j], 0, n);
            count = j + 1;
        }
        System.arraycopy(other.rho, 0, rho, 0, memory);
        count = other.count;
    }

    /**
     * Remembers the current pairs so that {@link #rollback} can return to them (the online loop's rollback of a
     * failed update). The pairs are kept by reference, not copied: while the mark holds a pair, new pairs go to other
     * arrays (spares of earlier updates, else new ones), so a mark costs as many arrays as pairs are stored before
     * the next mark, not a second memory. A {@link #shift} or a new mark drops it; spare arrays beyond what the last
     * marked period needed are released here.
     */
    public void mark() {
        System.arraycopy(s, 0, markS, 0, count);
        System.arraycopy(y, 0, markY, 0, count);
        System.arraycopy(rho, 0, markRho, 0, count);
        Arrays.fill(markS, count, memory, null);
        Arrays.fill(markY, count, memory, null);
        markCount = count;
        // Release spares beyond those the last period claimed (a cold start's burst is not kept for ever).
        int keep = claimedSinceMark;
        claimedSinceMark = 0;
        for (int i = owned.size() - 1; i >= 0; i--) {
            double[] a = owned.get(i);
            if (!live(a, count)) {
                if (keep > 0) {
                    keep--;
                } else {
                    owned.remove(i);
                    forgetSpare(a);
                }
            }
        }
    }

    /**
     * Drops the {@link #mark} and gives every array that holds no current pair to this thread's {@link SparePool}
     * (where the next update of any memory of this size on the thread finds them): between updates a memory holds
     * its pairs only.
     */
    public void release() {
        markCount = -1;
        Arrays.fill(markS, null);
        Arrays.fill(markY, null);
        claimedSinceMark = 0;
        for (int i = owned.size() - 1; i >= 0; i--) {
            double[] a = owned.get(i);
            if (!live(a, count)) {
                owned.remove(i);
                forgetSpare(a);
                SparePool.give(a);
            }
        }
    }

    /** Back to the pairs of the last {@link #mark} (it stays set); throws when there is none. */
    public void rollback() {
        if (markCount < 0) {
            throw new IllegalStateException("L-BFGS rollback without a mark");
        }
        // Arrays of the live pairs that the mark does not hold become spares (still owned).
        for (int j = 0; j < markCount; j++) {
            s[j] = markS[j];
            y[j] = markY[j];
        }
        System.arraycopy(markRho, 0, rho, 0, markCount);
        for (int j = markCount; j < memory; j++) {
            s[j] = null;
            y[j] = null;
        }
        count = markCount;
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
        markCount = -1;
        count = 0;
        for (int j = 0; j < c; j++) {
            claimSlot(j);
            count = j + 1;
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

    /**
     * Puts writable arrays into slot j (≤ count): its own when they are neither live (slots below j) nor marked,
     * else owned spares, else new ones.
     */
    private void claimSlot(int j) {
        s[j] = writable(s[j], j);
        y[j] = writable(y[j], j);
    }

    private double[] writable(double[] a, int j) {
        if (a != null && !live(a, j) && !marked(a) && (a != s[j] || a != y[j])) {
            return a;
        }
        for (int i = 0; i < owned.size(); i++) {
            double[] b = owned.get(i);
            if (b != s[j] && b != y[j] && !live(b, j) && !marked(b)) {
                claimedSinceMark++;
                return b;
            }
        }
        double[] b = SparePool.take(n);
        owned.add(b);
        claimedSinceMark++;
        return b;
    }

    /** Whether {@code a} is an array of one of the pairs 0..k−1. */
    private boolean live(double[] a, int k) {
        for (int j = 0; j < k; j++) {
            if (s[j] == a || y[j] == a) {
                return true;
            }
        }
        return false;
    }

    private boolean marked(double[] a) {
        for (int j = 0; j < markCount; j++) {
            if (markS[j] == a || markY[j] == a) {
                return true;
            }
        }
        return false;
    }

    /** Drops references to a released spare from the free slots. */
    private void forgetSpare(double[] a) {
        for (int j = count; j < memory; j++) {
            if (s[j] == a) {
                s[j] = null;
            }
            if (y[j] == a) {
                y[j] = null;
            }
        }
    }

    /**
     * sᵀy when the pair's curvature is positive enough, sᵀy > 1e-10·|s|·|y|, else NaN. One pass for the three dot
     * products (the pairs are streamed from memory: three passes cost three times as much), each summed exactly as
     * {@link #dot} sums it, so the results are those of three {@link #dot} calls bit for bit.
     */
    private static double curvedProduct(double[] s, double[] y) {
        if (Simd.ENABLED) {
            final double[] sums = new double[3];
            Lanes.curvature(s, y, sums);
            return sums[0] > 1e-10 * Math.sqrt(sums[1] * sums[2]) ? sums[0] : Double.NaN;
        }
        final int n = s.length;
        double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        double b0 = 0, b1 = 0, b2 = 0, b3 = 0;
        double c0 = 0, c1 = 0, c2 = 0, c3 = 0;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            final double s0 = s[i], s1 = s[i + 1], s2 = s[i + 2], s3 = s[i + 3];
            final double y0 = y[i], y1 = y[i + 1], y2 = y[i + 2], y3 = y[i + 3];
            a0 += s0 * y0;
            a1 += s1 * y1;
            a2 += s2 * y2;
            a3 += s3 * y3;
            b0 += s0 * s0;
            b1 += s1 * s1;
            b2 += s2 * s2;
            b3 += s3 * s3;
            c0 += y0 * y0;
            c1 += y1 * y1;
            c2 += y2 * y2;
            c3 += y3 * y3;
        }
        for (; i < n; i++) {
            a0 += s[i] * y[i];
            b0 += s[i] * s[i];
            c0 += y[i] * y[i];
        }
        final double sy = (a0 + a1) + (a2 + a3);
        final double ss = (b0 + b1) + (b2 + b3);
        final double yy = (c0 + c1) + (c2 + c3);
        return sy > 1e-10 * Math.sqrt(ss * yy) ? sy : Double.NaN;
    }

    /**
     * Σ a_i b_i with four partial sums (a single sum is a serial dependency chain). Here and in the other passes over
     * the pairs, the vector forms ({@link Lanes}, when {@link Simd#ENABLED}) give the same bits.
     */
    public static double dot(double[] a, double[] b) {
        if (Simd.ENABLED) {
            return Lanes.dot(a, b);
        }
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

    /** q ← g, then sᵀq summed as {@link #dot} sums it. */
    private static double copyDot(double[] g, double[] s, double[] q) {
        if (Simd.ENABLED) {
            return Lanes.copyDot(g, s, q);
        }
        final int n = s.length;
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            final double q0 = g[i], q1 = g[i + 1], q2 = g[i + 2], q3 = g[i + 3];
            q[i] = q0;
            q[i + 1] = q1;
            q[i + 2] = q2;
            q[i + 3] = q3;
            s0 += s[i] * q0;
            s1 += s[i + 1] * q1;
            s2 += s[i + 2] * q2;
            s3 += s[i + 3] * q3;
        }
        for (; i < n; i++) {
            q[i] = g[i];
            s0 += s[i] * q[i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /**
     * v ← v + a x, then wᵀv: in one pass the values of {@link #axpy} followed by {@link #dot} (the same products,
     * summed in the same order), so bit for bit the result of the two passes.
     */
    private static double axpyDot(double a, double[] x, double[] w, double[] v) {
        if (Simd.ENABLED) {
            return Lanes.axpyDot(a, x, w, v);
        }
        final int n = w.length;
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            final double v0 = v[i] + a * x[i];
            final double v1 = v[i + 1] + a * x[i + 1];
            final double v2 = v[i + 2] + a * x[i + 2];
            final double v3 = v[i + 3] + a * x[i + 3];
            v[i] = v0;
            v[i + 1] = v1;
            v[i + 2] = v2;
            v[i + 3] = v3;
            s0 += w[i] * v0;
            s1 += w[i + 1] * v1;
            s2 += w[i + 2] * v2;
            s3 += w[i + 3] * v3;
        }
        for (; i < n; i++) {
            final double vi = v[i] + a * x[i];
            v[i] = vi;
            s0 += w[i] * vi;
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** v ← −(v + a x). */
    private static void axpyNegate(double a, double[] x, double[] v) {
        for (int i = 0; i < x.length; i++) {
            v[i] = -(v[i] + a * x[i]);
        }
    }

    private static void axpy(double a, double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) {
            y[i] += a * x[i];
        }
    }
}
