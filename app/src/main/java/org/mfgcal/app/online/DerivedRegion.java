package org.mfgcal.app.online;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.mfgcal.ingest.CountEvent;
import org.mfgcal.ingest.RegionConfig;
import org.mfgcal.ingest.StockSource;
import org.mfgcal.ingest.TripEvent;
import org.mfgcal.ingest.Zone;
import org.mfgcal.ingest.flights.FlightsRegion;

/**
 * The region of an {@code online} input given without a region config (see {@link OnlineInput}): the K busiest
 * zones + External, derived from the records. Stateless; thread-safe.
 */
final class DerivedRegion {

    /** Derived counts regions accept counts up to 2^53, the largest range where a double holds every integer. */
    static final double MAX_DERIVED_COUNT = 9_007_199_254_740_992.0;

    private DerivedRegion() {
    }

    /** A trips region: the K busiest zones + External, minimal non-negative initial stocks, hourly bins. */
    static RegionConfig tripsRegion(String id, List<TripEvent> trips, int k) {
        if (trips.isEmpty()) {
            throw new IllegalArgumentException("input has no trips");
        }
        List<String> top = FlightsRegion.busiest(trips, k);
        Map<String, Long> init = FlightsRegion.initialStocks(trips, top);
        List<Zone> zones = new ArrayList<>();
        init.forEach((z, n) -> zones.add(Zone.of(z, Math.max(1, n))));
        return RegionConfig.of(id, zones).withStations(Map.of(), FlightsRegion.EXTERNAL)
                .withLateness(Duration.ofHours(2), RegionConfig.Defaults.IDLE_TIMEOUT);
    }

    static RegionConfig countsRegion(String id, List<CountEvent> counts, int k, Duration bin) {
        if (counts.isEmpty()) {
            throw new IllegalArgumentException("input has no counts");
        }
        Map<String, Double> totals = new HashMap<>();
        TreeSet<Long> instants = new TreeSet<>();
        for (CountEvent c : counts) {
            totals.merge(c.zone(), c.count(), Double::sum);
            instants.add(c.atMillis());
        }
        List<String> top = totals.entrySet().stream()
                .sorted(Map.Entry.<String, Double>comparingByValue().reversed().thenComparing(Map.Entry::getKey))
                .limit(k).map(Map.Entry::getKey).toList();
        Duration width = bin;
        if (width == null) {
            long gap = Long.MAX_VALUE;
            Long prev = null;
            for (long t : instants) {
                if (prev != null) {
                    gap = Math.min(gap, t - prev);
                }
                prev = t;
            }
            if (gap == Long.MAX_VALUE) {
                throw new IllegalArgumentException("counts input has a single instant; give the bin width with --bin");
            }
            width = Duration.ofMillis(gap);
        }
        List<Zone> zones = new ArrayList<>();
        for (String z : top) {
            zones.add(Zone.of(z, 0));
        }
        boolean other = totals.size() > top.size();
        if (other) {
            zones.add(Zone.of(FlightsRegion.EXTERNAL, 0));
        }
        RegionConfig r = RegionConfig.of(id, zones).withStockSource(StockSource.COUNTS).withBinWidth(width)
                .withLateness(width, RegionConfig.Defaults.IDLE_TIMEOUT);
        r = new RegionConfig(r.id(), r.timeZone(), r.zones(), r.stations(), r.otherZone(), r.stockSource(),
                r.binWidth(), r.window(), r.allowedLateness(), r.idleTimeout(), r.maxFuture(), r.maxTripDuration(),
                MAX_DERIVED_COUNT);
        return other ? r.withStations(Map.of(), FlightsRegion.EXTERNAL) : r;
    }

    static RegionConfig withBin(RegionConfig r, Duration bin) {
        return bin == null ? r : r.withBinWidth(bin);
    }

    static RegionConfig withMaxFuture(RegionConfig r, Duration maxFuture) {
        return new RegionConfig(r.id(), r.timeZone(), r.zones(), r.stations(), r.otherZone(), r.stockSource(),
                r.binWidth(), r.window(), r.allowedLateness(), r.idleTimeout(), maxFuture, r.maxTripDuration(),
                r.maxCount());
    }
}
