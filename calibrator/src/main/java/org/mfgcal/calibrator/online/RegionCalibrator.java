package org.mfgcal.calibrator.online;

import org.mfgcal.api.CalibrationListener;
import org.mfgcal.api.ClosedBin;
import org.mfgcal.api.DriftAlert;
import org.mfgcal.api.Forecast;
import org.mfgcal.api.Health;
import org.mfgcal.api.Observation;
import org.mfgcal.api.ParameterUpdate;
import org.mfgcal.api.ParameterValue;
import org.mfgcal.api.Provenance;
import org.mfgcal.api.Records;
import org.mfgcal.api.UpdateResult;
import java.util.ArrayList;
import java.util.List;

import org.mfgcal.calibrator.game.Graph;

/**
 * The online calibration loop of one region: per closed bin, slide the window, warm-start, take gradient steps
 * through the equilibrium, forecast with bands, update the drift detectors. This class orchestrates; each concept
 * lives in one part, which owns its state and writes it into the warm state ({@link WarmState}).
 *
 * <h2>Implementation notes</h2>
 * <ul>
 *   <li><b>Model.</b> The mobility game (docs/MODEL.md §3) on the complete graph of the region's zones (External
 *       last, as ingest orders them), control cost b and congestion c from the config, terminal cost 0. Its base
 *       rates q come from a {@link RateTable} of log-rates per edge and window row.</li>
 *   <li><b>Window</b> ({@link Window}). W closed bins; solver grid n = 0..W−1 ↔ bins t−W+1..t, μ_0 = the observed
 *       shares of the first bin. Row r of the table holds the rates during bin t−W+2+r. Bins must arrive in order; a
 *       gap resets the region.</li>
 *   <li><b>Sub-steps</b> ({@link RegionShape}). With k = {@code substeps} > 1 the solver grid has (W−1)·k + 1 points,
 *       Δt = binHours/k; the rate of table row r applies to its k sub-steps, the loss and the uncertainty probes sit
 *       on the grid rows at bin boundaries, μ* is shifted by k rows per bin, the forecaster's grid has H·k steps.
 *       The default k = ⌈binHours / 3⌉ ({@link OnlineConfig#substepsFor}) keeps k = 1 for bins up to 3 h; on the
 *       daily flights bins one 24 h step mostly had no equilibrium.</li>
 *   <li><b>Objective</b> ({@link Objective}). Σ_{n≥1,x} (μ*_n(x) − μ^obs_n(x))² / (2σ²) + regulariser, σ² the mean
 *       finite-population variance over the window (floored by {@code minShareVariance}); each row's prior the
 *       gamma–Poisson mean (od_xy + α)/(stock_x Δt + α/q₀) from the bin's flow counts, q₀ without them.</li>
 *   <li><b>Update, cold start, checks</b> ({@link Estimator}, {@link UpdateCheck}). Shift θ, the priors, the
 *       optimiser's memory and μ* by one row; the new row starts at the minimiser of its regulariser terms given the
 *       previous row; preconditioned L-BFGS on exact implicit gradients (or Adam) from the warm start, cold when the
 *       warm start's objective is above the prior's by more than {@link UpdateCheck#REACH}; a failing update is
 *       rolled back and retried cold ({@link Health.State#RECOVERED}), else published {@link Health.State#DEGRADED}
 *       with the last good parameters. Numerical failures never throw out of {@link #update}; input errors (wrong
 *       region, zones, bin order, shares) do.</li>
 *   <li><b>Uncertainty</b> ({@link Uncertainty}). Gauss–Newton with Hutchinson probes, one fresh probe per warm
 *       update in a running average.</li>
 *   <li><b>Forecast</b> ({@link Forecaster}, {@link SeasonalMemory}, {@link ShareMemory}). H bins from the shares at
 *       t with last season's rates and a seasonal correction; bands from jump noise and posterior samples,
 *       calibrated per horizon on realised errors; every realised error with the persistence and seasonal-naive
 *       errors of the same bin and horizon.</li>
 *   <li><b>Drift</b> ({@link DriftChannels}, {@link DriftMonitor}). Per zone the standardised one-bin-ahead residual
 *       and the zone-relative log-ratio of the outgoing rate to its seasonal reference; alerts carry the observed and
 *       the model's change against the reference, the direction being the observed one ({@link DriftAlert}).</li>
 *   <li><b>Determinism.</b> The random probes and samples come from a generator seeded by (seed, region, bin);
 *       given the same bins in the same order the outputs are bit-identical (apart from {@code latencyMillis}).</li>
 *   <li><b>Warm state</b> ({@link WarmState}). {@link #exportState()} writes every field that influences future
 *       outputs; {@link #restore} rebuilds a calibrator that continues bit-identically (WarmStateTest,
 *       WarmStateFlightsTest). Sizes in bench/BENCHMARKS.md.</li>
 * </ul>
 *
 * <p>Not thread-safe: one instance per region, driven by one thread at a time (it owns two solvers as workspaces).
 * Memory is allocated at construction; per update it allocates the output records and the solver's result copies.
 * The optimiser's work vectors and the L-BFGS pairs an update may roll back to belong to the calibrating thread and
 * are shared by the regions it calibrates one after the other ({@code Descent.forThread}, {@code SparePool}; heap per
 * region in bench/BENCHMARKS.md, issue 15).
 */
