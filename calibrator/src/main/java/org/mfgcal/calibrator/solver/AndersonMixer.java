package org.mfgcal.calibrator.solver;

/**
 * Anderson acceleration (type II) for a fixed point x = F(x) on vectors of a fixed length, with a safeguard.
 *
 * <p>With residual r_k = F(x_k) − x_k and the last m differences ΔX, ΔR, the next iterate is
 * x_{k+1} = x_k + β r_k − (ΔX + β ΔR) θ, θ = argmin ‖r_k − ΔR θ‖₂ (normal equations, Tikhonov-regularised).
 * Safeguard: when ‖r_k‖_∞ exceeds the previous residual, the history is dropped and a plain damped step
 * x_{k+1} = x_k + β r_k is taken. All memory is allocated at construction; {@link #next} allocates nothing.
 * Not thread-safe (one mixer per solver).
 *
 * <p>No copies of x_k and r_k: the mixer keeps references to the arrays passed to {@link #next} and reads them as
 * x_{k−1}, r_{k−1} on the following call, so the caller alternates two buffers for x (writing x_{k+1} into the one
 * that held x_{k−1}) and writes each residual into {@link #residualBuffer()}. It stores ΔX + βΔR rather than ΔX, the
 * only form the update uses (β fixed between resets). The four calls of an lq_const solve (len 300, replayed, thread
 * CPU): 2.7 → 2.2 µs (bench/BENCHMARKS.md).
 */
final class AndersonMixer {
    private final int len;
    private final int memory;
    private final double[][] dg;    // ΔX + βΔR per slot
    private final double[][] dr;    // ΔR per slot
    private final double[] rA;      // the two residual buffers handed out by residualBuffer()
    private final double[] rB;
    private double[] prevX;         // the previous call's x and r (the caller's arrays, not copies)
    private double[] prevR;
    private final double[] gram;
    private final double[] gramAll; // memory×memory inner products of the stored ΔR slots, kept up to date
    private final double[] rhs;
    private final double[] theta;
    private int count;
    private int head;
    private double prevNorm;
    private boolean hasPrev;
    private int restarts;

    AndersonMixer(int len, int memory) {
        this.len = len;
        this.memory = memory;
        this.dg = new double[memory][len];
        this.dr = new double[memory][len];
        this.rA = new double[len];
        this.rB = new double[len];
        this.gram = new double[memory * memory];
        this.gramAll = new double[memory * memory];
        this.rhs = new double[memory];
        this.theta = new double[memory];
    }

    void reset() {
        count = 0;
        head = 0;
        hasPrev = false;
        prevX = null;
        prevR = null;
        prevNorm = Double.POSITIVE_INFINITY;
        restarts = 0;
    }

    /** Number of safeguard restarts since {@link #reset}. */
    int restarts() {
        return restarts;
    }

    /** The array to write the next residual into: not the one kept as r_{k−1}. */
    double[] residualBuffer() {
        return prevR == rA ? rB : rA;
    }

