package org.mfgcal.calibrator.synthetic;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.mfgcal.calibrator.game.Graph;

/**
 * A synthetic city for tests and benchmarks at scale, without private data: zones on a plane, a k-nearest-neighbour
 * road graph, a gravity-model demand with a morning and an evening peak, and trips drawn as Poisson counts.
 *
 * <ul>
 *   <li><b>Zones.</b> {@code d} points uniform in a square of side {@value #SIDE_KM} km. Each zone has a
 *       residential weight (uniform in [0.5, 1.5]) and a job weight that decays with the distance r from the centre,
 *       {@code 0.2 + 3·exp(−r²/(2·3²))}.</li>
 *   <li><b>Graph.</b> {@link Graph#nearest} with {@code k} neighbours (symmetric: every zone has ≥ k).</li>
 *   <li><b>Demand.</b> Along edge x→y the hourly rate per person at hour-of-day h is
 *       {@code level(h) · A_y(h)/dist_xy² / Σ_{y'} A_{y'}(h)/dist_{xy'}²} (a gravity model restricted to the road
 *       graph: longer trips are chains of hops), with attraction A = the job weights in the morning peak (Gaussian
 *       around 8:00, sd 1 h), the residential weights in the evening peak (around 17:30, sd 1.2 h), their mean off-peak,
 *       and {@code level(h) = base·(1 + 4·morning(h) + 4·evening(h))} per hour.</li>
 *   <li><b>Trips.</b> Per bin of {@code binHours}, the trips on edge x→y are Poisson with mean stock_x · q_xy · Δt,
 *       thinned when a zone would send more people than it holds; stocks then move with the trips (a closed
 *       population, every share is stock / population).</li>
 * </ul>
 *
 * <p>Deterministic given the seeds. Immutable; {@link Trips} is a stateful, single-threaded generator.
 */
public final class SyntheticCity {
    /** Side of the square the zones lie in, km. */
    public static final double SIDE_KM = 20;
    /** Mean outgoing rate per person and hour off-peak. */
    public static final double BASE_RATE = 0.04;

    private final int d;
    private final double[] xs;
    private final double[] ys;
    private final double[] homes;
    private final double[] jobs;
    private final Graph graph;
    private final double[] invDist2;   // per edge 1 / dist²

    private SyntheticCity(int d, double[] xs, double[] ys, double[] homes, double[] jobs, Graph graph) {
        this.d = d;
        this.xs = xs;
        this.ys = ys;
        this.homes = homes;
        this.jobs = jobs;
        this.graph = graph;
        this.invDist2 = new double[graph.edges()];
        for (int e = 0; e < graph.edges(); e++) {
            double dx = xs[graph.from(e)] - xs[graph.to(e)];
            double dy = ys[graph.from(e)] - ys[graph.to(e)];
            invDist2[e] = 1 / (dx * dx + dy * dy + 0.25); // + (0.5 km)²: coincident zones stay finite
        }
    }

