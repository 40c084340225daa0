package org.mfgcal.calibrator.online;

import java.util.Arrays;
import org.mfgcal.calibrator.calibrate.Parameterisation;
import org.mfgcal.calibrator.io.StateCodec;
import org.mfgcal.simd.Lanes;
import org.mfgcal.simd.Simd;

/**
 * A per-bin table of log base rates: θ[r·E + e] = log q_e during window row r, for rows r = 0..W−2 (the W−1
 * transitions between the W bins of the window) and edges e in the graph's CSR order. γ_n = exp(θ_n) for
 * n = 0..W−2; the last step's γ (unused by the dynamics, the terminal cost is constant) repeats row W−2.
 *
 * <p>Regulariser: (λ_s/2) Σ_{r,e} (θ_{r+1,e} − θ_{r,e})² + (λ_p/2) Σ_{r,e} (θ_{r,e} − π_{r,e})², with the prior π set
 * per row by the loop (from flow counts when the data has them). It makes the table identifiable: shares alone only
 * determine net flows. Rates are what an operator reads: "rate from A to B during the 08:00 bin".
 *
 * <p>A {@link Parameterisation} (θ → γ, its pullback and penalty, the one concept the offline trainer fits) whose γ
 * does not depend on its inputs, with what a sliding window adds: per-row priors, {@link #shift}, the cold start
 * {@link #reset}, and the regulariser's curvature for the preconditioner and the posterior. The online loop calls the
 * single-trajectory forms {@link #gamma(double[], double[])} and {@link #pullback} (overwriting), the batched
 * interface methods delegate to them.
 *
 * <p>Not thread-safe (holds the window's priors); allocates nothing after construction in the single-trajectory
 * methods.
 */
public final class RateTable implements Parameterisation {
    private final int rows;
    private final int edges;
    private final double smoothness;
    private final double priorWeight;
    private final double[] prior;
    // The forward elimination of solveCurvature for the data curvature factoredData (c'_r and the pivots
    // b_r + λ_s c'_{r−1}): they do not depend on the right-hand side, so the solves of one update share them.
    private final double[] thomasC;
    private final double[] thomasPivot;
    private double[] factoredData;
    private boolean factored;

    /**
     * @param windowBins  W (≥ 3); the table has W−1 rows
     * @param edges       E, edges of the game's graph
     * @param smoothness  λ_s ≥ 0
     * @param priorWeight λ_p > 0
     * @param priorLogRate initial prior log-rate of every entry
     */
    public RateTable(int windowBins, int edges, double smoothness, double priorWeight, double priorLogRate) {
        if (windowBins < 3) {
            throw new IllegalArgumentException("windowBins must be >= 3, got " + windowBins);
        }
        if (edges < 1) {
            throw new IllegalArgumentException("edges must be >= 1, got " + edges);
        }
        if (!Double.isFinite(priorLogRate)) {
            throw new IllegalArgumentException("priorLogRate must be finite, got " + priorLogRate);
        }
        this.rows = windowBins - 1;
        this.edges = edges;
        this.smoothness = smoothness;
        this.priorWeight = priorWeight;
        this.prior = new double[rows * edges];
        Arrays.fill(prior, priorLogRate);
        this.thomasC = new double[rows * edges];
        this.thomasPivot = new double[rows * edges];
    }

    /** Rows of the table, W−1. */
    public int rows() {
        return rows;
    }

    public int edges() {
        return edges;
    }

    @Override
    public int size() {
        return rows * edges;
    }

    /** Time steps N of the trajectory γ (the window length W). */
    public int steps() {
        return rows + 1;
    }

    @Override
    public int paramsPerStep() {
        return edges;
    }

    /** Sets the prior log-rates of {@code row} from {@code logRates[0..E-1]} (not modified). */
    public void setPriorRow(int row, double[] logRates) {
        if (row < 0 || row >= rows) {
            throw new IllegalArgumentException("prior row " + row + " is not in 0.." + (rows - 1));
        }
        for (int e = 0; e < edges; e++) {
            if (!Double.isFinite(logRates[e])) {
                throw new IllegalArgumentException("prior log-rate of row " + row + " edge " + e + " must be finite, got "
                        + logRates[e]);
            }
        }
        System.arraycopy(logRates, 0, prior, row * edges, edges);
    }

    /** The prior log-rate of row r, edge e. */
    public double prior(int r, int e) {
        return prior[r * edges + e];
    }

    /** Writes the priors (warm state, {@link WarmState}). */
    void writeState(StateCodec.Writer out) {
        out.doubles(prior);
    }

    /** Reads what {@link #writeState} wrote (same shape). */
    void readState(StateCodec.Reader in) {
        in.doubles("prior", prior);
    }

