package org.mfgcal.calibrator.online;

import java.util.Arrays;
import org.mfgcal.calibrator.io.StateCodec;

/**
 * The newest estimates of the log-rates and their variances per bin of the last season (slot = bin mod S), from which
 * the forecast takes the rates of the same bin one season (else one day) earlier. Owns its warm state. Not
 * thread-safe.
 */
final class SeasonalMemory {
    private final RegionShape s;
    private final double[] histTheta;
    private final double[] histVar;
    private final long[] histBin;

    SeasonalMemory(RegionShape s) {
        this.s = s;
        histTheta = new double[s.season * s.edges];
        histVar = new double[s.season * s.edges];
        histBin = new long[s.season];
        Arrays.fill(histBin, RegionShape.NONE);
    }

    /**
     * Slot holding the rates for {@code bin}: those of bin − S, else of bin − (bins per day) while the memory is
     * shorter than a season; −1 when neither is remembered.
     */
    int slot(long bin) {
        int slot = (int) Math.floorMod(bin - s.season, (long) s.season);
        if (histBin[slot] == bin - s.season) {
            return slot;
        }
        if (s.dayBins < s.season) {
            slot = (int) Math.floorMod(bin - s.dayBins, (long) s.season);
            if (histBin[slot] == bin - s.dayBins) {
                return slot;
            }
        }
        return -1;
    }

    /** Whether {@code slot} holds the estimates of exactly {@code bin}. */
    boolean holds(int slot, long bin) {
        return histBin[slot] == bin;
    }

    /** Copies the log-rates and variances of {@code slot} into row {@code row} of {@code theta}, {@code var}. */
    void copy(int slot, double[] theta, double[] var, int row) {
        System.arraycopy(histTheta, slot * s.edges, theta, row * s.edges, s.edges);
        System.arraycopy(histVar, slot * s.edges, var, row * s.edges, s.edges);
    }

    /** Remembers the window's estimates ({@code theta}, {@code variance}, not modified) after bin b's update. */
    void remember(long b, double[] theta, double[] variance) {
        for (int r = 0; r < s.rows; r++) {
            long br = b - (s.rows - 1) + r;
            if (br <= b - s.season) {
                continue;
            }
            int slot = (int) Math.floorMod(br, (long) s.season);
            System.arraycopy(theta, r * s.edges, histTheta, slot * s.edges, s.edges);
            System.arraycopy(variance, r * s.edges, histVar, slot * s.edges, s.edges);
            histBin[slot] = br;
        }
    }

    void writeState(StateCodec.Writer out) {
        out.doubles(histTheta).doubles(histVar).longs(histBin);
    }

    void readState(StateCodec.Reader in) {
        in.doubles("histTheta", histTheta);
        in.doubles("histVar", histVar);
        in.longs("histBin", histBin);
    }
}
