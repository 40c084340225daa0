package org.mfgcal.calibrator.online;

import java.util.Arrays;
import org.mfgcal.calibrator.io.StateCodec;
import java.util.List;
import org.mfgcal.api.DriftAlert;
import org.mfgcal.api.Provenance;
import org.mfgcal.api.Records;

/**
 * Two-sided CUSUM detectors (Page, 1954) on robustly standardised channels of one region, armed after a warm-up,
 * with thresholds taken from the statistic's null distribution on the warm-up data, and an alert life cycle.
 *
 * <h2>Design</h2>
 * <ul>
 *   <li><b>Robust running standardisation.</b> Each channel keeps its last {@code warmup} in-control inputs x. A new
 *       input is standardised as z = clip((x − med) / s, ±{@value #Z_CLIP}), med the median of that buffer and
 *       s = max(1.4826·MAD, {@code minScale}) its median absolute deviation (a consistent σ under normality, and
 *       insensitive to the few outliers real data has: one disrupted day moves neither). The clip bounds what any
 *       single bin can add to the statistic, so one wild bin cannot raise an alert on its own. An input enters the
 *       buffer only while no alert of its channel is active, so a change being tracked does not teach the
 *       standardisation that it is normal. Channels of very different noise (a busy hub and a small airport, log
 *       rates and standardised residuals) thus share one scale.</li>
 *   <li><b>Warm-up before arming.</b> A channel runs no statistic until its buffer is full ({@code warmup} inputs,
 *       one season by default); it is armed from the next input on. Until then it only collects data.</li>
 *   <li><b>Thresholds from the null distribution.</b> When the first channel of a group (channels of one kind, e.g.
 *       every zone's outgoing-rate channel) is armed, the CUSUM is replayed over the warm-up buffer of
 *       every channel of the group that has at least half a warm-up of data, each standardised by its own buffer.
 *       The largest statistic of each replay is that channel's null excursion over one warm-up; the null level M of
 *       the group is the median of these maxima (robust: a channel whose warm-up happens to hold a real disruption,
 *       or a data artefact such as a stock near zero, does not set the level for all). The threshold of each
 *       channel of the group is h = max(floor, margin·M). This replaces a Gaussian ARL formula, which the
 *       heavy-tailed, serially correlated real inputs violate. With the clip and allowance k, the largest step of
 *       the statistic is {@value #Z_CLIP} − k, so the detection delay of a large change is at most about
 *       h/({@value #Z_CLIP} − k) bins: a shorter null excursion than that cannot raise an alert.</li>
 *   <li><b>Statistic.</b> S⁺ ← min(3h, max(0, S⁺ + z − k)), S⁻ ← min(3h, max(0, S⁻ − z − k)) with allowance k (in
 *       standardised units: k = δ/2 for the smallest shift δ worth an alert, the CUSUM's optimal choice). A run
 *       starts at the bin where S leaves 0; that bin is the change-point estimate {@code firstBin}. When S exceeds h
 *       an alert is RAISED once (de-duplicated while active) with magnitude |mean of the raw signal over the run|
 *       and the observed and model changes of the channel's quantity against their references over the run (ratio
 *       of the run's sums, minus 1); its direction is the sign of the observed change (for a channel compared with
 *       the model, of observed minus model change), else, when the quantity was not observed, UP for S⁺ and DOWN
 *       for S⁻. The standardised input the statistic runs on is relative to the channel's usual level (and may be
 *       zone-relative), so the side that fired can differ from the sign of the change itself in rare cases (a
 *       zone falling less than a region-wide drop); the alert reports the change. It is CLEARED (same id) when S
 *       falls below {@code clearFraction}·h.
 *       The cap 3h bounds how long a clear takes once the change ends.</li>
 * </ul>
 *
 * <p>Not thread-safe (one per region). Buffers are allocated at construction; per update it allocates only the alerts
 * it emits.
 */
final class DriftMonitor {
    /** Clip of standardised inputs. */
    static final double Z_CLIP = 4.0;
    /** 1 / Φ⁻¹(3/4): MAD to σ under normality. */
    static final double MAD_TO_SIGMA = 1.482602218505602;
    private static final long NONE = Long.MIN_VALUE;

