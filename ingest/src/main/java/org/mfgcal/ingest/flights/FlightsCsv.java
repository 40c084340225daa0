package org.mfgcal.ingest.flights;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.DateTimeException;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.mfgcal.ingest.CsvReader;
import org.mfgcal.ingest.Texts;
import org.mfgcal.ingest.TripEvent;

/**
 * Reads vega-datasets 1.31.1 {@code flights-3m.csv} ({@code date,delay,distance,origin,destination}) into
 * trip events: a pure function "file → trip events ordered by departure", used by the replay, the offline
 * calibrator ({@code calibrate --format flights}) and the online-file mode alike. Lines and fields are read with
 * {@link CsvReader}.
 *
 * <h2>The arrival estimate</h2>
 * The file gives the scheduled departure ({@code date} = MMDDHHMM, year 2001, local time at the origin), the
 * delay in minutes (arrival delay) and the great-circle distance in miles, but no arrival time. We take
 * <ul>
 *   <li>{@code departedAt} = the scheduled departure, converted from the origin airport's local time (zone from
 *       {@link UsTimeZones}: state and longitude in airports.csv) to UTC;</li>
 *   <li>block time = {@value #TAXI_MINUTES} min (taxi, climb, approach) + distance / {@value #CRUISE_MPH} mph;</li>
 *   <li>{@code arrivedAt} = departedAt + max({@value #MIN_BLOCK_MINUTES} min, block time + delay).</li>
 * </ul>
 * So a 256-mile hop is 62 min, a 2,300-mile flight 5 h 18 min before delay; the data has no departure delay,
 * so a late flight is modelled as leaving on time and arriving late. The destination's time zone does not enter
 * (instants are UTC); it matters only for a local-time view of arrivals.
 *
 * <p>Trip ids are {@code MMDDHHMM-ORIGIN-DESTINATION-n} with n the occurrence of that triple in the file, so a
 * row has the same id in the full file and in a sample cut from it.
 *
 * <p>Contract: stateless, thread-safe. A malformed row fails with a message naming the line, field and value.
 */
public final class FlightsCsv {

    /** Taxi, climb and approach allowance in the block time, minutes. */
    public static final int TAXI_MINUTES = 30;
    /** Average block speed, miles per hour. */
    public static final int CRUISE_MPH = 480;
    /** Lower bound of departure→arrival, minutes (guards very early arrivals of very short hops). */
    public static final int MIN_BLOCK_MINUTES = 20;
    /** Year of the vega flights data. */
    public static final int YEAR = 2001;
    /** The header of the flights file. */
    public static final String HEADER = "date,delay,distance,origin,destination";

    private FlightsCsv() {
    }

