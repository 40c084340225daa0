package org.mfgcal.calibrator.online;

import org.mfgcal.api.ClosedBin;
import org.mfgcal.api.DriftAlert;
import org.mfgcal.api.Provenance;
import java.util.Arrays;
import java.util.List;
import org.mfgcal.calibrator.io.StateCodec;

/**
 * The drift channels of one region on a {@link DriftMonitor}: per zone the one-bin-ahead residual over its band's
 * standard deviation (fed after one season of realised residuals), and the zone-relative log-ratio of the zone's
 * outgoing rate to a reference (the median of the same bin one day, one season and two seasons earlier, else one
 * season earlier; class notes of {@link RegionCalibrator}, "Drift" and "Alerts"). Owns the outgoing-rate history
 * (estimated, observed and calibrated, slot = bin mod (2S + 1)), the monitor and their warm state. Not thread-safe.
 */
final class DriftChannels {
    /** Floor of the robust scale of a residual drift channel (standardised residual units). */
    static final double MIN_RESIDUAL_SCALE = 0.05;
    /** Floor of the robust scale of an outgoing-rate drift channel (log-rate units: a 1% change). */
    static final double MIN_LOG_RATE_SCALE = 0.01;

    private final RegionShape s;
    private final OnlineConfig cfg;
    private final Window win;
    private final ShareMemory past;
    private final DriftMonitor monitor;
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
    private boolean haveRef;

    DriftChannels(RegionShape s, OnlineConfig cfg, Window win, ShareMemory past) {
        this.s = s;
        this.cfg = cfg;
        this.win = win;
        this.past = past;
        final int d = s.d;
        String[] targets = new String[2 * d];
        String[] params = new String[2 * d];
        int[] groups = new int[2 * d];
        double[] allow = new double[2 * d];
        double[] thr = new double[2 * d];
        double[] minScale = new double[2 * d];
        for (int x = 0; x < d; x++) {
            targets[x] = s.zones.get(x);
            params[x] = DriftAlert.RESIDUAL;
            groups[x] = 0;
            allow[x] = cfg.residualAllowance();
            thr[x] = cfg.residualThreshold();
            minScale[x] = MIN_RESIDUAL_SCALE;
            targets[d + x] = s.zones.get(x);
            params[d + x] = RegionCalibrator.OUT_RATE;
            groups[d + x] = 1;
            allow[d + x] = cfg.rateAllowance();
            thr[d + x] = cfg.rateThreshold();
            minScale[d + x] = MIN_LOG_RATE_SCALE;
        }
        monitor = new DriftMonitor(s.region, targets, params, groups, allow, thr, minScale, cfg.driftWarmupBins(),
                cfg.driftNullMargin(), cfg.clearFraction());
        this.dayBinsBelowSeason = s.dayBins < s.season;
        for (int x = 0; x < d; x++) {
            monitor.describe(x, RegionCalibrator.RESIDUAL_REFERENCE, true);
            monitor.describe(d + x, dayBinsBelowSeason ? RegionCalibrator.OUT_RATE_REFERENCE
                    : RegionCalibrator.OUT_RATE_REFERENCE_SEASON, false);
        }
        logRatio = new double[d];
        scratchZones = new double[d];
        outRef = new double[d];
        outHist = new double[(2 * s.season + 1) * d];
        outHistBin = new long[2 * s.season + 1];
        obsRateHist = new double[(2 * s.season + 1) * d];
        modelOutHist = new double[(2 * s.season + 1) * d];
        obsRateRef = new double[d];
        modelOutRef = new double[d];
        Arrays.fill(outHistBin, RegionShape.NONE);
    }

    DriftMonitor monitor() {
        return monitor;
    }

    /**
     * Reads the references of bin b (before the memory is overwritten), then remembers the zones' outgoing rates of
     * bin b: with flow counts the bin's own estimate Σ_y exp(prior_xy) (the gamma–Poisson posterior mean from this
     * bin's departures alone), else the calibrated newest row of {@code theta}; beside it the calibrated rate and the
     * observed departures per individual and hour.
     */
    void remember(long b, ClosedBin bin, double[] theta) {
        haveRef = referenceOutRates(b, outRef);
        if (haveRef) {
            reference(obsRateHist, b, obsRateRef);
            reference(modelOutHist, b, modelOutRef);
        }
        final int d = s.d;
        final boolean flows = bin.hasFlows();
        final int lastRow = (s.rows - 1) * s.edges;
        final int os = slotOf(b) * d;
        Arrays.fill(outHist, os, os + d, 0);
        Arrays.fill(modelOutHist, os, os + d, 0);
        Arrays.fill(obsRateHist, os, os + d, 0);
        for (int e = 0; e < s.edges; e++) {
            final int x = s.graph.from(e);
            outHist[os + x] += Math.exp(flows ? win.priorRow[e] : theta[lastRow + e]);
            modelOutHist[os + x] += Math.exp(theta[lastRow + e]);
            obsRateHist[os + x] += bin.odAt(x, s.graph.to(e));
        }
        // Observed departures per individual and hour: departures during the bin over the stock at its start (the
        // previous bin's share times its population, as in the prior), NaN without flows or stock.
        for (int x = 0; x < d; x++) {
            final double stock = win.obs[(s.w - 2) * d + x] * win.pop[s.w - 2];
            obsRateHist[os + x] = flows && stock > 0 ? obsRateHist[os + x] / (stock * cfg.binHours()) : Double.NaN;
        }
        outHistBin[slotOf(b)] = b;
    }