    private final String region;
    private final String[] targets;
    private final String[] parameters;
    private final int[] group;
    private final double[] allowance;
    private final double[] floor;
    private final double[] minScale;
    private final int warmup;
    private final double margin;
    private final double clearFraction;
    private final double[] buffer;     // [c*warmup + i], ring
    private final int[] count;
    private final int[] head;
    private final boolean[] armed;
    private final double[] threshold;  // per channel, NaN until armed
    private final double[] groupNull;  // per group, NaN until calibrated
    private final double[] s;          // [2c] = S⁺, [2c+1] = S⁻
    private final long[] runStart;
    private final double[] runSum;
    private final int[] runCount;
    private final long[] activeFirst;  // first bin of the active alert, or NONE
    private final double[] activeMagnitude;
    private final double[] runObs;     // per side: Σ observed, Σ observed reference, Σ model, Σ model reference
    private final double[] activeObsChange;
    private final double[] activeModelChange;
    private final DriftAlert.Direction[] activeDirection;
    private final String[] references;
    private final boolean[] versusModel;
    private final double[] sorted;
    private final double[] maxima;
    private final double[] location = new double[1];
    private final double[] quantity = new double[4];

    /**
     * @param region        region name (in alerts)
     * @param targets       per channel: zone or edge (not modified)
     * @param parameters    per channel: parameter name (not modified)
     * @param group         per channel: group index in 0..groups−1, channels of one kind share one (not modified)
     * @param allowance     per channel: k ≥ 0 in standardised units (not modified)
     * @param floor         per channel: smallest threshold h &gt; 0 (not modified)
     * @param minScale      per channel: floor of the robust scale, in input units, &gt; 0 (not modified)
     * @param warmup        inputs collected before a channel is armed, and length of the standardisation buffer (≥ 3)
     * @param margin        h = max(floor, margin·null maximum), ≥ 1
     * @param clearFraction an alert clears when S &lt; clearFraction·h, in [0, 1)
     */
    DriftMonitor(String region, String[] targets, String[] parameters, int[] group, double[] allowance,
                 double[] floor, double[] minScale, int warmup, double margin, double clearFraction) {
        int n = targets.length;
        if (parameters.length != n || group.length != n || allowance.length != n || floor.length != n
                || minScale.length != n) {
            throw new IllegalArgumentException("drift channels: targets, parameters, groups, allowances, floors and"
                    + " scales must have the same length, got " + n + ", " + parameters.length + ", " + group.length
                    + ", " + allowance.length + ", " + floor.length + ", " + minScale.length);
        }
        if (warmup < 3) {
            throw new IllegalArgumentException("drift warm-up must be >= 3 inputs, got " + warmup);
        }
        if (!(margin >= 1) || Double.isInfinite(margin)) {
            throw new IllegalArgumentException("drift null margin must be finite and >= 1, got " + margin);
        }
        int groups = 0;
        for (int c = 0; c < n; c++) {
            if (group[c] < 0) {
                throw new IllegalArgumentException("drift channel " + c + ": group must be >= 0, got " + group[c]);
            }
            if (!(allowance[c] >= 0) || !(floor[c] > 0) || !(minScale[c] > 0)) {
                throw new IllegalArgumentException("drift channel " + c + " (" + targets[c] + " " + parameters[c]
                        + "): need allowance >= 0, floor > 0, minScale > 0, got " + allowance[c] + ", " + floor[c]
                        + ", " + minScale[c]);
            }
            groups = Math.max(groups, group[c] + 1);
        }
        this.region = region;
        this.targets = targets.clone();
        this.parameters = parameters.clone();
        this.group = group.clone();
        this.allowance = allowance.clone();
        this.floor = floor.clone();
        this.minScale = minScale.clone();
        this.warmup = warmup;
        this.margin = margin;
        this.clearFraction = clearFraction;
        this.buffer = new double[n * warmup];
        this.count = new int[n];
        this.head = new int[n];
        this.armed = new boolean[n];
        this.threshold = new double[n];
        Arrays.fill(threshold, Double.NaN);
        this.groupNull = new double[groups];
        Arrays.fill(groupNull, Double.NaN);
        this.s = new double[2 * n];
        this.runStart = new long[2 * n];
        this.runSum = new double[2 * n];
        this.runCount = new int[2 * n];
        this.activeFirst = new long[2 * n];
        this.activeMagnitude = new double[2 * n];
        this.runObs = new double[8 * n];
        this.activeObsChange = new double[2 * n];
        this.activeModelChange = new double[2 * n];
        this.activeDirection = new DriftAlert.Direction[2 * n];
        this.references = new String[n];
        Arrays.fill(references, "channel level");
        this.versusModel = new boolean[n];
        this.sorted = new double[warmup];
        this.maxima = new double[n];
        Arrays.fill(activeFirst, NONE);
    }

