package org.mfgcal.calibrator.solver;

/**
 * Anderson acceleration (type II) for a fixed point x = F(x) on vectors of a fixed length, with a safeguard.
 *
 * <p>With residual r_k = F(x_k) − x_k and the last m differences ΔX, ΔR, the next iterate is
 * x_{k+1} = x_k + β r_k − (ΔX + β ΔR) θ, θ = argmin ‖r_k − ΔR θ‖₂ (normal equations, Tikhonov-regularised).
 * Safeguard: when ‖r_k‖_∞ exceeds the previous residual, the history is dropped and a plain damped step
 * x_{k+1} = x_k + β r_k is taken. All memory is allocated at construction; {@link #next} allocates nothing.
 * Not thread-safe (one mixer per solver).
 */
final class AndersonMixer {
    private final int len;
    private final int memory;
    private final double[][] dx;
    private final double[][] dr;
    private final double[] prevX;
    private final double[] prevR;
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
        this.dx = new double[memory][len];
        this.dr = new double[memory][len];
        this.prevX = new double[len];
        this.prevR = new double[len];
        this.gram = new double[memory * memory];
        this.gramAll = new double[memory * memory];
        this.rhs = new double[memory];
        this.theta = new double[memory];
    }

    void reset() {
        count = 0;
        head = 0;
        hasPrev = false;
        prevNorm = Double.POSITIVE_INFINITY;
        restarts = 0;
    }

    /** Number of safeguard restarts since {@link #reset}. */
    int restarts() {
        return restarts;
    }

    /**
     * One step. {@code x} (not modified) is the current iterate, {@code r} (not modified) its residual F(x) − x,
     * {@code rNorm} = ‖r‖_∞; {@code out} (modified) receives x_{k+1}. {@code beta} is the mixing weight (1 − δ).
     */
    void next(double[] x, double[] r, double rNorm, double beta, double[] out) {
        if (hasPrev && rNorm > prevNorm) {
            // Safeguard: residual grew — drop the history, take a damped step.
            count = 0;
            head = 0;
            restarts++;
        } else if (hasPrev) {
            final int slot = head;
            double[] sx = dx[slot];
            double[] sr = dr[slot];
            for (int i = 0; i < len; i++) {
                sx[i] = x[i] - prevX[i];
                sr[i] = r[i] - prevR[i];
            }
            head = (head + 1) % memory;
            if (count < memory) {
                count++;
            }
            // Only the new slot's inner products change: m·len work instead of m²·len.
            for (int k = 0; k < count; k++) {
                final double[] rk = dr[k];
                double s = 0;
                for (int i = 0; i < len; i++) {
                    s += sr[i] * rk[i];
                }
                gramAll[slot * memory + k] = s;
                gramAll[k * memory + slot] = s;
            }
        }
        System.arraycopy(x, 0, prevX, 0, len);
        System.arraycopy(r, 0, prevR, 0, len);
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
            double[] rj = dr[j];
            for (int k = 0; k < m; k++) {
                gram[j * m + k] = gramAll[j * memory + k];
            }
            trace += gram[j * m + j];
            double s = 0;
            for (int i = 0; i < len; i++) {
                s += rj[i] * r[i];
            }
            rhs[j] = s;
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
            final double[] xj = dx[j];
            final double[] rj = dr[j];
            for (int i = 0; i < len; i++) {
                out[i] -= t * (xj[i] + beta * rj[i]);
            }
        }
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
