package org.mfgcal.calibrator.online;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
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
import org.mfgcal.calibrator.game.Graph;
import org.mfgcal.calibrator.game.MobilityGame;
import org.mfgcal.calibrator.solver.EquilibriumSolver;
import org.mfgcal.calibrator.solver.Gradient;
import org.mfgcal.calibrator.solver.Solution;
import org.mfgcal.calibrator.solver.SquaredLoss;

/**
 * The online calibration loop of one region: per closed bin, slide the window, warm-start, take gradient steps
 * through the equilibrium, forecast with bands, update the drift detectors.
 *
 * <h2>Implementation notes</h2>
 * <ul>
 *   <li><b>Model.</b> The mobility game (docs/MODEL.md §3) on the complete graph of the region's zones (External
 *       last, as ingest orders them), control cost b and congestion c from the config, terminal cost 0. Its base
 *       rates q come from a {@link ParameterModel}, here a {@link RateTable} of log-rates per edge and window row.</li>
 *   <li><b>Window.</b> W closed bins; solver grid n = 0..W−1 ↔ bins t−W+1..t, Δt = one bin in hours (k = 1; see Sub-steps), μ_0 = the
 *       observed shares of the first bin. Row r of the table holds the rates during bin t−W+2+r, so the last row is
 *       "the rate during the bin that just closed". Bins must arrive in order; a gap resets the region.</li>
 *   <li><b>Sub-steps.</b> With k = {@code substeps} > 1 the solver grid is finer than the bins: (W−1)·k + 1 points,
 *       Δt = binHours/k, bin i of the window at grid row i·k. The rate of table row r applies to its k sub-steps
 *       (grid rows r·k .. r·k + k − 1; {@link #toGrid}), so ∂L/∂θ of a row sums over them ({@link #fromGrid}); the
 *       loss compares only the grid rows at bin boundaries with the observations ({@link SquaredLoss}'s stride),
 *       the uncertainty probes sit on the same rows, and μ* (warm starts) lives on the grid, shifted by k rows per
 *       bin. The forecaster's grid likewise has H·k steps and reports every k-th row. The default k =
 *       ⌈binHours / 3⌉ ({@link OnlineConfig#substepsFor}) keeps k = 1 for bins up to 3 h (every code path then
 *       identical to one step per bin); on the daily flights bins one 24 h step mostly had no equilibrium (83 of 85
 *       updates degraded).</li>
 *   <li><b>Objective.</b> Σ_{n≥1,x} (μ*_n(x) − μ^obs_n(x))² / (2σ²) + regulariser, with σ² the mean finite-population
 *       variance p(1−p)/population over the window (floored by {@code minShareVariance}). Prior of each row: the
 *       gamma–Poisson mean (od_xy + α)/(stock_x Δt + α/q₀) from the bin's flow counts (α pseudo-trips, q₀ the prior
 *       rate); q₀ without flow counts.</li>
 *   <li><b>Update.</b> Shift θ, the priors, the optimiser's memory (L-BFGS pairs, or Adam's moments) and μ* by one
 *       row; the new row starts at the minimiser of its regulariser terms given the previous row. Then the
 *       optimiser ({@link OnlineConfig.Optimizer}): by default preconditioned L-BFGS on exact implicit gradients (see
 *       {@link #quasiNewton}), else Adam steps, until the loss stops improving by {@code relativeTolerance}
 *       (relative) or the budget of gradient evaluations is spent; the best evaluated θ is kept. Every solve is
 *       warm-started from the previous solve's μ*.</li>
 *   <li><b>Cold start.</b> θ = prior, fresh moments, μ from μ_0: on the first full window, after {@link #reset} or
 *       a gap, and when the warm start's objective (its first gradient evaluation) is above the objective at the
 *       prior by more than {@link #REACH} (relative; checked every update with one extra solve, warm-started; logged).</li>
 *   <li><b>Checks, rollback, degraded bins.</b> Before an update replaces the warm state it is checked
 *       ({@link #check}): the published equilibrium converged, θ finite, μ* ≥ −{@value #MASS_TOLERANCE} with mass 1
 *       within {@value #MASS_TOLERANCE} at every step, exploitability finite, and the loss of the published
 *       equilibrium finite and not above the objective at the prior on the same window (with {@link #REACH}). A
 *       failing warm update is rolled back (θ, μ*, optimiser memory, curvature, as kept before it) and retried once
 *       cold ({@link Health.State#RECOVERED} when that passes). Otherwise the bin is published
 *       {@link Health.State#DEGRADED} with its reason: the last good parameters (shifted with the window; the prior
 *       rates before any good update), their loss and exploitability on this window and a forecast from them; the
 *       next bin starts warm from that last good state. Each failing attempt is reported to
 *       {@link CalibrationListener#updateFailed}. Numerical failures never throw out of {@link #update}; input
 *       errors (wrong region, zones, bin order, shares) still do. Causes fixed rather than caught: the stable
 *       HJB step of the mobility game (see {@code Game.exitScaledCost}) and diverged uncertainty probes, which are
 *       left out instead of entering the running curvature, the preconditioner and the posterior.</li>
 *   <li><b>Uncertainty.</b> Gauss–Newton: diag(JᵀJ) of J = ∂μ* / ∂θ by Rademacher probes v, E[(Jᵀv)²] = diag(JᵀJ),
 *       each Jᵀv one exact adjoint solve; posterior variance 1/(diag(JᵀJ)/σ² + regulariser curvature). After a cold
 *       start {@code uncertaintyProbes} probes; on warm updates the estimate is shifted with the window and one fresh
 *       probe enters a running average of that length (one adjoint solve per bin).</li>
 *   <li><b>Exploitability.</b> Computed once per update, for the published equilibrium (a final warm-started solve
 *       that converges at once); the optimiser's and the forecaster's solves skip it.</li>
 *   <li><b>Forecast.</b> The equilibrium over H bins from the observed shares at t, with the rates estimated for
 *       the same bin one season (S bins, a week by default) earlier, else one day earlier, else the newest rates,
 *       plus a seasonal correction: the model's own error over the same bins one season earlier (a hindcast from
 *       the shares observed at t − S with the same rates, against the shares observed at t − S + h; see
 *       {@link #seasonalCorrection}). Without it the forecast lost to seasonal naive from horizon 2 on the flights
 *       (skill ratio 1.01–2.51 at h = 2..12); with it 0.60–0.97 (calibrator/CALIBRATION.md). Band variance per zone and
 *       horizon: λ_h·(finite-population noise of the jump process: expected individual jumps into and out
 *       of the zone over the horizon / population² in share units, i.e. Σ_n Δt (μ_n(x) Σ_y q_xy + Σ_y μ_n(y) q_yx)
 *       / population + parameter variance from the equilibria at
 *       {@code forecastSamples} draws from the posterior), with λ_h, per horizon, the EWMA of the realised
 *       mean_x r²/variance (weight max({@code bandMemory}, 1/(1+count)), starting at 1): the model-error
 *       calibration of the two components, which can widen or narrow the band; band = mean ± Φ⁻¹((1+level)/2)·sd, clipped to [0, 1].</li>
 *   <li><b>Drift.</b> {@link DriftMonitor} (robust running standardisation, warm-up before arming, thresholds from
 *       the null distribution of the warm-up data; see there) on two groups of channels per zone:
 *       <ol>
 *         <li>the one-bin-ahead residual divided by its band's standard deviation, fed after one season of realised
 *             residuals (the band calibration's own warm-up);</li>
 *         <li>the log-ratio of the zone's outgoing rate in the bin to a reference, the median of the same quantity
 *             one day, one season and two seasons earlier when all exist (robust to one disrupted reference day),
 *             else one season earlier; minus the median of that log-ratio over the monitored zones (zone-relative:
 *             region-wide patterns, e.g. a holiday morning everywhere, are not a change of one zone). The rate is
 *             the bin's own estimate, Σ_y (od_xy + α)/(stock_x Δt + α/q₀), when the bin has flow counts: the CUSUM
 *             needs one fresh, nearly independent input per bin, and the calibrated newest row is smoothed towards
 *             the previous rows (λ_s), so it lags a step by several bins and is serially correlated, which inflates
 *             the null excursions of a CUSUM. Without flow counts the calibrated newest row is the only estimate.
 *             The catch-all zone (last, "External") aggregates many places and is not monitored on rates (its
 *             residuals are).</li>
 *       </ol></li>
 *   <li><b>Skill.</b> Each realised error carries the errors of persistence (the shares observed at the issue
 *       bin) and seasonal naive (the shares observed at the target bin − S) for the same bin and horizon, from a
 *       memory of the last max(S, H) + 1 observed shares.</li>
 *   <li><b>Alerts.</b> Each drift channel also accumulates, over a detector run, its quantity as observed and as
 *       the model has it, each against its reference: a rate alert's observed change is that of the zone's departures
 *       per individual and hour (departures over the stock at the bin's start) against the same reference lags as
 *       the channel, its model change that of the calibrated outgoing rate; a residual alert's are the observed and
 *       forecast share against the share one bin before. The direction is the sign of the observed change (residual:
 *       of observed − forecast), see {@link DriftAlert}.</li>
 *   <li><b>Determinism.</b> The random probes and samples come from a generator seeded by (seed, region, bin);
 *       given the same bins in the same order the outputs are bit-identical (apart from {@code latencyMillis}).</li>
 *   <li><b>Warm state.</b> {@link #exportState()} writes every field that influences future outputs (window, θ and
 *       priors, μ*, curvature and variance, seasonal and outgoing-rate memory, pending forecasts and band calibration,
 *       optimiser memory, drift monitor) as float64; {@link #restore} rebuilds a calibrator that continues
 *       bit-identically (WarmStateTest, WarmStateFlightsTest). Size: 7 kB at construction; d = 21, W = 96, S = 672
 *       with every array full: 10.4 MB (12.2 MB raw, of which L-BFGS pairs 5.1 MB and seasonal memory 4.5 MB;
 *       float64 mantissas barely deflate).</li>
 * </ul>
 *
 * <p>Not thread-safe: one instance per region, driven by one thread at a time (it owns two solvers as workspaces).
 * Memory is allocated at construction; per update it allocates the output records and the solver's result copies.
 */
