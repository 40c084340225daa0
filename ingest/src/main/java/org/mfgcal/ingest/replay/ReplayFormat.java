package org.mfgcal.ingest.replay;

/** Input file formats of the replay. */
public enum ReplayFormat {
    /** vega-datasets flights CSV ({@code date,delay,distance,origin,destination}), see FlightsCsv. */
    FLIGHTS,
    /** JSON Lines, one trip record per line (schemas/trip.schema.json). */
    TRIPS,
    /** CSV with header {@code at,zone,count} read by {@link org.mfgcal.ingest.CountsCsv}; the region comes from the caller. */
    COUNTS
}
