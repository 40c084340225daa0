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
 *       shipped {@code airports.csv}; region: the config given, else the K busiest airports + External with the
 *       fewest initial aircraft that keep every stock ≥ 0.</li>
 *   <li>{@code trips}: JSON lines in the trip schema of ingest; region as for flights when none is given.</li>
 *   <li>{@code counts}: CSV {@code at,zone,count} ({@code at} an ISO date or instant); region: the config given,
 *       else the K zones with the largest total count + External (every other zone), bin width {@code --bin} or
 *       the smallest positive gap between distinct instants.</li>
 * </ul>
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
     * @param region    the region config used
     * @param snapshots closed snapshots in bin order
     * @param events    events read
     * @param rejected  events rejected by the binner
     */
    public record Loaded(RegionConfig region, List<PopulationSnapshot> snapshots, long events, long rejected) {
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
        List<? extends IngestEvent> events;
        RegionConfig region;
        switch (format) {
            case FLIGHTS -> {
                String id = regions == null ? "flights" : regions.single().id();
                List<TripEvent> trips = FlightsCsv.readTrips(spec, FlightsCsv.readAirports(FlightsData.AIRPORTS), id);
                events = trips;
                region = regions != null ? regions.single() : tripsRegion(id, trips, k);
            }
            case TRIPS -> {
                List<TripEvent> trips = readTrips(spec);
                events = trips;
                region = regions != null ? regions.single() : tripsRegion(trips.get(0).region(), trips, k);
            }
            case COUNTS -> {
                String id = regions == null ? "counts" : regions.single().id();
                List<CountEvent> counts = readCounts(spec, id);
                events = counts;
                region = regions != null ? regions.single() : countsRegion(id, counts, k, bin);
            }
            default -> throw new IllegalArgumentException("format " + format);
        }
        Binning.Result r = Binning.run(events, RegionConfigs.of(region), true);
        long rejected = r.rejected().values().stream().mapToLong(Long::longValue).sum();
        return new Loaded(region, r.snapshots(), events.size(), rejected);
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
