package org.mfgcal.ingest;

/**
 * Why a record went to the dead-letter topic. The name is written to the {@code mfg.dlq.reason} header.
 */
public enum DeadLetterReason {
    /** Larger than the configured size limit (checked before parsing). */
    TOO_LARGE,
    /** Not JSON, or not a JSON object. */
    MALFORMED_JSON,
    /** A required field is absent or null. */
    MISSING_FIELD,
    /** A field has the wrong JSON type or an unparseable timestamp. */
    WRONG_TYPE,
    /** The Kafka key is absent or differs from the record's {@code region}. */
    KEY_MISMATCH,
    /** No region with this id is configured. */
    UNKNOWN_REGION,
    /** A station/zone id that the region cannot map. */
    UNKNOWN_ZONE,
    /** A record type the region does not take (a count for a trips region, or the reverse). */
    UNEXPECTED_TYPE,
    /** NaN, infinite or negative count, or an arrival before the departure. */
    INVALID_VALUE,
    /** A count above the region's {@code maxCount}, or a trip longer than {@code maxTripDuration}. */
    ABSURD_VALUE,
    /** The record's bin was already closed (event time behind the watermark by more than the bin allows). */
    TOO_LATE,
    /** More than {@code maxFuture} after the region's latest event time or after the wall clock. */
    FUTURE_TIMESTAMP,
    /** A trip id already seen within the region's {@code window}. */
    DUPLICATE_TRIP
}