    int channels() {
        return targets.length;
    }

    /**
     * Names what channel {@code c}'s quantity is compared with (in its alerts), and whether its direction is the
     * sign of the observed minus the model change (a residual channel) instead of the observed change.
     */
    void describe(int c, String reference, boolean againstModel) {
        references[c] = Records.nonBlank("reference", reference);
        versusModel[c] = againstModel;
    }

    /**
     * Forgets every statistic and active alert (after a gap or reset of the loop); emits nothing. The warm-up data
     * and the calibrated thresholds are kept: they describe the region's unchanged behaviour, which a gap does not
     * change.
     */
    void reset() {
        Arrays.fill(s, 0);
        Arrays.fill(runCount, 0);
        Arrays.fill(runSum, 0);
        Arrays.fill(runObs, 0);
        Arrays.fill(activeFirst, NONE);
    }

    /**
     * Writes every statistic that influences future alerts (warm state, {@link WarmState}):
     * warm-up buffers, arming and thresholds, group null levels, CUSUM statistics, runs and active alerts.
     */
    void writeState(StateCodec.Writer out) {
        out.i32(targets.length).i32(warmup).i32(groupNull.length);
        out.doubles(buffer).ints(count).ints(head).booleans(armed).doubles(threshold).doubles(groupNull)
                .doubles(s).longs(runStart).doubles(runSum).ints(runCount).longs(activeFirst).doubles(activeMagnitude)
                .doubles(runObs).doubles(activeObsChange).doubles(activeModelChange);
        int[] dirs = new int[activeDirection.length];
        for (int i = 0; i < dirs.length; i++) {
            dirs[i] = activeDirection[i] == null ? -1 : activeDirection[i].ordinal();
        }
        out.ints(dirs);
    }

    /** Reads what {@link #writeState} wrote into this monitor (same channels, warm-up and groups). */
    void readState(StateCodec.Reader in) {
        in.expect("drift.channels", targets.length);
        in.expect("drift.warmup", warmup);
        in.expect("drift.groups", groupNull.length);
        in.doubles("drift.buffer", buffer);
        in.ints("drift.count", count);
        in.ints("drift.head", head);
        in.booleans("drift.armed", armed);
        in.doubles("drift.threshold", threshold);
        in.doubles("drift.groupNull", groupNull);
        in.doubles("drift.statistic", s);
        in.longs("drift.runStart", runStart);
        in.doubles("drift.runSum", runSum);
        in.ints("drift.runCount", runCount);
        in.longs("drift.activeFirst", activeFirst);
        in.doubles("drift.activeMagnitude", activeMagnitude);
        in.doubles("drift.runObserved", runObs);
        in.doubles("drift.activeObservedChange", activeObsChange);
        in.doubles("drift.activeModelChange", activeModelChange);
        int[] dirs = new int[activeDirection.length];
        in.ints("drift.activeDirection", dirs);
        for (int i = 0; i < dirs.length; i++) {
            activeDirection[i] = dirs[i] < 0 || dirs[i] >= 2 ? null : DriftAlert.Direction.values()[dirs[i]];
        }
    }

    /** Whether channel {@code c} has finished its warm-up. */
    boolean armed(int c) {
        return armed[c];
    }

