package org.mfgcal.ingest;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** Small hand-checkable regions and events for the unit tests. */
final class Fixtures {

    static final long T0 = Instant.parse("2001-01-01T00:00:00Z").toEpochMilli();
    static final long MIN = 60_000L;

    private Fixtures() {
    }

    /** Zones A (initial 10) and B (initial 5), hourly bins, 30 min lateness, 30 s idle timeout. */
    static RegionConfig ab() {
        return RegionConfig.of("r", List.of(Zone.of("A", 10), Zone.of("B", 5)))
                .withLateness(Duration.ofMinutes(30), Duration.ofSeconds(30));
    }

    static TripEvent trip(String id, String o, String d, long depMin, long arrMin) {
        return new TripEvent("r", id, o, d, T0 + depMin * MIN, arrMin < 0 ? TripEvent.NO_ARRIVAL : T0 + arrMin * MIN);
    }

    static Instant at(long minutes) {
        return Instant.ofEpochMilli(T0 + minutes * MIN);
    }
}
