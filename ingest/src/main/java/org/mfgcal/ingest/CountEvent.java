package org.mfgcal.ingest;

import java.time.Instant;

/**
 * A count of the population in {@code zone} (a station or sensor id, mapped by the region config) at an
 * instant.
 *
 * <p>Contract: immutable; the constructor checks non-null ids only (the binner checks the range). Thread-safe.
 *
 * @param region   region id
 * @param zone     station or zone id
 * @param atMillis the instant counted, epoch ms
 * @param count    the count (finite, ≥ 0 to be accepted)
 */
public record CountEvent(String region, String zone, long atMillis, double count) implements IngestEvent {

    public CountEvent {
        if (region == null || zone == null) {
            throw new IllegalArgumentException("count fields region and zone must be non-null, got " + region + ", " + zone);
        }
    }

    @Override
    public long eventTimeMillis() {
        return atMillis;
    }

    public Instant at() {
        return Instant.ofEpochMilli(atMillis);
    }
}
