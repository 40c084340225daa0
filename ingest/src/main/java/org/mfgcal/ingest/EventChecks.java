package org.mfgcal.ingest;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The checks of a {@link RegionBinner} that need no event time of the region: record type, zones, values, trip
 * duration, the wall-clock future bound. On success the zones and the arrival bin are left in the fields for the
 * caller (no allocation per event). Not thread-safe.
 */
final class EventChecks {

    private static final long NONE = Long.MIN_VALUE;

    private final RegionConfig cfg;
    private final long width;
    private final long maxFuture;
    private final long maxTrip;
    private final long lateness;
    private final Map<String, Integer> resolver = new HashMap<>();
    private final int otherZone;

    /** After a successful {@link #validate}: origin (or count) zone, destination zone or −1, arrival bin or NONE. */
    int origin;
    int destination;
    long arrivalBin;

    EventChecks(RegionConfig cfg) {
        this.cfg = cfg;
        this.width = cfg.binWidth().toMillis();
        this.maxFuture = cfg.maxFuture().toMillis();
        this.maxTrip = cfg.maxTripDuration().toMillis();
        this.lateness = cfg.allowedLateness().toMillis();
        int d = cfg.zoneCount();
        List<String> zoneIds = cfg.zoneIds();
        for (int z = 0; z < d; z++) {
            resolver.put(zoneIds.get(z), z);
        }
        cfg.stations().forEach((station, zone) -> resolver.put(station, zoneIds.indexOf(zone)));
        this.otherZone = cfg.otherZone() == null ? -1 : zoneIds.indexOf(cfg.otherZone());
    }

    /** The zone index of a station id, or −1 when the region cannot map it. */
    int zoneOf(String station) {
        Integer z = resolver.get(station);
        return z != null ? z : otherZone;
    }

    /** {@code null} when {@code e} passes the checks (then see the fields), else why not. */
    Rejection validate(IngestEvent e, long wallMillis) {
        long t = e.eventTimeMillis();
        int o;
        int dst = -1;
        long arrBin = NONE;
        if (e instanceof TripEvent trip) {
            if (cfg.stockSource() != StockSource.TRIPS) {
                return new Rejection(DeadLetterReason.UNEXPECTED_TYPE, "region '" + cfg.id()
                        + "' takes count records (stockSource counts), got trip '" + trip.tripId() + "'");
            }
            o = zoneOf(trip.origin());
            if (o < 0) {
                return unknownZone("origin", trip.origin());
            }
            dst = zoneOf(trip.destination());
            if (dst < 0) {
                return unknownZone("destination", trip.destination());
            }
            if (trip.hasArrival()) {
                long dur = trip.arrivedAtMillis() - t;
                if (dur > maxTrip) {
                    return new Rejection(DeadLetterReason.ABSURD_VALUE, "field 'arrivedAt' " + trip.arrivedAt()
                            + " is " + java.time.Duration.ofMillis(dur) + " after departedAt, more than maxTripDuration "
                            + cfg.maxTripDuration());
                }
                arrBin = Math.floorDiv(trip.arrivedAtMillis(), width);
            }
        } else {
            CountEvent c = (CountEvent) e;
            if (cfg.stockSource() != StockSource.COUNTS) {
                return new Rejection(DeadLetterReason.UNEXPECTED_TYPE, "region '" + cfg.id()
                        + "' takes trip records (stockSource trips), got a count for zone '" + c.zone() + "'");
            }
            o = zoneOf(c.zone());
            if (o < 0) {
                return unknownZone("zone", c.zone());
            }
            double v = c.count();
            if (Double.isNaN(v) || Double.isInfinite(v) || v < 0) {
                return new Rejection(DeadLetterReason.INVALID_VALUE, "field 'count' must be finite and >= 0, got " + v);
            }
            if (v > cfg.maxCount()) {
                return new Rejection(DeadLetterReason.ABSURD_VALUE, "field 'count' " + v + " exceeds maxCount "
                        + cfg.maxCount());
            }
        }
        String timeField = e instanceof TripEvent ? "departedAt" : "at";
        if (t > wallMillis && t - wallMillis > maxFuture) {
            return new Rejection(DeadLetterReason.FUTURE_TIMESTAMP, "field '" + timeField + "' " + Instant.ofEpochMilli(t)
                    + " is more than maxFuture " + cfg.maxFuture() + " after the wall clock " + Instant.ofEpochMilli(wallMillis));
        }
        origin = o;
        destination = dst;
        arrivalBin = arrBin;
        return null;
    }

    /**
     * Event-time guard. Once the region's current time R exists, a record more than {@code maxFuture} after R is
     * {@link DeadLetterReason#FUTURE_TIMESTAMP}, one more than {@code maxFuture + allowedLateness} before R is
     * {@link DeadLetterReason#TOO_LATE}, idle or not: an accepted record moves the watermark by at most
     * {@code maxFuture}, and bins are never prepended by more than that. The first record of a region (no R yet)
     * is only checked against the wall clock ({@link #validate}).
     *
     * @param ref  R, or NONE before the region has any time reference
     * @param idle whether the region is idle (its time follows the clock)
     * @return {@code null} when {@code t} passes, else why not
     */
    Rejection guard(long t, String timeField, long ref, boolean idle) {
        if (ref != NONE) {
            if (t - ref > maxFuture) {
                return new Rejection(DeadLetterReason.FUTURE_TIMESTAMP, "field '" + timeField + "' " + Instant.ofEpochMilli(t)
                        + " is more than maxFuture " + cfg.maxFuture() + " after the region's current event time "
                        + Instant.ofEpochMilli(ref) + (idle ? " (idle, following the clock)" : ""));
            }
            if (ref - t > maxFuture + lateness) {
                return new Rejection(DeadLetterReason.TOO_LATE, "field '" + timeField + "' " + Instant.ofEpochMilli(t)
                        + " is more than maxFuture " + cfg.maxFuture() + " + allowedLateness " + cfg.allowedLateness()
                        + " before the region's current event time " + Instant.ofEpochMilli(ref));
            }
        }
        return null;
    }

    private Rejection unknownZone(String field, String value) {
        return new Rejection(DeadLetterReason.UNKNOWN_ZONE, "field '" + field + "' value '" + value
                + "' is not a zone or station of region '" + cfg.id() + "'");
    }
}