public final class RegionCalibrator {
    private static final System.Logger LOG = System.getLogger(RegionCalibrator.class.getName());
    /** Relative slack with which a warm update "reaches" the cold start's loss in {@link #compare}. */
    public static final double REACH = 1e-3;
    /** Floor of the robust scale of a residual drift channel (standardised residual units). */
    static final double MIN_RESIDUAL_SCALE = 0.05;
    /** Floor of the robust scale of an outgoing-rate drift channel (log-rate units: a 1% change). */
    static final double MIN_LOG_RATE_SCALE = 0.01;
    /** Parameter names in outputs. */
    public static final String RATE = "rate";
    public static final String OUT_RATE = "outRate";
    private static final long NONE = Long.MIN_VALUE;
    /** Pairs kept by the quasi-Newton optimiser. */
    static final int LBFGS_MEMORY = 8;
    /** Armijo sufficient-decrease constant of the line search. */
    static final double ARMIJO = 1e-4;
    /** The quasi-Newton loop stops after this many consecutive accepted steps improving by < relativeTolerance. */
    static final int SMALL_STEPS = 3;
    /** Largest change of any log-rate in one quasi-Newton step (a factor e² ≈ 7.4 in the rate). */
    static final double MAX_LOG_STEP = 2.0;
    /** The line search gives up when the largest change of a log-rate falls below this. */
    static final double MIN_LOG_STEP = 1e-4;
    /** Largest mass error and most negative μ* entry an update's equilibrium may have (its checks, {@link Health}). */
    static final double MASS_TOLERANCE = 1e-6;
    /**
     * Loss and exploitability reported by a degraded bin when not even the fallback parameters have an equilibrium
     * on the window (the largest finite double: the records stay valid JSON, the health says why).
     */
    static final double UNAVAILABLE = Double.MAX_VALUE;
    /** Relative accuracy to which the uncertainty probes' adjoints are solved. */
    static final double PROBE_ACCURACY = 1e-3;

    private final OnlineConfig cfg;
    private final String region;
    private final List<String> zones;
    private final int d;
    private final int w;
    private final int rows;
    /** k, solver steps per bin, and the solver grid's points (W−1)·k + 1 (see the class notes, "Sub-steps"). */
    private final int k;
    private final int grid;
    private final int edges;
    private final int season;
    private final int horizon;
    private final int dayBins;
    private final Graph graph;
    private final RateTable table;
    private final ParameterModel model;
    private final EquilibriumSolver solver;
    private final EquilibriumSolver forecaster;
    private final SquaredLoss loss;
    private final CalibrationListener listener;
    private final String configHash;
    private final double zBand;
    private final String[] edgeNames;

    // window
    private final double[] obs;
    private final double[] pop;
    private final double[] mu0;
    private final double[] shares;
    private int filled;
    private long lastBin = NONE;

    // parameters and optimiser
    private final double[] theta;
    private final double[] bestTheta;
    private final double[] savedTheta;
    private final double[] gamma;
    private final double[] gammaBar;
    // γ and ∂L/∂γ on the solver grid (the same arrays as gamma, gammaBar when k = 1)
    private final double[] gridGamma;
    private final double[] gridGammaBar;
    private final double[] thetaBar;
    private final double[] scratch;
    private final double[] muWarm;
    private final double[] bestMu;
    private final double[] savedMu;
    private final double[] priorRow;
    private final Adam adam;
    private final Adam savedAdam;
    private final Lbfgs lbfgs;
    private final Lbfgs savedLbfgs;
    private final double[] gradCur;
    private final double[] direction;
    private final double[] trial;
    private final double[] dataCurv;
    private final double[] outDegree;
    private final Lbfgs.Preconditioner precond;
    private boolean warm;
    private boolean hasMu;
    // the last good state (kept before each update, restored when it fails its checks)
    private final double[] goodTheta;
    private final double[] goodMu;
    private final double[] goodGn;
    private final double[] goodVariance;
    private final Adam goodAdam;
    private final Lbfgs goodLbfgs;
    private boolean goodHasMu;
    private boolean goodHaveCurvature;
    private long lastGoodBin = NONE;
    private double scale;
    private int picard;
    private int adjoint;
    private Solution lastSolution;

    // uncertainty
    private final double[] probe;
    private final double[] precision;
    private final double[] variance;
    private final double[] gnData;    // running estimate of diag(JᵀJ), per θ entry
    private boolean haveCurvature;

    // seasonal memory of the latest estimates, slot = bin mod S
    private final double[] histTheta;
    private final double[] histVar;
    private final long[] histBin;

    // forecasts
    private final double[] fcTheta;
    private final double[] fcVar;
    private final double[] fcGamma;
    private final double[] fcGridGamma;   // fcGamma on the forecaster's grid (the same array when k = 1)
    private final double[] fcMean;        // the forecast mean at the bins (k > 1; the grid's own rows when k = 1)
    private final double[] fcSum;
    private final double[] fcSumSq;
    private final double[] fcMu0;
    private final double[] fcJumps;
    private final double[] fcCorr;
    private final double[] fcPast;
    private final double[][] pendMean;
    private final double[][] pendLower;
    private final double[][] pendUpper;
    private final double[][] pendModelVar;
    private final double[][] pendTotalVar;
    private final long[] pendIssued;
    private final double[] inflation;
    private final long[] excessCount;
    private long oneStepResiduals;

    // observed shares of the last max(S, H) + 1 bins, slot = bin mod length: the baselines' forecasts
    private final double[] shareHist;
    private final long[] shareHistBin;

    // drift
    private final DriftMonitor monitor;
    private final double[] zOne;
    private final double[] rOne;
    private final double[] outRef;
    private final double[] logRatio;
    private final double[] scratchZones;
    private final double[] outHist;
    private final long[] outHistBin;
    // per bin and zone: observed departures per individual and hour (NaN without flows or stock), calibrated rate
    private final double[] obsRateHist;
    private final double[] modelOutHist;
    private final double[] obsRateRef;
    private final double[] modelOutRef;
    private final boolean dayBinsBelowSeason;

    /** Reference of the residual channels' alerts. */
    public static final String RESIDUAL_REFERENCE = "forecast share (changes relative to the share one bin before)";
    /** Reference of the outgoing-rate channels' alerts (sub-daily bins). */
    public static final String OUT_RATE_REFERENCE = "median of the same bin 1 day, 1 season and 2 seasons before";
    /** Reference of the outgoing-rate channels' alerts (daily or coarser bins). */
    public static final String OUT_RATE_REFERENCE_SEASON = "the same bin 1 season before";

