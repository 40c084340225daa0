package org.mfgcal.ingest;

/** Where a region's stock per zone comes from. */
public enum StockSource {
    /** Stock = initial stock + cumulative arrivals − departures, reconstructed from trip records. */
    TRIPS,
    /** Stock = the latest count record per zone (carried forward when a bin has none). */
    COUNTS
}
