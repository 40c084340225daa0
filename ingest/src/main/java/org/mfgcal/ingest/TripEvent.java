package org.mfgcal.ingest;

import java.time.Instant;

/**
 * One trip: it leaves {@code origin} at {@code departedAt} and, when {@code arrivedAt} is known, reaches
 * {@code destination} then. Origin and destination are station ids, mapped to zones by the region config.
 *
 * <p>Contract: immutable; the constructor checks only non-null ids and {@code arrivedAt ≥ departedAt}
 * (range checks against the region happen in the binner). Thread-safe.
 *
 * @param region           region id
 * @param tripId           id unique within the region's duplicate window
 * @param origin           departure station
 * @param destination      arrival station
 * @param departedAtMillis departure, epoch ms
 * @param arrivedAtMillis  arrival, epoch ms, or {@link #NO_ARRIVAL}
 */
public record TripEvent(String region, String tripId, String origin, String destination, long departedAtMillis,
                        long arrivedAtMillis) implements IngestEvent {

    /** Marks an unknown arrival (trip in progress): only the departure is counted. */
    public static final long NO_ARRIVAL = Long.MIN_VALUE;

    public TripEvent {
        if (region == null || tripId == null || origin == null || destination == null) {
            throw new IllegalArgumentException("trip fields region, tripId, origin, destination must be non-null, got "
                    + region + ", " + tripId + ", " + origin + ", " + destination);
        }
        if (arrivedAtMillis != NO_ARRIVAL && arrivedAtMillis < departedAtMillis) {
            throw new IllegalArgumentException("trip '" + tripId + "': arrivedAt " + Instant.ofEpochMilli(arrivedAtMillis)
                    + " is before departedAt " + Instant.ofEpochMilli(departedAtMillis));
        }
    }

    @Override
    public long eventTimeMillis() {
        return departedAtMillis;
    }

    /** Whether the arrival is known. */
    public boolean hasArrival() {
        return arrivedAtMillis != NO_ARRIVAL;
    }

    public Instant departedAt() {
        return Instant.ofEpochMilli(departedAtMillis);
    }

    /** The arrival, or {@code null} when unknown. */
    public Instant arrivedAt() {
        return hasArrival() ? Instant.ofEpochMilli(arrivedAtMillis) : null;
    }
}