    /**
     * @param cfg      loop configuration
     * @param region   region name
     * @param zones    zone names in state order (at least 2; External last by convention)
     * @param listener where reports go ({@link CalibrationListener#NONE} for none)
     */
    public RegionCalibrator(OnlineConfig cfg, String region, List<String> zones, CalibrationListener listener) {
        Records.nonNull("config", cfg);
        Records.nonBlank("region", region);
        this.zones = Records.copy("zones", zones);
        if (this.zones.size() < 2) {
            throw new IllegalArgumentException("region '" + region + "': need at least 2 zones, got " + this.zones);
        }
        if (new java.util.HashSet<>(this.zones).size() != this.zones.size()) {
            throw new IllegalArgumentException("region '" + region + "': zone names must be unique, got " + this.zones);
        }
        this.cfg = cfg;
        this.region = region;
        this.listener = Records.nonNull("listener", listener);
        this.d = this.zones.size();
        this.w = cfg.windowBins();
        this.rows = w - 1;
        this.season = cfg.seasonBins();
        this.horizon = cfg.horizon();
        this.dayBins = Math.max(1, (int) Math.round(24 / cfg.binHours()));
        this.graph = Graph.complete(d);
        this.edges = graph.edges();
        this.k = cfg.substeps();
        this.grid = rows * k + 1;
        MobilityGame game = new MobilityGame(graph, cfg.controlCost(), cfg.congestion(), new double[d]);
        this.table = new RateTable(w, edges, cfg.smoothness(), cfg.priorWeight(), Math.log(cfg.priorRate()));
        this.model = table;
        this.solver = new EquilibriumSolver(game, rows * cfg.binHours(), grid, cfg.solver());
        this.forecaster = new EquilibriumSolver(game, horizon * cfg.binHours(), horizon * k + 1, cfg.solver());
        // Exploitability is published for the calibrated equilibrium only: computed in finish(), not in every solve.
        this.solver.setReportExploitability(false);
        this.forecaster.setReportExploitability(false);
        this.loss = new SquaredLoss(grid, d, 1, rows, null, k);
        this.configHash = cfg.hash();
        this.zBand = Normal.quantile((1 + cfg.bandLevel()) / 2);
        this.edgeNames = new String[edges];
        for (int e = 0; e < edges; e++) {
            edgeNames[e] = ParameterValue.edge(this.zones.get(graph.from(e)), this.zones.get(graph.to(e)));
        }
        int n = model.size();
        obs = new double[w * d];
        pop = new double[w];
        mu0 = new double[d];
        shares = new double[d];
        theta = new double[n];
        bestTheta = new double[n];
        savedTheta = new double[n];
        gamma = new double[w * edges];
        gammaBar = new double[w * edges];
        gridGamma = k == 1 ? gamma : new double[grid * edges];
        gridGammaBar = k == 1 ? gammaBar : new double[grid * edges];
        thetaBar = new double[n];
        scratch = new double[n];
        muWarm = new double[grid * d];
        bestMu = new double[grid * d];
        savedMu = new double[grid * d];
        priorRow = new double[edges];
        adam = new Adam(n);
        savedAdam = new Adam(n);
        lbfgs = new Lbfgs(n, LBFGS_MEMORY);
        savedLbfgs = new Lbfgs(n, LBFGS_MEMORY);
        goodTheta = new double[n];
        goodMu = new double[grid * d];
        goodGn = new double[n];
        goodVariance = new double[n];
        goodAdam = new Adam(n);
        goodLbfgs = new Lbfgs(n, LBFGS_MEMORY);
        gradCur = new double[n];
        direction = new double[n];
        trial = new double[n];
        dataCurv = new double[n];
        outDegree = new double[edges];
        for (int e = 0; e < edges; e++) {
            outDegree[e] = graph.rowEnd(graph.from(e)) - graph.rowStart(graph.from(e));
        }
        precond = (q, z) -> table.solveCurvature(haveCurvature ? dataCurv : null, q, z);
        probe = new double[grid * d];
        precision = new double[n];
        variance = new double[n];
        gnData = new double[n];
        histTheta = new double[season * edges];
        histVar = new double[season * edges];
        histBin = new long[season];
        Arrays.fill(histBin, NONE);
        fcTheta = new double[horizon * edges];
        fcVar = new double[horizon * edges];
        fcGamma = new double[(horizon + 1) * edges];
        fcGridGamma = k == 1 ? fcGamma : new double[(horizon * k + 1) * edges];
        fcMean = new double[(horizon + 1) * d];
        fcSum = new double[(horizon + 1) * d];
        fcSumSq = new double[(horizon + 1) * d];
        fcMu0 = new double[d];
        fcJumps = new double[(horizon + 1) * d];
        fcCorr = new double[(horizon + 1) * d];
        fcPast = new double[d];
        pendMean = new double[horizon][horizon * d];
        pendLower = new double[horizon][horizon * d];
        pendUpper = new double[horizon][horizon * d];
        pendModelVar = new double[horizon][horizon * d];
        pendTotalVar = new double[horizon][horizon * d];
        pendIssued = new long[horizon];
        Arrays.fill(pendIssued, NONE);
        inflation = new double[horizon];
        Arrays.fill(inflation, 1.0);
        excessCount = new long[horizon];
        shareHist = new double[(Math.max(season, horizon) + 1) * d];
        shareHistBin = new long[Math.max(season, horizon) + 1];
        Arrays.fill(shareHistBin, NONE);
        String[] targets = new String[2 * d];
        String[] params = new String[2 * d];
        int[] groups = new int[2 * d];
        double[] allow = new double[2 * d];
        double[] thr = new double[2 * d];
        double[] minScale = new double[2 * d];
        for (int x = 0; x < d; x++) {
            targets[x] = this.zones.get(x);
            params[x] = DriftAlert.RESIDUAL;
            groups[x] = 0;
            allow[x] = cfg.residualAllowance();
            thr[x] = cfg.residualThreshold();
            minScale[x] = MIN_RESIDUAL_SCALE;
            targets[d + x] = this.zones.get(x);
            params[d + x] = OUT_RATE;
            groups[d + x] = 1;
            allow[d + x] = cfg.rateAllowance();
            thr[d + x] = cfg.rateThreshold();
            minScale[d + x] = MIN_LOG_RATE_SCALE;
        }
        monitor = new DriftMonitor(region, targets, params, groups, allow, thr, minScale, cfg.driftWarmupBins(),
                cfg.driftNullMargin(), cfg.clearFraction());
        this.dayBinsBelowSeason = dayBins < season;
        for (int x = 0; x < d; x++) {
            monitor.describe(x, RESIDUAL_REFERENCE, true);
            monitor.describe(d + x, dayBins < season ? OUT_RATE_REFERENCE : OUT_RATE_REFERENCE_SEASON, false);
        }
        logRatio = new double[d];
        scratchZones = new double[d];
        zOne = new double[d];
        rOne = new double[d];
        outRef = new double[d];
        outHist = new double[(2 * season + 1) * d];
        outHistBin = new long[2 * season + 1];
        obsRateHist = new double[(2 * season + 1) * d];
        modelOutHist = new double[(2 * season + 1) * d];
        obsRateRef = new double[d];
        modelOutRef = new double[d];
        Arrays.fill(outHistBin, NONE);
    }

    public String region() {
        return region;
    }

    public List<String> zones() {
        return zones;
    }

    public OnlineConfig config() {
        return cfg;
    }

    /** The last bin processed, or {@link Long#MIN_VALUE} before the first. */
    public long lastBin() {
        return lastBin;
    }

    /** Whether the next update will be warm-started. */
    public boolean isWarm() {
        return warm;
    }

    /** Forces the next update to start cold (the window is kept). */
    public void reset() {
        warm = false;
        hasMu = false;
    }

    /**
     * The region's warm state as a versioned binary snapshot, from which {@link #restore} builds a calibrator that
     * continues bit-identically: fed the same next bins, it returns equal {@link UpdateResult}s (apart from
     * {@code latencyMillis}).
     *
     * <p>Layout ({@link StateCodec}): magic {@code "MFGS"}, version (short, {@value StateCodec#VERSION}), then a
     * deflate stream of: config hash, region, zones; shape (d, W, S, H, edges); last bin, window fill, warm/μ/curvature
     * flags, realised one-step residuals; the window (shares, populations), θ, the rate table's priors, μ* of the last
     * solve (the next warm start), the posterior variance, the Gauss–Newton running estimate diag(JᵀJ); the seasonal
     * memory (θ, variance, bin per slot) and the outgoing-rate history; the pending forecasts (means, bands, model and
     * total variances, issue bin per slot) and the band calibration (inflation, counts); the observed-share memory of the baselines and the
     * observed and calibrated outgoing-rate history of the alerts; Adam's moments and step
     * count and the L-BFGS pairs; the drift monitor ({@link DriftMonitor#writeState}); an end marker. Every double is
     * written as float64 (byte-shuffled before deflate). Not saved: solver workspaces and per-update scratch (each
     * update recomputes them; the first solve after a restore is warm-started from the saved μ*), and random
     * generators (seeded per (seed, region, bin)).
     */
    public byte[] exportState() {
        StateCodec.Writer out = new StateCodec.Writer();
        out.string(configHash).string(region).i32(d);
        for (String z : zones) {
            out.string(z);
        }
        out.i32(w).i32(season).i32(horizon).i32(edges);
        out.i64(lastBin).i32(filled).bool(warm).bool(hasMu).bool(haveCurvature).i64(oneStepResiduals);
        out.doubles(obs).doubles(pop).doubles(theta);
        table.writeState(out);
        out.doubles(muWarm).doubles(variance).doubles(gnData);
        out.doubles(histTheta).doubles(histVar).longs(histBin);
        out.doubles(outHist).longs(outHistBin).doubles(obsRateHist).doubles(modelOutHist);
        for (int k = 0; k < horizon; k++) {
            out.doubles(pendMean[k]).doubles(pendLower[k]).doubles(pendUpper[k]).doubles(pendModelVar[k])
                    .doubles(pendTotalVar[k]);
        }
        out.longs(pendIssued).doubles(inflation).longs(excessCount);
        out.doubles(shareHist).longs(shareHistBin);
        adam.writeState(out);
        lbfgs.writeState(out);
        monitor.writeState(out);
        return out.finish();
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
        RegionCalibrator rc = new RegionCalibrator(cfg, region, zones, listener);
        rc.importState(snapshot);
        return rc;
    }

    /** Reads the snapshot's header, checks it against this calibrator, then overwrites the whole state. */
    private void importState(byte[] snapshot) {
        StateCodec.Reader in = new StateCodec.Reader(snapshot);
        String hash = in.string("configHash");
        if (!hash.equals(configHash)) {
            throw new IllegalArgumentException("warm-state snapshot: configHash " + hash + " differs from the config's "
                    + configHash + " (region '" + region + "'; another configuration or code version)");
        }
        String r = in.string("region");
        if (!r.equals(region)) {
            throw new IllegalArgumentException("warm-state snapshot: region '" + r + "' differs from '" + region + "'");
        }
        int nz = in.i32("zones");
        if (nz < 0 || nz > 1_000_000) {
            throw new IllegalArgumentException("warm-state snapshot: zones count " + nz + " is not plausible");
        }
        List<String> z = new ArrayList<>(nz);
        for (int i = 0; i < nz; i++) {
            z.add(in.string("zones[" + i + "]"));
        }
        if (!z.equals(zones)) {
            throw new IllegalArgumentException("warm-state snapshot of region '" + region + "': zones " + z
                    + " differ from the region's zones " + zones);
        }
        in.expect("windowBins", w);
        in.expect("seasonBins", season);
        in.expect("horizon", horizon);
        in.expect("edges", edges);
        long last = in.i64("lastBin");
        int fill = in.i32("filled");
        if (fill < 0 || fill > w) {
            throw new IllegalArgumentException("warm-state snapshot: filled is " + fill + ", expected 0.." + w);
        }
        boolean isWarm = in.bool("warm");
        boolean mu = in.bool("hasMu");
        boolean curv = in.bool("haveCurvature");
        long oneStep = in.i64("oneStepResiduals");
        in.doubles("obs", obs);
        in.doubles("pop", pop);
        in.doubles("theta", theta);
        table.readState(in);
        in.doubles("muWarm", muWarm);
        in.doubles("variance", variance);
        in.doubles("gnData", gnData);
        in.doubles("histTheta", histTheta);
        in.doubles("histVar", histVar);
        in.longs("histBin", histBin);
        in.doubles("outHist", outHist);
        in.longs("outHistBin", outHistBin);
        in.doubles("obsRateHist", obsRateHist);
        in.doubles("modelOutHist", modelOutHist);
        for (int k = 0; k < horizon; k++) {
            in.doubles("pendMean[" + k + "]", pendMean[k]);
            in.doubles("pendLower[" + k + "]", pendLower[k]);
            in.doubles("pendUpper[" + k + "]", pendUpper[k]);
            in.doubles("pendModelVar[" + k + "]", pendModelVar[k]);
            in.doubles("pendTotalVar[" + k + "]", pendTotalVar[k]);
        }
        in.longs("pendIssued", pendIssued);
        in.doubles("inflation", inflation);
        in.longs("excessCount", excessCount);
        in.doubles("shareHist", shareHist);
        in.longs("shareHistBin", shareHistBin);
        adam.readState(in);
        lbfgs.readState(in);
        monitor.readState(in);
        in.end();
        lastBin = last;
        filled = fill;
        warm = isWarm;
        hasMu = mu;
        haveCurvature = curv;
        oneStepResiduals = oneStep;
        lastGoodBin = isWarm ? last : NONE; // not saved: a warm state is a good one (degraded bins restore theirs)
    }

