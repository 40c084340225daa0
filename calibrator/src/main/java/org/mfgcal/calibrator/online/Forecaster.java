package org.mfgcal.calibrator.online;

import org.mfgcal.api.CalibrationListener;
import org.mfgcal.api.Forecast;
import org.mfgcal.api.Health;
import org.mfgcal.api.Provenance;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.mfgcal.calibrator.game.MobilityGame;
import org.mfgcal.calibrator.io.StateCodec;
import org.mfgcal.calibrator.solver.EquilibriumSolver;
import org.mfgcal.calibrator.solver.Solution;

/**
 * The forecast of one region and its band calibration. After bin t: the equilibrium over H bins from the observed
 * shares at t, with the rates estimated for the same bin one season earlier, else one day earlier, else the newest
 * rates ({@link SeasonalMemory}), plus a seasonal correction ({@link #seasonalCorrection}). Band variance per zone
 * and horizon: λ_h·(finite-population noise of the jump process + parameter variance from the equilibria at
 * {@code forecastSamples} draws from the posterior + {@code minShareVariance}), with λ_h, per horizon, the EWMA of
 * the realised mean_x r²/variance (weight max({@code bandMemory}, 1/(1+count)), starting at 1); band = mean ±
 * Φ⁻¹((1+level)/2)·sd, clipped to [0, 1] (class notes of {@link RegionCalibrator}, "Forecast").
 *
 * <p>Owns the forecaster's solver (a workspace), the pending forecasts (slot = issue bin mod H), λ_h and its counts,
 * the last one-step residuals (the residual drift channels' input) and their warm state. Not thread-safe.
 */
final class Forecaster {
    private static final System.Logger LOG = System.getLogger(Forecaster.class.getName());
    /**
     * A posterior draw's equilibrium is solved from the mean's until its residual is this fraction of the residual at
     * the mean ({@link EquilibriumSolver#solveNear}): its deviation from the mean to about ρ·10 % (ρ ≈ 0.05 the
     * map's contraction on the flights, i.e. ≈ 0.5 %), against the ≈ 50 % relative error of an 8-draw variance
     * (docs/MODEL.md, "Forecast bands"; bench/BENCHMARKS.md, issue 15, fifth pass).
     */
    static final double DRAW_ACCURACY = 0.1;

    private final RegionShape s;
    private final OnlineConfig cfg;
    private final Window win;
    private final SeasonalMemory seasonal;
    private final ShareMemory past;
    private final CalibrationListener listener;
    private final EquilibriumSolver forecaster;
    private final double zBand;
    private final double[] fcTheta;
    private final double[] fcVar;         // the forecast rows' variances; their square roots once samples() ran
    private final double[] fcGamma;
    private final double[] fcGridGamma;   // fcGamma on the forecaster's grid (the same array when k = 1)
    private final double[] fcMean;        // the forecast mean at the bins (k > 1; the grid's own rows when k = 1)
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
    /** Standardised and raw one-bin-ahead residuals of the bin just closed (NaN when none was pending). */
    final double[] zOne;
    final double[] rOne;

    Forecaster(RegionShape s, OnlineConfig cfg, Window win, SeasonalMemory seasonal, ShareMemory past,
               CalibrationListener listener) {
        this.s = s;
        this.cfg = cfg;
        this.win = win;
        this.seasonal = seasonal;
        this.past = past;
        this.listener = listener;
        final int d = s.d;
        final int h = s.horizon;
        MobilityGame game = new MobilityGame(s.graph, cfg.controlCost(), cfg.congestion(), new double[d]);
        this.forecaster = new EquilibriumSolver(game, h * cfg.binHours(), h * s.k + 1, cfg.solver());
        this.forecaster.setReportExploitability(false);
        this.zBand = Normal.quantile((1 + cfg.bandLevel()) / 2);
        fcTheta = new double[h * s.edges];
        fcVar = new double[h * s.edges];
        fcGamma = new double[(h + 1) * s.edges];
        fcGridGamma = s.k == 1 ? fcGamma : new double[(h * s.k + 1) * s.edges];
        fcMean = new double[(h + 1) * d];
        fcSumSq = new double[(h + 1) * d];
        fcMu0 = new double[d];
        fcJumps = new double[(h + 1) * d];
        fcCorr = new double[(h + 1) * d];
        fcPast = new double[d];
        pendMean = new double[h][h * d];
        pendLower = new double[h][h * d];
        pendUpper = new double[h][h * d];
        pendModelVar = new double[h][h * d];
        pendTotalVar = new double[h][h * d];
        pendIssued = new long[h];
        Arrays.fill(pendIssued, RegionShape.NONE);
        inflation = new double[h];
        Arrays.fill(inflation, 1.0);
        excessCount = new long[h];
        zOne = new double[d];
        rOne = new double[d];
    }

