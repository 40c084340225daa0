package org.mfgcal.ingest;

import java.time.Instant;
import java.util.Arrays;

/**
 * Resumable state of one region (see {@link RegionBinner#checkpoint()}); was {@code RegionBinner.Checkpoint}.
 *
 * @param region            region id
 * @param closedUntilMillis start of the first open bin
 * @param maxEventTimeMillis latest accepted event time (not restored as such, see {@link RegionBinner#restore};
 *                           an idle restored region that receives no record follows the clock from it)
 * @param stock             stock per zone at closedUntil
 * @param pendingArrivals   triples (bin index, zone index, arrivals) already in open bins
 * @param emptyRun          empty bins closed in a row just before closedUntil (for the gap rule)
 */
public record RegionCheckpoint(String region, long closedUntilMillis, long maxEventTimeMillis, double[] stock,
                               long[] pendingArrivals, long emptyRun) {

    /** A checkpoint after a non-empty bin. */
    public RegionCheckpoint(String region, long closedUntilMillis, long maxEventTimeMillis, double[] stock,
                            long[] pendingArrivals) {
        this(region, closedUntilMillis, maxEventTimeMillis, stock, pendingArrivals, 0);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RegionCheckpoint c && region.equals(c.region) && closedUntilMillis == c.closedUntilMillis
                && maxEventTimeMillis == c.maxEventTimeMillis && Arrays.equals(stock, c.stock)
                && Arrays.equals(pendingArrivals, c.pendingArrivals) && emptyRun == c.emptyRun;
    }

    @Override
    public int hashCode() {
        return region.hashCode() * 31 + Long.hashCode(closedUntilMillis);
    }

    @Override
    public String toString() {
        return "Checkpoint[" + region + " closedUntil=" + Instant.ofEpochMilli(closedUntilMillis) + " stock="
                + Arrays.toString(stock) + " pendingArrivals=" + Arrays.toString(pendingArrivals) + "]";
    }
}
