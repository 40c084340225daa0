package org.mfgcal.calibrator.online;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.mfgcal.api.Provenance;
import org.mfgcal.api.Records;
import org.mfgcal.calibrator.solver.SolverOptions;

/**
 * Configuration of the online calibration loop of one region (the same for every region of a run).
 *
 * <p>Units: time in hours (rates are "per hour"), bins of {@code binHours}. The window holds the last
 * {@code windowBins} closed bins; its rate table has one row per bin transition inside the window. Forecasts cover
 * {@code horizon} bins and reuse the rates estimated one {@code seasonBins} earlier (daily seasonality by default).
 *
 * <p>Contract: immutable; validated on construction, every message names the field and its value. Each default is
 * defined once, in {@link #defaults(double)}. {@link #hash()} is a SHA-256 over every field, so two runs with equal
 * hashes used equal configuration. Thread-safe.
 *
 * @param binHours          width of one bin in hours (> 0)
 * @param windowBins        W, closed bins in the sliding window (≥ 3)
 * @param seasonBins        S, period of the seasonal forecast in bins (≥ 1), usually bins per week (weekday patterns)
 * @param horizon           H, forecast bins (≥ 1)
 * @param bandLevel         nominal coverage of the forecast bands, in (0, 1)
 * @param controlCost       b of the mobility game (> 0)
 * @param congestion        c of the mobility game (≥ 0); 0 gives the plain Kolmogorov model
 * @param optimizer         how θ is fitted: {@link Optimizer#LBFGS} (default) or {@link Optimizer#ADAM}
 * @param learningRate      Adam step size on log-rates (> 0; used by {@link Optimizer#ADAM} only)
 * @param coldSteps         budget of a cold start (≥ 1): gradient evaluations (L-BFGS, line-search trials included)
 *                          or steps (Adam)
 * @param warmSteps         budget of a warm update (≥ 1), same unit; it bounds the update latency (about 4 ms an
 *                          evaluation at 21 states × 96 bins, see OnlineUpdateBenchmark); an optimisation it cuts short
 *                          continues, warm, at the next bin (L-BFGS keeps its memory), but leaves the published rates
 *                          less converged. Default 8, measured on the flights sample (FlightsOnlineTest) and the
 *                          benchmark: warm/cold iterations 0.160 at 8 (7: 0.187, 10: 0.171), band coverage 0.906 and the
 *                          drift results unchanged; update p99 36–47 ms at 8 against 58–61 ms at 10
 * @param relativeTolerance the loss "stops improving" when a step improves the best loss by less than this
 *                          fraction (≥ 0)
 * @param smoothness        λ_s, weight of Σ (θ_{r+1,e} − θ_{r,e})² / 2 over adjacent rows (≥ 0)
 * @param priorWeight       λ_p, weight of Σ (θ − θ_prior)² / 2 (> 0: it makes the rates identifiable)
 * @param priorRate         prior rate per edge and hour when a bin has no flow counts (> 0)
 * @param priorPseudoCount  pseudo-trips added to each edge's flow count for the empirical prior (> 0)
 * @param minShareVariance  floor of the per-share observation variance (> 0)
 * @param uncertaintyProbes Rademacher probes averaged in the Gauss–Newton diagonal (≥ 1): all fresh after a cold
 *                          start, then one fresh probe per warm update in a running average of this length
 * @param forecastSamples   parameter samples for the forecast's parameter uncertainty (≥ 2)
 * @param bandMemory        EWMA weight of the newest realised errors in the band variance calibration, in (0, 1]
 * @param residualAllowance CUSUM allowance k on forecast residuals, in robust standard deviations of the channel
 *                          (≥ 0; k = δ/2 for the smallest shift δ worth an alert)
 * @param residualThreshold smallest CUSUM threshold h on forecast residuals (> 0); the threshold in force is
 *                          max(this, {@code driftNullMargin}·the null maximum of the warm-up), see DriftMonitor
 * @param rateAllowance     CUSUM allowance on the zone-relative seasonal log-ratio of each zone's outgoing rate, in
 *                          robust standard deviations (≥ 0)
 * @param rateThreshold     smallest CUSUM threshold on the outgoing-rate channels (> 0), as for residuals
 * @param clearFraction     an alert clears when its statistic falls below this fraction of its threshold, in [0, 1)
 * @param driftWarmupBins   inputs a drift channel collects before it is armed, and the length of its robust
 *                          standardisation buffer (≥ 3)
 * @param driftNullMargin   factor on the largest CUSUM statistic replayed over the warm-up data (≥ 1)
 * @param seed              random seed (probes and forecast samples)
 * @param modelVersion      model name and version written into provenance
 * @param codeVersion       code version written into provenance
 * @param solver            equilibrium and adjoint solver options
 * @param substeps          k, solver time steps per bin (≥ 1): the solver grid of a window has (W−1)·k + 1 points,
 *                          Δt = binHours/k; default {@link #substepsFor} (1 for bins up to 3 h)
 */
