package org.mfgcal.app.data;

import java.io.IOException;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.mfgcal.calibrator.calibrate.Dataset;
import org.mfgcal.calibrator.calibrate.Sample;
import org.mfgcal.ingest.CsvReader;
import org.mfgcal.ingest.TripEvent;
import org.mfgcal.ingest.flights.FlightsCsv;
import org.mfgcal.ingest.flights.FlightsData;

/**
 * Flights in the layout of vega-datasets 1.31.1 {@code flights-3m.csv} ({@code date,delay,distance,origin,destination},
 * {@code date} = MMDDHHMM in 2001, local time at the origin) → one trajectory per day of aircraft shares among the K
 * busiest airports + External, on bins of the given width from {@code fromHour} to {@code toHour} (clock: US Central
 * standard time, UTC−6; 2001-01..03 is before daylight saving time).
 *
 * <p>Parsing and the arrival estimate are the ingest module's ({@link FlightsCsv}: local departure → UTC by the origin's
 * time zone, arrival = departure + max(20 min, 30 min + distance / 480 mph + delay)); this class bins them. Stock (docs/MODEL.md's recipe): per day, 100 aircraft per airport and 500
 * in External at 00:00, plus cumulative arrivals − departures, floored at 1, normalised to shares. Splits: weekdays in
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
        // Days of the data = local departure dates in the file (a late Pacific departure spills into the next clock day).
        java.util.Set<Long> fileDays = new java.util.HashSet<>();
        for (TripEvent t : events) {
            fileDays.add(t.departedAt().atZone(ap.get(t.origin()).zone()).toLocalDate().toEpochDay());
        }
        int m = events.size();
        String[] org = new String[m], dst = new String[m];
        long[] depMin = new long[m], arrMin = new long[m];
        Map<String, Integer> traffic = new HashMap<>();
        int valid = 0;
        for (int i = 0; i < m; i++) {
            TripEvent t = events.get(i);
            org[i] = t.origin();
            dst[i] = t.destination();
            depMin[i] = Math.floorDiv(t.departedAtMillis(), 60_000L) + CLOCK_UTC_OFFSET_MIN;
            arrMin[i] = Math.floorDiv(t.arrivedAtMillis(), 60_000L) + CLOCK_UTC_OFFSET_MIN;
            traffic.merge(org[i], 1, Integer::sum);
            traffic.merge(dst[i], 1, Integer::sum);
            valid++;
        }
        if (valid == 0) {
            throw new IllegalArgumentException(trips + ": no flights");
        }
        List<String> busiest = new ArrayList<>(traffic.keySet());
        busiest.sort((a, b) -> traffic.get(b).equals(traffic.get(a)) ? a.compareTo(b) : traffic.get(b) - traffic.get(a));
        List<String> zones = new ArrayList<>(busiest.subList(0, Math.min(zonesK, busiest.size())));
        Map<String, Integer> zi = new HashMap<>();
        for (int z = 0; z < zones.size(); z++) {
            zi.put(zones.get(z), z);
        }
        int d = zones.size() + 1;
        int ext = d - 1;
        // per day: events (minute of day in clock time, zone, ±1)
        TreeMap<Long, List<long[]>> byDay = new TreeMap<>();
        for (int i = 0; i < m; i++) {
            if (org[i] == null) {
                continue;
            }
            int zo = zi.getOrDefault(org[i], ext), zd = zi.getOrDefault(dst[i], ext);
            if (zo == zd) {
                continue;
            }
            byDay.computeIfAbsent(Math.floorDiv(depMin[i], 1440), k -> new ArrayList<>()).add(new long[] {Math.floorMod(depMin[i], 1440), zo, -1});
            byDay.computeIfAbsent(Math.floorDiv(arrMin[i], 1440), k -> new ArrayList<>()).add(new long[] {Math.floorMod(arrMin[i], 1440), zd, +1});
        }
        int nT = 60 * (toHour - fromHour) / binMin + 1;
        double[] time = new double[nT * TIME_FEATURES.length];
        List<Sample> weekdays = new ArrayList<>(), weekends = new ArrayList<>();
        long first = LocalDate.of(2001, 1, 1).toEpochDay(), last = LocalDate.of(2001, 12, 31).toEpochDay();
        for (var e : byDay.entrySet()) {
            long dayNum = e.getKey();
            if (dayNum < first || dayNum > last || !fileDays.contains(dayNum)) {
                continue; // spill-over of late arrivals into a day without departures in the data
            }
            LocalDate day = LocalDate.ofEpochDay(dayNum);
            List<long[]> ev = e.getValue();
            ev.sort((a, b) -> Long.compare(a[0], b[0]));
            double[] stock = new double[d];
            Arrays.fill(stock, INITIAL_STOCK);
            stock[ext] = INITIAL_EXTERNAL;
            double[] obs = new double[nT * d];
            double[] tf = new double[nT * TIME_FEATURES.length];
            int k = 0;
            int dow = day.getDayOfWeek().getValue() - 1;
            for (int n = 0; n < nT; n++) {
                long minute = fromHour * 60L + (long) n * binMin;
                while (k < ev.size() && ev.get(k)[0] < minute) {
                    stock[(int) ev.get(k)[1]] += ev.get(k)[2];
                    k++;
                }
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
        names[ext] = "External";
        Dataset ds = new Dataset("flights:" + trips.substring(trips.lastIndexOf('/') + 1), nT, nT - 1.0, names, TIME_FEATURES, null,
                train, val, test, weekends);
        Map<String, Object> summary = new java.util.LinkedHashMap<>();
        summary.put("flights", valid);
        summary.put("zones", Arrays.asList(names));
        summary.put("zone_traffic", zones.stream().map(traffic::get).toList());
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
        summary.put("stock", "100 per airport, 500 External at 00:00 + cumulative(arrivals - departures), floored at 1, normalised");
        return new Data(ds, zones, summary);
    }
}
