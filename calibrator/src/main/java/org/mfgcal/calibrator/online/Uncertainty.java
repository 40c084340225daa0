package org.mfgcal.calibrator.online;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.mfgcal.calibrator.io.StateCodec;
import org.mfgcal.calibrator.optim.Lbfgs;
import org.mfgcal.calibrator.solver.Solution;

/**
 * Posterior variance of θ by Gauss–Newton: 1/(diag(JᵀJ)/σ² + regulariser curvature), J = ∂μ* / ∂θ, diag(JᵀJ) by
 * Hutchinson's estimator E[(Jᵀv)²] with Rademacher probes v, each Jᵀv one exact adjoint solve. After a cold start
 * the estimate averages {@code uncertaintyProbes} fresh probes; on a warm update it is carried over from the previous
 * bin (shifted with the window) and one fresh probe enters with weight 1/{@code uncertaintyProbes}, a running average
 * over the last few bins that costs one adjoint solve per bin (the rates, hence J, move little from one bin to the
 * next). The same running diag(JᵀJ) gives the L-BFGS preconditioner ({@link #preconditioner}). Owns diag(JᵀJ), the
 * variance, the curvature flag, their last good copies, and their warm state. Not thread-safe.
 */
final class Uncertainty {
    private static final System.Logger LOG = System.getLogger(Uncertainty.class.getName());
    /**
     * Relative accuracy to which the probes' adjoints are solved: 1 %, far below the sampling error of the estimate
     * (one Rademacher probe per warm update, averaged over the last {@code uncertaintyProbes} bins; its relative
     * standard error per entry is of order 1). 1e-3 until bench/BENCHMARKS.md, issue 15, eighth pass: one adjoint
     * iteration more per update on the flights.
     */
    static final double PROBE_ACCURACY = 1e-2;

    private final RegionShape s;
    private final OnlineConfig cfg;
    private final Objective obj;
    private final Window win;
    private final double[] probe;
    private final double[] precision;
    /** Posterior variance per θ entry. */
    final double[] variance;
    /** Running estimate of diag(JᵀJ), per θ entry. */
    private final double[] gnData;
    private boolean haveCurvature;
    private final double[] dataCurv;
    private final double[] outDegree;
    private final Lbfgs.Preconditioner precond;
    private final double[] goodGn;
    private final double[] goodVariance;
    private boolean goodHaveCurvature;

    Uncertainty(RegionShape s, OnlineConfig cfg, Objective obj, Window win) {
        this.s = s;
        this.cfg = cfg;
        this.obj = obj;
        this.win = win;
        int n = obj.table.size();
        probe = new double[s.grid * s.d];
        precision = new double[n];
        variance = new double[n];
        gnData = new double[n];
        dataCurv = new double[n];
        goodGn = new double[n];
        goodVariance = new double[n];
        outDegree = new double[s.edges];
        for (int e = 0; e < s.edges; e++) {
            outDegree[e] = s.graph.rowEnd(s.graph.from(e)) - s.graph.rowStart(s.graph.from(e));
        }
        precond = (q, z) -> obj.table.solveFactored(haveCurvature ? dataCurv : null, q, z);
    }

    /** Forgets the data curvature (after a cold start the next estimate starts afresh). */
    void forget() {
        haveCurvature = false;
    }

    /** The curvature follows its bins as the window slides: row r+1 becomes row r, the last row keeps its values. */
    void shift() {
        System.arraycopy(gnData, s.edges, gnData, 0, gnData.length - s.edges);
        System.arraycopy(variance, s.edges, variance, 0, variance.length - s.edges);
    }

    /**
     * The L-BFGS preconditioner M = the regulariser's exact Hessian (per edge tridiagonal over the rows) + the
     * Gauss–Newton diagonal diag(JᵀJ)/σ² of the data term times the origin's out-degree k, prepared for this
     * update's σ². The factor k makes the diagonal an upper bound of the curvature along the directions that move all
     * k rates out of a zone together (Cauchy–Schwarz: (Σ_e J_e·v_e)² ≤ k Σ_e (J_e·v_e)²), the directions shares are
     * most sensitive to: with it the line search mostly accepts the unit step (bench/BENCHMARKS.md, "Online loop").
     * Without curvature yet, the regulariser's Hessian alone.
     */
    Lbfgs.Preconditioner preconditioner() {
        if (haveCurvature) {
            final double invSigma2 = obj.inverseVariance();
            final int edges = s.edges;
            for (int o = 0; o < dataCurv.length; o += edges) { // entry o + e has origin out-degree outDegree[e]
                for (int e = 0; e < edges; e++) {
                    dataCurv[o + e] = gnData[o + e] * invSigma2 * outDegree[e];
                }
            }
            obj.table.factorCurvature(dataCurv); // its contents changed: the solves of this update share one elimination
        }
        return precond;
    }