    /**
     * A city of {@code zones} zones linked to their {@code k} nearest neighbours.
     *
     * @throws IllegalArgumentException when zones &lt; 2 or k is not in 1..zones−1
     */
    public static SyntheticCity generate(int zones, int k, long seed) {
        if (zones < 2) {
            throw new IllegalArgumentException("synthetic city: zones = " + zones + " must be ≥ 2");
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        double[] xs = new double[zones];
        double[] ys = new double[zones];
        double[] homes = new double[zones];
        double[] jobs = new double[zones];
        for (int x = 0; x < zones; x++) {
            xs[x] = SIDE_KM * rnd.nextDouble();
            ys[x] = SIDE_KM * rnd.nextDouble();
            homes[x] = 0.5 + rnd.nextDouble();
            double cx = xs[x] - SIDE_KM / 2;
            double cy = ys[x] - SIDE_KM / 2;
            jobs[x] = 0.2 + 3 * Math.exp(-(cx * cx + cy * cy) / (2 * 9.0));
        }
        return new SyntheticCity(zones, xs, ys, homes, jobs, Graph.nearest(xs, ys, k));
    }

    public int zones() {
        return d;
    }

    public Graph graph() {
        return graph;
    }

    /** Zone names {@code Z000, Z001, …} in state order. */
    public List<String> zoneNames() {
        List<String> names = new ArrayList<>(d);
        String fmt = "Z%0" + Math.max(3, String.valueOf(d - 1).length()) + "d";
        for (int x = 0; x < d; x++) {
            names.add(String.format(java.util.Locale.ROOT, fmt, x));
        }
        return names;
    }

    /** Zone x coordinate, km. */
    public double x(int zone) {
        return xs[zone];
    }

    /** Zone y coordinate, km. */
    public double y(int zone) {
        return ys[zone];
    }

    static double morning(double hour) {
        double z = (hour - 8.0) / 1.0;
        return Math.exp(-0.5 * z * z);
    }

    static double evening(double hour) {
        double z = (hour - 17.5) / 1.2;
        return Math.exp(-0.5 * z * z);
    }

    /** The true rates per person and hour on every edge (CSR order) at {@code hourOfDay} ∈ [0, 24), into {@code q}. */
    public void rates(double hourOfDay, double[] q) {
        double m = morning(hourOfDay);
        double ev = evening(hourOfDay);
        double off = Math.max(0, 1 - m - ev);              // off-peak weight
        double wJobs = (m + 0.5 * off) / (m + ev + off);    // share of the job weights in the attraction
        double level = BASE_RATE * (1 + 4 * m + 4 * ev);
        for (int x = 0; x < d; x++) {
            int s = graph.rowStart(x);
            int t = graph.rowEnd(x);
            double sum = 0;
            for (int e = s; e < t; e++) {
                int y = graph.to(e);
                double a = (wJobs * jobs[y] + (1 - wJobs) * homes[y]) * invDist2[e];
                q[e] = a;
                sum += a;
            }
            for (int e = s; e < t; e++) {
                q[e] = sum > 0 ? level * q[e] / sum : 0;
            }
        }
    }

    /**
     * A trip generator: bins of {@code binHours} starting at midnight, {@code population} people placed by the
     * residential weights (largest remainder, every zone ≥ 1).
     */
    public Trips trips(double binHours, long population, long seed) {
        if (!(binHours > 0) || binHours > 24) {
            throw new IllegalArgumentException("synthetic city: binHours = " + binHours + " must be in (0, 24]");
        }
        if (population < d) {
            throw new IllegalArgumentException("synthetic city: population = " + population + " must be ≥ zones (" + d + ")");
        }
        return new Trips(binHours, population, seed);
    }

    /** One closed bin of the generator. */
    public record Bin(long index, double[] shares, long[] od, long population) {
        /** Trips from x to y during the bin. */
        public long odAt(int x, int y) {
            return od[x * shares.length + y];
        }
    }

    /** Successive bins of trips; not thread-safe. */
    public final class Trips {
        private final double binHours;
        private final long population;
        private final SplittableRandom rnd;
        private final long[] stock;
        private final double[] q;
        private long bin;

        private Trips(double binHours, long population, long seed) {
            this.binHours = binHours;
            this.population = population;
            this.rnd = new SplittableRandom(seed);
            this.stock = new long[d];
            this.q = new double[graph.edges()];
            double total = Arrays.stream(homes).sum();
            long placed = 0;
            for (int x = 0; x < d; x++) {
                stock[x] = 1 + (long) Math.floor((population - d) * homes[x] / total);
                placed += stock[x];
            }
            for (int x = 0; placed < population; x = (x + 1) % d) {
                stock[x]++;
                placed++;
            }
        }

        /** The current stock per zone (a copy). */
        public long[] stock() {
            return stock.clone();
        }

        /** Draws the trips of the next bin and moves the stocks; the returned shares are those at the bin's end. */
        public Bin next() {
            double hour = (bin * binHours) % 24.0 + binHours / 2;
            rates(hour % 24.0, q);
            long[] od = new long[d * d];
            long[] moved = new long[d];
            for (int x = 0; x < d; x++) {
                long out = 0;
                int s = graph.rowStart(x);
                int t = graph.rowEnd(x);
                for (int e = s; e < t; e++) {
                    long n = poisson(rnd, stock[x] * q[e] * binHours);
                    od[x * d + graph.to(e)] = n;
                    out += n;
                }
                if (out > stock[x]) { // thin: keep each trip with probability stock/out
                    long kept = 0;
                    for (int e = s; e < t; e++) {
                        int i = x * d + graph.to(e);
                        od[i] = binomial(rnd, od[i], (double) stock[x] / out);
                        kept += od[i];
                    }
                    for (int e = s; kept > stock[x] && e < t; e++) { // rounding guard, practically unused
                        int i = x * d + graph.to(e);
                        long cut = Math.min(od[i], kept - stock[x]);
                        od[i] -= cut;
                        kept -= cut;
                    }
                }
            }
            for (int x = 0; x < d; x++) {
                for (int e = graph.rowStart(x); e < graph.rowEnd(x); e++) {
                    long n = od[x * d + graph.to(e)];
                    moved[x] -= n;
                    moved[graph.to(e)] += n;
                }
            }
            double[] shares = new double[d];
            for (int x = 0; x < d; x++) {
                stock[x] += moved[x];
                shares[x] = (double) stock[x] / population;
            }
            return new Bin(bin++, shares, od, population);
        }
    }

    /** Poisson(λ) by Knuth's product method on pieces of mean ≤ 16 (exact; O(λ) draws). */
    static long poisson(SplittableRandom rnd, double lambda) {
        if (!(lambda >= 0) || Double.isInfinite(lambda)) {
            throw new IllegalArgumentException("poisson mean " + lambda + " must be finite and ≥ 0");
        }
        long n = 0;
        while (lambda > 0) {
            double piece = Math.min(lambda, 16);
            lambda -= piece;
            double limit = Math.exp(-piece);
            double p = rnd.nextDouble();
            while (p > limit) {
                n++;
                p *= rnd.nextDouble();
            }
        }
        return n;
    }

    static long binomial(SplittableRandom rnd, long n, double p) {
        long k = 0;
        for (long i = 0; i < n; i++) {
            if (rnd.nextDouble() < p) {
                k++;
            }
        }
        return k;
    }
}
