package org.mfgcal.app.service;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.mfgcal.ingest.IngestEvent;
import org.mfgcal.ingest.RegionConfig;
import org.mfgcal.ingest.RegionConfigs;
import org.mfgcal.ingest.TripEvent;
import org.mfgcal.ingest.Zone;
import org.mfgcal.ingest.flights.FlightsData;
import org.mfgcal.ingest.flights.FlightsRegion;
import org.mfgcal.ingest.replay.Replay;
import org.mfgcal.ingest.replay.ReplayFormat;

/**
 * The demo's input: the shipped real flights week (2001-01-01..07, vega-datasets) as trip events of region
 * {@code flights}, with the shipped region config; optionally with an injected change so that the drift detector
 * has something to find.
 *
 * <p>Injected change: from {@code hours} after the start of the first event's hour, every second departure from
 * {@code zone} is cancelled (its outgoing rates are halved). Cancelled flights leave aircraft where they were,
 * so the initial stocks are raised where needed to keep every stock ≥ 0 (the larger of the shipped value and the
 * one {@link FlightsRegion#initialStocks} derives from the changed trips).
 *
 * <p>Contract: stateless functions; thread-safe.
 */
public final class DemoData {

    /** Region id of the flights data. */
    public static final String REGION = "flights";

    /**
     * The demo input.
     *
     * @param events    trip events in event-time order
     * @param regions   the region config for them
     * @param changeAt  start of the injected change, or null
     * @param cancelled departures removed by the change
     */
    public record Input(List<IngestEvent> events, RegionConfigs regions, Instant changeAt, long cancelled) {
    }

    /**
     * An injected change: every second departure from {@code zone} cancelled from {@code hours} after the start.
     *
     * @param zone  a zone of the region other than its catch-all zone
     * @param hours hours after the start of the first event's hour, ≥ 0
     */
    public record Change(String zone, int hours) {

        /** Default start of the change: the fifth day of the week. */
        public static final int DEFAULT_HOURS = 96;

        public Change {
            if (zone == null || zone.isBlank()) {
                throw new IllegalArgumentException("--inject-change: zone must be non-blank, got '" + zone + "'");
            }
            if (hours < 0) {
                throw new IllegalArgumentException("--inject-change: hours must be >= 0, got " + hours);
            }
        }

        /** Parses {@code ZONE} or {@code ZONE@HOURS}. */
        public static Change parse(String s) {
            int at = s.indexOf('@');
            if (at < 0) {
                return new Change(s.trim(), DEFAULT_HOURS);
            }
            try {
                return new Change(s.substring(0, at).trim(), Integer.parseInt(s.substring(at + 1).trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--inject-change must be ZONE or ZONE@HOURS (e.g. PHX@96), got '"
                        + s + "'", e);
            }
        }
    }

    private DemoData() {
    }

    /** The shipped week, unchanged, with the shipped region. */
    public static Input week() {
        return week(null);
    }

    /** The shipped week with {@code change} applied (null: unchanged). */
    public static Input week(Change change) {
        RegionConfig region = RegionConfigs.loadSpec(FlightsData.REGION).single();
        List<IngestEvent> events = Replay.read(FlightsData.WEEK, ReplayFormat.FLIGHTS, REGION, null);
        if (change == null) {
            return new Input(events, RegionConfigs.of(region), null, 0);
        }
        if (!region.zoneIds().contains(change.zone()) || change.zone().equals(region.otherZone())) {
            throw new IllegalArgumentException("--inject-change: zone must be one of "
                    + region.zoneIds().subList(0, region.zoneCount() - 1) + ", got '" + change.zone() + "'");
        }
        long hour = 3_600_000L;
        long from = Math.floorDiv(events.get(0).eventTimeMillis(), hour) * hour + change.hours() * hour;
        List<IngestEvent> kept = new ArrayList<>(events.size());
        List<TripEvent> trips = new ArrayList<>(events.size());
        long k = 0;
        long cancelled = 0;
        for (IngestEvent e : events) {
            TripEvent t = (TripEvent) e;
            if (t.origin().equals(change.zone()) && t.departedAtMillis() >= from && k++ % 2 == 1) {
                cancelled++;
                continue;
            }
            kept.add(t);
            trips.add(t);
        }
        List<String> top = region.zoneIds().stream().filter(z -> !z.equals(region.otherZone())).toList();
        Map<String, Long> need = FlightsRegion.initialStocks(trips, top);
        List<Zone> zones = new ArrayList<>();
        for (Zone z : region.zones()) {
            double stock = Math.max(z.initialStock(), need.getOrDefault(z.id(), 0L));
            zones.add(new Zone(z.id(), z.name(), z.latitude(), z.longitude(), z.neighbours(), stock));
        }
        RegionConfig changed = new RegionConfig(region.id(), region.timeZone(), zones, region.stations(),
                region.otherZone(), region.stockSource(), region.binWidth(), region.window(), region.allowedLateness(),
                region.idleTimeout(), region.maxFuture(), region.maxTripDuration(), region.maxCount());
        return new Input(kept, RegionConfigs.of(changed), Instant.ofEpochMilli(from), cancelled);
    }
}