    /** The alarm threshold h of channel {@code c}, NaN before it is armed. */
    double threshold(int c) {
        return threshold[c];
    }

    /**
     * Feeds channel {@code c} at {@code bin}: {@code x} drives the statistic after standardisation, {@code raw} (same
     * sign) is averaged for the magnitude. Non-finite inputs are ignored. Alerts raised or cleared are appended to
     * {@code out} (modified).
     */
    void update(int c, long bin, double x, double raw, Provenance provenance, List<DriftAlert> out) {
        update(c, bin, x, raw, Double.NaN, Double.NaN, Double.NaN, Double.NaN, provenance, out);
    }

    /**
     * {@link #update(int, long, double, double, Provenance, List)} with the channel's quantity at this bin: observed
     * value and its reference, model value and its reference (all ≥ 0; NaN when not available, e.g. nothing
     * observed). Their sums over a run give the alert's observed and model changes.
     */
    void update(int c, long bin, double x, double raw, double observed, double observedRef, double model,
                double modelRef, Provenance provenance, List<DriftAlert> out) {
        if (!Double.isFinite(x) || !Double.isFinite(raw)) {
            return;
        }
        quantity[0] = observed;
        quantity[1] = observedRef;
        quantity[2] = model;
        quantity[3] = modelRef;
        if (!armed[c]) {
            if (count[c] < warmup) {
                push(c, x);
                return;
            }
            // The buffer is full: arm from this input on. Every channel of the group fed in the same bins has a full
            // buffer by now, so the group's null level sees all of them, whatever order they are fed in.
            int g = group[c];
            if (Double.isNaN(groupNull[g])) {
                groupNull[g] = nullLevel(g);
            }
            threshold[c] = Math.max(floor[c], margin * groupNull[g]);
            armed[c] = true;
        }
        double scale = robustScale(c, location);
        double z = Math.max(-Z_CLIP, Math.min(Z_CLIP, (x - location[0]) / scale));
        side(2 * c, c, bin, z, raw, DriftAlert.Direction.UP, provenance, out);
        side(2 * c + 1, c, bin, -z, -raw, DriftAlert.Direction.DOWN, provenance, out);
        if (activeFirst[2 * c] == NONE && activeFirst[2 * c + 1] == NONE) {
            push(c, x);
        }
    }

    private void push(int c, double x) {
        buffer[c * warmup + head[c]] = x;
        head[c] = (head[c] + 1) % warmup;
        if (count[c] < warmup) {
            count[c]++;
        }
    }

    /** Median of channel c's buffer into {@code loc[0]}; returns max(1.4826·MAD, minScale). */
    private double robustScale(int c, double[] loc) {
        final int n = count[c];
        System.arraycopy(buffer, c * warmup, sorted, 0, n);
        double med = median(sorted, n);
        for (int i = 0; i < n; i++) {
            sorted[i] = Math.abs(buffer[c * warmup + i] - med);
        }
        double mad = median(sorted, n);
        loc[0] = med;
        return Math.max(minScale[c], MAD_TO_SIGMA * mad);
    }

    /** Median of a[0..n−1] (reordered). */
    static double median(double[] a, int n) {
        Arrays.sort(a, 0, n);
        return (n & 1) == 1 ? a[n / 2] : 0.5 * (a[n / 2 - 1] + a[n / 2]);
    }

    /**
     * The null level of group g: the median, over the group's channels with at least half a warm-up of data, of the
     * largest two-sided CUSUM statistic over the channel's warm-up buffer, replayed in arrival order and standardised
     * by that buffer. 0 when no channel qualifies.
     */
    private double nullLevel(int g) {
        int n = 0;
        for (int c = 0; c < targets.length; c++) {
            if (group[c] == g && count[c] >= (warmup + 1) / 2) {
                maxima[n++] = replayMaximum(c);
            }
        }
        return n == 0 ? 0 : median(maxima, n);
    }

