package org.mfgcal.calibrator.online;

import java.util.List;

/**
 * Two-sided CUSUM detectors (Page, 1954) on several channels of one region, with alert life cycle.
 *
 * <p>Per channel and bin, with input z (standardised or in the channel's units) and allowance k:
 * S⁺ ← min(cap, max(0, S⁺ + z − k)), S⁻ ← min(cap, max(0, S⁻ − z − k)), cap = 3h. A run starts at the bin where
 * S leaves 0; that bin is the change-point estimate {@code firstBin}. When S exceeds the threshold h an alert is
 * RAISED once (de-duplicated: no second RAISED while it is active) with direction UP for S⁺ and DOWN for S⁻ and
 * magnitude |mean of the raw signal over the run|; it is CLEARED (same id) when S falls below
 * {@code clearFraction}·h. The cap bounds how long a clear takes after the change ends.
 *
 * <p>Not thread-safe (one per region); allocates only the alerts it emits.
 */
final class DriftMonitor {
    private final String region;
    private final String[] targets;
    private final String[] parameters;
    private final double[] allowance;
    private final double[] threshold;
    private final double clearFraction;
    private final double[] s;        // [2c] = S⁺, [2c+1] = S⁻
    private final long[] runStart;
    private final double[] runSum;
    private final int[] runCount;
    private final long[] activeFirst; // first bin of the active alert, or NONE
    private final double[] activeMagnitude;
    private static final long NONE = Long.MIN_VALUE;

    DriftMonitor(String region, String[] targets, String[] parameters, double[] allowance, double[] threshold,
                 double clearFraction) {
        int n = targets.length;
        if (parameters.length != n || allowance.length != n || threshold.length != n) {
            throw new IllegalArgumentException("drift channels: targets, parameters, allowances and thresholds must"
                    + " have the same length, got " + n + ", " + parameters.length + ", " + allowance.length + ", "
                    + threshold.length);
        }
        this.region = region;
        this.targets = targets.clone();
        this.parameters = parameters.clone();
        this.allowance = allowance.clone();
        this.threshold = threshold.clone();
        this.clearFraction = clearFraction;
        this.s = new double[2 * n];
        this.runStart = new long[2 * n];
        this.runSum = new double[2 * n];
        this.runCount = new int[2 * n];
        this.activeFirst = new long[2 * n];
        this.activeMagnitude = new double[2 * n];
        java.util.Arrays.fill(activeFirst, NONE);
    }

    int channels() {
        return targets.length;
    }

    /** Forgets every statistic and active alert (after a reset of the loop); emits nothing. */
    void reset() {
        java.util.Arrays.fill(s, 0);
        java.util.Arrays.fill(runCount, 0);
        java.util.Arrays.fill(runSum, 0);
        java.util.Arrays.fill(activeFirst, NONE);
    }

    /**
     * Feeds channel {@code c} at {@code bin}: {@code z} drives the statistic, {@code raw} (same sign) is averaged for
     * the magnitude. Alerts raised or cleared are appended to {@code out} (modified).
     */
    void update(int c, long bin, double z, double raw, Provenance provenance, List<DriftAlert> out) {
        if (!Double.isFinite(z) || !Double.isFinite(raw)) {
            return;
        }
        side(2 * c, c, bin, z, raw, DriftAlert.Direction.UP, provenance, out);
        side(2 * c + 1, c, bin, -z, -raw, DriftAlert.Direction.DOWN, provenance, out);
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
            }
            runSum[i] += raw;
            runCount[i]++;
        }
        if (activeFirst[i] == NONE && now > h) {
            activeFirst[i] = runStart[i];
            activeMagnitude[i] = Math.abs(runSum[i] / runCount[i]);
            out.add(new DriftAlert(DriftAlert.idOf(region, targets[c], parameters[c] + "/" + dir, activeFirst[i]),
                    region, targets[c], parameters[c], dir, activeMagnitude[i], activeFirst[i], bin,
                    DriftAlert.State.RAISED, prov));
        } else if (activeFirst[i] != NONE && now < clearFraction * h) {
            out.add(new DriftAlert(DriftAlert.idOf(region, targets[c], parameters[c] + "/" + dir, activeFirst[i]),
                    region, targets[c], parameters[c], dir, activeMagnitude[i], activeFirst[i], bin,
                    DriftAlert.State.CLEARED, prov));
            activeFirst[i] = NONE;
        }
    }

    /** The largest S / h over all channels and both sides (an alert fires above 1). */
    double score() {
        double m = 0;
        for (int i = 0; i < s.length; i++) {
            m = Math.max(m, s[i] / threshold[i / 2]);
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
