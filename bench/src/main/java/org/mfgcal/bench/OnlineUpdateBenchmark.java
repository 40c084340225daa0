package org.mfgcal.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.mfgcal.api.CalibrationListener;
import org.mfgcal.api.ClosedBin;
import org.mfgcal.api.Observation;
import org.mfgcal.calibrator.online.OnlineConfig;
import org.mfgcal.calibrator.online.RegionCalibrator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Latency of one warm online update (issue 5, "must show" 2): a region of 21 states (20 zones + External), a window
 * of 96 bins (15-minute bins, one day), 420 edges, default loop config. Synthetic jump process with a daily cycle,
 * population 5000, OD counts. Each invocation processes the next closed bin (window shift, warm start, Adam steps,
 * Gauss–Newton probes, forecast with bands, drift).
 *
 * <p>Run: {@code ./mvnw -B -pl bench -am package -DskipTests && java -jar bench/target/benchmarks.jar
 * OnlineUpdateBenchmark -prof gc} (SampleTime mode prints p0.99). On a shared machine, where wall-clock percentiles
 * measure the other processes as much as this one, {@code java -cp bench/target/benchmarks.jar
 * org.mfgcal.bench.OnlineUpdateBenchmark 500} prints the percentiles of the updating thread's CPU time and of wall
 * time over 500 consecutive updates, and the regions updated per second per core.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 10)
@Measurement(iterations = 3, time = 20)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class OnlineUpdateBenchmark {
    static final int D = 21;
    static final double HOURS = 0.25;
    private RegionCalibrator rc;
    private List<String> zones;
    private double[] stock;
    private long bin;
    @org.openjdk.jmh.annotations.Param({"LBFGS"})
    public OnlineConfig.Optimizer optimizer = OnlineConfig.Optimizer.LBFGS;

    @Setup(Level.Trial)
    public void setUp() {
        zones = new ArrayList<>();
        for (int i = 0; i < D - 1; i++) {
            zones.add("Z" + i);
        }
        zones.add("External");
        stock = new double[D];
        for (int x = 0; x < D; x++) {
            stock[x] = 5000.0 / D;
        }
        OnlineConfig cfg = OnlineConfig.defaults(HOURS).withOptimizer(optimizer);
        if (System.getProperty("steps") != null) {
            String[] s = System.getProperty("steps").split(",");
            cfg = cfg.withSteps(Integer.parseInt(s[0]), Integer.parseInt(s[1]), Double.parseDouble(s[2]));
        }
        rc = new RegionCalibrator(cfg, "bench", zones,
                CalibrationListener.NONE);
        for (int i = 0; i < 96 + 8; i++) {
            rc.update(next()); // fill the window, cold start, a few warm updates
        }
    }

    static double rate(int x, int y, long b) {
        double base = 0.05 + 0.02 * ((x * 7 + y * 3) % 5);
        return base * (1 + 0.6 * Math.sin(2 * Math.PI * b / 96.0));
    }

    ClosedBin next() {
        long[] od = new long[D * D];
        double[] nx = stock.clone();
        for (int x = 0; x < D; x++) {
            double total = 0;
            for (int y = 0; y < D; y++) {
                total += y == x ? 0 : rate(x, y, bin);
            }
            double leave = stock[x] * -Math.expm1(-HOURS * total);
            for (int y = 0; y < D; y++) {
                if (y != x) {
                    double f = leave * rate(x, y, bin) / total;
                    od[x * D + y] = Math.round(f);
                    nx[x] -= f;
                    nx[y] += f;
                }
            }
        }
        stock = nx;
        double sum = 0;
        for (double s : stock) {
            sum += s;
        }
        List<Double> shares = new ArrayList<>();
        for (double s : stock) {
            shares.add(s / sum);
        }
        return new ClosedBin(new Observation("bench", bin++, zones, shares, 5000), od);
    }

    @Benchmark
    public Object warmUpdate() {
        return rc.update(next());
    }

    /** Percentiles of per-update thread CPU and wall time; args: updates (default 500) [optimizer lbfgs|adam]. */
    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 500;
        OnlineUpdateBenchmark b = new OnlineUpdateBenchmark();
        if (args.length > 1) {
            b.optimizer = OnlineConfig.Optimizer.parse(args[1]);
        }
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long c0 = mx.getCurrentThreadCpuTime();
        b.setUp();
        System.out.printf(java.util.Locale.ROOT, "setup (fill the window, cold start, 8 warm updates): %.2f s CPU%n",
                (mx.getCurrentThreadCpuTime() - c0) / 1e9);
        double[] cpu = new double[n];
        double[] wall = new double[n];
        int cold = 0;
        long steps = 0;
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            long k0 = mx.getCurrentThreadCpuTime();
            org.mfgcal.api.UpdateResult r = b.rc.update(b.next());
            cpu[i] = (mx.getCurrentThreadCpuTime() - k0) / 1e6;
            wall[i] = (System.nanoTime() - t0) / 1e6;
            if (r.parameters() != null) {
                steps += r.parameters().optimiserSteps();
                if (r.parameters().start() == org.mfgcal.api.ParameterUpdate.Start.COLD) {
                    cold++;
                }
            }
        }
        double total = 0;
        for (double c : cpu) {
            total += c;
        }
        System.out.printf(java.util.Locale.ROOT, "%d updates (%s, d = %d, W = 96): CPU ms p50 %.1f p90 %.1f p99 %.1f max %.1f;"
                + " wall ms p50 %.1f p99 %.1f; mean steps %.1f; cold starts %d; %.1f region updates/s per core%n", n,
                b.optimizer, D, pct(cpu, 0.5), pct(cpu, 0.9), pct(cpu, 0.99), pct(cpu, 1), pct(wall, 0.5),
                pct(wall, 0.99), (double) steps / n, cold, 1000 * n / total);
    }

    private static double pct(double[] v, double q) {
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        return s[Math.min(s.length - 1, (int) Math.ceil(q * s.length) - 1)];
    }
}