    /** The current rate (per hour) of edge {@code from → to} during window row {@code row} (0..W−2). */
    public double rate(int row, int from, int to) {
        int e = graph.edge(from, to);
        if (e < 0 || row < 0 || row >= rows) {
            throw new IllegalArgumentException("rate: no edge " + from + "->" + to + " or row " + row + " outside 0.."
                    + (rows - 1));
        }
        return Math.exp(theta[row * edges + e]);
    }

    /** Processes one closed bin. */
    public UpdateResult update(ClosedBin bin) {
        return process(bin, null);
    }

    /**
     * Processes one closed bin like {@link #update}, measuring first a cold start and then the warm update on the
     * same window (see {@link WarmColdComparison}); the state continues from the warm result. Returns null in
     * {@code out[0]} when the update was not a warm one (window filling or cold).
     */
    public UpdateResult compare(ClosedBin bin, WarmColdComparison[] out) {
        if (out.length != 1) {
            throw new IllegalArgumentException("compare: out must have length 1, got " + out.length);
        }
        out[0] = null;
        return process(bin, out);
    }

    private UpdateResult process(ClosedBin bin, WarmColdComparison[] comparison) {
        final Observation o = bin.observation();
        checkObservation(o);
        final long b = o.bin();
        if (lastBin != NONE && b <= lastBin) {
            throw new IllegalArgumentException("region '" + region + "': bin " + b + " is not after the last bin "
                    + lastBin + " (bins must arrive in order)");
        }
        if (lastBin != NONE && b != lastBin + 1) {
            LOG.log(System.Logger.Level.WARNING, "region ''{0}'': gap from bin {1} to {2}; window reset, cold start"
                    + " once it is full again", region, lastBin, b);
            filled = 0;
            warm = false;
            hasMu = false;
            Arrays.fill(pendIssued, NONE);
            monitor.reset();
        }
        listener.snapshotClosed(o);
        final long t0 = System.nanoTime();
        double total = 0;
        for (int x = 0; x < d; x++) {
            total += o.shares().get(x);
        }
        if (!(total > 0)) {
            throw new IllegalArgumentException("region '" + region + "' bin " + b + ": shares sum to " + total
                    + ", need a positive total");
        }
        for (int x = 0; x < d; x++) {
            shares[x] = o.shares().get(x) / total;
        }
        List<Forecast.RealisedError> realised = realise(b);
        final int hs = (int) Math.floorMod(b, (long) shareHistBin.length);
        System.arraycopy(shares, 0, shareHist, hs * d, d);
        shareHistBin[hs] = b;

        // Slide the window.
        final int idx;
        if (filled == w) {
            System.arraycopy(obs, d, obs, 0, (w - 1) * d);
            System.arraycopy(pop, 1, pop, 0, w - 1);
            System.arraycopy(muWarm, k * d, muWarm, 0, (grid - k) * d);
            for (int n = grid - k; n < grid; n++) {
                System.arraycopy(muWarm, (grid - k - 1) * d, muWarm, n * d, d);
            }
            model.shift(theta);
            adam.shift(model.shiftStride());
            lbfgs.shift(model.shiftStride());
            // The Gauss–Newton data curvature follows its bins: row r+1 becomes row r, the new row starts from the
            // previous last row (as θ does).
            System.arraycopy(gnData, edges, gnData, 0, gnData.length - edges);
            System.arraycopy(variance, edges, variance, 0, variance.length - edges);
            idx = w - 1;
        } else {
            idx = filled++;
        }
        System.arraycopy(shares, 0, obs, idx * d, d);
        pop[idx] = o.population();
        lastBin = b;
        if (idx >= 1) {
            prior(bin, idx - 1);
            if (idx == w - 1 && warm) {
                final int last = (rows - 1) * edges;
                // The new row starts at the minimiser of its own regulariser terms given the previous row,
                // (λ_p·prior + λ_s·previous row)/(λ_p + λ_s): starting it at its (noisy, per-bin) prior instead costs
                // ~100 of a ~300 objective in smoothness on the flights sample and 4× the warm steps (closing note).
                final double lp = cfg.priorWeight();
                final double ls = cfg.smoothness();
                for (int e = 0; e < edges; e++) {
                    theta[last + e] = (lp * priorRow[e] + ls * theta[last - edges + e]) / (lp + ls);
                }
            }
            table.setPriorRow(idx - 1, priorRow);
        }
        if (filled < w) {
            return new UpdateResult(o, null, null, List.of());
        }

        // Calibrate: the update, checked before it replaces the warm state; rolled back and retried once cold when
        // it fails; else the bin is published degraded with the last good parameters.
        System.arraycopy(obs, 0, mu0, 0, d);
        scale = rows / (2 * observationVariance());
        picard = 0;
        adjoint = 0;
        keepGood();
        boolean cold = !warm;
        int steps;
        String failure;
        String firstFailure = null;
        try {
            steps = calibrate(b, comparison);
            cold = lastCold;
            failure = check();
        } catch (RuntimeException e) {
            steps = 0;
            failure = Health.REASON_EXCEPTION + ": " + e.getMessage();
        }
        if (failure != null) {
            firstFailure = failure;
            reportFailure(b, failure, cold ? "cold" : "warm");
            if (!cold) {
                restoreGood();
                cold = true;
                try {
                    startCold();
                    steps = optimise(cfg.coldSteps(), Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY);
                    priorObjective = firstObjective;
                    finish();
                    failure = check();
                } catch (RuntimeException e) {
                    failure = Health.REASON_EXCEPTION + ": " + e.getMessage();
                }
                if (failure != null) {
                    reportFailure(b, failure, "cold retry");
                }
            }
        }
        final Health health;
        double best;
        double expl;
        Solution sol;
        if (failure == null) {
            health = firstFailure == null ? Health.ok(b)
                    : new Health(Health.State.RECOVERED, firstFailure, b);
            warm = true;
            if (cold) {
                haveCurvature = false;
            }
            sol = lastSolution;
            best = publishedLoss;
            expl = Math.max(0, sol.exploitability());
            uncertainty(b, sol);
            lastGoodBin = b;
        } else {
            // Degraded: the last good state (shifted with the window), its loss and exploitability on this window.
            restoreGood();
            health = new Health(Health.State.DEGRADED, failure, lastGoodBin == NONE ? null : lastGoodBin);
            warm = lastGoodBin != NONE;
            double[] fallback = fallbackSolve();
            best = fallback[0];
            expl = fallback[1];
            sol = null;
        }
        final long firstBin = b - w + 1;
        Provenance prov = new Provenance(cfg.modelVersion(), configHash, cfg.seed(), cfg.codeVersion(), firstBin, b);

        // Seasonal references (read before the memory is overwritten), then remember the window's estimates.
        boolean haveRef = referenceOutRates(b, outRef);
        if (haveRef) {
            reference(obsRateHist, b, obsRateRef);
            reference(modelOutHist, b, modelOutRef);
        }
        remember(b, bin);
        List<ParameterValue> values = parameterValues();
        Health[] fcHealth = {health};
        Forecast forecast = forecast(b, realised, prov, fcHealth);
        List<DriftAlert> alerts = drift(b, haveRef, prov);
        double latency = (System.nanoTime() - t0) / 1e6;
        ParameterUpdate update = new ParameterUpdate(region, b, values, best, expl, Math.max(0, steps), picard,
                adjoint, cold ? ParameterUpdate.Start.COLD : ParameterUpdate.Start.WARM, latency, prov, fcHealth[0]);
        listener.parametersUpdated(update);
        listener.forecastIssued(forecast);
        listener.driftScore(region, b, monitor.score());
        for (DriftAlert a : alerts) {
            listener.driftAlert(a);
        }
        return new UpdateResult(o, update, forecast, alerts);
    }

    private boolean lastCold;
    private double priorObjective;
    private double publishedLoss;

    /**
     * The update proper: warm (checked against the objective at the prior, cold when worse) or cold, or the warm/cold
     * measurement of {@link #compare}; then {@link #finish}. Returns the optimiser's steps; sets {@link #lastCold}
     * and {@link #priorObjective}.
     */
    private int calibrate(long b, WarmColdComparison[] comparison) {
        boolean cold = !warm;
        int steps;
        priorObjective = Double.NaN;
        if (comparison != null && warm) {
            steps = measure(b, comparison);
        } else {
            steps = -1;
            if (warm) {
                // The warm start's first (gradient) evaluation doubles as the check against the cold start's
                // objective; a warm start within REACH (relative) of it is not worse.
                double coldObjective = coldCheck();
                priorObjective = coldObjective;
                steps = optimise(cfg.warmSteps(), Double.NEGATIVE_INFINITY,
                        coldObjective + REACH * Math.abs(coldObjective));
                if (steps < 0) {
                    LOG.log(System.Logger.Level.INFO, "region ''{0}'' bin {1}: warm start objective {2} is worse than"
                            + " the cold start''s {3}; starting cold", region, b, firstObjective, coldObjective);
                    cold = true;
                }
            }
            if (cold) {
                startCold();
                steps = optimise(cfg.coldSteps(), Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY);
                priorObjective = firstObjective;
            }
        }
        lastCold = cold;
        finish();
        return steps;
    }

