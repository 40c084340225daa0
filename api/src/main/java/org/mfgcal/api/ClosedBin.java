package org.mfgcal.api;

/**
 * The online loop's input: one closed bin of one region, with the flow counts when the source has them.
 *
 * <p>Contract: immutable ({@code od} is copied in and out); {@code od} is empty (no flow data, e.g. a counts
 * source) or d×d row-major, {@code od[o*d + t]} = trips that left zone o for zone t during the bin, all ≥ 0.
 * Thread-safe.
 *
 * @param observation the snapshot: region, bin index, zones, shares, population
 * @param od          origin–destination departures during the bin, or an empty array
 */
public record ClosedBin(Observation observation, long[] od) {

    public ClosedBin {
        Records.nonNull("observation", observation);
        Records.nonNull("od", od);
        int d = observation.zones().size();
        if (od.length != 0 && od.length != d * d) {
            throw new IllegalArgumentException("od of region '" + observation.region() + "' bin " + observation.bin()
                    + " must be empty or have d*d = " + d * d + " counts, got " + od.length);
        }
        for (int i = 0; i < od.length; i++) {
            if (od[i] < 0) {
                throw new IllegalArgumentException("od[" + i + "] of region '" + observation.region() + "' bin "
                        + observation.bin() + " must be >= 0, got " + od[i]);
            }
        }
        od = od.clone();
    }

    /** A bin without flow counts. */
    public static ClosedBin sharesOnly(Observation observation) {
        return new ClosedBin(observation, new long[0]);
    }

    @Override
    public long[] od() {
        return od.clone();
    }

    /** Whether flow counts are present. */
    public boolean hasFlows() {
        return od.length > 0;
    }

    /** Trips from zone o to zone t during the bin (0 without flow data). */
    public long odAt(int o, int t) {
        return od.length == 0 ? 0 : od[o * observation.zones().size() + t];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClosedBin c && observation.equals(c.observation) && java.util.Arrays.equals(od, c.od);
    }

    @Override
    public int hashCode() {
        return 31 * observation.hashCode() + java.util.Arrays.hashCode(od);
    }

    @Override
    public String toString() {
        return "ClosedBin[" + observation + ", od=" + java.util.Arrays.toString(od) + "]";
    }
}