public record OnlineConfig(double binHours, int windowBins, int seasonBins, int horizon, double bandLevel,
                           double controlCost, double congestion, Optimizer optimizer, double learningRate,
                           int coldSteps, int warmSteps,
                           double relativeTolerance, double smoothness, double priorWeight, double priorRate,
                           double priorPseudoCount, double minShareVariance, int uncertaintyProbes,
                           int forecastSamples, double bandMemory, double residualAllowance,
                           double residualThreshold, double rateAllowance, double rateThreshold,
                           double clearFraction, int driftWarmupBins, double driftNullMargin, long seed,
                           String modelVersion, String codeVersion, SolverOptions solver, int substeps) {

    /** Name and version of the model this loop calibrates. */
    public static final String MODEL_VERSION = "mobility-rate-table/1";

    public OnlineConfig {
        positive("binHours", binHours);
        atLeast("windowBins", windowBins, 3);
        atLeast("seasonBins", seasonBins, 1);
        atLeast("horizon", horizon, 1);
        if (!(bandLevel > 0 && bandLevel < 1)) {
            throw new IllegalArgumentException("bandLevel must be in (0, 1), got " + bandLevel);
        }
        positive("controlCost", controlCost);
        nonNegative("congestion", congestion);
        Records.nonNull("optimizer", optimizer);
        positive("learningRate", learningRate);
        atLeast("coldSteps", coldSteps, 1);
        atLeast("warmSteps", warmSteps, 1);
        nonNegative("relativeTolerance", relativeTolerance);
        nonNegative("smoothness", smoothness);
        positive("priorWeight", priorWeight);
        positive("priorRate", priorRate);
        positive("priorPseudoCount", priorPseudoCount);
        positive("minShareVariance", minShareVariance);
        atLeast("uncertaintyProbes", uncertaintyProbes, 1);
        atLeast("forecastSamples", forecastSamples, 2);
        if (!(bandMemory > 0 && bandMemory <= 1)) {
            throw new IllegalArgumentException("bandMemory must be in (0, 1], got " + bandMemory);
        }
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
        Records.nonBlank("modelVersion", modelVersion);
        Records.nonBlank("codeVersion", codeVersion);
        Records.nonNull("solver", solver);
        atLeast("substeps", substeps, 1);
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
        return new OnlineConfig(binHours, day, week, 12, 0.9,
                1.0, 0.5, Optimizer.LBFGS, 0.05, 300, 8,
                1e-4, 4.0, 1.0, 0.05,
                0.5, 1e-7, 4,
                16, 0.02, 3.0,
                5.0, 2.5, 5.0,
                0.25, Math.max(week, 28), 2.0, 20260101L, MODEL_VERSION, Provenance.runningCodeVersion(),
                SolverOptions.DEFAULTS, substepsFor(binHours));
    }

    /** Longest solver time step (hours) of the default sub-stepping, see {@link #substepsFor}. */
    public static final double MAX_STEP_HOURS = 3.0;

    /**
     * Default solver sub-steps per bin: ⌈binHours / {@value #MAX_STEP_HOURS}⌉, so that no solver step is longer than
     * {@value #MAX_STEP_HOURS} h. Hourly and finer bins keep one step per bin; on daily bins (flights sample) the
     * equilibrium with one 24 h step per bin mostly did not converge (83 of 85 updates degraded), with 3 h steps it
     * does (RegionCalibrator, "Sub-steps").
     */
    public static int substepsFor(double binHours) {
        positive("binHours", binHours);
        return Math.max(1, (int) Math.ceil(binHours / MAX_STEP_HOURS - 1e-9));
    }

    /** The same configuration with {@code k} solver steps per bin (≥ 1). */
    public OnlineConfig withSubsteps(int k) {
        return new OnlineConfig(binHours, windowBins, seasonBins, horizon, bandLevel, controlCost, congestion,
                optimizer, learningRate, coldSteps, warmSteps, relativeTolerance, smoothness, priorWeight, priorRate,
                priorPseudoCount, minShareVariance, uncertaintyProbes, forecastSamples, bandMemory, residualAllowance,
                residualThreshold, rateAllowance, rateThreshold, clearFraction,
                driftWarmupBins, driftNullMargin, seed, modelVersion, codeVersion, solver, k);
    }

    public OnlineConfig withWindow(int window, int season) {
        return new OnlineConfig(binHours, window, season, horizon, bandLevel, controlCost, congestion, optimizer, learningRate,
                coldSteps, warmSteps, relativeTolerance, smoothness, priorWeight, priorRate, priorPseudoCount,
                minShareVariance, uncertaintyProbes, forecastSamples, bandMemory, residualAllowance,
                residualThreshold, rateAllowance, rateThreshold, clearFraction,
                driftWarmupBins, driftNullMargin, seed, modelVersion, codeVersion, solver, substeps);
    }

    /** The same configuration with drift channels armed after {@code bins} inputs (see {@code driftWarmupBins}). */
    public OnlineConfig withDriftWarmup(int bins) {
        return new OnlineConfig(binHours, windowBins, seasonBins, horizon, bandLevel, controlCost, congestion,
                optimizer, learningRate, coldSteps, warmSteps, relativeTolerance, smoothness, priorWeight, priorRate,
                priorPseudoCount, minShareVariance, uncertaintyProbes, forecastSamples, bandMemory, residualAllowance,
                residualThreshold, rateAllowance, rateThreshold, clearFraction,
                bins, driftNullMargin, seed, modelVersion, codeVersion, solver, substeps);
    }

    public OnlineConfig withSteps(int cold, int warm, double relTol) {
        return new OnlineConfig(binHours, windowBins, seasonBins, horizon, bandLevel, controlCost, congestion,
                optimizer, learningRate, cold, warm, relTol, smoothness, priorWeight, priorRate, priorPseudoCount,
                minShareVariance, uncertaintyProbes, forecastSamples, bandMemory, residualAllowance,
                residualThreshold, rateAllowance, rateThreshold, clearFraction,
                driftWarmupBins, driftNullMargin, seed, modelVersion, codeVersion, solver, substeps);
    }

    public OnlineConfig withDrift(double resK, double resH, double rateK, double rateH) {
        return new OnlineConfig(binHours, windowBins, seasonBins, horizon, bandLevel, controlCost, congestion,
                optimizer, learningRate, coldSteps, warmSteps, relativeTolerance, smoothness, priorWeight, priorRate,
                priorPseudoCount, minShareVariance, uncertaintyProbes, forecastSamples, bandMemory, resK, resH,
                rateK, rateH, clearFraction,
                driftWarmupBins, driftNullMargin, seed, modelVersion, codeVersion, solver, substeps);
    }

    public OnlineConfig withDriftWarmup(int warmupBins, double nullMargin) {
        return new OnlineConfig(binHours, windowBins, seasonBins, horizon, bandLevel, controlCost, congestion,
                optimizer, learningRate, coldSteps, warmSteps, relativeTolerance, smoothness, priorWeight, priorRate,
                priorPseudoCount, minShareVariance, uncertaintyProbes, forecastSamples, bandMemory, residualAllowance,
                residualThreshold, rateAllowance, rateThreshold, clearFraction, warmupBins, nullMargin, seed,
                modelVersion, codeVersion, solver, substeps);
    }

    public OnlineConfig withRegularisation(double smooth, double prior) {
        return new OnlineConfig(binHours, windowBins, seasonBins, horizon, bandLevel, controlCost, congestion,
                optimizer, learningRate, coldSteps, warmSteps, relativeTolerance, smooth, prior, priorRate, priorPseudoCount,
                minShareVariance, uncertaintyProbes, forecastSamples, bandMemory, residualAllowance,
                residualThreshold, rateAllowance, rateThreshold, clearFraction,
                driftWarmupBins, driftNullMargin, seed, modelVersion, codeVersion, solver, substeps);
    }

    public OnlineConfig withSeed(long s) {
        return new OnlineConfig(binHours, windowBins, seasonBins, horizon, bandLevel, controlCost, congestion,
                optimizer, learningRate, coldSteps, warmSteps, relativeTolerance, smoothness, priorWeight, priorRate,
                priorPseudoCount, minShareVariance, uncertaintyProbes, forecastSamples, bandMemory, residualAllowance,
                residualThreshold, rateAllowance, rateThreshold, clearFraction,
                driftWarmupBins, driftNullMargin, s, modelVersion, codeVersion, solver, substeps);
    }

    public OnlineConfig withGame(double b, double c) {
        return new OnlineConfig(binHours, windowBins, seasonBins, horizon, bandLevel, b, c, optimizer, learningRate,
                coldSteps, warmSteps, relativeTolerance, smoothness, priorWeight, priorRate, priorPseudoCount,
                minShareVariance, uncertaintyProbes, forecastSamples, bandMemory, residualAllowance,
                residualThreshold, rateAllowance, rateThreshold, clearFraction,
                driftWarmupBins, driftNullMargin, seed, modelVersion, codeVersion, solver, substeps);
    }

    public OnlineConfig withSolver(SolverOptions s) {
        return new OnlineConfig(binHours, windowBins, seasonBins, horizon, bandLevel, controlCost, congestion,
                optimizer, learningRate, coldSteps, warmSteps, relativeTolerance, smoothness, priorWeight, priorRate,
                priorPseudoCount, minShareVariance, uncertaintyProbes, forecastSamples, bandMemory, residualAllowance,
                residualThreshold, rateAllowance, rateThreshold, clearFraction,
                driftWarmupBins, driftNullMargin, seed, modelVersion, codeVersion, s, substeps);
    }

    public OnlineConfig withOptimizer(Optimizer o) {
        return new OnlineConfig(binHours, windowBins, seasonBins, horizon, bandLevel, controlCost, congestion, o,
                learningRate, coldSteps, warmSteps, relativeTolerance, smoothness, priorWeight, priorRate,
                priorPseudoCount, minShareVariance, uncertaintyProbes, forecastSamples, bandMemory, residualAllowance,
                residualThreshold, rateAllowance, rateThreshold, clearFraction,
                driftWarmupBins, driftNullMargin, seed, modelVersion, codeVersion, solver, substeps);
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

    /** SHA-256 (hex) of every field in declaration order; the provenance's {@code configHash}. */
    public String hash() {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(md.digest(toString().getBytes(StandardCharsets.UTF_8)));
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