    /**
     * Checks the update's result before it becomes the warm state: null when it passes, else the reason
     * ({@link Health} labels). The loss is recomputed on the published equilibrium (the final solve of
     * {@link #finish}); it may not be above the objective at the prior on the same window (an update never makes the
     * fit worse than not calibrating), with the {@link #REACH} slack.
     */
    private String check() {
        if (!Double.isFinite(bestObjective) || lastSolution == null || !lastSolution.converged()) {
            return Health.REASON_NO_EQUILIBRIUM;
        }
        for (double t : theta) {
            if (!Double.isFinite(t)) {
                return Health.REASON_NON_FINITE_PARAMETERS;
            }
        }
        Solution sol = lastSolution;
        if (!(sol.minMu() >= -MASS_TOLERANCE)) {
            return Health.REASON_NEGATIVE_DENSITY + ": min mu " + sol.minMu();
        }
        if (!(sol.maxMassError() <= MASS_TOLERANCE)) {
            return Health.REASON_MASS + ": mass error " + sol.maxMassError();
        }
        if (!Double.isFinite(sol.exploitability())) {
            return Health.REASON_EXPLOITABILITY;
        }
        double v = loss.value(sol.mu(), obs) * scale + model.regulariser(theta, scratch);
        if (!Double.isFinite(v)) {
            return Health.REASON_LOSS_NON_FINITE;
        }
        if (Double.isFinite(priorObjective) && v > priorObjective + REACH * Math.abs(priorObjective)) {
            return Health.REASON_LOSS_EXPLODED + ": " + v + " > objective at the prior " + priorObjective;
        }
        publishedLoss = v;
        return null;
    }

    private void reportFailure(long b, String reason, String attempt) {
        LOG.log(System.Logger.Level.WARNING, "region ''{0}'' bin {1}: {2} update failed its checks: {3}", region, b,
                attempt, reason);
        String label = reason.indexOf(": ") < 0 ? reason : reason.substring(0, reason.indexOf(": "));
        listener.updateFailed(region, b, label);
    }

    /** The state an update may replace, kept before it starts (θ, μ*, optimiser memory, curvature). */
    private void keepGood() {
        System.arraycopy(theta, 0, goodTheta, 0, theta.length);
        System.arraycopy(muWarm, 0, goodMu, 0, muWarm.length);
        System.arraycopy(gnData, 0, goodGn, 0, gnData.length);
        System.arraycopy(variance, 0, goodVariance, 0, variance.length);
        goodAdam.copyFrom(adam);
        goodLbfgs.copyFrom(lbfgs);
        goodHasMu = hasMu;
        goodHaveCurvature = haveCurvature;
    }

    /** Rolls back to what {@link #keepGood} kept. */
    private void restoreGood() {
        System.arraycopy(goodTheta, 0, theta, 0, theta.length);
        System.arraycopy(goodMu, 0, muWarm, 0, muWarm.length);
        System.arraycopy(goodGn, 0, gnData, 0, gnData.length);
        System.arraycopy(goodVariance, 0, variance, 0, variance.length);
        adam.copyFrom(goodAdam);
        lbfgs.copyFrom(goodLbfgs);
        hasMu = goodHasMu;
        haveCurvature = goodHaveCurvature;
        if (lastGoodBin == NONE) {
            model.reset(theta); // no good update yet: the prior rates
            hasMu = false;
        }
    }

    /**
     * Loss and exploitability of the restored (last good) parameters on this bin's window, for a degraded bin: one
     * solve from μ_0 (the warm start may be what failed). When even that fails, {@link #UNAVAILABLE} for both (finite,
     * so the record stays valid JSON; the health says the bin is degraded).
     */
    private double[] fallbackSolve() {
        try {
            model.gamma(theta, gamma);
            toGrid(gamma, w, gridGamma);
            solver.setReportExploitability(true);
            Solution sol = solver.solve(mu0, gridGamma, null);
            picard += sol.iterations();
            double v = loss.value(sol.mu(), obs) * scale + model.regulariser(theta, scratch);
            if (sol.converged() && Double.isFinite(v) && Double.isFinite(sol.exploitability())) {
                System.arraycopy(sol.mu(), 0, muWarm, 0, muWarm.length);
                hasMu = true;
                return new double[] {v, Math.max(0, sol.exploitability())};
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "region ''{0}'': fallback solve failed: {1}", region, e.getMessage());
        } finally {
            solver.setReportExploitability(false);
        }
        hasMu = false;
        return new double[] {UNAVAILABLE, UNAVAILABLE};
    }

    private void checkObservation(Observation o) {
        if (!o.region().equals(region)) {
            throw new IllegalArgumentException("observation of region '" + o.region() + "' given to the calibrator of"
                    + " region '" + region + "'");
        }
        if (!o.zones().equals(zones)) {
            throw new IllegalArgumentException("region '" + region + "' bin " + o.bin() + ": zones " + o.zones()
                    + " differ from the region's zones " + zones);
        }
    }

    /** Prior log-rates of the bin {@code bin} (row {@code row}) into {@link #priorRow}. */
    private void prior(ClosedBin bin, int row) {
        final double q0 = cfg.priorRate();
        final double alpha = cfg.priorPseudoCount();
        final double dt = cfg.binHours();
        for (int e = 0; e < edges; e++) {
            final int x = graph.from(e);
            if (!bin.hasFlows()) {
                priorRow[e] = Math.log(q0);
                continue;
            }
            final double stock = obs[row * d + x] * pop[row];
            priorRow[e] = Math.log((bin.odAt(x, graph.to(e)) + alpha) / (stock * dt + alpha / q0));
        }
    }

    /** Mean finite-population variance of a share over the window, floored. */
    private double observationVariance() {
        double s = 0;
        int n = 0;
        for (int i = 1; i < w; i++) {
            if (pop[i] > 0) {
                for (int x = 0; x < d; x++) {
                    final double p = obs[i * d + x];
                    s += p * (1 - p) / pop[i];
                }
                n += d;
            }
        }
        return Math.max(cfg.minShareVariance(), n == 0 ? 0 : s / n);
    }

    private void startCold() {
        model.reset(theta);
        adam.reset();
        lbfgs.reset();
        hasMu = false;
    }

    /** Objective at the prior, solving from μ_0 (what a cold start begins with). */
    private double coldCheck() {
        System.arraycopy(theta, 0, savedTheta, 0, theta.length);
        model.reset(theta);
        double v = evaluate(theta, false, hasMu ? muWarm : null);
        System.arraycopy(savedTheta, 0, theta, 0, theta.length);
        return v;
    }

    /**
     * Objective at {@code th}; with {@code gradient}, also ∂/∂θ into {@link #thetaBar}. Counts iterations. +∞ when the
     * equilibrium does not converge.
     */
    private double evaluate(double[] th, boolean gradient, double[] warmStart) {
        model.gamma(th, gamma);
        toGrid(gamma, w, gridGamma);
        Solution sol;
        double data;
        if (gradient) {
            Gradient g = solver.lossAndGradient(mu0, gridGamma, warmStart, loss, obs, gridGammaBar);
            fromGrid(gridGammaBar, gammaBar, w);
            sol = g.solution();
            adjoint += g.adjointIterations();
            data = g.loss();
        } else {
            sol = solver.solve(mu0, gridGamma, warmStart);
            data = loss.value(sol.mu(), obs);
        }
        picard += sol.iterations();
        lastSolution = sol;
        if (!sol.converged() || !Double.isFinite(data)) {
            return Double.POSITIVE_INFINITY;
        }
        if (gradient) {
            model.pullback(th, gamma, gammaBar, thetaBar);
            double check = 0;
            for (int i = 0; i < thetaBar.length; i++) {
                thetaBar[i] *= scale;
                check += thetaBar[i];
            }
            if (!Double.isFinite(check)) {
                return Double.POSITIVE_INFINITY; // the adjoint diverged: no usable step from here
            }
            return data * scale + model.regulariser(th, thetaBar);
        }
        return data * scale + model.regulariser(th, scratch);
    }

    /**
     * For tests: the objective of the last calibrated window at {@code th} (solved from μ_0), and with a non-null
     * {@code grad} its gradient ∂/∂θ (copied into {@code grad}). Requires a published update (the window full).
     */
    double objectiveAt(double[] th, double[] grad) {
        if (filled < w) {
            throw new IllegalStateException("objectiveAt: the window is not full (" + filled + " of " + w + " bins)");
        }
        double v = evaluate(th, grad != null, null);
        if (grad != null) {
            System.arraycopy(thetaBar, 0, grad, 0, grad.length);
        }
        return v;
    }

    /** For tests: the current θ (a copy). */
    double[] thetaCopy() {
        return theta.clone();
    }

    private double bestObjective;
    private double firstObjective;
    private boolean lastIsBest;

    /**
     * Adam steps from the current θ until the objective stops improving, the budget is spent, or it reaches
     * {@code target}. Leaves the best evaluated θ in {@link #bestTheta}; returns the steps taken, or −1 (nothing
     * kept) when the first objective, kept in {@link #firstObjective}, is above {@code abortAbove}.
     */
    private int optimise(int budget, double target, double abortAbove) {
        if (cfg.optimizer() == OnlineConfig.Optimizer.LBFGS) {
            return quasiNewton(budget, target, abortAbove);
        }
        bestObjective = Double.POSITIVE_INFINITY;
        lastIsBest = false;
        int steps = 0;
        for (int k = 0; k < budget; k++) {
            double obj = evaluate(theta, true, hasMu ? muWarm : null);
            if (k == 0) {
                firstObjective = obj;
                if (!(obj <= abortAbove)) {
                    return -1;
                }
            }
            if (!Double.isFinite(obj)) {
                lastIsBest = false;
                break;
            }
            System.arraycopy(lastSolution.mu(), 0, muWarm, 0, muWarm.length);
            hasMu = true;
            double improvement = bestObjective - obj;
            boolean improved = obj < bestObjective;
            lastIsBest = improved;
            if (improved) {
                double prev = bestObjective;
                bestObjective = obj;
                System.arraycopy(theta, 0, bestTheta, 0, theta.length);
                System.arraycopy(muWarm, 0, bestMu, 0, muWarm.length);
                if (obj <= target) {
                    break;
                }
                if (Double.isFinite(prev) && improvement < cfg.relativeTolerance() * Math.abs(prev)) {
                    break;
                }
            } else {
                break;
            }
            adam.step(theta, thetaBar, cfg.learningRate());
            steps++;
            lastIsBest = false;
        }
        return steps;
    }