    /** The largest two-sided CUSUM statistic of channel c replayed over its buffer. */
    private double replayMaximum(int c) {
        double scale = robustScale(c, location);
        double med = location[0];
        double k = allowance[c];
        double up = 0;
        double down = 0;
        double max = 0;
        int n = count[c];
        int start = n == warmup ? head[c] : 0;
        for (int j = 0; j < n; j++) {
            double x = buffer[c * warmup + (start + j) % warmup];
            double z = Math.max(-Z_CLIP, Math.min(Z_CLIP, (x - med) / scale));
            up = Math.max(0, up + z - k);
            down = Math.max(0, down - z - k);
            max = Math.max(max, Math.max(up, down));
        }
        return max;
    }

    private void side(int i, int c, long bin, double z, double raw, DriftAlert.Direction dir, Provenance prov,
                      List<DriftAlert> out) {
        final double h = threshold[c];
        final double before = s[i];
        double now = Math.min(3 * h, Math.max(0, before + z - allowance[c]));
        s[i] = now;
        if (now > 0) {
            if (before == 0) {
                runStart[i] = bin;
                runSum[i] = 0;
                runCount[i] = 0;
                Arrays.fill(runObs, 4 * i, 4 * i + 4, 0);
            }
            runSum[i] += raw;
            runCount[i]++;
            if (activeFirst[i] == NONE) { // the change is measured over the run up to the alert
                boolean observed = Double.isFinite(quantity[0]) && Double.isFinite(quantity[1]);
                boolean model = Double.isFinite(quantity[2]) && Double.isFinite(quantity[3]);
                for (int k = 0; k < 4; k++) {
                    runObs[4 * i + k] += (k < 2 ? observed : model) ? quantity[k] : 0;
                }
            }
        }
        if (activeFirst[i] == NONE && now > h) {
            activeFirst[i] = runStart[i];
            activeMagnitude[i] = Math.abs(runSum[i] / runCount[i]);
            double modelChange = change(runObs[4 * i + 2], runObs[4 * i + 3]);
            double observedChange = runObs[4 * i + 1] > 0 ? change(runObs[4 * i], runObs[4 * i + 1]) : modelChange;
            double signed = versusModel[c] ? observedChange - modelChange : observedChange;
            activeObsChange[i] = Double.isFinite(observedChange) ? observedChange : 0;
            activeModelChange[i] = Double.isFinite(modelChange) ? modelChange : 0;
            activeDirection[i] = Double.isFinite(signed) && signed != 0
                    ? (signed > 0 ? DriftAlert.Direction.UP : DriftAlert.Direction.DOWN) : dir;
            out.add(alert(i, c, bin, dir, DriftAlert.State.RAISED, prov));
        } else if (activeFirst[i] != NONE && now < clearFraction * h) {
            out.add(alert(i, c, bin, dir, DriftAlert.State.CLEARED, prov));
            activeFirst[i] = NONE;
        }
    }

    /** Σ value / Σ reference − 1, NaN when the reference sum is not positive. */
    private static double change(double value, double reference) {
        return reference > 0 ? Math.max(-1, value / reference - 1) : Double.NaN;
    }

    /** The alert of side i (channel c): the id keeps the detector's side, so both sides' alerts stay distinct. */
    private DriftAlert alert(int i, int c, long bin, DriftAlert.Direction side, DriftAlert.State state,
                             Provenance prov) {
        DriftAlert.Direction dir = activeDirection[i] == null ? side : activeDirection[i];
        return new DriftAlert(DriftAlert.idOf(region, targets[c], parameters[c] + "/" + side, activeFirst[i]),
                region, targets[c], parameters[c], dir, activeMagnitude[i], references[c], activeObsChange[i],
                activeModelChange[i], activeFirst[i], bin, state, prov);
    }

    /** The largest S / h over all armed channels and both sides (an alert fires above 1); 0 before any is armed. */
    double score() {
        double m = 0;
        for (int i = 0; i < s.length; i++) {
            if (armed[i / 2]) {
                m = Math.max(m, s[i] / threshold[i / 2]);
            }
        }
        return m;
    }

    /** Number of currently active (raised, not cleared) alerts. */
    int active() {
        int n = 0;
        for (long f : activeFirst) {
            if (f != NONE) {
                n++;
            }
        }
        return n;
    }
}