    /** γ (N·E, modified) from θ (not modified). */
    public void gamma(double[] theta, double[] gamma) {
        final int n = rows * edges;
        for (int i = 0; i < n; i++) {
            gamma[i] = Math.exp(theta[i]);
        }
        System.arraycopy(gamma, (rows - 1) * edges, gamma, n, edges);
    }

    /**
     * θ̄ = (∂γ/∂θ)ᵀ γ̄: {@code thetaBar} (modified, overwritten) from {@code gammaBar}; {@code gamma} is
     * {@link #gamma(double[], double[])}{@code (theta)}. Not modified: {@code theta}, {@code gamma}, {@code gammaBar}.
     */
    public void pullback(double[] theta, double[] gamma, double[] gammaBar, double[] thetaBar) {
        final int n = rows * edges;
        for (int i = 0; i < n; i++) {
            thetaBar[i] = gammaBar[i] * gamma[i];
        }
        final int last = (rows - 1) * edges;
        for (int e = 0; e < edges; e++) {
            thetaBar[last + e] += gammaBar[n + e] * gamma[n + e];
        }
    }

    /**
     * {@link #pullback} followed by θ̄ ← {@code scale}·θ̄ in one pass (the same products in the same order, so the same
     * θ̄ bit for bit); returns Σ θ̄_i summed in index order (non-finite when an entry is).
     */
    public double pullbackScaled(double[] gamma, double[] gammaBar, double[] thetaBar, double scale) {
        final int n = rows * edges;
        final int last = (rows - 1) * edges;
        double check = 0;
        for (int i = 0; i < last; i++) {
            final double v = gammaBar[i] * gamma[i] * scale;
            thetaBar[i] = v;
            check += v;
        }
        for (int e = 0; e < edges; e++) {
            final int i = last + e;
            final double v = (gammaBar[i] * gamma[i] + gammaBar[n + e] * gamma[n + e]) * scale;
            thetaBar[i] = v;
            check += v;
        }
        return check;
    }

    /**
     * Adds the regulariser's gradient to {@code thetaBar} (modified): the additions of {@link #regulariser} in the
     * same order, without the value (a gradient at a point whose value is already known).
     */
    public void regulariserGradient(double[] theta, double[] thetaBar) {
        final int n = rows * edges;
        for (int i = 0; i < n; i++) {
            thetaBar[i] += priorWeight * (theta[i] - prior[i]);
        }
        if (smoothness > 0) {
            for (int i = edges; i < n; i++) {
                final double dlt = theta[i] - theta[i - edges];
                thetaBar[i] += smoothness * dlt;
                thetaBar[i - edges] -= smoothness * dlt;
            }
        }
    }

    /** Adds the regulariser's gradient to {@code thetaBar} (modified) and returns its value. */
    public double regulariser(double[] theta, double[] thetaBar) {
        regulariserGradient(theta, thetaBar);
        return regulariserValue(theta);
    }

    /**
     * The value of {@link #regulariser(double[], double[])} without its gradient (the objective's value-only
     * evaluations: line-search trials, the cold check): ½λ_p Σ(θ − prior)² + ½λ_s Σ(θ_r − θ_{r−1})², each sum of
     * squares in four lane sums ({@link Lanes#squaredDistance}, when {@link Simd#ENABLED}; the same order in the
     * scalar loops otherwise).
     */
    public double regulariserValue(double[] theta) {
        final int n = rows * edges;
        final double prior2 = squaredDistance(theta, 0, prior, 0, n);
        final double smooth2 = smoothness > 0 ? squaredDistance(theta, edges, theta, 0, n - edges) : 0;
        return 0.5 * priorWeight * prior2 + 0.5 * smoothness * smooth2;
    }

    private static double squaredDistance(double[] x, int xOff, double[] y, int yOff, int len) {
        if (Simd.ENABLED) {
            return Lanes.squaredDistance(x, xOff, y, yOff, len);
        }
        final double[] p = new double[4];
        int i = 0;
        for (; i + 3 < len; i += 4) {
            for (int k = 0; k < 4; k++) {
                final double dv = x[xOff + i + k] - y[yOff + i + k];
                p[k] = Math.fma(dv, dv, p[k]);
            }
        }
        for (; i < len; i++) {
            final double dv = x[xOff + i] - y[yOff + i];
            p[0] = Math.fma(dv, dv, p[0]);
        }
        return (p[0] + p[1]) + (p[2] + p[3]);
    }

    /** Adds the diagonal of the regulariser's Hessian to {@code diag} (modified). */
    public void curvature(double[] theta, double[] diag) {
        for (int r = 0; r < rows; r++) {
            final double s = smoothness * ((r > 0 ? 1 : 0) + (r < rows - 1 ? 1 : 0));
            for (int e = 0; e < edges; e++) {
                diag[r * edges + e] += priorWeight + s;
            }
        }
    }