    /**
     * Preconditioned L-BFGS ({@link Lbfgs}) from the current θ with an Armijo backtracking line search from a unit
     * step. Preconditioner M = the regulariser's exact Hessian (per edge tridiagonal over the rows) + the Gauss–Newton
     * diagonal diag(JᵀJ)/σ² of the data term times the origin's out-degree k. The factor k makes the diagonal an upper
     * bound of the curvature along the directions that move all k rates out of a zone together (Cauchy–Schwarz:
     * (Σ_e J_e·v_e)² ≤ k Σ_e (J_e·v_e)²), the directions shares are most sensitive to; with the bare diagonal the
     * line search cut the unit step 8–16× at each step on the flights sample (4 evaluations per step), with k it
     * accepts it mostly (1.5). Stops when the predicted decrease −½gᵀp is below {@code relativeTolerance}·|F|, after
     * {@link #SMALL_STEPS} consecutive steps improving by less than that, when F ≤ {@code target}, or when
     * {@code budget} gradient evaluations are spent. Same contract as the Adam path of {@link #optimise}; returns
     * accepted steps, or −1.
     */
    private int quasiNewton(int budget, double target, double abortAbove) {
        bestObjective = Double.POSITIVE_INFINITY;
        final int n = theta.length;
        if (haveCurvature) {
            final double invSigma2 = 2 * scale / rows;
            for (int i = 0; i < n; i++) {
                dataCurv[i] = gnData[i] * invSigma2 * outDegree[i % edges];
            }
        }
        double obj = evaluate(theta, true, hasMu ? muWarm : null);
        firstObjective = obj;
        if (!(obj <= abortAbove)) {
            return -1;
        }
        if (!Double.isFinite(obj)) {
            return 0;
        }
        System.arraycopy(lastSolution.mu(), 0, muWarm, 0, muWarm.length);
        hasMu = true;
        System.arraycopy(thetaBar, 0, gradCur, 0, n);
        keepBest(obj);
        int evals = 1;
        int steps = 0;
        int small = 0;
        final double tol = cfg.relativeTolerance();
        while (evals < budget && obj > target) {
            lbfgs.direction(gradCur, precond, direction);
            double slope = dot(gradCur, direction);
            if (!(slope < 0) && lbfgs.pairs() > 0) {
                lbfgs.reset(); // the memory no longer describes a descent direction: fall back to M⁻¹
                lbfgs.direction(gradCur, precond, direction);
                slope = dot(gradCur, direction);
            }
            if (!(slope < 0) || -0.5 * slope < tol * Math.abs(obj)) {
                break; // converged: the model predicts no worthwhile decrease
            }
            // Trust cap: no log-rate moves by more than MAX_LOG_STEP in one step (without curvature, right after a
            // cold start, M is the regulariser alone and the unit step can be e^100 in a rate).
            double maxMove = 0;
            for (int i = 0; i < n; i++) {
                maxMove = Math.max(maxMove, Math.abs(direction[i]));
            }
            double a = Math.min(1, MAX_LOG_STEP / maxMove);
            double f = Double.NaN;
            boolean accepted = false;
            while (evals < budget) {
                for (int i = 0; i < n; i++) {
                    trial[i] = theta[i] + a * direction[i];
                }
                f = evaluate(trial, true, muWarm);
                evals++;
                if (Double.isFinite(f)) {
                    System.arraycopy(lastSolution.mu(), 0, muWarm, 0, muWarm.length);
                    if (f <= obj + ARMIJO * a * slope) {
                        accepted = true;
                        break;
                    }
                }
                a *= 0.5;
                if (a * maxMove < MIN_LOG_STEP) {
                    break;
                }
            }
            if (!accepted) {
                if (evals < budget && lbfgs.pairs() > 0) {
                    lbfgs.reset();
                    System.arraycopy(bestMu, 0, muWarm, 0, muWarm.length);
                    continue;
                }
                break;
            }
            for (int i = 0; i < n; i++) {
                direction[i] *= a;               // s = θ' − θ
                gradCur[i] = thetaBar[i] - gradCur[i]; // y = g' − g
            }
            lbfgs.update(direction, gradCur);
            System.arraycopy(trial, 0, theta, 0, n);
            System.arraycopy(thetaBar, 0, gradCur, 0, n);
            steps++;
            final double improvement = obj - f;
            final double prev = obj;
            obj = f;
            keepBest(obj);
            small = improvement < tol * Math.abs(prev) ? small + 1 : 0;
            if (small >= SMALL_STEPS) {
                break;
            }
        }
        System.arraycopy(bestTheta, 0, theta, 0, n);
        return steps;
    }

    private void keepBest(double obj) {
        if (obj < bestObjective) {
            bestObjective = obj;
            System.arraycopy(theta, 0, bestTheta, 0, theta.length);
            System.arraycopy(muWarm, 0, bestMu, 0, muWarm.length);
        }
    }

    private static double dot(double[] a, double[] b) {
        return Lbfgs.dot(a, b);
    }

    /** Restores the best θ and leaves the solver's workspace at its equilibrium; returns the best objective. */
    private double finish() {
        if (!Double.isFinite(bestObjective)) {
            return bestObjective;
        }
        System.arraycopy(bestTheta, 0, theta, 0, theta.length);
        System.arraycopy(bestMu, 0, muWarm, 0, muWarm.length);
        // One solve from the best equilibrium (it converges at once): it leaves the solver's workspace linearised at
        // the published equilibrium and computes its exploitability, which the optimiser's solves skip.
        model.gamma(theta, gamma);
        toGrid(gamma, w, gridGamma);
        solver.setReportExploitability(true);
        Solution sol = solver.solve(mu0, gridGamma, muWarm);
        solver.setReportExploitability(false);
        picard += sol.iterations();
        lastSolution = sol;
        if (!sol.converged()) {
            return Double.POSITIVE_INFINITY;
        }
        System.arraycopy(sol.mu(), 0, muWarm, 0, muWarm.length);
        return bestObjective;
    }

    /** Cold start to convergence, then the warm update until it reaches the cold loss; the state keeps the warm one. */
    private int measure(long b, WarmColdComparison[] out) {
        System.arraycopy(theta, 0, savedTheta, 0, theta.length);
        System.arraycopy(muWarm, 0, savedMu, 0, muWarm.length);
        savedAdam.copyFrom(adam);
        savedLbfgs.copyFrom(lbfgs);
        boolean savedHasMu = hasMu;
        startCold();
        picard = 0;
        adjoint = 0;
        int coldSteps = optimise(cfg.coldSteps(), Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY);
        double coldLoss = bestObjective;
        int coldIt = picard + adjoint;
        System.arraycopy(savedTheta, 0, theta, 0, theta.length);
        System.arraycopy(savedMu, 0, muWarm, 0, muWarm.length);
        adam.copyFrom(savedAdam);
        lbfgs.copyFrom(savedLbfgs);
        hasMu = savedHasMu;
        picard = 0;
        adjoint = 0;
        double target = coldLoss + REACH * Math.abs(coldLoss);
        int warmSteps = optimise(cfg.coldSteps(), target, Double.POSITIVE_INFINITY);
        out[0] = new WarmColdComparison(b, coldLoss, coldIt, coldSteps, bestObjective, picard + adjoint, warmSteps,
                bestObjective <= target);
        return warmSteps;
    }

