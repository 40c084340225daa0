package org.mfgcal.app.data;

import java.io.IOException;
import java.nio.file.Path;
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

/**
 * Flights in the layout of vega-datasets 1.31.1 {@code flights-3m.csv} ({@code date,delay,distance,origin,destination},
 * {@code date} = MMDDHHMM in 2001, local time at the origin) → one trajectory per day of aircraft shares among the K
 * busiest airports + External, on bins of the given width from {@code fromHour} to {@code toHour} (clock: US Central
 * standard time, UTC−6; 2001-01..03 is before daylight saving time).
 *
 * <p>Estimates (the file has no arrival time): local time → UTC by the airport's time zone (from its state in
 * {@code airports.csv}; longitude/15 when the state is unknown); arrival = departure + 30 min + distance / 480 mph
 * + delay (minutes, the file's arrival delay). Stock (REFERENCE.md's recipe): per day, 100 aircraft per airport and 500
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

    private static final Map<String, Integer> STATE_TZ = new HashMap<>();

    static {
        for (String s : "CT DE DC FL GA ME MD MA MI NH NJ NY NC OH PA RI SC VT VA WV IN KY PR VI".split(" ")) {
            STATE_TZ.put(s, -5);
        }
        for (String s : "AL AR IL IA KS LA MN MS MO NE ND OK SD TN TX WI".split(" ")) {
            STATE_TZ.put(s, -6);
        }
        for (String s : "AZ CO ID MT NM UT WY".split(" ")) {
            STATE_TZ.put(s, -7);
        }
        for (String s : "CA NV OR WA".split(" ")) {
            STATE_TZ.put(s, -8);
        }
        STATE_TZ.put("AK", -9);
        STATE_TZ.put("HI", -10);
    }

    /**
     * @param zonesK   number of busiest airports kept (the rest is External)
     * @param binMin   bin width in minutes
     */
    public static Data read(Path trips, Path airports, int zonesK, int binMin, int fromHour, int toHour,
                            double valFraction) throws IOException {
        if (zonesK < 1) {
            throw new IllegalArgumentException("--zones " + zonesK + ": must be ≥ 1");
        }
        if (binMin < 1 || 60 * (toHour - fromHour) % binMin != 0 || toHour <= fromHour) {
            throw new IllegalArgumentException("--bin " + binMin + "m must divide the window " + fromHour + ":00–" + toHour + ":00");
        }
        Csv ap = Csv.read(airports, "iata", "state", "longitude");
        Map<String, Integer> tz = new HashMap<>();
        for (int i = 0; i < ap.rows.size(); i++) {
            if (ap.rows.get(i) == null) {
                continue;
            }
            String code = ap.get(i, "iata");
            Integer off = STATE_TZ.get(ap.get(i, "state"));
            if (off == null) {
                off = (int) Math.round(ap.number(i, "longitude") / 15.0);
            }
            tz.put(code, off);
        }
        Csv f = Csv.read(trips, "date", "delay", "distance", "origin", "destination");
        int m = f.rows.size();
        String[] org = new String[m], dst = new String[m];
        long[] depMin = new long[m], arrMin = new long[m];
        Map<String, Integer> traffic = new HashMap<>();
        int valid = 0;
        for (int i = 0; i < m; i++) {
            if (f.rows.get(i) == null) {
                continue;
            }
            String date = f.get(i, "date");
            if (!date.matches("\\d{8}")) {
                throw new BadInputException(trips, f.line(i), "date", "'" + date + "' is not MMDDHHMM");
            }
            int mo = Integer.parseInt(date.substring(0, 2)), dd = Integer.parseInt(date.substring(2, 4));
            int hh = Integer.parseInt(date.substring(4, 6)), mm = Integer.parseInt(date.substring(6, 8));
            LocalDate day;
            try {
                day = LocalDate.of(2001, mo, dd);
            } catch (java.time.DateTimeException e) {
                throw new BadInputException(trips, f.line(i), "date", "'" + date + "' is not a date in 2001 (" + e.getMessage() + ")");
            }
            if (hh > 23 || mm > 59) {
                throw new BadInputException(trips, f.line(i), "date", "'" + date + "' has time " + hh + ":" + mm);
            }
            org[i] = f.get(i, "origin");
            dst[i] = f.get(i, "destination");
            Integer to = tz.get(org[i]), td = tz.get(dst[i]);
            if (to == null) {
                throw new BadInputException(trips, f.line(i), "origin", "unknown airport '" + org[i] + "' (not in " + airports.getFileName() + ")");
            }
            if (td == null) {
                throw new BadInputException(trips, f.line(i), "destination", "unknown airport '" + dst[i] + "' (not in " + airports.getFileName() + ")");
            }
            double dist = f.number(i, "distance");
            double delay = f.number(i, "delay");
            long localMin = day.toEpochDay() * 1440 + hh * 60L + mm;
            long utc = localMin - to * 60L;
            depMin[i] = utc + CLOCK_UTC_OFFSET_MIN;
            arrMin[i] = depMin[i] + Math.round(30 + dist / 480.0 * 60 + delay);
            traffic.merge(org[i], 1, Integer::sum);
            traffic.merge(dst[i], 1, Integer::sum);
            valid++;
        }
        if (valid == 0) {
            throw new BadInputException(trips, 0, null, "no flights");
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
        java.util.Set<Long> departureDays = new java.util.HashSet<>();
        for (int i = 0; i < m; i++) {
            if (org[i] == null) {
                continue;
            }
            int zo = zi.getOrDefault(org[i], ext), zd = zi.getOrDefault(dst[i], ext);
            if (zo == zd) {
                continue;
            }
            departureDays.add(Math.floorDiv(depMin[i], 1440));
            byDay.computeIfAbsent(Math.floorDiv(depMin[i], 1440), k -> new ArrayList<>()).add(new long[] {Math.floorMod(depMin[i], 1440), zo, -1});
            byDay.computeIfAbsent(Math.floorDiv(arrMin[i], 1440), k -> new ArrayList<>()).add(new long[] {Math.floorMod(arrMin[i], 1440), zd, +1});
        }
        int nT = 60 * (toHour - fromHour) / binMin + 1;
        double[] time = new double[nT * TIME_FEATURES.length];
        List<Sample> weekdays = new ArrayList<>(), weekends = new ArrayList<>();
        long first = LocalDate.of(2001, 1, 1).toEpochDay(), last = LocalDate.of(2001, 12, 31).toEpochDay();
        for (var e : byDay.entrySet()) {
            long dayNum = e.getKey();
            if (dayNum < first || dayNum > last || !departureDays.contains(dayNum)) {
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
        Dataset ds = new Dataset("flights:" + trips.getFileName(), nT, nT - 1.0, names, TIME_FEATURES, null,
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
        summary.put("arrival_estimate", "departure + 30 min + distance/480 mph + delay; time zones from state (longitude/15 otherwise)");
        summary.put("stock", "100 per airport, 500 External at 00:00 + cumulative(arrivals - departures), floored at 1, normalised");
        return new Data(ds, zones, summary);
    }
}