    /** Reads airports.csv ({@code iata,name,city,state,country,latitude,longitude}, quoted names allowed). */
    public static Map<String, Airport> readAirports(String spec) {
        Map<String, Airport> out = new LinkedHashMap<>();
        try (CsvReader r = CsvReader.open(spec)) {
            String header = r.nextLine();
            if (header == null || !header.startsWith("iata,name,city,state,country,latitude,longitude")) {
                throw new IllegalArgumentException(spec + ": expected header iata,name,city,state,country,latitude,longitude, got "
                        + Texts.clip(header));
            }
            String line;
            while ((line = r.nextLine()) != null) {
                int no = (int) r.lineNumber();
                if (line.isBlank()) {
                    continue;
                }
                List<String> f = CsvReader.splitQuoted(line);
                if (f.size() != 7) {
                    throw new IllegalArgumentException(spec + " line " + no + ": expected 7 fields, got " + f.size() + ": "
                            + Texts.clip(line));
                }
                double lat = number(f.get(5), "latitude", spec, no);
                double lon = number(f.get(6), "longitude", spec, no);
                out.put(f.get(0), new Airport(f.get(0), f.get(1), f.get(2), f.get(3), lat, lon,
                        UsTimeZones.zoneOf(f.get(3), lon)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + spec, e);
        }
        return out;
    }

    /**
     * Reads a flights file into trip events of {@code region}, ordered by departure (stable: file order for
     * equal departures).
     */
    public static List<TripEvent> readTrips(String spec, Map<String, Airport> airports, String region) {
        List<TripEvent> out = new ArrayList<>(1 << 16);
        Map<String, Integer> occurrences = new HashMap<>();
        try (CsvReader r = CsvReader.open(spec)) {
            String header = r.nextLine();
            if (!HEADER.equals(header)) {
                throw new IllegalArgumentException(spec + ": expected header '" + HEADER + "', got '" + Texts.clip(header)
                        + "'");
            }
            String line;
            while ((line = r.nextLine()) != null) {
                if (line.isEmpty()) {
                    continue;
                }
                out.add(parseRow(line, spec, (int) r.lineNumber(), airports, region, occurrences));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + spec, e);
        }
        out.sort(Comparator.comparingLong(TripEvent::departedAtMillis)); // List.sort is stable
        return out;
    }

    /** The shipped week or full file with the shipped airports, as trip events of region {@code flights}. */
    public static List<TripEvent> readShipped(String spec) {
        return readTrips(spec, readAirports(FlightsData.AIRPORTS), "flights");
    }

    static TripEvent parseRow(String line, String spec, int no, Map<String, Airport> airports, String region,
                              Map<String, Integer> occurrences) {
        String[] f = CsvReader.split(line);
        if (f.length != 5) {
            throw new IllegalArgumentException(spec + " line " + no + ": expected 5 fields (" + HEADER + "), got "
                    + f.length + ": '" + Texts.clip(line) + "'");
        }
        String date = f[0];
        if (date.length() != 8) {
            throw new IllegalArgumentException(spec + " line " + no + ": field 'date' must be MMDDHHMM, got '" + date + "'");
        }
        int delay = (int) number(f[1], "delay", spec, no);
        double distance = number(f[2], "distance", spec, no);
        if (!(distance > 0)) {
            throw new IllegalArgumentException(spec + " line " + no + ": field 'distance' must be > 0, got '" + f[2] + "'");
        }
        Airport origin = airports.get(f[3]);
        if (origin == null) {
            throw new IllegalArgumentException(spec + " line " + no + ": field 'origin' value '" + f[3]
                    + "' is not in airports.csv");
        }
        Airport destination = airports.get(f[4]);
        if (destination == null) {
            throw new IllegalArgumentException(spec + " line " + no + ": field 'destination' value '" + f[4]
                    + "' is not in airports.csv");
        }
        LocalDateTime local;
        try {
            local = LocalDateTime.of(YEAR, Integer.parseInt(date.substring(0, 2)), Integer.parseInt(date.substring(2, 4)),
                    Integer.parseInt(date.substring(4, 6)), Integer.parseInt(date.substring(6, 8)));
        } catch (NumberFormatException | DateTimeException e) {
            throw new IllegalArgumentException(spec + " line " + no + ": field 'date' must be MMDDHHMM, got '" + date + "'", e);
        }
        long dep = local.atZone(origin.zone()).toInstant().toEpochMilli();
        long arr = dep + arrivalOffsetMinutes(distance, delay) * 60_000L;
        String triple = date + "-" + f[3] + "-" + f[4];
        int n = occurrences.merge(triple, 1, Integer::sum) - 1;
        // the airports' own id strings: one instance per airport instead of two per row (memory, and locality
        // for the replay, which reads them back once per record)
        return new TripEvent(region, triple + "-" + n, origin.iata(), destination.iata(), dep, arr);
    }

    /** Minutes from departure to the estimated arrival (see the class notes). */
    public static long arrivalOffsetMinutes(double distanceMiles, int delayMinutes) {
        double block = TAXI_MINUTES + distanceMiles * 60.0 / CRUISE_MPH;
        return Math.max(MIN_BLOCK_MINUTES, Math.round(block) + delayMinutes);
    }

    private static double number(String s, String field, String spec, int no) {
        try {
            return Double.parseDouble(s.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(spec + " line " + no + ": field '" + field + "' must be a number, got '" + s + "'", e);
        }
    }
}
