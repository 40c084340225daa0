package org.mfgcal.ingest;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;

/**
 * Trip ids a {@link RegionBinner} remembers for duplicate detection. Ids are remembered per departure bin and
 * forgotten a whole bin at a time once the bin ends at or before closedUntil − window: an id is remembered for at
 * least {@code window} after the bins before it closed, at most one bin longer. Not thread-safe.
 */
final class TripIds {

    private static final long NONE = Long.MIN_VALUE;

    private final HashMap<String, Long> seenTrips = new HashMap<>();
    private final HashMap<Long, List<String>> tripsByBin = new HashMap<>();
    private long oldestTripBin = NONE;

    /** The departure time remembered for {@code id}, or {@code null} (then {@code t} is remembered for it). */
    Long putIfAbsent(String id, long t) {
        return seenTrips.putIfAbsent(id, t);
    }

    /** Files a remembered id under its departure bin. */
    void rememberTrip(String id, long bin) {
        tripsByBin.computeIfAbsent(bin, k -> new ArrayList<>()).add(id);
        if (oldestTripBin == NONE || bin < oldestTripBin) {
            oldestTripBin = bin;
        }
    }

    /** Forgets the ids of departure bins (of {@code width} ms) that end at or before {@code horizon}. */
    void evict(long horizon, long width) {
        while (oldestTripBin != NONE && (oldestTripBin + 1) * width <= horizon) {
            List<String> ids = tripsByBin.remove(oldestTripBin);
            if (ids != null) {
                for (String id : ids) {
                    seenTrips.remove(id);
                }
            }
            oldestTripBin = tripsByBin.isEmpty() ? NONE : oldestTripBin + 1;
        }
    }

    /** Number of ids remembered. */
    int size() {
        return seenTrips.size();
    }
}
