package org.mfgcal.calibrator.online;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.mfgcal.api.Provenance;
import org.mfgcal.api.Records;
import org.mfgcal.calibrator.solver.SolverOptions;

/**
 * Configuration of the online calibration loop of one region (the same for every region of a run), in groups: the
 * bins and window ({@link Bins}), the game's costs ({@link Costs}), the optimiser ({@link Optimisation}), the
 * regulariser and prior ({@link Regularisation}), the forecast ({@link Forecasting}) and the drift detectors
 * ({@link Drift}), beside seed, provenance and solver options.
 *
 * <p>Units: time in hours (rates are "per hour"), bins of {@code binHours}. The window holds the last
 * {@code windowBins} closed bins; its rate table has one row per bin transition inside the window. Forecasts cover
 * {@code horizon} bins and reuse the rates estimated one {@code seasonBins} earlier.
 *
 * <p>Contract: immutable; every group is validated on construction, every message names the field and its value.
 * Each default is defined once, in {@link #defaults(double)}. Settings are also addressable by their flat names
 * ({@link OnlineSettings}, {@link #with(String, Object)}): the keys of a config file's {@code model:} block. {@link #hash()}
 * is a SHA-256 over every setting, so two runs with equal hashes used equal configuration. Thread-safe.
 *
 * @param bins           bins, window, season, horizon, sub-steps
 * @param costs          the mobility game's costs
 * @param optimisation   how θ is fitted and the budgets of an update
 * @param regularisation the rate table's regulariser and prior
 * @param forecasting    the forecast's band and its uncertainty
 * @param drift          the drift detectors
 * @param seed           random seed (probes and forecast samples)
 * @param modelVersion   model name and version written into provenance
 * @param codeVersion    code version written into provenance
 * @param solver         equilibrium and adjoint solver options
 */
