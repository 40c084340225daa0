package org.mfgcal.calibrator.online;

import org.mfgcal.api.Records;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.SplittableRandom;
import org.mfgcal.calibrator.game.Graph;

/**
 * The fixed sizes of one region's loop, shared by its parts: d zones on the complete graph (External last), window
 * W bins and table rows W − 1, k solver steps per bin and the solver grid (W−1)·k + 1 (class notes of
 * {@link RegionCalibrator}, "Sub-steps"), season S, horizon H, bins per day; and the two maps between bin rows and
 * the solver grid, and the per-(bin, stream) random generators. Immutable.
 */
final class RegionShape {
    /** "No bin": the value of a slot or cursor that holds none. */
    static final long NONE = Long.MIN_VALUE;

    final String region;
    final List<String> zones;
    final int d;
    final int w;
    final int rows;
    final int k;
    final int grid;
    final int edges;
    final int season;
    final int horizon;
    final int dayBins;
    final double binHours;
    final long seed;
    final Graph graph;

    RegionShape(OnlineConfig cfg, String region, List<String> zones, Graph zoneGraph) {
        Records.nonNull("config", cfg);
        Records.nonBlank("region", region);
        this.zones = Records.copy("zones", zones);
        if (this.zones.size() < 2) {
            throw new IllegalArgumentException("region '" + region + "': need at least 2 zones, got " + this.zones);
        }
        if (new HashSet<>(this.zones).size() != this.zones.size()) {
            throw new IllegalArgumentException("region '" + region + "': zone names must be unique, got " + this.zones);
        }
        this.region = region;
        this.d = this.zones.size();
        this.w = cfg.windowBins();
        this.rows = w - 1;
        this.season = cfg.seasonBins();
        this.horizon = cfg.horizon();
        this.binHours = cfg.binHours();
        this.dayBins = Math.max(1, (int) Math.round(24 / cfg.binHours()));
        if (zoneGraph != null && zoneGraph.states() != d) {
            throw new IllegalArgumentException("region '" + region + "': graph has " + zoneGraph.states()
                    + " states, expected one per zone (" + d + ")");
        }
        this.graph = zoneGraph == null ? Graph.complete(d) : zoneGraph;
        this.edges = graph.edges();
        this.k = cfg.substeps();
        this.grid = rows * k + 1;
        this.seed = cfg.seed();
    }

    /**
     * Rates per bin row ({@code binRows} rows of {@link #edges}; not modified) to the solver grid ({@code out},
     * modified): grid row n gets bin row ⌊n/k⌋ (the rate of a bin applies to its k sub-steps), so {@code out} has
     * (binRows − 1)·k + 1 rows. No-op when k = 1 ({@code out} is then the same array).
     */
    void toGrid(double[] bins, int binRows, double[] out) {
        if (k == 1) {
            return;
        }
        final int gridRows = (binRows - 1) * k + 1;
        for (int n = 0; n < gridRows; n++) {
            System.arraycopy(bins, (n / k) * edges, out, n * edges, edges);
        }
    }

    /**
     * The adjoint of {@link #toGrid}: ∂L/∂γ of bin row r ({@code binBar}, modified) = the sum over the grid rows n
     * with ⌊n/k⌋ = r of {@code gridBar} (not modified). No-op when k = 1 (same arrays).
     */
    void fromGrid(double[] gridBar, double[] binBar, int binRows) {
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

    /** The generator of {@code stream} for {@code bin}, seeded by (seed, region, bin, stream). */
    SplittableRandom random(long bin, int stream) {
        long h = seed;
        h = h * 0x9E3779B97F4A7C15L + region.hashCode();
        h = h * 0x9E3779B97F4A7C15L + bin;
        h = h * 0x9E3779B97F4A7C15L + stream;
        return new SplittableRandom(h);
    }
}