public final class RegionCalibrator {
    private static final System.Logger LOG = System.getLogger(RegionCalibrator.class.getName());
    /** Relative slack with which a warm update "reaches" the cold start's loss ({@link UpdateCheck#REACH}). */
    public static final double REACH = UpdateCheck.REACH;
    /** Parameter names in outputs. */
    public static final String RATE = "rate";
    public static final String OUT_RATE = "outRate";
    /** Reference of the residual channels' alerts. */
    public static final String RESIDUAL_REFERENCE = "forecast share (changes relative to the share one bin before)";
    /** Reference of the outgoing-rate channels' alerts (sub-daily bins). */
    public static final String OUT_RATE_REFERENCE = "median of the same bin 1 day, 1 season and 2 seasons before";
    /** Reference of the outgoing-rate channels' alerts (daily or coarser bins). */
    public static final String OUT_RATE_REFERENCE_SEASON = "the same bin 1 season before";

    private final OnlineConfig cfg;
    private final RegionShape s;
    private final CalibrationListener listener;
    private final String configHash;
    private final String[] edgeNames;
    private final Window win;
    private final Objective objective;
    private final Uncertainty uncertainty;
    private final Estimator estimator;
    private final SeasonalMemory seasonal;
    private final ShareMemory past;
    private final Forecaster forecaster;
    private final DriftChannels drift;

    /**
     * @param cfg      loop configuration
     * @param region   region name
     * @param zones    zone names in state order (at least 2; External last by convention)
     * @param listener where reports go ({@link CalibrationListener#NONE} for none)
     */
    public RegionCalibrator(OnlineConfig cfg, String region, List<String> zones, CalibrationListener listener) {
        this(cfg, region, zones, null, listener);
    }

    /**
     * A calibrator whose mobility game jumps along the edges of {@code zoneGraph} only (a sparse zone graph: rates,
     * priors, uncertainty and forecasts per edge; cost O(edges) per sweep); null means the complete graph.
     *
     * @param zoneGraph the zone graph, states in the order of {@code zones}, or null
     */
    public RegionCalibrator(OnlineConfig cfg, String region, List<String> zones, Graph zoneGraph,
                            CalibrationListener listener) {
        this.s = new RegionShape(cfg, region, zones, zoneGraph);
        this.cfg = cfg;
        this.listener = Records.nonNull("listener", listener);
        this.configHash = cfg.hash();
        this.edgeNames = new String[s.edges];
        for (int e = 0; e < s.edges; e++) {
            edgeNames[e] = ParameterValue.edge(s.zones.get(s.graph.from(e)), s.zones.get(s.graph.to(e)));
        }
        win = new Window(s, cfg);
        objective = new Objective(s, cfg, win);
        uncertainty = new Uncertainty(s, cfg, objective, win);
        estimator = new Estimator(s, cfg, win, objective, uncertainty, listener);
        seasonal = new SeasonalMemory(s);
        past = new ShareMemory(s);
        forecaster = new Forecaster(s, cfg, win, seasonal, past, listener);
        drift = new DriftChannels(s, cfg, win, past);
    }

