package org.mfgcal.calibrator.online;

import java.util.Arrays;
import org.mfgcal.calibrator.io.StateCodec;

/**
 * The observed shares of the last max(S, H) + 1 bins (slot = bin mod length): the baselines' forecasts
 * (persistence, seasonal naive), the seasonal correction's hindcast and the residual alerts' previous share. Owns
 * its warm state. Not thread-safe.
 */
final class ShareMemory {
    private final int d;
    private final double[] shareHist;
    private final long[] shareHistBin;

    ShareMemory(RegionShape s) {
        this.d = s.d;
        int length = Math.max(s.season, s.horizon) + 1;
        shareHist = new double[length * d];
        shareHistBin = new long[length];
        Arrays.fill(shareHistBin, RegionShape.NONE);
    }

    /** Remembers the shares (not modified) of bin b. */
    void put(long b, double[] shares) {
        final int hs = (int) Math.floorMod(b, (long) shareHistBin.length);
        System.arraycopy(shares, 0, shareHist, hs * d, d);
        shareHistBin[hs] = b;
    }

    /** Slot holding the observed shares of {@code bin}, or −1 when they are not remembered. */
    int slot(long bin) {
        int slot = (int) Math.floorMod(bin, (long) shareHistBin.length);
        return shareHistBin[slot] == bin ? slot : -1;
    }

    /** Share of zone x in {@code slot}. */
    double share(int slot, int x) {
        return shareHist[slot * d + x];
    }

    /** Copies the shares of {@code slot} into {@code out} (modified). */
    void copy(int slot, double[] out) {
        System.arraycopy(shareHist, slot * d, out, 0, d);
    }

    /** Mean over zones of |shares[x] − remembered share of {@code slot}|. */
    double error(double[] shares, int slot) {
        double sum = 0;
        for (int x = 0; x < d; x++) {
            sum += Math.abs(shares[x] - shareHist[slot * d + x]);
        }
        return sum / d;
    }

    void writeState(StateCodec.Writer out) {
        out.doubles(shareHist).longs(shareHistBin);
    }

    void readState(StateCodec.Reader in) {
        in.doubles("shareHist", shareHist);
        in.longs("shareHistBin", shareHistBin);
    }
}