    /**
     * One step. {@code x} is the current iterate, {@code r} its residual F(x) − x (an array from
     * {@link #residualBuffer()}), {@code rNorm} = ‖r‖_∞; both are read again on the next call, so the caller must leave
     * them unchanged until then. {@code out} (modified) receives x_{k+1}; it must not be {@code x} and may be the
     * previous call's {@code x}. {@code beta} is the mixing weight (1 − δ), the same for every call between resets.
     */
    void next(double[] x, double[] r, double rNorm, double beta, double[] out) {
        if (hasPrev && rNorm > prevNorm) {
            // Safeguard: residual grew — drop the history, take a damped step.
            count = 0;
            head = 0;
            restarts++;
        } else if (hasPrev) {
            final int slot = head;
            final double[] sg = dg[slot];
            final double[] sr = dr[slot];
            final double[] px = prevX;
            final double[] pr = prevR;
            for (int i = 0; i < len; i++) {
                final double d = r[i] - pr[i];
                sr[i] = d;
                sg[i] = (x[i] - px[i]) + beta * d;
            }
            head = (head + 1) % memory;
            if (count < memory) {
                count++;
            }
            // Only the new slot's inner products change: m·len work instead of m²·len. The right-hand side ΔRᵀr
            // is taken in the same pass over each slot.
            for (int k = 0; k < count; k++) {
                dot2(dr[k], sr, r, len, slot * memory + k, k);
                gramAll[k * memory + slot] = gramAll[slot * memory + k];
            }
        }
        prevX = x;
        prevR = r;
        prevNorm = rNorm;
        hasPrev = true;

        for (int i = 0; i < len; i++) {
            out[i] = x[i] + beta * r[i];
        }
        final int m = count;
        if (m == 0) {
            return;
        }
        // Normal equations (ΔRᵀΔR + λI) θ = ΔRᵀ r.
        double trace = 0;
        for (int j = 0; j < m; j++) {
            for (int k = 0; k < m; k++) {
                gram[j * m + k] = gramAll[j * memory + k];
            }
            trace += gram[j * m + j];
        }
        if (!(trace > 0) || !Double.isFinite(trace)) {
            return;
        }
        final double reg = 1e-12 * trace;
        for (int j = 0; j < m; j++) {
            gram[j * m + j] += reg;
        }
        if (!cholSolve(gram, rhs, theta, m)) {
            return;
        }
        for (int j = 0; j < m; j++) {
            final double t = theta[j];
            final double[] gj = dg[j];
            for (int i = 0; i < len; i++) {
                out[i] -= t * gj[i];
            }
        }
    }

    /**
     * gramAll[gramIndex] = a·b and rhs[rhsIndex] = a·c in one pass over a, each with four partial sums: a single
     * accumulator makes the loop latency-bound (one dependent add per element). Four next() calls at len = 300
     * (an lq_const solve): 5.0 → 3.7 µs thread CPU (bench/BENCHMARKS.md).
     */
    private void dot2(double[] a, double[] b, double[] c, int len, int gramIndex, int rhsIndex) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        double t0 = 0, t1 = 0, t2 = 0, t3 = 0;
        int i = 0;
        for (; i + 3 < len; i += 4) {
            final double a0 = a[i], a1 = a[i + 1], a2 = a[i + 2], a3 = a[i + 3];
            s0 += a0 * b[i];
            s1 += a1 * b[i + 1];
            s2 += a2 * b[i + 2];
            s3 += a3 * b[i + 3];
            t0 += a0 * c[i];
            t1 += a1 * c[i + 1];
            t2 += a2 * c[i + 2];
            t3 += a3 * c[i + 3];
        }
        for (; i < len; i++) {
            s0 += a[i] * b[i];
            t0 += a[i] * c[i];
        }
        gramAll[gramIndex] = (s0 + s1) + (s2 + s3);
        rhs[rhsIndex] = (t0 + t1) + (t2 + t3);
    }

    /** Solves the SPD system A θ = b (m×m, A overwritten by its Cholesky factor). False if not positive definite. */
    private static boolean cholSolve(double[] a, double[] b, double[] theta, int m) {
        for (int j = 0; j < m; j++) {
            double s = a[j * m + j];
            for (int k = 0; k < j; k++) {
                s -= a[j * m + k] * a[j * m + k];
            }
            if (!(s > 0)) {
                return false;
            }
            final double l = Math.sqrt(s);
            a[j * m + j] = l;
            for (int i = j + 1; i < m; i++) {
                double t = a[i * m + j];
                for (int k = 0; k < j; k++) {
                    t -= a[i * m + k] * a[j * m + k];
                }
                a[i * m + j] = t / l;
            }
        }
        for (int i = 0; i < m; i++) {
            double s = b[i];
            for (int k = 0; k < i; k++) {
                s -= a[i * m + k] * theta[k];
            }
            theta[i] = s / a[i * m + i];
        }
        for (int i = m - 1; i >= 0; i--) {
            double s = theta[i];
            for (int k = i + 1; k < m; k++) {
                s -= a[k * m + i] * theta[k];
            }
            theta[i] = s / a[i * m + i];
        }
        return true;
    }
}
