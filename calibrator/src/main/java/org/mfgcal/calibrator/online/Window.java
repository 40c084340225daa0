package org.mfgcal.calibrator.online;

import org.mfgcal.api.ClosedBin;
import org.mfgcal.api.Observation;
import org.mfgcal.calibrator.io.StateCodec;

/**
 * The window of one region and its priors: the observed shares and populations of the last W closed bins (row i =
 * bin t−W+1+i), the normalised shares of the bin just closed, μ_0, and the prior log-rates of a bin from its flow
 * counts (gamma–Poisson mean (od_xy + α)/(stock_x Δt + α/q₀), q₀ without flow counts). Bins must arrive in order.
 * Owns the cursor (last bin, fill) and writes it and the window into the warm state. Not thread-safe.
 */
final class Window {
    private final RegionShape s;
    private final OnlineConfig cfg;
    /** Shares per window row (W·d) and population per row (W). */
    final double[] obs;
    final double[] pop;
    /** The shares of the first row (the solver's μ_0) and of the bin just closed, normalised. */
    final double[] mu0;
    final double[] shares;
    /** Prior log-rates of the newest table row ({@link #prior}). */
    final double[] priorRow;
    private int filled;
    private long lastBin = RegionShape.NONE;

    Window(RegionShape s, OnlineConfig cfg) {
        this.s = s;
        this.cfg = cfg;
        obs = new double[s.w * s.d];
        pop = new double[s.w];
        mu0 = new double[s.d];
        shares = new double[s.d];
        priorRow = new double[s.edges];
    }

    long lastBin() {
        return lastBin;
    }

    boolean full() {
        return filled == s.w;
    }

    /** Checks the observation's region, zones and order; throws naming the field and values. */
    void check(Observation o) {
        if (!o.region().equals(s.region)) {
            throw new IllegalArgumentException("observation of region '" + o.region() + "' given to the calibrator of"
                    + " region '" + s.region + "'");
        }
        if (!o.zones().equals(s.zones)) {
            throw new IllegalArgumentException("region '" + s.region + "' bin " + o.bin() + ": zones " + o.zones()
                    + " differ from the region's zones " + s.zones);
        }
        if (lastBin != RegionShape.NONE && o.bin() <= lastBin) {
            throw new IllegalArgumentException("region '" + s.region + "': bin " + o.bin() + " is not after the last"
                    + " bin " + lastBin + " (bins must arrive in order)");
        }
    }

    /** Whether bin b leaves a gap after the last bin; the window then starts filling again. */
    boolean gap(long b) {
        if (lastBin != RegionShape.NONE && b != lastBin + 1) {
            filled = 0;
            return true;
        }
        return false;
    }

    /** The observation's shares normalised into {@link #shares}; throws when they do not have a positive sum. */
    void normalise(Observation o) {
        double total = 0;
        for (int x = 0; x < s.d; x++) {
            total += o.shares().get(x);
        }
        if (!(total > 0)) {
            throw new IllegalArgumentException("region '" + s.region + "' bin " + o.bin() + ": shares sum to " + total
                    + ", need a positive total");
        }
        for (int x = 0; x < s.d; x++) {
            shares[x] = o.shares().get(x) / total;
        }
    }

    /**
     * Slides a full window by one row (or takes the next free one) and stores the bin's shares and population;
     * returns the row.
     */
    int slide(Observation o) {
        final int idx;
        if (filled == s.w) {
            System.arraycopy(obs, s.d, obs, 0, (s.w - 1) * s.d);
            System.arraycopy(pop, 1, pop, 0, s.w - 1);
            idx = s.w - 1;
        } else {
            idx = filled++;
        }
        System.arraycopy(shares, 0, obs, idx * s.d, s.d);
        pop[idx] = o.population();
        lastBin = o.bin();
        return idx;
    }

    /** Prior log-rates of the bin {@code bin} (table row {@code row}) into {@link #priorRow}. */
    void prior(ClosedBin bin, int row) {
        final double q0 = cfg.priorRate();
        final double alpha = cfg.priorPseudoCount();
        final double dt = cfg.binHours();
        for (int e = 0; e < s.edges; e++) {
            final int x = s.graph.from(e);
            if (!bin.hasFlows()) {
                priorRow[e] = Math.log(q0);
                continue;
            }
            final double stock = obs[row * s.d + x] * pop[row];
            priorRow[e] = Math.log((bin.odAt(x, s.graph.to(e)) + alpha) / (stock * dt + alpha / q0));
        }
    }

    /** Copies the first row's shares into {@link #mu0}. */
    void startShares() {
        System.arraycopy(obs, 0, mu0, 0, s.d);
    }

    /** Mean finite-population variance of a share over the window, floored by {@code minShareVariance}. */
    double observationVariance() {
        double sum = 0;
        int n = 0;
        for (int i = 1; i < s.w; i++) {
            if (pop[i] > 0) {
                for (int x = 0; x < s.d; x++) {
                    final double p = obs[i * s.d + x];
                    sum += p * (1 - p) / pop[i];
                }
                n += s.d;
            }
        }
        return Math.max(cfg.minShareVariance(), n == 0 ? 0 : sum / n);
    }

    /** Warm state: the cursor (last bin, rows filled). */
    void writeCursor(StateCodec.Writer out) {
        out.i64(lastBin).i32(filled);
    }

    void readCursor(StateCodec.Reader in) {
        long last = in.i64("lastBin");
        int fill = in.i32("filled");
        if (fill < 0 || fill > s.w) {
            throw new IllegalArgumentException("warm-state snapshot: filled is " + fill + ", expected 0.." + s.w);
        }
        lastBin = last;
        filled = fill;
    }

    /** Warm state: shares and populations of the window. */
    void writeState(StateCodec.Writer out) {
        out.doubles(obs).doubles(pop);
    }

    void readState(StateCodec.Reader in) {
        in.doubles("obs", obs);
        in.doubles("pop", pop);
    }
}
