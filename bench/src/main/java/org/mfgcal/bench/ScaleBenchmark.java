package org.mfgcal.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.mfgcal.calibrator.game.Graph;
import org.mfgcal.api.CalibrationListener;
import org.mfgcal.api.ClosedBin;
import org.mfgcal.api.Observation;
import org.mfgcal.calibrator.online.OnlineConfig;
import org.mfgcal.api.ParameterUpdate;
import org.mfgcal.calibrator.online.RegionCalibrator;
import org.mfgcal.api.UpdateResult;
import org.mfgcal.calibrator.online.WarmColdComparison;
import org.mfgcal.calibrator.online.WarmColdHarness;
import org.mfgcal.calibrator.synthetic.SyntheticCity;
import org.mfgcal.ingest.TripEvent;
import org.mfgcal.ingest.flights.FlightsCsv;
import org.mfgcal.ingest.flights.FlightsData;
import org.mfgcal.ingest.flights.FlightsRegion;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Issue 15 (city scale): one online update through the public API ({@link RegionCalibrator#update}) for
 * <ul>
 *   <li>{@code flights59}: the real Jan–Mar 2001 flights, the 58 busiest airports + External (59 states, complete
 *       graph, 3,422 edges), hourly bins, default config (window 24 bins);</li>
 *   <li>{@code city263}: a {@link SyntheticCity} of 263 zones, k = 8 nearest-neighbour road graph, 15-minute bins,
 *       96-bin window, 263,000 people;</li>
 *   <li>{@code flights59routes}: the same on the graph of the observed routes (OD pairs flown at least once in the
 *       data) plus External linked to every airport;</li>
 *   <li>{@code flights11}: the default flights region (10 busiest airports + External, 110 edges, hourly).</li>
 * </ul>
 * JMH ({@code SampleTime}, p0.99 printed): {@code java -jar bench/target/benchmarks.jar ScaleBenchmark -p
 * region=city263}. On a shared machine the main method is the better instrument (thread CPU time per update):
 * <pre>
 *   java -cp bench/target/benchmarks.jar org.mfgcal.bench.ScaleBenchmark latency city263 300
 *   java -cp bench/target/benchmarks.jar org.mfgcal.bench.ScaleBenchmark throughput 100 5
 *   java -Xmx2g -cp bench/target/benchmarks.jar org.mfgcal.bench.ScaleBenchmark memory 1000
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 10)
@Measurement(iterations = 3, time = 20)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class ScaleBenchmark {

    /** A source of closed bins for one region, with its zones, graph and configuration. */
    public interface Source {
        List<String> zones();

        /** The zone graph (null: complete). */
        Graph graph();

        OnlineConfig config();

        /** The next closed bin, renamed to {@code region}; wraps around at the end of the data. */
        ClosedBin next(String region);
    }

    @Param({"city263", "flights59", "flights11"})
    public String region = "city263";
    private Source source;
    private RegionCalibrator rc;

    @Setup(Level.Trial)
    public void setUp() {
        source = source(region);
        rc = new RegionCalibrator(source.config(), "r", source.zones(), source.graph(), CalibrationListener.NONE);
        for (int i = 0; i < source.config().windowBins() + 8; i++) {
            rc.update(source.next("r"));
        }
    }

    @Benchmark
    public Object warmUpdate() {
        return rc.update(source.next("r"));
    }

    public static Source source(String name) {
        return switch (name) {
            case "city263" -> city(263, 8, 0.25, 263_000);
            case "city100" -> city(100, 8, 0.25, 100_000);
            case "flights59" -> flights(58);
            case "flights59routes" -> routes(flights(58), 1);
            case "flights11" -> flights(10);
            default -> {
                if (name.startsWith("city")) {
                    int d = Integer.parseInt(name.substring(4));
                    yield city(d, Math.min(8, d - 1), 0.25, 1000L * d);
                }
                if (name.startsWith("flights")) {
                    yield flights(Integer.parseInt(name.substring(7)) - 1);
                }
                throw new IllegalArgumentException("region: unknown case '" + name + "' (city263, flights59, flights11,"
                        + " cityN, flightsN)");
            }
        };
    }

    /** A synthetic city: {@code zones} zones, k nearest neighbours, bins of {@code binHours}, default config. */
    public static Source city(int zones, int k, double binHours, long population) {
        SyntheticCity city = SyntheticCity.generate(zones, k, 2026);
        SyntheticCity.Trips trips = city.trips(binHours, population, 15);
        List<String> names = city.zoneNames();
        OnlineConfig cfg = OnlineConfig.defaults(binHours);
        return new Source() {
            public List<String> zones() {
                return names;
            }

            public Graph graph() {
                return city.graph();
            }

            public OnlineConfig config() {
                return cfg;
            }

            public ClosedBin next(String region) {
                SyntheticCity.Bin b = trips.next();
                return new ClosedBin(new Observation(region, b.index(), names, boxed(b.shares()), b.population()), b.od());
            }
        };
    }

    private static volatile List<TripEvent> flightsTrips;

    static List<TripEvent> flightsTrips() {
        if (flightsTrips == null) {
            flightsTrips = FlightsCsv.readShipped(FlightsData.FULL);
        }
        return flightsTrips;
    }

    /**
     * The shipped Jan–Mar 2001 flights as hourly bins: the {@code airports} busiest airports + External, stock per
     * zone = fewest aircraft keeping every stock ≥ 0 ({@link FlightsRegion#initialStocks}) + arrivals − departures
     * (aircraft in the air belong to no zone), OD counts = departures in the bin.
     */
    public static Source flights(int airports) {
        List<TripEvent> trips = flightsTrips();
        List<String> top = FlightsRegion.busiest(trips, airports);
        List<String> names = new ArrayList<>(top);
        names.add(FlightsRegion.EXTERNAL);
        int d = names.size();
        Map<String, Integer> idx = new HashMap<>();
        for (int i = 0; i < top.size(); i++) {
            idx.put(top.get(i), i);
        }
        long t0 = Long.MAX_VALUE, t1 = Long.MIN_VALUE;
        for (TripEvent t : trips) {
            t0 = Math.min(t0, t.departedAtMillis());
            t1 = Math.max(t1, t.hasArrival() ? t.arrivedAtMillis() : t.departedAtMillis());
        }
        final long hour = 3_600_000L;
        final long start = Math.floorDiv(t0, hour) * hour;
        int bins = (int) ((t1 - start) / hour) + 1;
        long[] init = new long[d];
        Map<String, Long> is = FlightsRegion.initialStocks(trips, top);
        for (int z = 0; z < d; z++) {
            init[z] = is.get(names.get(z));
        }
        // per bin: departures (packed origin·d + destination) and arrivals per zone
        int[][] dep = new int[bins][];
        int[] depN = new int[bins];
        long[] arr = new long[bins * d];
        for (TripEvent t : trips) {
            int b = (int) ((t.departedAtMillis() - start) / hour);
            int o = idx.getOrDefault(t.origin(), d - 1);
            int x = idx.getOrDefault(t.destination(), d - 1);
            if (dep[b] == null) {
                dep[b] = new int[8];
            } else if (depN[b] == dep[b].length) {
                dep[b] = Arrays.copyOf(dep[b], 2 * depN[b]);
            }
            dep[b][depN[b]++] = o * d + x;
            if (t.hasArrival()) {
                arr[(int) ((t.arrivedAtMillis() - start) / hour) * d + x]++;
            }
        }
        OnlineConfig cfg = OnlineConfig.defaults(1.0);
        return new Source() {
            int bin;
            long index;
            final long[] stock = init.clone();

            public List<String> zones() {
                return names;
            }

            public Graph graph() {
                return null;
            }

            public OnlineConfig config() {
                return cfg;
            }

            public ClosedBin next(String region) {
                if (bin == bins) { // wrap around: start the data over from the initial stocks
                    bin = 0;
                    System.arraycopy(init, 0, stock, 0, d);
                }
                long[] od = new long[d * d];
                for (int i = 0; i < depN[bin]; i++) {
                    int p = dep[bin][i];
                    od[p]++;
                    stock[p / d]--;
                }
                long pop = 0;
                for (int z = 0; z < d; z++) {
                    stock[z] += arr[bin * d + z];
                    pop += Math.max(stock[z], 1);
                }
                double[] shares = new double[d];
                for (int z = 0; z < d; z++) {
                    shares[z] = (double) Math.max(stock[z], 1) / pop;
                }
                bin++;
                return new ClosedBin(new Observation(region, index++, names, boxed(shares), pop), od);
            }
        };
    }

    /**
     * The same source on the graph of its observed routes: the OD pairs with at least {@code minTrips} trips over the
     * whole data ({@link Graph#observed}), plus External linked both ways to every airport ({@link Graph#withHub}).
     */
    public static Source routes(Source s, double minTrips) {
        int d = s.zones().size();
        double[] counts = new double[d * d];
        List<TripEvent> trips = flightsTrips();
        Map<String, Integer> idx = new HashMap<>();
        for (int i = 0; i < d - 1; i++) {
            idx.put(s.zones().get(i), i);
        }
        for (TripEvent t : trips) {
            counts[idx.getOrDefault(t.origin(), d - 1) * d + idx.getOrDefault(t.destination(), d - 1)]++;
        }
        Graph g = Graph.observed(counts, d, minTrips).withHub(d - 1);
        return new Source() {
            public List<String> zones() {
                return s.zones();
            }

            public Graph graph() {
                return g;
            }

            public OnlineConfig config() {
                return s.config();
            }

            public ClosedBin next(String region) {
                return s.next(region);
            }
        };
    }

    static List<Double> boxed(double[] v) {
        List<Double> l = new ArrayList<>(v.length);
        for (double x : v) {
            l.add(x);
        }
        return l;
    }

    /** Modes: latency CASE [updates] | throughput REGIONS [rounds] | memory REGIONS [case]. */
    public static void main(String[] args) {
        String mode = args.length > 0 ? args[0] : "latency";
        switch (mode) {
            case "latency" -> latency(args.length > 1 ? args[1] : "city263", args.length > 2 ? Integer.parseInt(args[2]) : 200,
                    args.length > 3 ? Integer.parseInt(args[3]) : 10);
            case "throughput" -> throughput(args.length > 1 ? Integer.parseInt(args[1]) : 100,
                    args.length > 2 ? Integer.parseInt(args[2]) : 5);
            case "memory" -> memory(args.length > 1 ? Integer.parseInt(args[1]) : 1000, args.length > 2 ? args[2] : "flights11");
            default -> throw new IllegalArgumentException("mode: latency | throughput | memory, got " + mode);
        }
    }

    /**
     * Per-update thread CPU and wall time over {@code n} consecutive warm-state updates after the window filled and
     * {@code -Dscale.warmup} (default 40) more updates, and the warm/cold iteration ratio on every {@code every}-th bin
     * ({@link WarmColdHarness#compare}: a cold start on the same window, then the warm update; excluded from the
     * timings).
     */
    static void latency(String name, int n, int every) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long c0 = mx.getCurrentThreadCpuTime();
        Source s = source(name);
        System.out.printf(Locale.ROOT, "%s: %d states, %d edges, window %d bins of %.2f h; source built in %.2f s CPU%n",
                name, s.zones().size(), s.graph() == null ? s.zones().size() * (s.zones().size() - 1) : s.graph().edges(),
                s.config().windowBins(), s.config().binHours(), (mx.getCurrentThreadCpuTime() - c0) / 1e9);
        c0 = mx.getCurrentThreadCpuTime();
        RegionCalibrator rc = new RegionCalibrator(s.config(), "r", s.zones(), s.graph(), CalibrationListener.NONE);
        double firstCold = 0;
        // Warm-up: the JIT compiles the update path over its first few dozen updates (the vector kernels' C2 code
        // last); the timed updates are those of a running service. The warm-up's own figures are printed too.
        final int warmup = Integer.getInteger("scale.warmup", 40);
        double[] warm = new double[warmup];
        int warmed = 0;
        for (int i = 0; i < s.config().windowBins() + warmup; i++) {
            long k0 = mx.getCurrentThreadCpuTime();
            UpdateResult r = rc.update(s.next("r"));
            double ms = (mx.getCurrentThreadCpuTime() - k0) / 1e6;
            if (r.parameters() != null && firstCold == 0) {
                firstCold = ms;
            } else if (r.parameters() != null && warmed < warmup) {
                warm[warmed++] = ms;
            }
        }
        warm = Arrays.copyOf(warm, warmed);
        System.out.printf(Locale.ROOT, "setup (fill, first cold start %.0f ms CPU, %d warm-up updates: CPU ms p50 %.1f max"
                        + " %.1f): %.2f s CPU%n", firstCold, warmed, warmed == 0 ? 0 : pct(warm, 0.5),
                warmed == 0 ? 0 : pct(warm, 1), (mx.getCurrentThreadCpuTime() - c0) / 1e9);
        double[] cpu = new double[n];
        double[] wall = new double[n];
        int cold = 0, degraded = 0, measured = 0;
        long steps = 0, iters = 0, adjoint = 0;
        long warmIt = 0, coldIt = 0;
        int reached = 0;
        WarmColdComparison[] cmp = new WarmColdComparison[1];
        for (int i = 0; i < n; i++) {
            if (every > 0 && i % every == every - 1) {
                WarmColdHarness.compare(rc, s.next("r"), cmp);
                if (cmp[0] != null) {
                    warmIt += cmp[0].warmIterations();
                    coldIt += cmp[0].coldIterations();
                    measured++;
                    reached += cmp[0].reached() ? 1 : 0;
                }
            }
            long t0 = System.nanoTime();
            long k0 = mx.getCurrentThreadCpuTime();
            UpdateResult r = rc.update(s.next("r"));
            cpu[i] = (mx.getCurrentThreadCpuTime() - k0) / 1e6;
            wall[i] = (System.nanoTime() - t0) / 1e6;
            ParameterUpdate p = r.parameters();
            if (p != null && Boolean.getBoolean("scale.trace")) {
                System.out.printf(Locale.ROOT, "update %d: CPU %.1f ms, steps %d, iterations %d (adjoint %d)%n", i,
                        cpu[i], p.optimiserSteps(), p.picardIterations() + p.adjointIterations(),
                        p.adjointIterations());
            }
            if (p != null) {
                steps += p.optimiserSteps();
                iters += p.picardIterations() + p.adjointIterations();
                adjoint += p.adjointIterations();
                cold += p.start() == ParameterUpdate.Start.COLD ? 1 : 0;
                degraded += p.health().state() == org.mfgcal.api.Health.State.DEGRADED ? 1 : 0;
            }
        }
        double total = Arrays.stream(cpu).sum();
        System.out.printf(Locale.ROOT, "%d updates: CPU ms p50 %.1f p90 %.1f p99 %.1f max %.1f; wall ms p50 %.1f p99 %.1f;"
                        + " mean optimiser steps %.2f, solver iterations %.1f (adjoint %.1f); cold starts %d; degraded %d;"
                        + " %.1f updates/s per core%n",
                n, pct(cpu, 0.5), pct(cpu, 0.9), pct(cpu, 0.99), pct(cpu, 1), pct(wall, 0.5), pct(wall, 0.99),
                (double) steps / n, (double) iters / n, (double) adjoint / n, cold, degraded, 1000 * n / total);
        if (measured > 0) {
            System.out.printf(Locale.ROOT, "warm/cold iterations %.3f (%d comparisons, warm reached the cold loss in %d)%n",
                    (double) warmIt / coldIt, measured, reached);
        }
    }

    /**
     * Many 11-state regions (flights11 renamed r0..r{R−1}) in one thread: each round gives every region its next bin.
     * Prints updates per second of thread CPU over the warm rounds.
     */
    static void throughput(int regions, int rounds) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Source s = flights(10);
        List<ClosedBin> bins = new ArrayList<>();
        int fill = s.config().windowBins() + 2;
        for (int i = 0; i < fill + rounds; i++) {
            bins.add(s.next("x"));
        }
        RegionCalibrator[] rcs = new RegionCalibrator[regions];
        for (int r = 0; r < regions; r++) {
            rcs[r] = new RegionCalibrator(s.config(), "r" + r, s.zones(), null, CalibrationListener.NONE);
        }
        long c0 = mx.getCurrentThreadCpuTime();
        for (int i = 0; i < fill; i++) {
            for (int r = 0; r < regions; r++) {
                rcs[r].update(rename(bins.get(i), "r" + r));
            }
        }
        double fillS = (mx.getCurrentThreadCpuTime() - c0) / 1e9;
        c0 = mx.getCurrentThreadCpuTime();
        long w0 = System.nanoTime();
        for (int i = fill; i < fill + rounds; i++) {
            for (int r = 0; r < regions; r++) {
                rcs[r].update(rename(bins.get(i), "r" + r));
            }
        }
        double cpu = (mx.getCurrentThreadCpuTime() - c0) / 1e9;
        double wall = (System.nanoTime() - w0) / 1e9;
        System.out.printf(Locale.ROOT, "%d regions × %d warm rounds (11 states, 110 edges, hourly): %.1f updates/s per"
                + " core (thread CPU), %.1f/s wall; fill + cold starts %.1f s CPU%n", regions, rounds,
                regions * rounds / cpu, regions * rounds / wall, fillS);
    }

    static ClosedBin rename(ClosedBin b, String region) {
        Observation o = b.observation();
        return new ClosedBin(new Observation(region, o.bin(), o.zones(), o.shares(), o.population()), b.od());
    }

    /**
     * Heap per region: {@code regions} calibrators of {@code name} are built and each is run until warm (window full,
     * cold start, 2 warm updates); the used heap after a full GC, divided by the regions, and the warm-state snapshot
     * size. Run with {@code -Xmx2g} to check that they fit.
     */
    static void memory(int regions, String name) {
        Source s = source(name);
        List<ClosedBin> bins = new ArrayList<>();
        int fill = s.config().windowBins() + 3;
        for (int i = 0; i < fill; i++) {
            bins.add(s.next("x"));
        }
        long before = usedAfterGc();
        RegionCalibrator[] rcs = new RegionCalibrator[regions];
        long t0 = System.nanoTime();
        for (int r = 0; r < regions; r++) {
            rcs[r] = new RegionCalibrator(s.config(), "r" + r, s.zones(), s.graph(), CalibrationListener.NONE);
            for (ClosedBin b : bins) {
                rcs[r].update(rename(b, "r" + r));
            }
        }
        long after = usedAfterGc();
        int snapshot = rcs[0].exportState().length;
        System.out.printf(Locale.ROOT, "%d warm regions of %s (%d states): heap %.1f MB in all, %.3f MB per region;"
                        + " warm-state snapshot %.3f MB per region; max heap %.0f MB; %.1f s%n", regions, name,
                s.zones().size(), (after - before) / 1e6, (after - before) / 1e6 / regions, snapshot / 1e6,
                Runtime.getRuntime().maxMemory() / 1e6, (System.nanoTime() - t0) / 1e9);
        if (rcs[regions - 1] == null) {
            throw new IllegalStateException();
        }
    }

    private static long usedAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }

    private static double pct(double[] v, double q) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[Math.min(s.length - 1, (int) Math.ceil(q * s.length) - 1)];
    }
}