public record OnlineConfig(Bins bins, Costs costs, Optimisation optimisation, Regularisation regularisation,
                           Forecasting forecasting, Drift drift, long seed, String modelVersion, String codeVersion,
                           SolverOptions solver) {

    /** Name and version of the model this loop calibrates. */
    public static final String MODEL_VERSION = "mobility-rate-table/1";

    /** Longest solver time step (hours) of the default sub-stepping, see {@link #substepsFor}. */
    public static final double MAX_STEP_HOURS = 3.0;

    public OnlineConfig {
        Records.nonNull("bins", bins);
        Records.nonNull("costs", costs);
        Records.nonNull("optimisation", optimisation);
        Records.nonNull("regularisation", regularisation);
        Records.nonNull("forecasting", forecasting);
        Records.nonNull("drift", drift);
        Records.nonBlank("modelVersion", modelVersion);
        Records.nonBlank("codeVersion", codeVersion);
        Records.nonNull("solver", solver);
    }

    /**
     * @param binHours   width of one bin in hours (&gt; 0)
     * @param windowBins W, closed bins in the sliding window (≥ 3)
     * @param seasonBins S, period of the seasonal forecast in bins (≥ 1), usually bins per week
     * @param horizon    H, forecast bins (≥ 1)
     * @param substeps   k, solver time steps per bin (≥ 1): the solver grid of a window has (W−1)·k + 1 points,
     *                   Δt = binHours/k; default {@link #substepsFor} (1 for bins up to 3 h)
     */
    public record Bins(double binHours, int windowBins, int seasonBins, int horizon, int substeps) {
        public Bins {
            positive("binHours", binHours);
            atLeast("windowBins", windowBins, 3);
            atLeast("seasonBins", seasonBins, 1);
            atLeast("horizon", horizon, 1);
            atLeast("substeps", substeps, 1);
        }
    }

    /**
     * @param controlCost b of the mobility game (&gt; 0)
     * @param congestion  c of the mobility game (≥ 0); 0 gives the plain Kolmogorov model
     */
    public record Costs(double controlCost, double congestion) {
        public Costs {
            positive("controlCost", controlCost);
            nonNegative("congestion", congestion);
        }
    }

    /**
     * @param optimizer         how θ is fitted: {@link Optimizer#LBFGS} (default) or {@link Optimizer#ADAM}
     * @param learningRate      Adam step size on log-rates (&gt; 0; used by {@link Optimizer#ADAM} only)
     * @param coldSteps         budget of a cold start (≥ 1): gradient evaluations (L-BFGS, line-search trials
     *                          included) or steps (Adam)
     * @param warmSteps         budget of a warm update (≥ 1), same unit; it bounds the update latency; an
     *                          optimisation it cuts short continues, warm, at the next bin (L-BFGS keeps its memory),
     *                          but leaves the published rates less converged (its measurement: bench/BENCHMARKS.md,
     *                          "Online loop")
     * @param relativeTolerance the loss "stops improving" when a step improves the best loss by less than this
     *                          fraction (≥ 0)
     */
    public record Optimisation(Optimizer optimizer, double learningRate, int coldSteps, int warmSteps,
                               double relativeTolerance) {
        public Optimisation {
            Records.nonNull("optimizer", optimizer);
            positive("learningRate", learningRate);
            atLeast("coldSteps", coldSteps, 1);
            atLeast("warmSteps", warmSteps, 1);
            nonNegative("relativeTolerance", relativeTolerance);
        }
    }

    /**
     * @param smoothness       λ_s, weight of Σ (θ_{r+1,e} − θ_{r,e})² / 2 over adjacent rows (≥ 0)
     * @param priorWeight      λ_p, weight of Σ (θ − θ_prior)² / 2 (&gt; 0: it makes the rates identifiable)
     * @param priorRate        prior rate per edge and hour when a bin has no flow counts (&gt; 0)
     * @param priorPseudoCount pseudo-trips added to each edge's flow count for the empirical prior (&gt; 0)
     * @param minShareVariance floor of the per-share observation variance (&gt; 0)
     */
    public record Regularisation(double smoothness, double priorWeight, double priorRate, double priorPseudoCount,
                                 double minShareVariance) {
        public Regularisation {
            nonNegative("smoothness", smoothness);
            positive("priorWeight", priorWeight);
            positive("priorRate", priorRate);
            positive("priorPseudoCount", priorPseudoCount);
            positive("minShareVariance", minShareVariance);
        }
    }

    /**
     * @param bandLevel         nominal coverage of the forecast bands, in (0, 1)
     * @param uncertaintyProbes Rademacher probes averaged in the Gauss–Newton diagonal (≥ 1): all fresh after a cold
     *                          start, then one fresh probe per warm update in a running average of this length
     * @param forecastSamples   parameter samples for the forecast's parameter uncertainty (≥ 2; their mean square
     *                          deviation from the mean forecast, docs/MODEL.md "Forecast bands")
     * @param bandMemory        EWMA weight of the newest realised errors in the band variance calibration, in (0, 1]
     */
    public record Forecasting(double bandLevel, int uncertaintyProbes, int forecastSamples, double bandMemory) {
        public Forecasting {
            if (!(bandLevel > 0 && bandLevel < 1)) {
                throw new IllegalArgumentException("bandLevel must be in (0, 1), got " + bandLevel);
            }
            atLeast("uncertaintyProbes", uncertaintyProbes, 1);
            atLeast("forecastSamples", forecastSamples, 2);
            if (!(bandMemory > 0 && bandMemory <= 1)) {
                throw new IllegalArgumentException("bandMemory must be in (0, 1], got " + bandMemory);
            }
        }
    }

    /**
     * @param residualAllowance CUSUM allowance k on forecast residuals, in robust standard deviations of the channel
     *                          (≥ 0; k = δ/2 for the smallest shift δ worth an alert)
     * @param residualThreshold smallest CUSUM threshold h on forecast residuals (&gt; 0); the threshold in force is
     *                          max(this, {@code driftNullMargin}·the null maximum of the warm-up), see DriftMonitor
     * @param rateAllowance     CUSUM allowance on the zone-relative seasonal log-ratio of each zone's outgoing rate,
     *                          in robust standard deviations (≥ 0)
     * @param rateThreshold     smallest CUSUM threshold on the outgoing-rate channels (&gt; 0), as for residuals
     * @param clearFraction     an alert clears when its statistic falls below this fraction of its threshold, in
     *                          [0, 1)
     * @param driftWarmupBins   inputs a drift channel collects before it is armed, and the length of its robust
     *                          standardisation buffer (≥ 3)
     * @param driftNullMargin   factor on the largest CUSUM statistic replayed over the warm-up data (≥ 1)
     */
    public record Drift(double residualAllowance, double residualThreshold, double rateAllowance,
                        double rateThreshold, double clearFraction, int driftWarmupBins, double driftNullMargin) {
        public Drift {
            nonNegative("residualAllowance", residualAllowance);
            positive("residualThreshold", residualThreshold);
            nonNegative("rateAllowance", rateAllowance);
            positive("rateThreshold", rateThreshold);
            if (!(clearFraction >= 0 && clearFraction < 1)) {
                throw new IllegalArgumentException("clearFraction must be in [0, 1), got " + clearFraction);
            }
            atLeast("driftWarmupBins", driftWarmupBins, 3);
            if (!(driftNullMargin >= 1) || Double.isInfinite(driftNullMargin)) {
                throw new IllegalArgumentException("driftNullMargin must be finite and >= 1, got " + driftNullMargin);
            }
        }
    }

    /**
     * The defaults for bins of {@code binHours}: a window of one day (one week when a day has fewer than 3 bins), a
     * season of one week, 12 forecast bins, 90% bands, drift channels armed after one week of inputs (at least 28).
     * This is the one place where defaults are defined.
     */
    public static OnlineConfig defaults(double binHours) {
        positive("binHours", binHours);
        double perDay = 24 / binHours;
        int day = (int) Math.round(perDay);
        int week = (int) Math.round(7 * perDay);
        if (Math.abs(7 * perDay - week) > 1e-9 || week < 3) {
            throw new IllegalArgumentException("binHours = " + binHours + ": must divide one week into at least 3 bins");
        }
        if (Math.abs(perDay - day) > 1e-9 || day < 3) {
            day = week; // daily (or coarser) bins: a window of one week
        }
        return new OnlineConfig(new Bins(binHours, day, week, 12, substepsFor(binHours)),
                new Costs(1.0, 0.5),
                new Optimisation(Optimizer.LBFGS, 0.05, 300, 5, 1e-4),
                new Regularisation(4.0, 1.0, 0.05, 0.5, 1e-7),
                new Forecasting(0.9, 4, 8, 0.02),
                new Drift(3.0, 5.0, 2.5, 5.0, 0.25, Math.max(week, 28), 2.0),
                20260101L, MODEL_VERSION, Provenance.runningCodeVersion(), SolverOptions.DEFAULTS);
    }

    /**
     * Default solver sub-steps per bin: ⌈binHours / {@value #MAX_STEP_HOURS}⌉, so that no solver step is longer than
     * {@value #MAX_STEP_HOURS} h. Hourly and finer bins keep one step per bin; on daily bins one 24 h step per bin
     * mostly had no equilibrium (bench/BENCHMARKS.md, "Online loop"; RegionCalibrator, "Sub-steps").
     */
    public static int substepsFor(double binHours) {
        positive("binHours", binHours);
        return Math.max(1, (int) Math.ceil(binHours / MAX_STEP_HOURS - 1e-9));
    }

    // ------------------------------------------------------------------ copies with one group changed

    public OnlineConfig with(Bins b) {
        return new OnlineConfig(b, costs, optimisation, regularisation, forecasting, drift, seed, modelVersion,
                codeVersion, solver);
    }

    public OnlineConfig with(Costs c) {
        return new OnlineConfig(bins, c, optimisation, regularisation, forecasting, drift, seed, modelVersion,
                codeVersion, solver);
    }

    public OnlineConfig with(Optimisation o) {
        return new OnlineConfig(bins, costs, o, regularisation, forecasting, drift, seed, modelVersion, codeVersion,
                solver);
    }

    public OnlineConfig with(Regularisation r) {
        return new OnlineConfig(bins, costs, optimisation, r, forecasting, drift, seed, modelVersion, codeVersion,
                solver);
    }

    public OnlineConfig with(Forecasting f) {
        return new OnlineConfig(bins, costs, optimisation, regularisation, f, drift, seed, modelVersion, codeVersion,
                solver);
    }

    public OnlineConfig with(Drift d) {
        return new OnlineConfig(bins, costs, optimisation, regularisation, forecasting, d, seed, modelVersion,
                codeVersion, solver);
    }

    public OnlineConfig withSeed(long s) {
        return new OnlineConfig(bins, costs, optimisation, regularisation, forecasting, drift, s, modelVersion,
                codeVersion, solver);
    }

    public OnlineConfig withSolver(SolverOptions s) {
        return new OnlineConfig(bins, costs, optimisation, regularisation, forecasting, drift, seed, modelVersion,
                codeVersion, s);
    }

    /**
     * The same configuration with the setting {@code name} (one of {@link OnlineSettings#ALL}) set to {@code value}
     * (a {@link Number} of the setting's kind, or the optimizer's name); the message of a bad value names the setting.
     */
    public OnlineConfig with(String name, Object value) {
        return OnlineSettings.apply(this, name, value);
    }

    // ------------------------------------------------------------------ compatibility copies (tests, CLI)

    /** The same configuration with {@code k} solver steps per bin (≥ 1). */
    public OnlineConfig withSubsteps(int k) {
        return with("substeps", k);
    }

    public OnlineConfig withWindow(int window, int season) {
        return with(new Bins(binHours(), window, season, horizon(), substeps()));
    }

    /** The same configuration with drift channels armed after {@code bins} inputs (see {@code driftWarmupBins}). */
    public OnlineConfig withDriftWarmup(int warmupBins) {
        return with("driftWarmupBins", warmupBins);
    }

    public OnlineConfig withDriftWarmup(int warmupBins, double nullMargin) {
        return with("driftWarmupBins", warmupBins).with("driftNullMargin", nullMargin);
    }

    public OnlineConfig withSteps(int cold, int warm, double relTol) {
        return with(new Optimisation(optimizer(), learningRate(), cold, warm, relTol));
    }

    public OnlineConfig withDrift(double resK, double resH, double rateK, double rateH) {
        return with(new Drift(resK, resH, rateK, rateH, clearFraction(), driftWarmupBins(), driftNullMargin()));
    }

    public OnlineConfig withRegularisation(double smooth, double prior) {
        return with(new Regularisation(smooth, prior, priorRate(), priorPseudoCount(), minShareVariance()));
    }

    public OnlineConfig withGame(double b, double c) {
        return with(new Costs(b, c));
    }

    public OnlineConfig withOptimizer(Optimizer o) {
        return with("optimizer", o.name());
    }

    // ------------------------------------------------------------------ flat accessors (one per setting)

    public double binHours() {
        return bins.binHours();
    }

    public int windowBins() {
        return bins.windowBins();
    }

    public int seasonBins() {
        return bins.seasonBins();
    }

    public int horizon() {
        return bins.horizon();
    }

    public int substeps() {
        return bins.substeps();
    }

    public double controlCost() {
        return costs.controlCost();
    }

    public double congestion() {
        return costs.congestion();
    }

    public Optimizer optimizer() {
        return optimisation.optimizer();
    }

    public double learningRate() {
        return optimisation.learningRate();
    }

    public int coldSteps() {
        return optimisation.coldSteps();
    }

    public int warmSteps() {
        return optimisation.warmSteps();
    }

    public double relativeTolerance() {
        return optimisation.relativeTolerance();
    }

    public double smoothness() {
        return regularisation.smoothness();
    }

    public double priorWeight() {
        return regularisation.priorWeight();
    }

    public double priorRate() {
        return regularisation.priorRate();
    }

    public double priorPseudoCount() {
        return regularisation.priorPseudoCount();
    }

    public double minShareVariance() {
        return regularisation.minShareVariance();
    }

    public double bandLevel() {
        return forecasting.bandLevel();
    }

    public int uncertaintyProbes() {
        return forecasting.uncertaintyProbes();
    }

    public int forecastSamples() {
        return forecasting.forecastSamples();
    }

    public double bandMemory() {
        return forecasting.bandMemory();
    }

    public double residualAllowance() {
        return drift.residualAllowance();
    }

    public double residualThreshold() {
        return drift.residualThreshold();
    }

    public double rateAllowance() {
        return drift.rateAllowance();
    }

    public double rateThreshold() {
        return drift.rateThreshold();
    }

    public double clearFraction() {
        return drift.clearFraction();
    }

    public int driftWarmupBins() {
        return drift.driftWarmupBins();
    }

    public double driftNullMargin() {
        return drift.driftNullMargin();
    }

    /**
     * The optimiser of the rate table. {@code LBFGS}: quasi-Newton preconditioned by the regulariser's exact Hessian
     * plus a Gauss–Newton diagonal, with a line search; {@code ADAM}: first-order steps of {@code learningRate}.
     */
    public enum Optimizer {
        LBFGS, ADAM;

        /** Parses {@code lbfgs} or {@code adam} (any case); the message names the value. */
        public static Optimizer parse(String s) {
            for (Optimizer o : values()) {
                if (o.name().equalsIgnoreCase(s)) {
                    return o;
                }
            }
            throw new IllegalArgumentException("optimizer must be one of lbfgs, adam; got '" + s + "'");
        }
    }

    /**
     * SHA-256 (hex) of every setting, the provenance's {@code configHash}. The text hashed is the flat layout of
     * the configuration before it was grouped ("OnlineConfig[binHours=…, …, substeps=…]"). The code version is not
     * part of it: it is the build's git commit, and a warm state (whose layout is versioned on its own) must survive
     * an upgrade of the service; a change that makes old states wrong bumps {@code modelVersion}.
     */
    public String hash() {
        String flat = "OnlineConfig[binHours=" + binHours() + ", windowBins=" + windowBins() + ", seasonBins="
                + seasonBins() + ", horizon=" + horizon() + ", bandLevel=" + bandLevel() + ", controlCost="
                + controlCost() + ", congestion=" + congestion() + ", optimizer=" + optimizer() + ", learningRate="
                + learningRate() + ", coldSteps=" + coldSteps() + ", warmSteps=" + warmSteps()
                + ", relativeTolerance=" + relativeTolerance() + ", smoothness=" + smoothness() + ", priorWeight="
                + priorWeight() + ", priorRate=" + priorRate() + ", priorPseudoCount=" + priorPseudoCount()
                + ", minShareVariance=" + minShareVariance() + ", uncertaintyProbes=" + uncertaintyProbes()
                + ", forecastSamples=" + forecastSamples() + ", bandMemory=" + bandMemory() + ", residualAllowance="
                + residualAllowance() + ", residualThreshold=" + residualThreshold() + ", rateAllowance="
                + rateAllowance() + ", rateThreshold=" + rateThreshold() + ", clearFraction=" + clearFraction()
                + ", driftWarmupBins=" + driftWarmupBins() + ", driftNullMargin=" + driftNullMargin() + ", seed="
                + seed + ", modelVersion=" + modelVersion + ", solver=" + solver
                + ", substeps=" + substeps() + "]";
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(md.digest(flat.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    private static void positive(String field, double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(field + " must be finite and > 0, got " + v);
        }
    }

    private static void nonNegative(String field, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(field + " must be finite and >= 0, got " + v);
        }
    }

    private static void atLeast(String field, int v, int min) {
        if (v < min) {
            throw new IllegalArgumentException(field + " must be >= " + min + ", got " + v);
        }
    }
}