    /**
     * The reference outgoing rate per zone for {@code bin} into {@code out}: the median of the newest estimates for
     * bin − (bins per day), bin − S and bin − 2S when all three are remembered (robust to one disrupted reference
     * day); when a day is not shorter than a season (daily bins, weekly season), the one for bin − S; false
     * otherwise. The channels are fed only from one kind of reference, so the warm-up that sets their thresholds
     * sees the same noise as the armed detector.
     */
    private boolean referenceOutRates(long bin, double[] out) {
        long[] lags = {s.dayBins, s.season, 2L * s.season};
        int have = 0;
        for (long lag : lags) {
            int slot = (int) Math.floorMod(bin - lag, (long) outHistBin.length);
            if (outHistBin[slot] == bin - lag) {
                have++;
            }
        }
        if (have == 3 && dayBinsBelowSeason) {
            for (int x = 0; x < s.d; x++) {
                double a = outHist[slotOf(bin - s.dayBins) * s.d + x];
                double b2 = outHist[slotOf(bin - s.season) * s.d + x];
                double c = outHist[slotOf(bin - 2L * s.season) * s.d + x];
                out[x] = Math.max(Math.min(a, b2), Math.min(Math.max(a, b2), c));
            }
            return true;
        }
        if (dayBinsBelowSeason) {
            return false; // the one-season reference alone is a noisier signal than the one the detector is armed on
        }
        int slot = slotOf(bin - s.season);
        if (outHistBin[slot] == bin - s.season) {
            System.arraycopy(outHist, slot * s.d, out, 0, s.d);
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
            for (int x = 0; x < s.d; x++) {
                double a = hist[slotOf(bin - s.dayBins) * s.d + x];
                double b2 = hist[slotOf(bin - s.season) * s.d + x];
                double c = hist[slotOf(bin - 2L * s.season) * s.d + x];
                out[x] = Double.isNaN(a) || Double.isNaN(b2) || Double.isNaN(c) ? Double.NaN
                        : Math.max(Math.min(a, b2), Math.min(Math.max(a, b2), c));
            }
        } else {
            System.arraycopy(hist, slotOf(bin - s.season) * s.d, out, 0, s.d);
        }
    }

    private int slotOf(long bin) {
        return (int) Math.floorMod(bin, (long) outHistBin.length);
    }

    /**
     * Feeds bin b's channels (after {@link #remember}): the residual channels from the forecaster's one-step
     * residuals once a season of them is realised, the rate channels when the references exist. Adds raised and
     * cleared alerts to {@code alerts}.
     */
    void update(long b, Forecaster fc, Provenance prov, List<DriftAlert> alerts) {
        final int d = s.d;
        final double[] shares = win.shares;
        final double[] zOne = fc.zOne;
        final double[] rOne = fc.rOne;
        if (fc.oneStepResiduals() > s.season && !Double.isNaN(zOne[0])) {
            final int prev = past.slot(b - 1);
            for (int x = 0; x < d; x++) {
                double before = prev < 0 ? Double.NaN : past.share(prev, x);
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
                return;
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
    }

    /** Warm state: the outgoing-rate history (the monitor is written separately, last). */
    void writeHistory(StateCodec.Writer out) {
        out.doubles(outHist).longs(outHistBin).doubles(obsRateHist).doubles(modelOutHist);
    }

    void readHistory(StateCodec.Reader in) {
        in.doubles("outHist", outHist);
        in.longs("outHistBin", outHistBin);
        in.doubles("obsRateHist", obsRateHist);
        in.doubles("modelOutHist", modelOutHist);
    }

    void writeMonitor(StateCodec.Writer out) {
        monitor.writeState(out);
    }

    void readMonitor(StateCodec.Reader in) {
        monitor.readState(in);
    }
}
