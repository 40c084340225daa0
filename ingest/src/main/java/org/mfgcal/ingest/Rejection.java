package org.mfgcal.ingest;

/**
 * A record that cannot be accepted: the reason code and a message naming the field and the value.
 *
 * @param reason  reason code
 * @param message human-readable detail
 */
public record Rejection(DeadLetterReason reason, String message) implements ParseResult {
}
