package org.mfgcal.app.online;

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
import org.mfgcal.api.ClosedBin;
import org.mfgcal.api.Observation;
import org.mfgcal.ingest.Binning;
import org.mfgcal.ingest.CountEvent;
import org.mfgcal.ingest.CountsCsv;
import org.mfgcal.ingest.CsvReader;
import org.mfgcal.ingest.Texts;
import org.mfgcal.ingest.IngestEvent;
import org.mfgcal.ingest.ParseResult;
import org.mfgcal.ingest.PopulationSnapshot;
import org.mfgcal.ingest.RecordCodec;
import org.mfgcal.ingest.RegionConfig;
import org.mfgcal.ingest.RegionConfigs;
import org.mfgcal.ingest.Rejection;
import org.mfgcal.ingest.StockSource;
import org.mfgcal.ingest.TripEvent;
import org.mfgcal.ingest.flights.FlightsCsv;
import org.mfgcal.ingest.flights.FlightsData;

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
 * With several regions the records are merged in time order (stable), so the snapshots of all regions come out
 * interleaved by bin, as the Kafka pipeline closes them.
 *
 * <p>Input handling (README, "Input rules of online"): a malformed row stops the run with an error naming file,
 * line, field and value. Valid rows that cannot be used are counted by reason in {@link Report}, never silently
 * dropped: rows reaching no region ({@link #NO_REGION}), count rows repeating a zone and instant (the later row is
 * used, {@link #DUPLICATE}), rows far from the file's main time span ({@link #FAR_OFF}, see {@link #FAR_BINS}),
 * and the binner's rejections (for example {@code absurd_value} above a region's {@code maxCount}). Bins without
 * any count record (gaps) carry the previous stocks; bins whose zones are all 0 carry the previous shares; both are
 * noted. {@code --bin} sets the bin width of a derived region of any format.
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
     * @param rejected  records not used: reaching no region, duplicates, far-off timestamps, rejected by a region's
     *                  binner (by reason in {@code report})
     * @param report    rejections by reason with the first example, and notes on gaps
     */
    public record Loaded(List<RegionConfig> regions, List<PopulationSnapshot> snapshots, long events, long rejected,
                         Report report) {
        public Loaded {
            regions = List.copyOf(regions);
            snapshots = List.copyOf(snapshots);
        }
    }

    /**
     * What the CLI summary says about the input: rows not used, by reason (with the first example, naming file,
     * line, field and value), and notes (gaps carried, zero-total bins carried, zones at zero).
     *
     * <p>Not thread-safe; filled while loading, read afterwards.
     */
    public static final class Report {
        private final Map<String, Long> rejected = new LinkedHashMap<>();
        private final Map<String, String> examples = new LinkedHashMap<>();
        private final List<String> notes = new ArrayList<>();

        /** Counts one rejected row; the first message of each reason is kept as its example. */
        public void reject(String reason, String message) {
            rejected.merge(reason, 1L, Long::sum);
            examples.putIfAbsent(reason, Texts.clip(message, 400));
        }

        /** Adds a note for the summary. */
        public void note(String s) {
            notes.add(s);
        }

        /** Rejected rows per reason, in the order reasons were first seen. */
        public Map<String, Long> rejected() {
            return java.util.Collections.unmodifiableMap(rejected);
        }

        /** The first message of each reason. */
        public Map<String, String> examples() {
            return java.util.Collections.unmodifiableMap(examples);
        }

        /** Total rejected rows. */
        public long rejectedTotal() {
            return rejected.values().stream().mapToLong(Long::longValue).sum();
        }

        /** Notes in the order they were made. */
        public List<String> notes() {
            return java.util.Collections.unmodifiableList(notes);
        }
    }

    /** Reason of a row whose timestamp lies far outside the file's main time span (see {@link #FAR_BINS}). */
    public static final String FAR_OFF = "far_off_timestamp";
    /** Reason of a count row with the same zone and instant as a later row of the file. */
    public static final String DUPLICATE = "duplicate_row";
    /** Reason of a row whose zone or station belongs to no configured region. */
    public static final String NO_REGION = "no_region";
    /**
     * A gap between consecutive timestamps longer than max(7 days, FAR_BINS bins) splits the file into time spans;
     * the span with the most rows is used, the rows of the others are rejected as {@link #FAR_OFF}.
     */
    public static final int FAR_BINS = 28;

    /** A record and its line in the input (0 when the format does not tell). */
    record Item(IngestEvent event, long line) {
    }

    private OnlineInput() {
    }

    /**
     * Reads {@code spec} (a path or {@code classpath:NAME}).
     *
     * @param regions region config, or null to derive one
     * @param k       zones besides External when deriving a region
     * @param bin     bin width of a derived region (null: inferred for counts, one hour for flights and trips);
     *                with a region config it must be null (the config sets {@code binWidth})
     */
    public static Loaded load(String spec, Format format, RegionConfigs regions, int k, Duration bin) {
        if (k < 1) {
            throw new IllegalArgumentException("--zones must be >= 1, got " + k);
        }
        if (regions != null && regions.all().isEmpty()) {
            throw new IllegalArgumentException("--region-config: no regions");
        }
        if (regions != null && bin != null) {
            throw new IllegalArgumentException("--bin " + bin + " applies to a region derived from the data; with "
                    + "--region-config set each region's binWidth in the config");
        }
        Report report = new Report();
        List<Item> items = new ArrayList<>();
        List<RegionConfig> used;
        long read;
        switch (format) {
            case FLIGHTS -> {
                String id = regions == null ? "flights" : "";
                List<TripEvent> trips = FlightsCsv.readTrips(spec, FlightsCsv.readAirports(FlightsData.AIRPORTS),
                        regions == null ? id : first(regions).id());
                read = trips.size();
                if (regions == null) {
                    used = List.of(DerivedRegion.withBin(DerivedRegion.tripsRegion(id, trips, k), bin));
                    trips.forEach(t -> items.add(new Item(t, 0)));
                } else if (regions.all().size() == 1) {
                    used = List.copyOf(regions.all()); // one region owns every record, as in the stream
                    trips.forEach(t -> items.add(new Item(t, 0)));
                } else {
                    used = List.copyOf(regions.all());
                    InputRows.routeTrips(spec, trips, used, items, report);
                }
            }
            case TRIPS -> {
                List<Item> trips = readTripItems(spec);
                read = trips.size();
                if (regions == null) {
                    String id = ((TripEvent) trips.get(0).event()).region();
                    for (Item it : trips) {
                        TripEvent t = (TripEvent) it.event();
                        if (!t.region().equals(id)) {
                            throw new IllegalArgumentException(spec + ": trips of regions '" + id + "' and '"
                                    + t.region() + "' need a --region-config naming them");
                        }
                    }
                    List<TripEvent> events = trips.stream().map(i -> (TripEvent) i.event()).toList();
                    used = List.of(DerivedRegion.withBin(DerivedRegion.tripsRegion(id, events, k), bin));
                } else {
                    used = List.copyOf(regions.all());
                }
                items.addAll(trips); // records name their region; the binner rejects unknown ones
            }
            case COUNTS -> {
                String id = regions == null ? "counts" : first(regions).id();
                CountsCsv.Rows rows = CountsCsv.read(spec, id);
                read = rows.events().size();
                List<Item> counts = InputRows.dropDuplicateCounts(spec, rows, report);
                if (regions == null) {
                    used = List.of(DerivedRegion.countsRegion(id,
                            counts.stream().map(i -> (CountEvent) i.event()).toList(), k, bin));
                    items.addAll(counts);
                } else if (regions.all().size() == 1) {
                    used = List.copyOf(regions.all()); // one region owns every record, as in the stream
                    items.addAll(counts);
                } else {
                    used = List.copyOf(regions.all());
                    InputRows.routeCounts(spec, counts, used, items, report);
                }
            }
            default -> throw new IllegalArgumentException("format " + format);
        }
        items.sort(Comparator.comparingLong(i -> i.event().eventTimeMillis())); // stable: per-region order is kept
        long widest = 0;
        for (RegionConfig r : used) {
            widest = Math.max(widest, r.binWidth().toMillis());
        }
        long far = Math.max(Duration.ofDays(7).toMillis(), FAR_BINS * widest);
        List<Item> kept = InputRows.dropFarOff(spec, items, far, report);
        // Offline the whole file is known and far-off rows are gone: the stream's maxFuture guard against the
        // region's latest event time must not reject the rows after a gap (every gap left is <= far).
        List<RegionConfig> offline = new ArrayList<>();
        for (RegionConfig r : used) {
            offline.add(r.maxFuture().toMillis() > far + widest ? r
                    : DerivedRegion.withMaxFuture(r, Duration.ofMillis(far + widest)));
        }
        Binning binning = new Binning(RegionConfigs.of(offline));
        List<PopulationSnapshot> out = new ArrayList<>();
        long wall = System.currentTimeMillis();
        long offset = 0;
        for (Item it : kept) {
            Rejection rej = binning.offer(it.event(), offset++, 0, wall, out);
            if (rej != null) {
                report.reject(rej.reason().name().toLowerCase(Locale.ROOT), where(spec, it) + rej.message());
            }
        }
        binning.flush(out);
        notes(used, out, report);
        return new Loaded(used, out, read, report.rejectedTotal(), report);
    }

    static String where(String spec, Item it) {
        return it.line() > 0 ? spec + " line " + it.line() + ": " : spec + ": ";
    }

    /** Notes on gaps (counts bins without records: stocks carried) and zones at zero, per region. */
    private static void notes(List<RegionConfig> used, List<PopulationSnapshot> snaps, Report report) {
        for (RegionConfig r : used) {
            List<PopulationSnapshot> mine = snaps.stream().filter(s -> s.region().equals(r.id())).toList();
            if (mine.isEmpty()) {
                continue;
            }
            if (r.stockSource() == StockSource.COUNTS) {
                List<String> gaps = new ArrayList<>();
                for (PopulationSnapshot s : mine) {
                    if (s.events() == 0) {
                        gaps.add(s.binStart().toString());
                    }
                }
                if (!gaps.isEmpty()) {
                    report.note("region '" + r.id() + "': " + gaps.size() + " bin(s) without any record (gap), stocks "
                            + "carried from the previous bin: " + firstFew(gaps));
                }
            }
            List<String> zones = r.zoneIds();
            for (int z = 0; z < zones.size(); z++) {
                int zero = 0;
                for (PopulationSnapshot s : mine) {
                    zero += s.stock()[z] == 0 && s.totalStock() > 0 ? 1 : 0; // all-zero bins are noted as gaps
                }
                if (zero > 0) {
                    report.note("region '" + r.id() + "': zone '" + zones.get(z) + "' has stock 0 in " + zero + " of "
                            + mine.size() + " bins");
                }
            }
        }
    }

    private static String firstFew(List<String> xs) {
        return xs.size() <= 5 ? String.join(", ", xs) : String.join(", ", xs.subList(0, 5)) + ", ... ("
                + (xs.size() - 5) + " more)";
    }

    private static RegionConfig first(RegionConfigs regions) {
        return regions.all().iterator().next();
    }

    /** Trip records with their lines, sorted by departure (stable). */
    private static List<Item> readTripItems(String spec) {
        List<Item> out = new ArrayList<>();
        try (CsvReader r = CsvReader.open(spec)) {
            String line;
            while ((line = r.nextLine()) != null) {
                long no = r.lineNumber();
                if (line.isBlank()) {
                    continue;
                }
                ParseResult p = RecordCodec.parse(null, line.getBytes(StandardCharsets.UTF_8));
                if (p instanceof Rejection rej) {
                    throw new IllegalArgumentException(spec + " line " + no + ": " + Texts.clip(rej.message(), 400));
                }
                if (!(p instanceof TripEvent t)) {
                    throw new IllegalArgumentException(spec + " line " + no + ": expected a trip record, got a count");
                }
                out.add(new Item(t, no));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + spec, e);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(spec + ": no trip records");
        }
        out.sort(Comparator.comparingLong(i -> ((TripEvent) i.event()).departedAtMillis()));
        return out;
    }

    /**
     * Closed bins of every snapshot, in order; a bin whose zones are all 0 (shares undefined) is treated as a gap:
     * it carries the shares and population of its region's previous bin, or is skipped when the region has no
     * previous bin. Each case is noted in {@code report}.
     */
    public static List<ClosedBin> closedBins(List<PopulationSnapshot> snapshots, Report report) {
        List<ClosedBin> out = new ArrayList<>(snapshots.size());
        Map<String, ClosedBin> previous = new HashMap<>();
        Map<String, List<String>> carried = new LinkedHashMap<>();
        Map<String, List<String>> skipped = new LinkedHashMap<>();
        for (PopulationSnapshot s : snapshots) {
            if (s.totalStock() > 0) {
                ClosedBin b = s.toClosedBin();
                previous.put(s.region(), b);
                out.add(b);
                continue;
            }
            ClosedBin prev = previous.get(s.region());
            if (prev == null) {
                skipped.computeIfAbsent(s.region(), r -> new ArrayList<>()).add(s.binStart().toString());
                continue;
            }
            long width = s.binEnd().toEpochMilli() - s.binStart().toEpochMilli();
            Observation p = prev.observation();
            Observation o = new Observation(s.region(), Math.floorDiv(s.binStart().toEpochMilli(), width), p.zones(),
                    p.shares(), p.population());
            ClosedBin b = new ClosedBin(o, s.od());
            previous.put(s.region(), b);
            out.add(b);
            carried.computeIfAbsent(s.region(), r -> new ArrayList<>()).add(s.binStart().toString());
        }
        carried.forEach((r, bins) -> report.note("region '" + r + "': " + bins.size() + " bin(s) with every zone at 0 "
                + "(shares undefined) treated as gaps, shares carried from the previous bin: " + firstFew(bins)));
        skipped.forEach((r, bins) -> report.note("region '" + r + "': " + bins.size() + " leading bin(s) with every "
                + "zone at 0 skipped: " + firstFew(bins)));
        return out;
    }

    /** Closed bins of every snapshot, in order. */
    public static List<ClosedBin> closedBins(List<PopulationSnapshot> snapshots) {
        List<ClosedBin> out = new ArrayList<>(snapshots.size());
        for (PopulationSnapshot s : snapshots) {
            out.add(s.toClosedBin());
        }
        return out;
    }
}
