package org.mfgcal.app.online;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.mfgcal.calibrator.online.ClosedBin;
import org.mfgcal.calibrator.online.Observation;
import org.mfgcal.ingest.Binning;
import org.mfgcal.ingest.CountEvent;
import org.mfgcal.ingest.IngestEvent;
import org.mfgcal.ingest.ParseResult;
import org.mfgcal.ingest.PopulationSnapshot;
import org.mfgcal.ingest.RecordCodec;
import org.mfgcal.ingest.RegionConfig;
import org.mfgcal.ingest.RegionConfigs;
import org.mfgcal.ingest.Rejection;
import org.mfgcal.ingest.StockSource;
import org.mfgcal.ingest.TripEvent;
import org.mfgcal.ingest.Zone;
import org.mfgcal.ingest.flights.FlightsCsv;
import org.mfgcal.ingest.flights.FlightsData;
import org.mfgcal.ingest.flights.FlightsRegion;

/**
 * Reads an input file of the {@code online} command into closed bins, with ingest's parsers and binner, so the
 * offline run sees exactly the snapshots the Kafka pipeline would close.
 *
 * <ul>
 *   <li>{@code flights}: the vega-datasets CSV ({@code date,delay,distance,origin,destination}); airports from the
 *       shipped {@code airports.csv}; regions: the config given, else the K busiest airports + External with the
 *       fewest initial aircraft that keep every stock ≥ 0. With a config, a flight goes to every region one of
 *       whose zones or stations is its origin or destination.</li>
 *   <li>{@code trips}: JSON lines in the trip schema of ingest; each record names its region; region as for flights
 *       when no config is given (then the records must all name one region).</li>
 *   <li>{@code counts}: CSV {@code at,zone,count} ({@code at} an ISO date or instant); regions: the config given
 *       (a row goes to every region one of whose zones or stations is its zone), else the K zones with the largest
 *       total count + External (every other zone), bin width {@code --bin} or the smallest positive gap between
 *       distinct instants.</li>
 * </ul>
 * Records that reach no region are counted as rejected. With several regions the records are merged in time order
 * (stable), so the snapshots of all regions come out interleaved by bin, as the Kafka pipeline closes them.
 *
 * <p>Stateless; thread-safe.
 */
public final class OnlineInput {

    /** Input formats. */
    public enum Format { FLIGHTS, TRIPS, COUNTS;

        /** Parses a CLI value, naming it when unknown. */
        public static Format parse(String s) {
            for (Format f : values()) {
                if (f.name().equalsIgnoreCase(s)) {
                    return f;
                }
            }
            throw new IllegalArgumentException("--format '" + s + "': expected flights, trips or counts");
        }
    }

    /**
     * What was read.
     *
     * @param regions   the region configs used, in config order
     * @param snapshots closed snapshots of every region, in the order the binner closed them
     * @param events    records read
     * @param rejected  records that reached no region, plus those rejected by a region's binner
     */
    public record Loaded(List<RegionConfig> regions, List<PopulationSnapshot> snapshots, long events, long rejected) {
        public Loaded {
            regions = List.copyOf(regions);
            snapshots = List.copyOf(snapshots);
        }
    }

    private OnlineInput() {
    }

