package org.mfgcal.app.data;

import java.io.IOException;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.mfgcal.calibrator.calibrate.Dataset;
import org.mfgcal.calibrator.calibrate.Sample;
import org.mfgcal.ingest.Binning;
import org.mfgcal.ingest.CsvReader;
import org.mfgcal.ingest.PopulationSnapshot;
import org.mfgcal.ingest.RegionConfig;
import org.mfgcal.ingest.RegionConfigs;
import org.mfgcal.ingest.StockSource;
import org.mfgcal.ingest.TripEvent;
import org.mfgcal.ingest.flights.FlightsCsv;
import org.mfgcal.ingest.Zone;
import org.mfgcal.ingest.flights.FlightsData;
import org.mfgcal.ingest.flights.FlightsRegion;

/**
 * Flights in the layout of vega-datasets 1.31.1 {@code flights-3m.csv} ({@code date,delay,distance,origin,destination},
 * {@code date} = MMDDHHMM in 2001, local time at the origin) → one trajectory per day of aircraft shares among the K
 * busiest airports + External, on bins of the given width from {@code fromHour} to {@code toHour} (clock: US Central
 * standard time, UTC−6; 2001-01..03 is before daylight saving time).
 *
 * <p>Parsing, the arrival estimate and the binning are the ingest module's, the same the service uses on the stream
 * ({@link FlightsCsv}: local departure → UTC by the origin's time zone, arrival = departure + max(20 min, 30 min +
 * distance / 480 mph + delay); {@link Binning}: departures and arrivals per zone and bin, a trip counted at both
 * ends even when both map to External). This class only turns the binned flows into daily trajectories. Stock
 * (docs/MODEL.md's recipe): per day, 100 aircraft per airport and 500 in External at 00:00, plus cumulative
 * arrivals − departures, floored at 1, normalised to shares. Splits: weekdays in
 * time order, the first 75% train (its last {@code valFraction} validation), the last 25% test; weekends = test_ood.
 */
public final class Flights {
    public static final double INITIAL_STOCK = 100, INITIAL_EXTERNAL = 500;
    public static final int CLOCK_UTC_OFFSET_MIN = -6 * 60;
    public static final String[] TIME_FEATURES = {"t", "sin_hour", "cos_hour", "sin_dow", "cos_dow"};

    private Flights() {
    }

    public record Data(Dataset dataset, List<String> zones, Map<String, Object> summary) {
    }

