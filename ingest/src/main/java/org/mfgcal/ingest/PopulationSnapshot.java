package org.mfgcal.ingest;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.mfgcal.api.ClosedBin;
import org.mfgcal.api.Observation;

/**
 * The state of one region's population over one closed bin {@code [binStart, binEnd)}: what the calibrator's
 * online loop consumes.
 *
 * <p>Layout: {@code d = zones.size()}; every per-zone array has length d and follows {@code zones} order;
 * {@code od} is row-major d×d with {@code od[o*d + t]} = trips departing in this bin from zone o towards zone t.
 * <ul>
 *   <li>{@code stock[z]}: population of zone z at {@code binEnd}, after this bin's flows. For a trips region:
 *       initial stock + all arrivals − all departures of this and earlier bins (trips in the air are in no
 *       zone). For a counts region: the latest count of the zone in this bin, else the previous bin's stock.</li>
 *   <li>{@code departures[z]} / {@code arrivals[z]}: trips leaving / reaching z inside the bin (an arrival is
 *       counted in the bin of its arrival time).</li>
 *   <li>{@code events}: records accepted with an event time in this bin (trip departures, counts);
 *       {@code lateEvents} ≤ {@code events}: of those, the ones that arrived behind the watermark but while the
 *       bin was still open. Records whose bin had closed are dead-lettered as
 *       {@link DeadLetterReason#TOO_LATE} instead.</li>
 * </ul>
 *
 * <p>Contract: immutable (arrays are copied in and out; {@link #stockAt(int)} and friends read without copying),
 * equality is by value over every field. Thread-safe.
 */
public record PopulationSnapshot(String region, Instant binStart, Instant binEnd, List<String> zones,
                                 double[] stock, long[] departures, long[] arrivals, long[] od, long events,
                                 long lateEvents) {

    public PopulationSnapshot {
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(binStart, "binStart");
        Objects.requireNonNull(binEnd, "binEnd");
        if (!binEnd.isAfter(binStart)) {
            throw new IllegalArgumentException("binEnd " + binEnd + " must be after binStart " + binStart);
        }
        zones = List.copyOf(zones);
        int d = zones.size();
        stock = check("stock", stock.clone(), d);
        departures = check("departures", departures.clone(), d);
        arrivals = check("arrivals", arrivals.clone(), d);
        od = od.clone();
        if (od.length != d * d) {
            throw new IllegalArgumentException("od must have length d*d = " + d * d + ", got " + od.length);
        }
        if (events < 0 || lateEvents < 0 || lateEvents > events) {
            throw new IllegalArgumentException("need 0 <= lateEvents <= events, got events=" + events + " lateEvents="
                    + lateEvents);
        }
    }

    private static double[] check(String name, double[] a, int d) {
        if (a.length != d) {
            throw new IllegalArgumentException(name + " must have length " + d + ", got " + a.length);
        }
        return a;
    }

    private static long[] check(String name, long[] a, int d) {
        if (a.length != d) {
            throw new IllegalArgumentException(name + " must have length " + d + ", got " + a.length);
        }
        return a;
    }

    /** Number of zones, d. */
    public int zoneCount() {
        return zones.size();
    }

    /** Stock per zone at {@code binEnd} (a copy). */
    @Override
    public double[] stock() {
        return stock.clone();
    }

    /** Departures per zone (a copy). */
    @Override
    public long[] departures() {
        return departures.clone();
    }

    /** Arrivals per zone (a copy). */
    @Override
    public long[] arrivals() {
        return arrivals.clone();
    }

    /** Origin→destination counts, row-major d×d (a copy). */
    @Override
    public long[] od() {
        return od.clone();
    }

    public double stockAt(int zone) {
        return stock[zone];
    }

    public long departuresAt(int zone) {
        return departures[zone];
    }

    public long arrivalsAt(int zone) {
        return arrivals[zone];
    }

    /** Trips departing in this bin from {@code origin} towards {@code destination}. */
    public long odAt(int origin, int destination) {
        return od[origin * zones.size() + destination];
    }

    /** Sum of the stock over all zones. */
    public double totalStock() {
        double s = 0;
        for (double v : stock) {
            s += v;
        }
        return s;
    }

    /**
     * The population shares μ = stock / Σ stock, the mean field the model is calibrated to (sums to 1).
     *
     * @throws IllegalStateException when the total stock is not positive or a stock is negative (the initial
     *                               stocks of the region config are too small for the data)
     */
    public double[] shares() {
        double total = totalStock();
        double[] mu = new double[stock.length];
        for (int z = 0; z < stock.length; z++) {
            if (stock[z] < 0) {
                throw new IllegalStateException("region '" + region + "' bin " + binStart + ": stock of zone '" + zones.get(z)
                        + "' is negative (" + stock[z] + "); raise its initialStock");
            }
        }
        if (!(total > 0)) {
            throw new IllegalStateException("region '" + region + "' bin " + binStart + ": total stock " + total
                    + " is not positive; shares are undefined");
        }
        for (int z = 0; z < stock.length; z++) {
            mu[z] = stock[z] / total;
        }
        return mu;
    }

    /**
     * The online loop's input for this snapshot: bin index = binStart / width (width = binEnd − binStart), the
     * {@link #shares()}, the total stock rounded to a whole population, and the OD counts.
     *
     * @throws IllegalStateException as {@link #shares()}
     */
    public ClosedBin toClosedBin() {
        long width = binEnd.toEpochMilli() - binStart.toEpochMilli();
        long bin = Math.floorDiv(binStart.toEpochMilli(), width);
        double[] mu = shares();
        List<Double> sh = new ArrayList<>(mu.length);
        for (double v : mu) {
            sh.add(v);
        }
        Observation o = new Observation(region, bin, zones, sh, Math.round(totalStock()));
        return new ClosedBin(o, od);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PopulationSnapshot s && region.equals(s.region) && binStart.equals(s.binStart)
                && binEnd.equals(s.binEnd) && zones.equals(s.zones) && Arrays.equals(stock, s.stock)
                && Arrays.equals(departures, s.departures) && Arrays.equals(arrivals, s.arrivals)
                && Arrays.equals(od, s.od) && events == s.events && lateEvents == s.lateEvents;
    }

    @Override
    public int hashCode() {
        return Objects.hash(region, binStart, Arrays.hashCode(stock), Arrays.hashCode(departures),
                Arrays.hashCode(arrivals), events);
    }

    @Override
    public String toString() {
        return "PopulationSnapshot[" + region + " " + binStart + ".." + binEnd + " zones=" + zones + " stock="
                + Arrays.toString(stock) + " departures=" + Arrays.toString(departures) + " arrivals="
                + Arrays.toString(arrivals) + " events=" + events + " lateEvents=" + lateEvents + "]";
    }
}