    /**
     * Reads {@code spec} (a path or {@code classpath:NAME}).
     *
     * @param regions region config, or null to derive one
     * @param k       zones besides External when deriving a region
     * @param bin     bin width when deriving a counts region (null: inferred); ignored otherwise
     */
    public static Loaded load(String spec, Format format, RegionConfigs regions, int k, Duration bin) {
        if (k < 1) {
            throw new IllegalArgumentException("--zones must be >= 1, got " + k);
        }
        if (regions != null && regions.all().isEmpty()) {
            throw new IllegalArgumentException("--region-config: no regions");
        }
        List<IngestEvent> events = new ArrayList<>();
        List<RegionConfig> used;
        long read;
        long unrouted = 0;
        switch (format) {
            case FLIGHTS -> {
                String id = regions == null ? "flights" : "";
                List<TripEvent> trips = FlightsCsv.readTrips(spec, FlightsCsv.readAirports(FlightsData.AIRPORTS),
                        regions == null ? id : first(regions).id());
                read = trips.size();
                if (regions == null) {
                    used = List.of(tripsRegion(id, trips, k));
                    events.addAll(trips);
                } else if (regions.all().size() == 1) {
                    used = List.copyOf(regions.all()); // one region owns every record, as in the stream
                    events.addAll(trips);
                } else {
                    used = List.copyOf(regions.all());
                    unrouted = routeTrips(trips, used, events);
                }
            }
            case TRIPS -> {
                List<TripEvent> trips = readTrips(spec);
                read = trips.size();
                if (regions == null) {
                    String id = trips.get(0).region();
                    for (TripEvent t : trips) {
                        if (!t.region().equals(id)) {
                            throw new IllegalArgumentException(spec + ": trips of regions '" + id + "' and '"
                                    + t.region() + "' need a --region-config naming them");
                        }
                    }
                    used = List.of(tripsRegion(id, trips, k));
                } else {
                    used = List.copyOf(regions.all());
                }
                events.addAll(trips); // records name their region; the binner rejects unknown ones
            }
            case COUNTS -> {
                String id = regions == null ? "counts" : first(regions).id();
                List<CountEvent> counts = readCounts(spec, id);
                read = counts.size();
                if (regions == null) {
                    used = List.of(countsRegion(id, counts, k, bin));
                    events.addAll(counts);
                } else if (regions.all().size() == 1) {
                    used = List.copyOf(regions.all()); // one region owns every record, as in the stream
                    events.addAll(counts);
                } else {
                    used = List.copyOf(regions.all());
                    unrouted = routeCounts(counts, used, events);
                }
            }
            default -> throw new IllegalArgumentException("format " + format);
        }
        events.sort(Comparator.comparingLong(IngestEvent::eventTimeMillis)); // stable: per-region order is kept
        Binning.Result r = Binning.run(events, RegionConfigs.of(used), true);
        long rejected = unrouted + r.rejected().values().stream().mapToLong(Long::longValue).sum();
        return new Loaded(used, r.snapshots(), read, rejected);
    }

    private static RegionConfig first(RegionConfigs regions) {
        return regions.all().iterator().next();
    }

    /** Whether {@code station} is a zone or a mapped station of {@code region} (its catch-all zone does not count). */
    static boolean touches(RegionConfig region, String station) {
        if (region.stations().containsKey(station)) {
            return true;
        }
        for (Zone z : region.zones()) {
            if (z.id().equals(station) && !z.id().equals(region.otherZone())) {
                return true;
            }
        }
        return false;
    }

    /** Each trip, re-labelled, to every region it touches; returns the trips that touch none. */
    static long routeTrips(List<TripEvent> trips, List<RegionConfig> regions, List<IngestEvent> out) {
        long none = 0;
        for (TripEvent t : trips) {
            boolean any = false;
            for (RegionConfig r : regions) {
                if (touches(r, t.origin()) || touches(r, t.destination())) {
                    out.add(t.region().equals(r.id()) ? t : new TripEvent(r.id(), t.tripId(), t.origin(),
                            t.destination(), t.departedAtMillis(), t.arrivedAtMillis()));
                    any = true;
                }
            }
            none += any ? 0 : 1;
        }
        return none;
    }

    /** Each count row, re-labelled, to every region whose zone or station it names; returns the rows that reach none. */
    static long routeCounts(List<CountEvent> counts, List<RegionConfig> regions, List<IngestEvent> out) {
        long none = 0;
        for (CountEvent c : counts) {
            boolean any = false;
            for (RegionConfig r : regions) {
                if (touches(r, c.zone())) {
                    out.add(c.region().equals(r.id()) ? c : new CountEvent(r.id(), c.zone(), c.atMillis(), c.count()));
                    any = true;
                }
            }
            none += any ? 0 : 1;
        }
        return none;
    }

    /** The calibrator's input for a snapshot: bin index = binStart / width, shares, total stock, OD counts. */
    public static ClosedBin toClosedBin(PopulationSnapshot s) {
        long width = s.binEnd().toEpochMilli() - s.binStart().toEpochMilli();
        long bin = Math.floorDiv(s.binStart().toEpochMilli(), width);
        double[] shares = s.shares();
        List<Double> sh = new ArrayList<>(shares.length);
        for (double v : shares) {
            sh.add(v);
        }
        Observation o = new Observation(s.region(), bin, s.zones(), sh, Math.round(s.totalStock()));
        return new ClosedBin(o, s.od());
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
        return other ? r.withStations(Map.of(), FlightsRegion.EXTERNAL) : r;
    }

