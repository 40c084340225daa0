package org.mfgcal.bench;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.mfgcal.ingest.Binning;
import org.mfgcal.ingest.RecordCodec;
import org.mfgcal.ingest.RegionConfigs;
import org.mfgcal.ingest.TripEvent;
import org.mfgcal.ingest.flights.FlightsCsv;
import org.mfgcal.ingest.flights.FlightsData;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * In-process event-time binning throughput on one core: the real Jan–Mar 2001 flights (231,083 trips, region
 * top-10 + External, hourly bins). Scores are events per second ({@code @OperationsPerInvocation}).
 *
 * <p>Run: {@code bin/mfgcal bench BinningBench} or
 * {@code java -jar bench/target/benchmarks.jar BinningBench -f 1 -wi 3 -i 5}. Results: ingest/BENCHMARKS.md.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class BinningBench {

    /** Trips in flights-3m.csv. */
    static final int N = 231_083;

    private List<TripEvent> trips;
    private byte[][] json;
    private RegionConfigs regions;

    @Setup
    public void setup() {
        trips = FlightsCsv.readShipped(FlightsData.FULL);
        if (trips.size() != N) {
            throw new IllegalStateException("expected " + N + " trips, got " + trips.size());
        }
        regions = RegionConfigs.loadSpec(FlightsData.REGION);
        json = new byte[N][];
        for (int i = 0; i < N; i++) {
            json[i] = RecordCodec.toJson(trips.get(i)).getBytes(StandardCharsets.UTF_8);
        }
    }

    /** Validated events → snapshots (the binner alone). */
    @Benchmark
    @OperationsPerInvocation(N)
    public void bin(Blackhole bh) {
        bh.consume(Binning.run(trips, regions, true).snapshots());
    }

    /** JSON bytes → {@code RecordCodec.parse} only (the parser's share of {@link #parseAndBin}). */
    @Benchmark
    @OperationsPerInvocation(N)
    public void parse(Blackhole bh) {
        byte[] key = "flights".getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < N; i++) {
            bh.consume(RecordCodec.parse(key, json[i]));
        }
    }

    /** Trips → JSON bytes ({@code RecordCodec.toBytes}, the replay's per-record serialisation). */
    @Benchmark
    @OperationsPerInvocation(N)
    public void toBytes(Blackhole bh) {
        for (int i = 0; i < N; i++) {
            bh.consume(RecordCodec.toBytes(trips.get(i)));
        }
    }

    /** JSON bytes → parse and validate → bin: the per-record work of the pipeline's binning thread. */
    @Benchmark
    @OperationsPerInvocation(N)
    public void parseAndBin(Blackhole bh) {
        Binning b = new Binning(regions);
        java.util.ArrayList<org.mfgcal.ingest.PopulationSnapshot> out = new java.util.ArrayList<>();
        byte[] key = "flights".getBytes(StandardCharsets.UTF_8);
        long wall = System.currentTimeMillis();
        for (int i = 0; i < N; i++) {
            b.offer(RecordCodec.parse(key, json[i]), i, 0, wall, out);
        }
        b.flush(out);
        bh.consume(out);
    }
}