    /** Reads a spec (a file path or {@code classpath:NAME}, {@code .gz} allowed) fully, for hashing. */
    public static byte[] bytes(String spec) throws IOException {
        try (java.io.BufferedReader r = FlightsData.open(spec)) {
            StringBuilder sb = new StringBuilder();
            char[] buf = new char[1 << 16];
            int n;
            while ((n = r.read(buf)) > 0) {
                sb.append(buf, 0, n);
            }
            return sb.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /** Checks the header names every column (so a missing one is reported as that field, on line 1). */
    private static void checkHeader(String spec, String... required) throws IOException {
        String header;
        try (CsvReader r = CsvReader.open(spec)) {
            header = r.nextLine();
        } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
            throw new IllegalArgumentException(spec + ": no such file (" + e.getMessage() + ")");
        }
        if (header == null) {
            throw new IllegalArgumentException(spec + ":1: empty file (expected a header line)");
        }
        List<String> cols = Arrays.asList(CsvReader.split(header.trim()));
        for (String c : required) {
            if (!cols.contains(c)) {
                throw new IllegalArgumentException(spec + ":1: field '" + c + "': missing column (header has " + header.trim() + ")");
            }
        }
    }

    /**
     * @param trips    flights file: a path or {@code classpath:data/flights/flights-3m.csv.gz} (the shipped sample)
     * @param airports airports.csv: a path or {@code classpath:data/flights/airports.csv}
     * @param zonesK   number of busiest airports kept (the rest is External)
     * @param binMin   bin width in minutes
     */
    public static Data read(String trips, String airports, int zonesK, int binMin, int fromHour, int toHour,
                            double valFraction) throws IOException {
        if (zonesK < 1) {
            throw new IllegalArgumentException("--zones " + zonesK + ": must be ≥ 1");
        }
        if (binMin < 1 || 60 * (toHour - fromHour) % binMin != 0 || toHour <= fromHour) {
            throw new IllegalArgumentException("--bin " + binMin + "m must divide the window " + fromHour + ":00–" + toHour + ":00");
        }
        checkHeader(airports, "iata", "state", "longitude");
        checkHeader(trips, "date", "delay", "distance", "origin", "destination");
        // The ingest module's parser: file → trip events (UTC departure, estimated arrival), errors name line and field.
        Map<String, org.mfgcal.ingest.flights.Airport> ap = FlightsCsv.readAirports(airports);
        List<TripEvent> events = FlightsCsv.readTrips(trips, ap, "flights");
        if (events.isEmpty()) {
            throw new IllegalArgumentException(trips + ": no flights");
        }
        // Days of the data = local departure dates in the file (a late Pacific departure spills into the next clock day).
        java.util.TreeSet<Long> fileDays = new java.util.TreeSet<>();
        for (TripEvent t : events) {
            fileDays.add(t.departedAt().atZone(ap.get(t.origin()).zone()).toLocalDate().toEpochDay());
        }
        List<String> zones = FlightsRegion.busiest(events, zonesK);
        int d = zones.size() + 1;
        // Ingest's event-time binning (the service's, one implementation): departures and arrivals per zone and bin.
        // Fine bins of gcd(bin, 60 min) start on every sample boundary (clock = UTC−6 whole hours + n·bin).
        Flows flows = flows(trips, events, zones, gcd(binMin, 60));
        int nT = 60 * (toHour - fromHour) / binMin + 1;
        List<Sample> weekdays = new ArrayList<>(), weekends = new ArrayList<>();
        long first = LocalDate.of(2001, 1, 1).toEpochDay(), last = LocalDate.of(2001, 12, 31).toEpochDay();
        for (long dayNum : fileDays) {
            if (dayNum < first || dayNum > last) {
                continue;
            }
            LocalDate day = LocalDate.ofEpochDay(dayNum);
            double[] stock = new double[d];
            Arrays.fill(stock, INITIAL_STOCK);
            stock[d - 1] = INITIAL_EXTERNAL;
            double[] obs = new double[nT * d];
            double[] tf = new double[nT * TIME_FEATURES.length];
            // UTC minute of this clock day's 00:00; flows of the fine bins before each sample boundary are added
            long dayStart = dayNum * 1440 - CLOCK_UTC_OFFSET_MIN;
            long upTo = dayStart;
            int dow = day.getDayOfWeek().getValue() - 1;
            for (int n = 0; n < nT; n++) {
                long minute = fromHour * 60L + (long) n * binMin;
                upTo = flows.addUntil(stock, upTo, dayStart + minute);
                double s = 0;
                for (int x = 0; x < d; x++) {
                    s += Math.max(1, stock[x]);
                }
                for (int x = 0; x < d; x++) {
                    obs[n * d + x] = Math.max(1, stock[x]) / s;
                }
                double hour = minute / 60.0;
                int o = n * TIME_FEATURES.length;
                tf[o] = (double) n / (nT - 1);
                tf[o + 1] = Math.sin(2 * Math.PI * hour / 24);
                tf[o + 2] = Math.cos(2 * Math.PI * hour / 24);
                tf[o + 3] = Math.sin(2 * Math.PI * dow / 7);
                tf[o + 4] = Math.cos(2 * Math.PI * dow / 7);
            }
            Sample smp = new Sample(day.toString(), obs, tf, null, null);
            boolean weekend = day.getDayOfWeek() == DayOfWeek.SATURDAY || day.getDayOfWeek() == DayOfWeek.SUNDAY;
            (weekend ? weekends : weekdays).add(smp);
        }
        int nTrainAll = (int) Math.round(0.75 * weekdays.size());
        if (nTrainAll < 2 || weekdays.size() - nTrainAll < 1) {
            throw new IllegalArgumentException(trips + ": " + weekdays.size() + " weekdays: need at least 3 to split 75/25 into train and test");
        }
        int nVal = (int) Math.floor(valFraction * nTrainAll);
        List<Sample> train = weekdays.subList(0, nTrainAll - nVal);
        List<Sample> val = weekdays.subList(nTrainAll - nVal, nTrainAll);
        List<Sample> test = weekdays.subList(nTrainAll, weekdays.size());
        String[] names = new String[d];
        for (int z = 0; z < zones.size(); z++) {
            names[z] = zones.get(z);
        }
        names[d - 1] = "External";
        Dataset ds = new Dataset("flights:" + trips.substring(trips.lastIndexOf('/') + 1), nT, nT - 1.0, names, TIME_FEATURES, null,
                train, val, test, weekends);
        Map<String, Object> summary = new java.util.LinkedHashMap<>();
        summary.put("flights", events.size());
        summary.put("zones", Arrays.asList(names));
        summary.put("zone_traffic", flows.traffic());
        summary.put("days_train", train.size());
        summary.put("days_validation", val.size());
        summary.put("days_test", test.size());
        summary.put("days_test_ood", weekends.size());
        summary.put("first_test_day", test.get(0).label());
        summary.put("bins", nT - 1);
        summary.put("bin_minutes", binMin);
        summary.put("window", fromHour + ":00-" + toHour + ":00 US Central (UTC-6)");
        summary.put("time_unit", binMin + " minutes (T = number of bins)");
        summary.put("arrival_estimate", "org.mfgcal.ingest.flights.FlightsCsv: departure + max(20 min, 30 min + distance/480 mph + delay); origin time zone from state/longitude");
        summary.put("binning", "org.mfgcal.ingest.Binning (the service's event-time binning), bins of " + flows.binMinutes() + " min");
        summary.put("stock", "100 per airport, 500 External at 00:00 + cumulative(arrivals - departures), floored at 1, normalised");
        return new Data(ds, zones, summary);
    }
    /** Departures and arrivals per zone of every fine bin, from ingest's binning, by UTC bin start minute. */
    private record Flows(int binMinutes, int d, Map<Long, long[]> byStart, List<Long> traffic) {

        /**
         * Adds arrivals − departures of the fine bins starting in {@code [from, to)} (UTC minutes, multiples of
         * the fine width) to {@code stock}; returns {@code to}.
         */
        long addUntil(double[] stock, long from, long to) {
            for (long m = from; m < to; m += binMinutes) {
                long[] f = byStart.get(m);
                if (f != null) {
                    for (int z = 0; z < d; z++) {
                        stock[z] += f[d + z] - f[z];
                    }
                }
            }
            return to;
        }
    }

    private static Flows flows(String trips, List<TripEvent> events, List<String> top, int binMinutes) {
        List<Zone> zs = new ArrayList<>();
        for (String z : top) {
            zs.add(Zone.of(z, 0));
        }
        zs.add(Zone.of(FlightsRegion.EXTERNAL, 0));
        // file order is by local departure time: arrivals and other time zones are hours apart, and a delayed flight
        // can last a day; the offline binning must accept every parsed flight
        RegionConfig region = new RegionConfig("flights", ZoneOffset.ofTotalSeconds(CLOCK_UTC_OFFSET_MIN * 60), zs, null,
                FlightsRegion.EXTERNAL, StockSource.TRIPS, Duration.ofMinutes(binMinutes), Duration.ofDays(7),
                Duration.ofDays(2), null, Duration.ofDays(7), Duration.ofDays(3), RegionConfig.Defaults.MAX_COUNT);
        Binning.Result r = Binning.run(events, RegionConfigs.of(region), true);
        if (!r.rejected().isEmpty()) {
            throw new IllegalArgumentException(trips + ": flights rejected by the binning " + r.rejected());
        }
        int d = zs.size();
        Map<Long, long[]> byStart = new HashMap<>();
        long[] traffic = new long[d];
        for (PopulationSnapshot s : r.snapshots()) {
            long[] f = new long[2 * d];
            for (int z = 0; z < d; z++) {
                f[z] = s.departures()[z];
                f[d + z] = s.arrivals()[z];
                traffic[z] += f[z] + f[d + z];
            }
            byStart.put(Math.floorDiv(s.binStart().toEpochMilli(), 60_000L), f);
        }
        List<Long> airportTraffic = new ArrayList<>();
        for (int z = 0; z < d - 1; z++) {
            airportTraffic.add(traffic[z]);
        }
        return new Flows(binMinutes, d, byStart, airportTraffic);
    }

    private static int gcd(int a, int b) {
        return b == 0 ? a : gcd(b, a % b);
    }
}
