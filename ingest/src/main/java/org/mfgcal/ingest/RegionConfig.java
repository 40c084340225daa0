package org.mfgcal.ingest;

import java.time.Duration;
import java.time.ZoneId;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * How one region's records are turned into population snapshots: zones, station→zone mapping, bin width,
 * lateness and the validation limits.
 *
 * <p>Bins are the half-open intervals {@code [k·binWidth, (k+1)·binWidth)} counted from the Unix epoch (UTC);
 * {@code binWidth} must divide one day, so hourly and 15-minute bins start on the hour in every time zone with
 * a whole-hour offset. {@code timeZone} does not move bins: it is the local time consumers use for calendar
 * features (weekday/weekend, hour of day).
 *
 * <p>Station resolution (trip origin/destination, count zone): an entry of {@code stations} first, else a zone
 * with that id, else {@code otherZone} when set (the "top-K busiest + External" layout), else the record is
 * dead-lettered as {@link DeadLetterReason#UNKNOWN_ZONE}.
 *
 * <p>Contract: immutable and validated on construction; every message names the region, the field and the
 * bad value. The defaults live in {@link Defaults} and nowhere else. Thread-safe.
 *
 * @param id              region id; records carry it in {@code region} and as their Kafka key
 * @param timeZone        local time zone of the region (labels only, see above)
 * @param zones           the model's states, in index order (non-empty, unique ids)
 * @param stations        optional station id → zone id mapping
 * @param otherZone       optional zone id receiving every unmapped station (for example {@code External})
 * @param stockSource     where stock comes from: trips or counts
 * @param binWidth        bin width (positive, divides one day)
 * @param window          how long trip ids are remembered for duplicate detection (≥ binWidth)
 * @param allowedLateness watermark = max event time − allowedLateness (≥ 0)
 * @param idleTimeout     processing time without records after which the watermark starts following the clock
 * @param maxFuture       event-time guard, idle or not: records more than this after the region's current event
 *                        time (latest event, or the clock-following watermark while idle) or after the wall clock are
 *                        dead-lettered as {@link DeadLetterReason#FUTURE_TIMESTAMP}, records more than this plus
 *                        {@code allowedLateness} before it as {@link DeadLetterReason#TOO_LATE}
 *                        ({@link RegionBinner}); also, at most {@code window / binWidth} empty bins in a row are
 *                        emitted, longer gaps close without snapshots
 * @param maxTripDuration trips longer than this are {@link DeadLetterReason#ABSURD_VALUE}
 * @param maxCount        counts above this are {@link DeadLetterReason#ABSURD_VALUE}
 */
public record RegionConfig(String id, ZoneId timeZone, List<Zone> zones, Map<String, String> stations,
                           String otherZone, StockSource stockSource, Duration binWidth, Duration window,
                           Duration allowedLateness, Duration idleTimeout, Duration maxFuture,
                           Duration maxTripDuration, double maxCount) {

    /** The single place where the defaults of optional fields are defined. */
    public static final class Defaults {
        public static final ZoneId TIME_ZONE = ZoneId.of("UTC");
        public static final StockSource STOCK_SOURCE = StockSource.TRIPS;
        public static final Duration BIN_WIDTH = Duration.ofHours(1);
        public static final Duration WINDOW = Duration.ofDays(1);
        public static final Duration ALLOWED_LATENESS = Duration.ofHours(1);
        public static final Duration IDLE_TIMEOUT = Duration.ofSeconds(30);
        public static final Duration MAX_FUTURE = Duration.ofDays(1);
        public static final Duration MAX_TRIP_DURATION = Duration.ofDays(1);
        public static final double MAX_COUNT = 1e9;

        private Defaults() {
        }
    }

    private static final Duration DAY = Duration.ofDays(1);

    public RegionConfig {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("region field 'id' must be a non-blank string, got " + Zone.quote(id));
        }
        String where = "region '" + id + "': ";
        timeZone = Objects.requireNonNullElse(timeZone, Defaults.TIME_ZONE);
        if (zones == null || zones.isEmpty()) {
            throw new IllegalArgumentException(where + "field 'zones' must list at least one zone, got " + zones);
        }
        zones = List.copyOf(zones);
        Set<String> ids = new HashSet<>();
        for (Zone z : zones) {
            if (!ids.add(z.id())) {
                throw new IllegalArgumentException(where + "field 'zones' has duplicate id '" + z.id() + "'");
            }
        }
        for (Zone z : zones) {
            for (String n : z.neighbours()) {
                if (!ids.contains(n)) {
                    throw new IllegalArgumentException(where + "zone '" + z.id() + "' field 'neighbours' names unknown zone '"
                            + n + "'");
                }
            }
        }
        stations = stations == null ? Map.of() : Map.copyOf(new LinkedHashMap<>(stations));
        for (var e : stations.entrySet()) {
            if (!ids.contains(e.getValue())) {
                throw new IllegalArgumentException(where + "field 'stations' maps '" + e.getKey() + "' to unknown zone '"
                        + e.getValue() + "'");
            }
        }
        if (otherZone != null && !ids.contains(otherZone)) {
            throw new IllegalArgumentException(where + "field 'otherZone' names unknown zone '" + otherZone + "'");
        }
        stockSource = Objects.requireNonNullElse(stockSource, Defaults.STOCK_SOURCE);
        binWidth = Objects.requireNonNullElse(binWidth, Defaults.BIN_WIDTH);
        if (binWidth.isNegative() || binWidth.isZero() || binWidth.toMillis() * 1_000_000 != binWidth.toNanos()
                || DAY.toMillis() % binWidth.toMillis() != 0) {
            throw new IllegalArgumentException(where + "field 'binWidth' must be a positive whole number of milliseconds "
                    + "dividing one day, got " + binWidth);
        }
        window = Objects.requireNonNullElse(window, Defaults.WINDOW);
        if (window.compareTo(binWidth) < 0) {
            throw new IllegalArgumentException(where + "field 'window' must be >= binWidth (" + binWidth + "), got " + window);
        }
        allowedLateness = nonNegative(where, "allowedLateness", allowedLateness, Defaults.ALLOWED_LATENESS);
        idleTimeout = positive(where, "idleTimeout", idleTimeout, Defaults.IDLE_TIMEOUT);
        maxFuture = positive(where, "maxFuture", maxFuture, Defaults.MAX_FUTURE);
        maxTripDuration = positive(where, "maxTripDuration", maxTripDuration, Defaults.MAX_TRIP_DURATION);
        if (!(maxCount > 0)) {
            throw new IllegalArgumentException(where + "field 'maxCount' must be > 0, got " + maxCount);
        }
    }

    /** A region with the given zones and every optional field at its default. */
    public static RegionConfig of(String id, List<Zone> zones) {
        return new RegionConfig(id, null, zones, null, null, null, null, null, null, null, null, null,
                Defaults.MAX_COUNT);
    }

    /** Number of zones, d. */
    public int zoneCount() {
        return zones.size();
    }

    /** Zone ids in index order. */
    public List<String> zoneIds() {
        return zones.stream().map(Zone::id).toList();
    }

    /** A copy with another bin width. */
    public RegionConfig withBinWidth(Duration w) {
        return new RegionConfig(id, timeZone, zones, stations, otherZone, stockSource, w, window, allowedLateness,
                idleTimeout, maxFuture, maxTripDuration, maxCount);
    }

    /** A copy with another allowed lateness and idle timeout. */
    public RegionConfig withLateness(Duration lateness, Duration idle) {
        return new RegionConfig(id, timeZone, zones, stations, otherZone, stockSource, binWidth, window, lateness,
                idle, maxFuture, maxTripDuration, maxCount);
    }

    /** A copy with another stock source. */
    public RegionConfig withStockSource(StockSource s) {
        return new RegionConfig(id, timeZone, zones, stations, otherZone, s, binWidth, window, allowedLateness,
                idleTimeout, maxFuture, maxTripDuration, maxCount);
    }

    /** A copy with another station mapping and catch-all zone. */
    public RegionConfig withStations(Map<String, String> st, String other) {
        return new RegionConfig(id, timeZone, zones, st, other, stockSource, binWidth, window, allowedLateness,
                idleTimeout, maxFuture, maxTripDuration, maxCount);
    }

    private static Duration nonNegative(String where, String field, Duration d, Duration dflt) {
        Duration v = Objects.requireNonNullElse(d, dflt);
        if (v.isNegative()) {
            throw new IllegalArgumentException(where + "field '" + field + "' must be >= 0, got " + v);
        }
        return v;
    }

    private static Duration positive(String where, String field, Duration d, Duration dflt) {
        Duration v = Objects.requireNonNullElse(d, dflt);
        if (v.isNegative() || v.isZero()) {
            throw new IllegalArgumentException(where + "field '" + field + "' must be > 0, got " + v);
        }
        return v;
    }
}