    /**
     * Posterior variance of θ into {@link #variance}: 1/(diag(JᵀJ)/σ² + regulariser curvature), diag(JᵀJ) by
     * Hutchinson's estimator E[(Jᵀv)²] with Rademacher probes v, each Jᵀv one exact adjoint solve. After a cold
     * start the estimate averages {@code uncertaintyProbes} fresh probes; on a warm update it is carried over from the
     * previous bin (shifted with the window, see {@link #process}) and one fresh probe enters with weight
     * 1/{@code uncertaintyProbes}, a running average over the last few bins that costs one adjoint solve per bin
     * instead of {@code uncertaintyProbes} (the rates, hence J, move little from one bin to the next).
     */
    private void uncertainty(long b, Solution sol) {
        SplittableRandom rng = random(b, 1);
        final int probes = haveCurvature ? 1 : cfg.uncertaintyProbes();
        final double weight = haveCurvature ? 1.0 / cfg.uncertaintyProbes() : 1.0;
        Arrays.fill(precision, 0);
        int used = 0;
        // The adjoint's stopping rule is absolute (adjointTol): probes of ±s with s = PROBE_ACCURACY⁻¹·adjointTol are
        // solved to a relative accuracy PROBE_ACCURACY, ample for a Monte Carlo estimate; unit probes were solved to
        // 1e-5 relative, which made the probe the most expensive solve of an update (29% of it, JFR, d = 21, W = 96).
        final double s = cfg.solver().adjointTol() / PROBE_ACCURACY;
        final double unscale = 1 / (s * s);
        for (int j = 0; j < probes; j++) {
            // Probes on the observed grid rows (the bin boundaries n = i·k, i ≥ 1): J is that of the loss's rows.
            Arrays.fill(probe, 0);
            for (int i = 1; i < w; i++) {
                for (int x = 0; x < d; x++) {
                    probe[i * k * d + x] = rng.nextBoolean() ? s : -s;
                }
            }
            solver.gradientForCotangent(sol, mu0, probe, gridGamma, gridGammaBar);
            fromGrid(gridGammaBar, gammaBar, w);
            model.pullback(theta, gamma, gammaBar, thetaBar);
            double sq = 0;
            for (int i = 0; i < thetaBar.length; i++) {
                sq += thetaBar[i] * thetaBar[i];
            }
            if (!Double.isFinite(sq * unscale)) {
                // The probe's adjoint diverged (I − J near singular along it): a NaN here would enter the running
                // curvature, the preconditioner and the posterior for good. The probe is left out.
                LOG.log(System.Logger.Level.DEBUG, "region ''{0}'' bin {1}: uncertainty probe {2} diverged; left out",
                        region, b, j);
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
        final double invSigma2 = 2 * scale / rows;
        for (int i = 0; i < precision.length; i++) {
            precision[i] = gnData[i] * invSigma2;
        }
        model.curvature(theta, precision);
        for (int i = 0; i < precision.length; i++) {
            variance[i] = 1 / precision[i];
        }
    }

    /**
     * Rates per bin row ({@code binRows} rows of {@link #edges}) to the solver grid: grid row n gets bin row ⌊n/k⌋
     * (the rate of a bin applies to its k sub-steps), so {@code out} has (binRows − 1)·k + 1 rows. No-op when k = 1
     * ({@code out} is then the same array).
     */
    private void toGrid(double[] bins, int binRows, double[] out) {
        if (k == 1) {
            return;
        }
        final int gridRows = (binRows - 1) * k + 1;
        for (int n = 0; n < gridRows; n++) {
            System.arraycopy(bins, (n / k) * edges, out, n * edges, edges);
        }
    }

    /**
     * The adjoint of {@link #toGrid}: ∂L/∂γ of bin row r = the sum over the grid rows n with ⌊n/k⌋ = r. No-op when
     * k = 1 (same arrays).
     */
    private void fromGrid(double[] gridBar, double[] binBar, int binRows) {
        if (k == 1) {
            return;
        }
        Arrays.fill(binBar, 0, binRows * edges, 0);
        final int gridRows = (binRows - 1) * k + 1;
        for (int n = 0; n < gridRows; n++) {
            final int o = (n / k) * edges;
            for (int e = 0; e < edges; e++) {
                binBar[o + e] += gridBar[n * edges + e];
            }
        }
    }

    private SplittableRandom random(long bin, int stream) {
        long h = cfg.seed();
        h = h * 0x9E3779B97F4A7C15L + region.hashCode();
        h = h * 0x9E3779B97F4A7C15L + bin;
        h = h * 0x9E3779B97F4A7C15L + stream;
        return new SplittableRandom(h);
    }

    /**
     * Slot of the seasonal memory holding the rates for {@code bin}: those of bin − S, else of bin − (bins per day)
     * while the memory is shorter than a season; −1 when neither is remembered.
     */
    private int seasonalSlot(long bin) {
        int slot = (int) Math.floorMod(bin - season, (long) season);
        if (histBin[slot] == bin - season) {
            return slot;
        }
        if (dayBins < season) {
            slot = (int) Math.floorMod(bin - dayBins, (long) season);
            if (histBin[slot] == bin - dayBins) {
                return slot;
            }
        }
        return -1;
    }

    /**
     * The reference outgoing rate per zone for {@code bin} into {@code out}: the median of the newest estimates for
     * bin − (bins per day), bin − S and bin − 2S when all three are remembered (robust to one disrupted reference
     * day); when a day is not shorter than a season (daily bins, weekly season), the one for bin − S; false
     * otherwise. The drift channels are fed only from one kind of reference, so the warm-up that sets their
     * thresholds sees the same noise as the armed detector.
     */
    private boolean referenceOutRates(long bin, double[] out) {
        long[] lags = {dayBins, season, 2L * season};
        int have = 0;
        for (long lag : lags) {
            int slot = (int) Math.floorMod(bin - lag, (long) outHistBin.length);
            if (outHistBin[slot] == bin - lag) {
                have++;
            }
        }
        if (have == 3 && dayBins < season) {
            for (int x = 0; x < d; x++) {
                double a = outHist[slotOf(bin - dayBins) * d + x];
                double b2 = outHist[slotOf(bin - season) * d + x];
                double c = outHist[slotOf(bin - 2L * season) * d + x];
                out[x] = Math.max(Math.min(a, b2), Math.min(Math.max(a, b2), c));
            }
            return true;
        }
        if (dayBins < season) {
            return false; // the one-season reference alone is a noisier signal than the one the detector is armed on
        }
        int slot = slotOf(bin - season);
        if (outHistBin[slot] == bin - season) {
            System.arraycopy(outHist, slot * d, out, 0, d);
            return true;
        }
        return false;
    }

    /**
     * The reference of {@code hist} (a per-bin, per-zone series in the slots of {@link #outHistBin}) for
     * {@code bin} into {@code out}, from the same lags as {@link #referenceOutRates} (which must have returned true
     * for {@code bin}); NaN where a lag's value is NaN.
     */
    private void reference(double[] hist, long bin, double[] out) {
        if (dayBinsBelowSeason) {
            for (int x = 0; x < d; x++) {
                double a = hist[slotOf(bin - dayBins) * d + x];
                double b2 = hist[slotOf(bin - season) * d + x];
                double c = hist[slotOf(bin - 2L * season) * d + x];
                out[x] = Double.isNaN(a) || Double.isNaN(b2) || Double.isNaN(c) ? Double.NaN
                        : Math.max(Math.min(a, b2), Math.min(Math.max(a, b2), c));
            }
        } else {
            System.arraycopy(hist, slotOf(bin - season) * d, out, 0, d);
        }
    }

    private int slotOf(long bin) {
        return (int) Math.floorMod(bin, (long) outHistBin.length);
    }

    /**
     * Remembers the window's estimates for the seasonal forecasts and the zones' outgoing rates of bin b for the
     * drift channels: with flow counts the bin's own estimate Σ_y exp(prior_xy) (the gamma–Poisson posterior mean
     * from this bin's departures alone), else the calibrated newest row.
     */
    private void remember(long b, ClosedBin bin) {
        final boolean flows = bin.hasFlows();
        final int lastRow = (rows - 1) * edges;
        final int os = slotOf(b) * d;
        Arrays.fill(outHist, os, os + d, 0);
        Arrays.fill(modelOutHist, os, os + d, 0);
        Arrays.fill(obsRateHist, os, os + d, 0);
        for (int e = 0; e < edges; e++) {
            outHist[os + graph.from(e)] += Math.exp(flows ? priorRow[e] : theta[lastRow + e]);
            modelOutHist[os + graph.from(e)] += Math.exp(theta[lastRow + e]);
            obsRateHist[os + graph.from(e)] += bin.odAt(graph.from(e), graph.to(e));
        }
        // Observed departures per individual and hour: departures during the bin over the stock at its start (the
        // previous bin's share times its population, as in the prior), NaN without flows or stock.
        for (int x = 0; x < d; x++) {
            final double stock = obs[(w - 2) * d + x] * pop[w - 2];
            obsRateHist[os + x] = flows && stock > 0 ? obsRateHist[os + x] / (stock * cfg.binHours()) : Double.NaN;
        }
        outHistBin[slotOf(b)] = b;
        for (int r = 0; r < rows; r++) {
            long br = b - (rows - 1) + r;
            if (br <= b - season) {
                continue;
            }
            int slot = (int) Math.floorMod(br, (long) season);
            System.arraycopy(theta, r * edges, histTheta, slot * edges, edges);
            System.arraycopy(variance, r * edges, histVar, slot * edges, edges);
            histBin[slot] = br;
        }
    }

    private List<ParameterValue> parameterValues() {
        List<ParameterValue> values = new ArrayList<>(edges + d);
        final int last = (rows - 1) * edges;
        double[] out = new double[d];
        for (int e = 0; e < edges; e++) {
            double q = Math.exp(theta[last + e]);
            values.add(new ParameterValue(RATE, edgeNames[e], q));
            out[graph.from(e)] += q;
        }
        for (int x = 0; x < d; x++) {
            values.add(new ParameterValue(OUT_RATE, zones.get(x), out[x]));
        }
        return values;
    }

    /** Slot of {@link #shareHist} holding the observed shares of {@code bin}, or −1 when they are not remembered. */
    private int shareSlot(long bin) {
        int slot = (int) Math.floorMod(bin, (long) shareHistBin.length);
        return shareHistBin[slot] == bin ? slot : -1;
    }

    /** Mean over zones of |shares[x] − shareHist[slot, x]|. */
    private double baselineError(int slot) {
        double sum = 0;
        for (int x = 0; x < d; x++) {
            sum += Math.abs(shares[x] - shareHist[slot * d + x]);
        }
        return sum / d;
    }

    /**
     * Errors of the pending forecasts for bin b, with the persistence and seasonal-naive errors of the same bin and
     * horizon; updates the band's model-error excess and the 1-step residuals.
     */
    private List<Forecast.RealisedError> realise(long b) {
        List<Forecast.RealisedError> out = new ArrayList<>();
        Arrays.fill(zOne, Double.NaN);
        final int seasonSlot = shareSlot(b - season);
        final Double seasonal = seasonSlot < 0 ? null : baselineError(seasonSlot);
        for (int h = 1; h <= horizon; h++) {
            long issued = b - h;
            int slot = (int) Math.floorMod(issued, (long) horizon);
            if (pendIssued[slot] != issued) {
                continue;
            }
            double sumAbs = 0;
            int inside = 0;
            double ratio = 0;
            for (int x = 0; x < d; x++) {
                int i = (h - 1) * d + x;
                double r = shares[x] - pendMean[slot][i];
                sumAbs += Math.abs(r);
                if (shares[x] >= pendLower[slot][i] && shares[x] <= pendUpper[slot][i]) {
                    inside++;
                }
                if (h == 1) {
                    rOne[x] = r;
                    zOne[x] = r / Math.sqrt(pendTotalVar[slot][i]);
                }
                ratio += r * r / pendModelVar[slot][i];
            }
            excessCount[h - 1]++;
            double a = Math.max(cfg.bandMemory(), 1.0 / (1 + excessCount[h - 1]));
            inflation[h - 1] = (1 - a) * inflation[h - 1] + a * ratio / d;
            if (h == 1) {
                oneStepResiduals++;
            }
            // A forecast is only issued after its bin's shares entered the memory (length > H), so the persistence
            // forecast of the same issue bin is always known.
            out.add(new Forecast.RealisedError(issued, b, h, sumAbs / d, (double) inside / d,
                    baselineError(shareSlot(issued)), seasonal));
        }
        return out;
    }

    /**
     * The forecast issued after bin b with the current θ. {@code health[0]} is the bin's health on entry; when the
     * forecast's own equilibrium fails (not converged, mass or a non-finite entry) the mean holds the last observed
     * shares over the horizon (persistence; bands from the jump noise at those shares) and {@code health[0]} becomes
     * degraded with {@link Health#REASON_FORECAST}.
     */
    private Forecast forecast(long b, List<Forecast.RealisedError> realised, Provenance prov, Health[] health) {
        final int last = (rows - 1) * edges;
        boolean lastSeason = true; // every forecast bin uses the rates of the same bin one season earlier
        for (int h = 0; h < horizon; h++) {
            int slot = seasonalSlot(b + 1 + h);
            lastSeason &= slot >= 0 && histBin[slot] == b + 1 + h - season;
            if (slot >= 0) {
                System.arraycopy(histTheta, slot * edges, fcTheta, h * edges, edges);
                System.arraycopy(histVar, slot * edges, fcVar, h * edges, edges);
            } else {
                System.arraycopy(theta, last, fcTheta, h * edges, edges);
                System.arraycopy(variance, last, fcVar, h * edges, edges);
            }
        }
        System.arraycopy(obs, (w - 1) * d, fcMu0, 0, d);
        for (int h = 0; h < horizon; h++) {
            for (int e = 0; e < edges; e++) {
                fcGamma[h * edges + e] = Math.exp(fcTheta[h * edges + e]);
            }
        }
        System.arraycopy(fcGamma, (horizon - 1) * edges, fcGamma, horizon * edges, edges);
        toGrid(fcGamma, horizon + 1, fcGridGamma);
        Solution mean = forecaster.solve(fcMu0, fcGridGamma, null);
        final double[] mg = mean.mu(); // on the forecaster's grid; bin h is grid row h·k
        final double[] m = k == 1 ? mg : fcMean;
        if (k > 1) {
            for (int h = 0; h <= horizon; h++) {
                System.arraycopy(mg, h * k * d, m, h * d, d);
            }
        }
        boolean persistence = !mean.converged() || !(mean.maxMassError() <= MASS_TOLERANCE);
        for (int i = 0; i < mg.length && !persistence; i++) {
            persistence = !Double.isFinite(mg[i]);
        }
        if (!persistence) {
            seasonalCorrection(b, lastSeason, mg);
        } else {
            Arrays.fill(fcCorr, 0);
            for (int h = 0; h <= horizon; h++) {
                System.arraycopy(fcMu0, 0, m, h * d, d);
            }
            Health in = health[0];
            String reason = in.state() == Health.State.DEGRADED ? in.reason() + "; " + Health.REASON_FORECAST
                    : Health.REASON_FORECAST + (in.state() == Health.State.RECOVERED ? "; " + in.reason() : "");
            health[0] = new Health(Health.State.DEGRADED, reason, in.parametersFromBin());
            listener.updateFailed(region, b, Health.REASON_FORECAST);
            LOG.log(System.Logger.Level.WARNING, "region ''{0}'' bin {1}: forecast equilibrium failed; forecast holds"
                    + " the last shares", region, b);
        }
        // Expected individual jumps into and out of each zone, cumulated over the horizon (per unit population).
        // With sub-steps, summed over the k steps of each bin at the grid's shares (persistence: the held shares).
        final double dt = cfg.binHours() / k;
        Arrays.fill(fcJumps, 0);
        for (int h = 0; h < horizon; h++) {
            for (int x = 0; x < d; x++) {
                fcJumps[(h + 1) * d + x] = fcJumps[h * d + x];
            }
            for (int j = 0; j < k; j++) {
                final boolean onGrid = k > 1 && !persistence;
                final double[] src = onGrid ? mg : m;
                final int row = onGrid ? (h * k + j) * d : h * d;
                for (int e = 0; e < edges; e++) {
                    double flow = dt * src[row + graph.from(e)] * fcGamma[h * edges + e];
                    fcJumps[(h + 1) * d + graph.from(e)] += flow;
                    fcJumps[(h + 1) * d + graph.to(e)] += flow;
                }
            }
        }
        Arrays.fill(fcSum, 0);
        Arrays.fill(fcSumSq, 0);
        SplittableRandom rng = random(b, 2);
        final int samples = persistence ? 0 : cfg.forecastSamples();
        int valid = 0;
        for (int j = 0; j < samples; j++) {
            for (int h = 0; h < horizon; h++) {
                for (int e = 0; e < edges; e++) {
                    int i = h * edges + e;
                    fcGamma[i] = Math.exp(fcTheta[i] + Math.sqrt(fcVar[i]) * rng.nextGaussian());
                }
            }
            System.arraycopy(fcGamma, (horizon - 1) * edges, fcGamma, horizon * edges, edges);
            toGrid(fcGamma, horizon + 1, fcGridGamma);
            Solution s = forecaster.solve(fcMu0, fcGridGamma, mg);
            if (!s.converged() || !(s.maxMassError() < 1e-6)) {
                continue; // a draw far in the tail without an equilibrium: left out of the spread
            }
            valid++;
            final double[] ms = s.mu();
            for (int i = d; i < fcSum.length; i++) {
                final int g = (i / d) * k * d + i % d; // bin row i/d is grid row (i/d)·k
                double dv = ms[g] - mg[g];
                fcSum[i] += dv;
                fcSumSq[i] += dv * dv;
            }
        }
        final int slot = (int) Math.floorMod(b, (long) horizon);
        final double popNow = pop[w - 1];
        List<Forecast.Step> steps = new ArrayList<>(horizon);
        for (int h = 1; h <= horizon; h++) {
            List<Double> mv = new ArrayList<>(d);
            List<Double> lo = new ArrayList<>(d);
            List<Double> up = new ArrayList<>(d);
            for (int x = 0; x < d; x++) {
                int i = h * d + x;
                int k = (h - 1) * d + x;
                double mu = Math.min(1, Math.max(0, m[i] + fcCorr[i]));
                double popVar = popNow > 0 ? fcJumps[i] / popNow : 0;
                double paramVar = valid < 2 ? 0
                        : Math.max(0, (fcSumSq[i] - fcSum[i] * fcSum[i] / valid) / (valid - 1));
                double modelVar = popVar + paramVar + cfg.minShareVariance();
                double totalVar = modelVar * inflation[h - 1];
                double sd = Math.sqrt(totalVar);
                double lower = Math.max(0, mu - zBand * sd);
                double upper = Math.min(1, mu + zBand * sd);
                pendMean[slot][k] = mu;
                pendLower[slot][k] = lower;
                pendUpper[slot][k] = upper;
                pendModelVar[slot][k] = modelVar;
                pendTotalVar[slot][k] = totalVar;
                mv.add(mu);
                lo.add(lower);
                up.add(upper);
            }
            steps.add(new Forecast.Step(b + h, mv, lo, up));
        }
        pendIssued[slot] = b;
        return new Forecast(region, b, zones, cfg.bandLevel(), steps, realised, prov, health[0]);
    }

    /**
     * The seasonal correction of the forecast into {@link #fcCorr} (row h = horizon h, row 0 unused): the model's own
     * error over the same bins one season earlier. When every forecast bin uses the rates of the same bin one season
     * earlier and the shares of bins b − S .. b − S + H are remembered, the equilibrium with those rates is solved
     * again from the shares observed at b − S (a hindcast of last season), and correction_h = observed share at
     * b − S + h − hindcast_h. The forecast is then the hindcast's observed outcome plus the change the model
     * propagates from the difference between this season's start and last season's; with a perfect model the
     * correction is 0. It sums to 0 over the zones (both terms are shares), so the forecast keeps mass 1. Zero
     * otherwise (the first season of a run, after a gap) and when the hindcast has no equilibrium.
     */
    private void seasonalCorrection(long b, boolean lastSeason, double[] m) {
        Arrays.fill(fcCorr, 0);
        final int start = shareSlot(b - season);
        if (!lastSeason || start < 0) {
            return;
        }
        for (int h = 1; h <= horizon; h++) {
            if (shareSlot(b - season + h) < 0) {
                return;
            }
        }
        System.arraycopy(shareHist, start * d, fcPast, 0, d);
        Solution past = forecaster.solve(fcPast, fcGridGamma, m);
        if (!past.converged() || !(past.maxMassError() < 1e-6)) {
            return;
        }
        final double[] pm = past.mu();
        for (int h = 1; h <= horizon; h++) {
            final int slot = shareSlot(b - season + h);
            for (int x = 0; x < d; x++) {
                fcCorr[h * d + x] = shareHist[slot * d + x] - pm[h * k * d + x];
            }
        }
    }

    private List<DriftAlert> drift(long b, boolean haveRef, Provenance prov) {
        List<DriftAlert> alerts = new ArrayList<>();
        if (oneStepResiduals > season && !Double.isNaN(zOne[0])) {
            final int prev = shareSlot(b - 1);
            for (int x = 0; x < d; x++) {
                double before = prev < 0 ? Double.NaN : shareHist[prev * d + x];
                monitor.update(x, b, zOne[x], rOne[x], shares[x], before, shares[x] - rOne[x], before, prov,
                        alerts);
            }
        }
        if (haveRef) {
            final int os = slotOf(b) * d;
            final int monitored = d - 1;
            boolean finite = true;
            for (int x = 0; x < monitored; x++) {
                logRatio[x] = Math.log(outHist[os + x] / outRef[x]);
                finite &= Double.isFinite(logRatio[x]);
            }
            if (!finite) {
                // A rate underflowed to 0 (log-rate below −745): no log-ratio this bin, the channels skip it.
                return alerts;
            }
            // Zone-relative: remove the region-wide shift of the bin (median over the monitored zones), so that a
            // system-wide pattern (a holiday morning, weather over the whole network) is not read as a change of
            // every zone; with fewer than 3 zones the median is not robust to the changed zone and is not removed.
            double common = 0;
            if (monitored >= 3) {
                System.arraycopy(logRatio, 0, scratchZones, 0, monitored);
                common = DriftMonitor.median(scratchZones, monitored);
            }
            for (int x = 0; x < monitored; x++) {
                monitor.update(d + x, b, logRatio[x] - common, outHist[os + x] - outRef[x], obsRateHist[os + x],
                        obsRateRef[x], modelOutHist[os + x], modelOutRef[x], prov, alerts);
            }
        }
        return alerts;
    }

    /** The current drift score (largest statistic over its threshold). */
    public double driftScore() {
        return monitor.score();
    }

    /** Alerts currently raised and not cleared. */
    public int activeAlerts() {
        return monitor.active();
    }
}