    /** Drops the pending forecasts (a gap: their bins will not be compared). */
    void forgetPending() {
        Arrays.fill(pendIssued, RegionShape.NONE);
    }

    /** One-bin-ahead residuals realised so far. */
    long oneStepResiduals() {
        return oneStepResiduals;
    }

    /**
     * Errors of the pending forecasts for bin b (its shares in the window's {@link Window#shares}), with the
     * persistence and seasonal-naive errors of the same bin and horizon; updates λ_h and the one-step residuals.
     */
    List<Forecast.RealisedError> realise(long b) {
        final int d = s.d;
        final double[] shares = win.shares;
        List<Forecast.RealisedError> out = new ArrayList<>();
        Arrays.fill(zOne, Double.NaN);
        final int seasonSlot = past.slot(b - s.season);
        final Double seasonalError = seasonSlot < 0 ? null : past.error(shares, seasonSlot);
        for (int h = 1; h <= s.horizon; h++) {
            long issued = b - h;
            int slot = (int) Math.floorMod(issued, (long) s.horizon);
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
                    past.error(shares, past.slot(issued)), seasonalError));
        }
        return out;
    }

    /**
     * The forecast issued after bin b from the window's log-rates {@code theta} and their {@code variance} (newest
     * row used where the seasonal memory has none). {@code health[0]} is the bin's health on entry; when the
     * forecast's own equilibrium fails (not converged, mass or a non-finite entry) the mean holds the last observed
     * shares over the horizon (persistence; bands from the jump noise at those shares) and {@code health[0]} becomes
     * degraded with {@link Health#REASON_FORECAST}.
     */
    Forecast forecast(long b, double[] theta, double[] variance, List<Forecast.RealisedError> realised,
                      Provenance prov, Health[] health) {
        final int d = s.d;
        final int k = s.k;
        final int edges = s.edges;
        final int horizon = s.horizon;
        final int last = (s.rows - 1) * edges;
        boolean lastSeason = true; // every forecast bin uses the rates of the same bin one season earlier
        for (int h = 0; h < horizon; h++) {
            int slot = seasonal.slot(b + 1 + h);
            lastSeason &= slot >= 0 && seasonal.holds(slot, b + 1 + h - s.season);
            if (slot >= 0) {
                seasonal.copy(slot, fcTheta, fcVar, h);
            } else {
                System.arraycopy(theta, last, fcTheta, h * edges, edges);
                System.arraycopy(variance, last, fcVar, h * edges, edges);
            }
        }
        System.arraycopy(win.obs, (s.w - 1) * d, fcMu0, 0, d);
        for (int h = 0; h < horizon; h++) {
            for (int e = 0; e < edges; e++) {
                fcGamma[h * edges + e] = Math.exp(fcTheta[h * edges + e]);
            }
        }
        System.arraycopy(fcGamma, (horizon - 1) * edges, fcGamma, horizon * edges, edges);
        s.toGrid(fcGamma, horizon + 1, fcGridGamma);
        Solution mean = forecaster.solve(fcMu0, fcGridGamma, null);
        final double[] mg = mean.mu(); // on the forecaster's grid; bin h is grid row h·k
        final double[] m = k == 1 ? mg : fcMean;
        if (k > 1) {
            for (int h = 0; h <= horizon; h++) {
                System.arraycopy(mg, h * k * d, m, h * d, d);
            }
        }
        boolean persistence = !mean.converged() || !(mean.maxMassError() <= UpdateCheck.MASS_TOLERANCE);
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
            listener.updateFailed(s.region, b, Health.REASON_FORECAST);
            LOG.log(System.Logger.Level.WARNING, "region ''{0}'' bin {1}: forecast equilibrium failed; forecast holds"
                    + " the last shares", s.region, b);
        }
        jumps(m, mg, persistence);
        final int valid = persistence ? 0 : samples(b, mg);
        final int slot = (int) Math.floorMod(b, (long) horizon);
        final double popNow = win.pop[s.w - 1];
        List<Forecast.Step> steps = new ArrayList<>(horizon);
        for (int h = 1; h <= horizon; h++) {
            List<Double> mv = new ArrayList<>(d);
            List<Double> lo = new ArrayList<>(d);
            List<Double> up = new ArrayList<>(d);
            for (int x = 0; x < d; x++) {
                int i = h * d + x;
                int j = (h - 1) * d + x;
                double mu = Math.min(1, Math.max(0, m[i] + fcCorr[i]));
                double popVar = popNow > 0 ? fcJumps[i] / popNow : 0;
                // Mean square deviation of the draws' equilibria from the forecast mean (a known centre: all
                // `valid` degrees of freedom; docs/MODEL.md, "Forecast bands").
                double paramVar = valid < 1 ? 0 : fcSumSq[i] / valid;
                double modelVar = popVar + paramVar + cfg.minShareVariance();
                double totalVar = modelVar * inflation[h - 1];
                double sd = Math.sqrt(totalVar);
                double lower = Math.max(0, mu - zBand * sd);
                double upper = Math.min(1, mu + zBand * sd);
                pendMean[slot][j] = mu;
                pendLower[slot][j] = lower;
                pendUpper[slot][j] = upper;
                pendModelVar[slot][j] = modelVar;
                pendTotalVar[slot][j] = totalVar;
                mv.add(mu);
                lo.add(lower);
                up.add(upper);
            }
            steps.add(new Forecast.Step(b + h, mv, lo, up));
        }
        pendIssued[slot] = b;
        return new Forecast(s.region, b, s.zones, cfg.bandLevel(), steps, realised, prov, health[0]);
    }

    /**
     * Expected individual jumps into and out of each zone, cumulated over the horizon (per unit population), into
     * {@link #fcJumps}. With sub-steps, summed over the k steps of each bin at the grid's shares (persistence: the
     * held shares {@code m}).
     */
    private void jumps(double[] m, double[] mg, boolean persistence) {
        final int d = s.d;
        final int k = s.k;
        final double dt = cfg.binHours() / k;
        Arrays.fill(fcJumps, 0);
        for (int h = 0; h < s.horizon; h++) {
            for (int x = 0; x < d; x++) {
                fcJumps[(h + 1) * d + x] = fcJumps[h * d + x];
            }
            for (int j = 0; j < k; j++) {
                final boolean onGrid = k > 1 && !persistence;
                final double[] src = onGrid ? mg : m;
                final int row = onGrid ? (h * k + j) * d : h * d;
                for (int e = 0; e < s.edges; e++) {
                    double flow = dt * src[row + s.graph.from(e)] * fcGamma[h * s.edges + e];
                    fcJumps[(h + 1) * d + s.graph.from(e)] += flow;
                    fcJumps[(h + 1) * d + s.graph.to(e)] += flow;
                }
            }
        }
    }

    /**
     * Sums of squares of the deviation from the mean {@code mg} of the equilibria at {@code forecastSamples}
     * posterior draws, into {@link #fcSumSq}; returns the draws that had an equilibrium.
     */
    private int samples(long b, double[] mg) {
        final int d = s.d;
        final int edges = s.edges;
        Arrays.fill(fcSumSq, 0);
        SplittableRandom rng = s.random(b, 2);
        int valid = 0;
        // fcVar (refilled by every forecast) becomes the standard deviation: one square root per entry, not one per
        // entry and draw (the same values).
        final int drawn = s.horizon * edges;
        for (int i = 0; i < drawn; i++) {
            fcVar[i] = Math.sqrt(fcVar[i]);
        }
        for (int j = 0; j < cfg.forecastSamples(); j++) {
            double largest = 0;
            for (int h = 0; h < s.horizon; h++) {
                for (int e = 0; e < edges; e++) {
                    int i = h * edges + e;
                    fcGamma[i] = Math.exp(fcTheta[i] + fcVar[i] * rng.nextGaussian());
                    largest = Math.max(largest, fcGamma[i]);
                }
            }
            if (!(largest <= Double.MAX_VALUE)) {
                continue; // a rate overflowed (a huge posterior variance): left out like a draw without equilibrium
            }
            System.arraycopy(fcGamma, (s.horizon - 1) * edges, fcGamma, s.horizon * edges, edges);
            s.toGrid(fcGamma, s.horizon + 1, fcGridGamma);
            Solution sol = forecaster.solveNear(fcMu0, fcGridGamma, mg, DRAW_ACCURACY);
            if (!sol.converged() || !(sol.maxMassError() < 1e-6)) {
                continue; // a draw far in the tail without an equilibrium: left out of the spread
            }
            valid++;
            final double[] ms = sol.mu();
            for (int i = d; i < fcSumSq.length; i++) {
                final int g = (i / d) * s.k * d + i % d; // bin row i/d is grid row (i/d)·k
                double dv = ms[g] - mg[g];
                fcSumSq[i] += dv * dv;
            }
        }
        return valid;
    }

    /**
     * The seasonal correction of the forecast into {@link #fcCorr} (row h = horizon h, row 0 unused): the model's own
     * error over the same bins one season earlier. When every forecast bin uses the rates of the same bin one season
     * earlier and the shares of bins b − S .. b − S + H are remembered, the equilibrium with those rates is solved
     * again from the shares observed at b − S (a hindcast of last season), and correction_h = observed share at
     * b − S + h − hindcast_h. With a perfect model the correction is 0; it sums to 0 over the zones (both terms are
     * shares), so the forecast keeps mass 1. Zero otherwise (the first season of a run, after a gap) and when the
     * hindcast has no equilibrium. Without it the forecast lost to seasonal naive from horizon 2 on the flights
     * (calibrator/CALIBRATION.md).
     */
    private void seasonalCorrection(long b, boolean lastSeason, double[] m) {
        Arrays.fill(fcCorr, 0);
        final int start = past.slot(b - s.season);
        if (!lastSeason || start < 0) {
            return;
        }
        for (int h = 1; h <= s.horizon; h++) {
            if (past.slot(b - s.season + h) < 0) {
                return;
            }
        }
        past.copy(start, fcPast);
        Solution hindcast = forecaster.solve(fcPast, fcGridGamma, m);
        if (!hindcast.converged() || !(hindcast.maxMassError() < 1e-6)) {
            return;
        }
        final double[] pm = hindcast.mu();
        for (int h = 1; h <= s.horizon; h++) {
            final int slot = past.slot(b - s.season + h);
            for (int x = 0; x < s.d; x++) {
                fcCorr[h * s.d + x] = past.share(slot, x) - pm[h * s.k * s.d + x];
            }
        }
    }

    /** Warm state: the count of one-step residuals (in the snapshot's header block). */
    void writeCount(StateCodec.Writer out) {
        out.i64(oneStepResiduals);
    }

    void readCount(StateCodec.Reader in) {
        oneStepResiduals = in.i64("oneStepResiduals");
    }

    /** Warm state: the pending forecasts and the band calibration. */
    void writeState(StateCodec.Writer out) {
        for (int h = 0; h < s.horizon; h++) {
            out.doubles(pendMean[h]).doubles(pendLower[h]).doubles(pendUpper[h]).doubles(pendModelVar[h])
                    .doubles(pendTotalVar[h]);
        }
        out.longs(pendIssued).doubles(inflation).longs(excessCount);
    }

    void readState(StateCodec.Reader in) {
        for (int h = 0; h < s.horizon; h++) {
            in.doubles("pendMean[" + h + "]", pendMean[h]);
            in.doubles("pendLower[" + h + "]", pendLower[h]);
            in.doubles("pendUpper[" + h + "]", pendUpper[h]);
            in.doubles("pendModelVar[" + h + "]", pendModelVar[h]);
            in.doubles("pendTotalVar[" + h + "]", pendTotalVar[h]);
        }
        in.longs("pendIssued", pendIssued);
        in.doubles("inflation", inflation);
        in.longs("excessCount", excessCount);
    }
}