    /** Trip records, one JSON object per line, sorted by departure (stable). */
    static List<TripEvent> readTrips(String spec) {
        List<TripEvent> out = new ArrayList<>();
        try (BufferedReader r = FlightsData.open(spec)) {
            String line;
            int no = 0;
            while ((line = r.readLine()) != null) {
                no++;
                if (line.isBlank()) {
                    continue;
                }
                ParseResult p = RecordCodec.parse(null, line.getBytes(StandardCharsets.UTF_8));
                if (p instanceof Rejection rej) {
                    throw new IllegalArgumentException(spec + " line " + no + ": " + rej.message());
                }
                if (!(p instanceof TripEvent t)) {
                    throw new IllegalArgumentException(spec + " line " + no + ": expected a trip record, got a count");
                }
                out.add(t);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + spec, e);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(spec + ": no trip records");
        }
        out.sort(Comparator.comparingLong(TripEvent::departedAtMillis));
        return out;
    }

    /** Count records from CSV {@code at,zone,count}, sorted by time (stable). */
    static List<CountEvent> readCounts(String spec, String region) {
        List<CountEvent> out = new ArrayList<>();
        try (BufferedReader r = FlightsData.open(spec)) {
            String header = r.readLine();
            if (header == null || !header.trim().toLowerCase(Locale.ROOT).equals("at,zone,count")) {
                throw new IllegalArgumentException(spec + ": expected header 'at,zone,count', got '" + header + "'");
            }
            String line;
            int no = 1;
            while ((line = r.readLine()) != null) {
                no++;
                if (line.isBlank()) {
                    continue;
                }
                String[] f = line.split(",", -1);
                if (f.length != 3) {
                    throw new IllegalArgumentException(spec + " line " + no + ": expected 3 fields (at,zone,count), got "
                            + f.length + ": '" + line + "'");
                }
                long at = parseAt(f[0].trim(), spec, no);
                double count;
                try {
                    count = Double.parseDouble(f[2].trim());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(spec + " line " + no + ": field 'count' must be a number, got '"
                            + f[2] + "'", e);
                }
                if (!(count >= 0) || Double.isInfinite(count)) {
                    throw new IllegalArgumentException(spec + " line " + no + ": field 'count' must be finite and >= 0,"
                            + " got '" + f[2] + "'");
                }
                if (f[1].isBlank()) {
                    throw new IllegalArgumentException(spec + " line " + no + ": field 'zone' must not be blank");
                }
                out.add(new CountEvent(region, f[1].trim(), at, count));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + spec, e);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(spec + ": no count records");
        }
        out.sort(Comparator.comparingLong(CountEvent::atMillis));
        return out;
    }

    /** An ISO date (midnight UTC) or instant. */
    static long parseAt(String s, String spec, int no) {
        try {
            if (s.length() == 10) {
                return java.time.LocalDate.parse(s).atStartOfDay(java.time.ZoneOffset.UTC).toInstant().toEpochMilli();
            }
            return RecordCodec.parseInstant(s);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(spec + " line " + no + ": field 'at' must be an ISO date or instant, got '"
                    + s + "'", e);
        }
    }

    /** Closed bins of every snapshot, in order. */
    public static List<ClosedBin> closedBins(List<PopulationSnapshot> snapshots) {
        List<ClosedBin> out = new ArrayList<>(snapshots.size());
        for (PopulationSnapshot s : snapshots) {
            out.add(toClosedBin(s));
        }
        return out;
    }

    /** Snapshots grouped by region, order kept. */
    static Map<String, List<PopulationSnapshot>> byRegion(List<PopulationSnapshot> snapshots) {
        Map<String, List<PopulationSnapshot>> m = new LinkedHashMap<>();
        for (PopulationSnapshot s : snapshots) {
            m.computeIfAbsent(s.region(), r -> new ArrayList<>()).add(s);
        }
        return m;
    }
}
