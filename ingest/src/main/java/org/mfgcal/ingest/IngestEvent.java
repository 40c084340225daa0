package org.mfgcal.ingest;

/**
 * A validated input record: a {@link TripEvent} or a {@link CountEvent}. Times are epoch milliseconds (UTC).
 *
 * <p>The event time of a record — the time that drives the region's watermark, lateness and the order of a
 * replay — is {@link #eventTimeMillis()}: the departure for a trip, the count instant for a count.
 */
public sealed interface IngestEvent extends ParseResult permits TripEvent, CountEvent {

    /** Region id. */
    String region();

    /** Event time in epoch milliseconds. */
    long eventTimeMillis();
}
