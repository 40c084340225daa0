package org.mfgcal.ingest;

import java.util.List;
import java.util.Objects;

/**
 * One state of a region's population model (an airport, a station, a district).
 *
 * <p>Contract: immutable and validated on construction; {@code latitude}/{@code longitude} are either both
 * {@code null} or both finite and in range; {@code neighbours} name other zones of the same region (checked by
 * {@link RegionConfig}). Thread-safe.
 *
 * @param id           zone id, the value records use (non-blank)
 * @param name         human-readable name (defaults to the id)
 * @param latitude     optional latitude in degrees, [-90, 90]
 * @param longitude    optional longitude in degrees, [-180, 180]
 * @param neighbours   ids of adjacent zones (may be empty: no graph given)
 * @param initialStock stock at the start of the first bin (finite, ≥ 0)
 */
public record Zone(String id, String name, Double latitude, Double longitude, List<String> neighbours,
                   double initialStock) {

    public Zone {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("zone field 'id' must be a non-blank string, got " + quote(id));
        }
        name = name == null || name.isBlank() ? id : name;
        if ((latitude == null) != (longitude == null)) {
            throw new IllegalArgumentException("zone '" + id + "': 'lat' and 'lon' must be given together, got lat="
                    + latitude + " lon=" + longitude);
        }
        if (latitude != null && !(latitude >= -90 && latitude <= 90)) {
            throw new IllegalArgumentException("zone '" + id + "': field 'lat' must be in [-90, 90], got " + latitude);
        }
        if (longitude != null && !(longitude >= -180 && longitude <= 180)) {
            throw new IllegalArgumentException("zone '" + id + "': field 'lon' must be in [-180, 180], got " + longitude);
        }
        neighbours = List.copyOf(Objects.requireNonNullElse(neighbours, List.of()));
        if (!(initialStock >= 0) || Double.isInfinite(initialStock)) {
            throw new IllegalArgumentException("zone '" + id + "': field 'initialStock' must be finite and >= 0, got "
                    + initialStock);
        }
    }

    /** A zone with only an id and an initial stock. */
    public static Zone of(String id, double initialStock) {
        return new Zone(id, id, null, null, List.of(), initialStock);
    }

    static String quote(Object o) {
        return o == null ? "null" : "'" + o + "'";
    }
}
