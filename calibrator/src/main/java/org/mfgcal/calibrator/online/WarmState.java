package org.mfgcal.calibrator.online;

import java.util.ArrayList;
import java.util.List;
import org.mfgcal.calibrator.io.StateCodec;

/**
 * The layout of a region's warm state, version {@value StateCodec#VERSION} of {@link StateCodec}: the parts write
 * and read their own fields, in this order (frozen: snapshots written before the parts were split read unchanged;
 * a change of order or content is a new {@link StateCodec#VERSION}, and a snapshot of another version is refused
 * with "version v, this code reads version V"):
 * <ol>
 *   <li>header: config hash, region, zones; shape (W, S, H, edges);</li>
 *   <li>cursor and flags: last bin, window fill ({@link Window}), warm and μ* flags ({@link Estimator}), curvature
 *       flag ({@link Uncertainty}), realised one-step residuals ({@link Forecaster});</li>
 *   <li>the window's shares and populations; θ, the rate table's priors and μ*; variance and diag(JᵀJ); the
 *       seasonal memory; the outgoing-rate history of the drift channels; the pending forecasts and band
 *       calibration; the observed-share memory; Adam's moments and the L-BFGS pairs; the drift monitor; an end
 *       marker.</li>
 * </ol>
 * Every double is written as float64. Not saved: solver workspaces and per-update scratch (the first solve after a
 * restore is warm-started from the saved μ*), and random generators (seeded per (seed, region, bin)).
 */
final class WarmState {
    private WarmState() {
    }

    static byte[] write(String configHash, RegionShape s, Window win, Estimator est, Uncertainty unc,
                        SeasonalMemory seasonal, DriftChannels drift, Forecaster fc, ShareMemory past) {
        StateCodec.Writer out = new StateCodec.Writer();
        out.string(configHash).string(s.region).i32(s.d);
        for (String z : s.zones) {
            out.string(z);
        }
        out.i32(s.w).i32(s.season).i32(s.horizon).i32(s.edges);
        win.writeCursor(out);
        est.writeFlags(out);
        unc.writeFlag(out);
        fc.writeCount(out);
        win.writeState(out);
        est.writeParameters(out);
        unc.writeState(out);
        seasonal.writeState(out);
        drift.writeHistory(out);
        fc.writeState(out);
        past.writeState(out);
        est.writeOptimiser(out);
        drift.writeMonitor(out);
        return out.finish();
    }

    /** Checks the snapshot's header against this region, then overwrites every part's state. */
    static void read(byte[] snapshot, String configHash, RegionShape s, Window win, Estimator est, Uncertainty unc,
                     SeasonalMemory seasonal, DriftChannels drift, Forecaster fc, ShareMemory past) {
        StateCodec.Reader in = new StateCodec.Reader(snapshot);
        String hash = in.string("configHash");
        if (!hash.equals(configHash)) {
            throw new IllegalArgumentException("warm-state snapshot: configHash " + hash + " differs from the config's "
                    + configHash + " (region '" + s.region + "'; another configuration or code version)");
        }
        String r = in.string("region");
        if (!r.equals(s.region)) {
            throw new IllegalArgumentException("warm-state snapshot: region '" + r + "' differs from '" + s.region
                    + "'");
        }
        int nz = in.i32("zones");
        if (nz < 0 || nz > 1_000_000) {
            throw new IllegalArgumentException("warm-state snapshot: zones count " + nz + " is not plausible");
        }
        List<String> z = new ArrayList<>(nz);
        for (int i = 0; i < nz; i++) {
            z.add(in.string("zones[" + i + "]"));
        }
        if (!z.equals(s.zones)) {
            throw new IllegalArgumentException("warm-state snapshot of region '" + s.region + "': zones " + z
                    + " differ from the region's zones " + s.zones);
        }
        in.expect("windowBins", s.w);
        in.expect("seasonBins", s.season);
        in.expect("horizon", s.horizon);
        in.expect("edges", s.edges);
        win.readCursor(in);
        est.readFlags(in, win.lastBin());
        unc.readFlag(in);
        fc.readCount(in);
        win.readState(in);
        est.readParameters(in);
        unc.readState(in);
        seasonal.readState(in);
        drift.readHistory(in);
        fc.readState(in);
        past.readState(in);
        est.readOptimiser(in);
        drift.readMonitor(in);
        in.end();
    }
}