    /**
     * Updates diag(JᵀJ) at the published equilibrium {@code sol} of {@code theta} (the solver's workspace is
     * linearised there) and the posterior variance.
     */
    void update(long b, Solution sol, double[] theta) {
        SplittableRandom rng = s.random(b, 1);
        final int probes = haveCurvature ? 1 : cfg.uncertaintyProbes();
        final double weight = haveCurvature ? 1.0 / cfg.uncertaintyProbes() : 1.0;
        final double[] thetaBar = obj.thetaBar;
        Arrays.fill(precision, 0);
        int used = 0;
        // The adjoint's stopping rule is absolute (adjointTol): probes of ±p with p = PROBE_ACCURACY⁻¹·adjointTol
        // are solved to a relative accuracy PROBE_ACCURACY, ample for a Monte Carlo estimate (unit probes made the
        // probe the most expensive solve of an update; bench/BENCHMARKS.md).
        final double p = cfg.solver().adjointTol() / PROBE_ACCURACY;
        final double unscale = 1 / (p * p);
        for (int j = 0; j < probes; j++) {
            // Probes on the observed grid rows (the bin boundaries n = i·k, i ≥ 1): J is that of the loss's rows.
            Arrays.fill(probe, 0);
            for (int i = 1; i < s.w; i++) {
                for (int x = 0; x < s.d; x++) {
                    probe[i * s.k * s.d + x] = rng.nextBoolean() ? p : -p;
                }
            }
            obj.solver.gradientForCotangent(sol, win.mu0, probe, obj.gridGamma, obj.gridGammaBar);
            s.fromGrid(obj.gridGammaBar, obj.gammaBar, s.w);
            obj.table.pullback(theta, obj.gamma, obj.gammaBar, thetaBar);
            double sq = 0;
            for (int i = 0; i < thetaBar.length; i++) {
                sq += thetaBar[i] * thetaBar[i];
            }
            if (!Double.isFinite(sq * unscale)) {
                // The probe's adjoint diverged (I − J near singular along it): a NaN here would enter the running
                // curvature, the preconditioner and the posterior for good. The probe is left out.
                LOG.log(System.Logger.Level.DEBUG, "region ''{0}'' bin {1}: uncertainty probe {2} diverged; left out",
                        s.region, b, j);
                continue;
            }
            used++;
            for (int i = 0; i < precision.length; i++) {
                precision[i] += thetaBar[i] * thetaBar[i] * unscale;
            }
        }
        if (used > 0) {
            for (int i = 0; i < precision.length; i++) {
                gnData[i] = (1 - weight) * gnData[i] + weight * precision[i] / used;
            }
            haveCurvature = true;
        } else if (!haveCurvature) {
            Arrays.fill(gnData, 0); // no data curvature yet: the posterior is the regulariser's
        }
        final double invSigma2 = obj.inverseVariance();
        for (int i = 0; i < precision.length; i++) {
            precision[i] = gnData[i] * invSigma2;
        }
        obj.table.curvature(theta, precision);
        for (int i = 0; i < precision.length; i++) {
            variance[i] = 1 / precision[i];
        }
    }

    /** Keeps the state an update may replace. */
    void keepGood() {
        System.arraycopy(gnData, 0, goodGn, 0, gnData.length);
        System.arraycopy(variance, 0, goodVariance, 0, variance.length);
        goodHaveCurvature = haveCurvature;
    }

    /** Rolls back to what {@link #keepGood} kept. */
    void restoreGood() {
        System.arraycopy(goodGn, 0, gnData, 0, gnData.length);
        System.arraycopy(goodVariance, 0, variance, 0, variance.length);
        haveCurvature = goodHaveCurvature;
    }

    /** Warm state: the curvature flag (in the snapshot's header block). */
    void writeFlag(StateCodec.Writer out) {
        out.bool(haveCurvature);
    }

    void readFlag(StateCodec.Reader in) {
        haveCurvature = in.bool("haveCurvature");
    }

    /** Warm state: the variance and diag(JᵀJ). */
    void writeState(StateCodec.Writer out) {
        out.doubles(variance).doubles(gnData);
    }

    void readState(StateCodec.Reader in) {
        in.doubles("variance", variance);
        in.doubles("gnData", gnData);
    }
}