    /**
     * Solves (R + diag(data)) z = q, R the regulariser's Hessian λ_p I + λ_s Lᵀ L (per edge a tridiagonal matrix
     * over the rows), by the Thomas algorithm per edge: O(rows · edges). {@code data} (≥ 0, per θ entry; null for
     * none) and {@code q} are not modified, {@code z} is modified. It is the online optimiser's preconditioner.
     */
    public void solveCurvature(double[] data, double[] q, double[] z) {
        factorCurvature(data);
        solveFactored(data, q, z);
    }

    /**
     * The forward elimination of {@link #solveCurvature} for {@code data} (not modified; null for none): the
     * coefficients c'_r and pivots b_r + λ_s c'_{r−1}, which do not depend on the right-hand side. Call it again
     * whenever the contents of {@code data} change; {@link #solveFactored} reuses them while {@code data} is the same
     * array.
     */
    public void factorCurvature(double[] data) {
        final double ls = smoothness;
        final double[] cc = thomasC;
        final double[] pv = thomasPivot;
        for (int r = 0; r < rows; r++) {
            final double base = priorWeight + ls * ((r > 0 ? 1 : 0) + (r < rows - 1 ? 1 : 0));
            final int o = r * edges;
            for (int e = 0; e < edges; e++) {
                final int i = o + e;
                final double b = base + (data == null ? 0 : data[i]);
                final double denom = r == 0 ? b : b + ls * cc[i - edges];
                cc[i] = -ls / denom;
                pv[i] = denom;
            }
        }
        factoredData = data;
        factored = true;
    }

    /**
     * {@link #solveCurvature}{@code (data, q, z)} with the elimination of the last {@link #factorCurvature} (redone
     * first when it was for another array): the same operations on the same values, so the same z bit for bit, with
     * one division per entry instead of two. d'_r is formed in z itself (z may be q).
     */
    public void solveFactored(double[] data, double[] q, double[] z) {
        if (!factored || data != factoredData) {
            factorCurvature(data);
        }
        final double ls = smoothness;
        final double[] cc = thomasC;
        final double[] pv = thomasPivot;
        // Thomas algorithm for every edge at once, row by row (the inner loop over edges is contiguous):
        // c'_r = −λ_s / (b_r + λ_s c'_{r−1}), d'_r = (q_r + λ_s d'_{r−1}) / (b_r + λ_s c'_{r−1}); z_r = d'_r − c'_r z_{r+1}.
        for (int e = 0; e < edges; e++) {
            z[e] = (q[e] + 0.0) / pv[e];
        }
        for (int i = edges; i < rows * edges; i++) {
            z[i] = (q[i] + ls * z[i - edges]) / pv[i];
        }
        for (int r = rows - 2; r >= 0; r--) {
            final int o = r * edges;
            for (int e = 0; e < edges; e++) {
                z[o + e] = z[o + e] - cc[o + e] * z[o + edges + e];
            }
        }
    }

    /** Slides the window by one bin: θ (modified) and the priors move one row back in time. */
    public void shift(double[] theta) {
        final int n = rows * edges;
        System.arraycopy(theta, edges, theta, 0, n - edges);
        System.arraycopy(prior, edges, prior, 0, n - edges);
        // The new last row starts where the previous last row ended (persistence); its prior is set by the loop.
    }

    /** Entries by which {@link #shift} moves θ (one row), so optimiser memories can follow. */
    public int shiftStride() {
        return edges;
    }

    /** Sets θ (modified) to the prior (the cold start). */
    public void reset(double[] theta) {
        System.arraycopy(prior, 0, theta, 0, rows * edges);
    }

    @Override
    public boolean dependsOnMu() {
        return false;
    }

    /** Every input gets the same γ: {@code out} holds {@code count} copies of {@link #gamma(double[], double[])}. */
    @Override
    public void gamma(double[] theta, Inputs[] in, int count, double[] out) {
        final int len = steps() * edges;
        double[] one = new double[len];
        gamma(theta, one);
        for (int i = 0; i < count; i++) {
            System.arraycopy(one, 0, out, i * len, len);
        }
    }

    @Override
    public void backprop(double[] theta, Inputs[] in, int count, double[] gammaBar, double[] thetaGrad) {
        final int len = steps() * edges;
        double[] one = new double[len];
        double[] g = new double[len];
        double[] tb = new double[size()];
        gamma(theta, one);
        for (int i = 0; i < count; i++) {
            System.arraycopy(gammaBar, i * len, g, 0, len);
            pullback(theta, one, g, tb);
            for (int j = 0; j < tb.length; j++) {
                thetaGrad[j] += tb[j];
            }
        }
    }

    @Override
    public void muVjp(double[] theta, Inputs in, double[] gammaBar, double[] muBar) {
        // γ does not depend on μ
    }

    /** The regulariser ({@link #regulariser}). */
    @Override
    public double penalty(double[] theta, double[] thetaGrad) {
        return regulariser(theta, thetaGrad);
    }
}
