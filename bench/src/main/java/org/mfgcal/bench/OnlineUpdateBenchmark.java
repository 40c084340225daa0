package org.mfgcal.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.mfgcal.calibrator.online.CalibrationListener;
import org.mfgcal.calibrator.online.ClosedBin;
import org.mfgcal.calibrator.online.Observation;
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
 * OnlineUpdateBenchmark -prof gc} (SampleTime mode prints p0.99).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 10)
@Measurement(iterations = 3, time = 20)
@Fork(1)
public class OnlineUpdateBenchmark {
    static final int D = 21;
    static final double HOURS = 0.25;
    private RegionCalibrator rc;
    private List<String> zones;
    private double[] stock;
    private long bin;

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
        rc = new RegionCalibrator(OnlineConfig.defaults(HOURS), "bench", zones, CalibrationListener.NONE);
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
}