    public String region() {
        return s.region;
    }

    public List<String> zones() {
        return s.zones;
    }

    public OnlineConfig config() {
        return cfg;
    }

    /** {@link OnlineConfig#hash()} of {@link #config()}, computed once. */
    public String configHash() {
        return configHash;
    }

    /** The last bin processed, or {@link Long#MIN_VALUE} before the first. */
    public long lastBin() {
        return win.lastBin();
    }

    /** Whether the next update will be warm-started. */
    public boolean isWarm() {
        return estimator.isWarm();
    }

    /** Forces the next update to start cold (the window is kept). */
    public void reset() {
        estimator.reset();
    }

    /**
     * The region's warm state as a versioned binary snapshot ({@link WarmState}), from which {@link #restore} builds
     * a calibrator that continues bit-identically: fed the same next bins, it returns equal {@link UpdateResult}s
     * (apart from {@code latencyMillis}).
     */
    public byte[] exportState() {
        return WarmState.write(configHash, s, win, estimator, uncertainty, seasonal, drift, forecaster, past);
    }

    /**
     * A calibrator restored from {@link #exportState()} of a calibrator with the same configuration, region and
     * zones; it continues exactly where that one stopped.
     *
     * @throws IllegalArgumentException naming the field and both values when the snapshot's magic, version, config
     *                                  hash, region, zones or shape differ, or when it is truncated or corrupt
     */
    public static RegionCalibrator restore(OnlineConfig cfg, String region, List<String> zones,
                                           CalibrationListener listener, byte[] snapshot) {
        return restore(cfg, region, zones, null, listener, snapshot);
    }

    /** As {@link #restore(OnlineConfig, String, List, CalibrationListener, byte[])} for a calibrator on {@code zoneGraph}. */
    public static RegionCalibrator restore(OnlineConfig cfg, String region, List<String> zones, Graph zoneGraph,
                                           CalibrationListener listener, byte[] snapshot) {
        RegionCalibrator rc = new RegionCalibrator(cfg, region, zones, zoneGraph, listener);
        WarmState.read(snapshot, rc.configHash, rc.s, rc.win, rc.estimator, rc.uncertainty, rc.seasonal, rc.drift,
                rc.forecaster, rc.past);
        return rc;
    }

    /** The current rate (per hour) of edge {@code from → to} during window row {@code row} (0..W−2). */
    public double rate(int row, int from, int to) {
        int e = s.graph.edge(from, to);
        if (e < 0 || row < 0 || row >= s.rows) {
            throw new IllegalArgumentException("rate: no edge " + from + "->" + to + " or row " + row + " outside 0.."
                    + (s.rows - 1));
        }
        return Math.exp(estimator.theta[row * s.edges + e]);
    }

    /** Processes one closed bin. */
    public UpdateResult update(ClosedBin bin) {
        return process(bin, null);
    }

    /**
     * Processes one closed bin like {@link #update}, with a warm update's optimisation replaced by {@code warmRun}
     * (null: none); the measurement harness of the tests and benchmarks ({@code WarmColdHarness}) uses it.
     */
    UpdateResult update(ClosedBin bin, Estimator.WarmRun warmRun) {
        return process(bin, warmRun);
    }

