package org.mfgcal.ingest;

/** The result of parsing one record: an {@link IngestEvent} or a {@link Rejection}. */
public sealed interface ParseResult permits IngestEvent, Rejection {
}