    private UpdateResult process(ClosedBin bin, Estimator.WarmRun warmRun) {
        final Observation o = bin.observation();
        win.check(o);
        final long b = o.bin();
        final long before = win.lastBin();
        if (win.gap(b)) {
            LOG.log(System.Logger.Level.WARNING, "region ''{0}'': gap from bin {1} to {2}; window reset, cold start"
                    + " once it is full again", s.region, before, b);
            estimator.reset();
            forecaster.forgetPending();
            drift.monitor().reset();
        }
        listener.snapshotClosed(o);
        final long t0 = System.nanoTime();
        win.normalise(o);
        List<Forecast.RealisedError> realised = forecaster.realise(b);
        past.put(b, win.shares);
        final boolean full = win.full();
        if (full) {
            estimator.shift();
            uncertainty.shift();
        }
        final int idx = win.slide(o);
        if (idx >= 1) {
            win.prior(bin, idx - 1);
            estimator.enterRow(idx - 1, idx == s.w - 1);
        }
        if (!win.full()) {
            return new UpdateResult(o, null, null, List.of());
        }
        Estimator.Outcome out = estimator.update(b, warmRun);
        Provenance prov = new Provenance(cfg.modelVersion(), configHash, cfg.seed(), cfg.codeVersion(),
                b - s.w + 1, b);
        drift.remember(b, bin, estimator.theta);
        seasonal.remember(b, estimator.theta, uncertainty.variance);
        List<ParameterValue> values = parameterValues();
        Health[] health = {out.health()};
        Forecast forecast = forecaster.forecast(b, estimator.theta, uncertainty.variance, realised, prov, health);
        List<DriftAlert> alerts = new ArrayList<>();
        drift.update(b, forecaster, prov, alerts);
        double latency = (System.nanoTime() - t0) / 1e6;
        ParameterUpdate update = new ParameterUpdate(s.region, b, values, out.loss(), out.exploitability(),
                Math.max(0, out.steps()), objective.picard(), objective.adjoint(),
                out.cold() ? ParameterUpdate.Start.COLD : ParameterUpdate.Start.WARM, latency, prov, health[0]);
        listener.parametersUpdated(update);
        listener.forecastIssued(forecast);
        listener.driftScore(s.region, b, drift.monitor().score());
        for (DriftAlert a : alerts) {
            listener.driftAlert(a);
        }
        return new UpdateResult(o, update, forecast, alerts);
    }

    Estimator estimator() { // tests
        return estimator;
    }

    /** The newest row's rates per edge, then each zone's outgoing rate. */
    private List<ParameterValue> parameterValues() {
        List<ParameterValue> values = new ArrayList<>(s.edges + s.d);
        final int last = (s.rows - 1) * s.edges;
        double[] out = new double[s.d];
        for (int e = 0; e < s.edges; e++) {
            double q = Math.exp(estimator.theta[last + e]);
            values.add(new ParameterValue(RATE, edgeNames[e], q));
            out[s.graph.from(e)] += q;
        }
        for (int x = 0; x < s.d; x++) {
            values.add(new ParameterValue(OUT_RATE, s.zones.get(x), out[x]));
        }
        return values;
    }

    /**
     * For tests: the objective of the last calibrated window at {@code th} (solved from μ_0), and with a non-null
     * {@code grad} its gradient ∂/∂θ (copied into {@code grad}). Requires a published update (the window full).
     */
    double objectiveAt(double[] th, double[] grad) {
        if (!win.full()) {
            throw new IllegalStateException("objectiveAt: the window is not full");
        }
        return estimator.objectiveAt(th, grad);
    }

    /** For tests: the current θ (a copy). */
    double[] thetaCopy() {
        return estimator.theta.clone();
    }

    /** The current drift score (largest statistic over its threshold). */
    public double driftScore() {
        return drift.monitor().score();
    }

    /** Alerts currently raised and not cleared. */
    public int activeAlerts() {
        return drift.monitor().active();
    }
}
