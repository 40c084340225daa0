package org.mfgcal.app.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIf;
import org.junit.jupiter.api.condition.EnabledIf;
import org.mfgcal.ingest.IngestEvent;
import org.mfgcal.ingest.flights.FlightsData;

/**
 * Issue 12, must show 5 (scaled down, RELIABILITY.md): the {@value References#REGIONS}-region input published at
 * 10× the rate of the paced reference run (about one event-hour of all regions per second, ≈ 8 bins/s; the service
 * sustains 25–33 bins/s on 2 cores, so this is about 3× its sustainable rate, as a burst of a few seconds), so the
 * service runs with a backlog for most of the run. Its heap stays below 512 MB
 * ({@code jvm_memory_used_bytes{area="heap"}}, sampled every 500 ms), the consumer pauses its partitions
 * ({@code mfgcal_consumer_paused_partitions} &gt; 0 seen), the lag is visible ({@code mfgcal_consumer_lag_records}
 * &gt; 0 seen), nothing is dropped or dead-lettered, the backlog drains, and the read_committed outputs equal the
 * paced run's record for record. The regions' {@code idleTimeout} is {@link #IDLE} (5 s), far below the pauses of
 * the backlog: idle detection must ignore regions whose partitions are paused or lagging (with the former
 * processing-time rule a 5 s idle timeout produced gaps and a negative stock under this load).
 *
 * <p><b>Long mode</b> (off by default; the CI suite runs the short test only): with
 * {@code -Doverload.publishSeconds=N} (or the environment variable {@code MFGCAL_OVERLOAD_SECONDS}) the test instead
 * measures the sustainable rate (bins committed per second while draining an unpaced backlog), then publishes N
 * seconds' worth of 10× that rate — N × 10 × (bins per second) bins of the 3-month flights file
 * ({@link FlightsData#FULL}), spread over 8 or more regions (a multiple of the 4 partitions; at most
 * {@link #MAX_HOURS} event-hours each) — and compares with a run of the same data paced at 0.9× the sustainable
 * rate. Issue 12's number is N = 120: about 20 minutes of backlog, 50 minutes in all on 2 cores.
 */
class OverloadIT {

    static final long HEAP_LIMIT = 512L * 1024 * 1024;
    /**
     * Far below the pauses a backlog causes (the reference run uses {@link References#IDLE}): a region whose
     * partition is paused, lagging or has records queued is not idle, so its bins still close by event time only.
     */
    static final Duration IDLE = Duration.ofSeconds(5);
    /** System property (or environment variable {@link #SECONDS_ENV}) switching the long mode on: seconds of 10×. */
    static final String SECONDS_PROPERTY = "overload.publishSeconds";
    static final String SECONDS_ENV = "MFGCAL_OVERLOAD_SECONDS";
    /** Long mode: event-hours per region of the unpaced backlog whose drain measures the sustainable rate. */
    static final int PROBE_HOURS = 120;
    /**
     * Long mode: the rate is measured once every region has committed this many bins (window full, drift channels
     * armed).
     */
    static final int PROBE_SKIP_HOURS = 60;
    /** Long mode: at most this many event-hours per region (the 3-month data holds 2,160). */
    static final int MAX_HOURS = 2_100;
    /** Long mode: the reference run is paced at this fraction of the measured sustainable rate. */
    static final double REFERENCE_PACE = 0.9;

    /** Seconds of overload of the long mode, 0 when it is off. */
    static int publishSeconds() {
        String v = System.getProperty(SECONDS_PROPERTY, "");
        String from = SECONDS_PROPERTY;
        if (v.isBlank()) {
            v = System.getenv().getOrDefault(SECONDS_ENV, "");
            from = SECONDS_ENV;
        }
        if (v.isBlank()) {
            return 0;
        }
        try {
            int s = Integer.parseInt(v.trim());
            if (s < 1) {
                throw new NumberFormatException();
            }
            return s;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(from + " must be a whole number of seconds >= 1, got '" + v + "'");
        }
    }

    static boolean longMode() {
        return publishSeconds() > 0;
    }

    @Test
    @DisabledIf("longMode")
    void tenTimesTheSustainableRate_backpressureHoldsAndOutputsEqualPacedRun() throws Exception {
        Path dir = Harness.workDir("overload");
        Harness.Dump ref = References.multi(dir);
        BrokerProcess b = Harness.sharedBroker();
        long t0 = System.nanoTime();
        List<IngestEvent> events = References.multi();
        double paced = events.size() / (double) (References.HOURS + References.REGIONS);
        Run r = overload(b, dir, "overload", Harness.regionIds(References.REGIONS, References.PARTITIONS),
                events, 10 * paced, Duration.ofSeconds(300), false);
        Harness.Diff d = Harness.compare(ref, r.dump());
        Harness.report(String.format(Locale.ROOT, "OverloadIT: %,d records of %d regions at %.0f/s (10x the paced %.0f/s);"
                        + " heap peak %.0f MB; paused partitions peak %.0f; lag peak %.0f, at the end %.0f; dead letters"
                        + " %.0f; outputs %s; lost %d, duplicated %d, differing %d, extra %d; %.0f s", events.size(),
                References.REGIONS, 10 * paced, paced, r.heapPeak() / (1 << 20), r.pausedPeak(), r.lagPeak(),
                r.finalLag(), r.deadLetters(), Harness.counts(r.dump()), d.lost(), d.duplicated(), d.differing(),
                d.extra(), (System.nanoTime() - t0) / 1e9));
        check(r, d);
    }

    /**
     * Issue 12's numbers: {@link #publishSeconds()} seconds at 10× the measured sustainable rate, 8 or more regions
     * on 4 partitions, the 3-month data.
     */
    @Test
    @EnabledIf("longMode")
    void longMode_tenTimesTheSustainableRateForMinutes() throws Exception {
        int seconds = publishSeconds();
        long t0 = System.nanoTime();
        Path dir = Harness.workDir("overload-long");
        BrokerProcess b = Harness.sharedBroker();
        // 1. the sustainable rate: bins committed per second while the service drains an unpaced backlog
        double binsPerSecond = probe(b, dir, Harness.regionIds(References.REGIONS, References.PARTITIONS));

        // 2. the input: `seconds` at 10x that rate = that many bins, spread over at least 8 regions (a multiple of
        // the 4 partitions) of at most MAX_HOURS event-hours each (the data's length)
        double bins = seconds * 10 * binsPerSecond;
        int n = (int) Math.max(References.REGIONS, Math.ceil(bins / MAX_HOURS));
        n = (n + References.PARTITIONS - 1) / References.PARTITIONS * References.PARTITIONS;
        List<String> ids = Harness.regionIds(n, References.PARTITIONS);
        int hours = (int) Math.ceil(bins / n);
        List<IngestEvent> events = inputOf(ids, hours);
        double sustainable = binsPerSecond * events.size() / ((double) hours * ids.size()); // records per second
        Harness.report(String.format(Locale.ROOT, "OverloadIT long: sustainable %.2f bins/s = %.0f records/s; input %d"
                        + " regions x %d event-hours = %,d records", binsPerSecond, sustainable, ids.size(), hours,
                events.size()));

        // 3. the paced reference (0.9x the sustainable rate), as long as the data
        double pace = REFERENCE_PACE * sustainable;
        Duration refTimeout = Duration.ofSeconds((long) (1.5 * events.size() / pace) + 600);
        createStateTopic(b, Harness.Topics.prefixed("ref-overload-long"));
        Harness.Dump ref = References.run(b, dir, "ref-overload-long", ids, References.PARTITIONS, events, pace,
                refTimeout);

        // 4. the overload: 10x the sustainable rate
        Duration drainTimeout = Duration.ofSeconds((long) (2 * events.size() / sustainable) + 600);
        Run r = overload(b, dir, "overload-long", ids, events, 10 * sustainable, drainTimeout, true);
        Harness.Diff d = Harness.compare(ref, r.dump());
        Harness.report(String.format(Locale.ROOT, "OverloadIT long: %,d records of %d regions (%d event-hours each,"
                        + " 3-month data) published in %.1f s = %.0f/s = %.1fx the sustainable %.0f/s (%.2f bins/s);"
                        + " backlog drained %.1f s after the last publish; heap peak %.0f MB; paused partitions peak"
                        + " %.0f; lag peak %.0f, at the end %.0f; dead letters %.0f; outputs %s; lost %d, duplicated %d,"
                        + " differing %d, extra %d; reference paced at %.0f/s; total %.0f s", events.size(), ids.size(),
                hours, r.publishSeconds(), events.size() / r.publishSeconds(),
                events.size() / r.publishSeconds() / sustainable, sustainable, binsPerSecond, r.drainSeconds(),
                r.heapPeak() / (1 << 20), r.pausedPeak(), r.lagPeak(), r.finalLag(), r.deadLetters(),
                Harness.counts(r.dump()), d.lost(), d.duplicated(), d.differing(), d.extra(), pace,
                (System.nanoTime() - t0) / 1e9));
        check(r, d);
    }

    private static void check(Run r, Harness.Diff d) {
        assertTrue(r.heapPeak() > 0 && r.heapPeak() < HEAP_LIMIT, "heap peak " + r.heapPeak());
        assertTrue(r.pausedPeak() > 0, "the consumer never paused its partitions");
        assertTrue(r.lagPeak() > 0, "no lag was ever reported");
        assertEquals(0, r.deadLetters(), "dead letters");
        assertTrue(d.none(), "outputs differ from the paced run: " + d);
    }

    /** What one overload run saw. */
    record Run(Harness.Dump dump, double heapPeak, double pausedPeak, double lagPeak, double finalLag,
               double deadLetters, double publishSeconds, double drainSeconds) {
    }

    /**
     * Starts the service, publishes {@code events} at {@code perSecond} while sampling its metrics every 500 ms until
     * every region committed its last closed bin, stops it (SIGTERM) and dumps the outputs.
     */
    private static Run overload(BrokerProcess b, Path dir, String name, List<String> regions, List<IngestEvent> events,
                                double perSecond, Duration drainTimeout, boolean stateTopicWithoutCompaction)
            throws Exception {
        Map<String, Long> last = Harness.lastClosedBinEnd(events);
        Harness.Topics t = Harness.Topics.prefixed(name);
        b.createTopics(References.PARTITIONS, Map.of(), t.input());
        if (stateTopicWithoutCompaction) {
            createStateTopic(b, t);
        }
        int port = Procs.freePort();
        double heapPeak = 0;
        double pausedPeak = 0;
        double lagPeak = 0;
        double finalLag;
        double deadLetters;
        long published = 0;
        long drained;
        long start;
        try (ServiceProcess s = new ServiceProcess(name, dir, Harness.serviceYaml(b.bootstrap(), name,
                name + "-0", t, References.PARTITIONS, Harness.regionsFile(dir, regions, IDLE), port,
                Harness.testKafkaProperties()), port, List.of("-Xmx768m"))) {
            s.start();
            start = System.nanoTime();
            CompletableFuture<Void> pub = Harness.publishAsync(b.bootstrap(), References.records(t.input(), events),
                    perSecond);
            long deadline = System.nanoTime() + drainTimeout.toNanos();
            while (true) {
                ServiceProcess.Scrape sc = s.scrape();
                heapPeak = Math.max(heapPeak, sc.sum("jvm_memory_used_bytes", Map.of("area", "heap")));
                pausedPeak = Math.max(pausedPeak, sc.sum("mfgcal_consumer_paused_partitions", Map.of()));
                lagPeak = Math.max(lagPeak, sc.sum("mfgcal_consumer_lag_records", Map.of()));
                if (published == 0 && pub.isDone()) {
                    published = System.nanoTime();
                }
                boolean done = pub.isDone() && last.entrySet().stream().allMatch(e -> sc.max(
                        "mfgcal_last_committed_bin_timestamp_seconds", Map.of("region", e.getKey())) >= e.getValue());
                if (done) {
                    drained = System.nanoTime();
                    break;
                }
                assertTrue(s.alive(), "the service stopped:\n" + s.logTail(30));
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("backlog not drained within " + drainTimeout + ":\n" + s.logTail(30));
                }
                Thread.sleep(500);
            }
            pub.get();
            Thread.sleep(3000); // one more lag reading (every 2 s)
            ServiceProcess.Scrape end = s.scrape();
            finalLag = end.sum("mfgcal_consumer_lag_records", Map.of());
            deadLetters = end.sum("mfgcal_dead_letter_records_total", Map.of());
            assertEquals(143, s.sigterm(Duration.ofSeconds(60)), "exit code after SIGTERM (128 + 15: clean stop)");
        }
        Harness.Dump run = Harness.dump(b.bootstrap(), t, last);
        Harness.drop(b, t);
        return new Run(run, heapPeak, pausedPeak, lagPeak, finalLag, deadLetters, (published - start) / 1e9,
                (drained - published) / 1e9);
    }

    /**
     * Long mode: the state topic created before the service (which keeps an existing topic) without compaction,
     * so the dump sees every state: GBs of states roll segments, and the log cleaner would otherwise remove
     * earlier states of a region at a time that differs between the two runs.
     */
    private static void createStateTopic(BrokerProcess b, Harness.Topics t) throws Exception {
        b.createTopics(References.PARTITIONS, Map.of("cleanup.policy", "delete", "retention.ms", "-1",
                "retention.bytes", "-1", "max.message.bytes", Integer.toString(32 * 1024 * 1024)), t.state());
    }

    /** Long mode: the first {@code hours} event-hours of the 3-month data per region, region k shifted by k hours. */
    private static List<IngestEvent> inputOf(List<String> ids, int hours) {
        return Harness.flightsRegions(ids, hours);
    }

    /**
     * Long mode: the sustainable rate in bins (of all regions) per second. {@link #PROBE_HOURS} event-hours per
     * region published unpaced before the service starts; the rate is the bins committed between the moment every
     * region has committed {@link #PROBE_SKIP_HOURS} bins and the moment every region has committed its last one,
     * from {@code mfgcal_last_committed_bin_timestamp_seconds} (sampled every 250 ms).
     */
    private static double probe(BrokerProcess b, Path dir, List<String> ids) throws Exception {
        List<IngestEvent> events = inputOf(ids, PROBE_HOURS);
        Map<String, Long> last = Harness.lastClosedBinEnd(events);
        Map<String, Long> from = Harness.binEndAfter(events, PROBE_SKIP_HOURS);
        Harness.Topics t = Harness.Topics.prefixed("overload-probe");
        b.createTopics(References.PARTITIONS, Map.of(), t.input());
        Harness.publish(b.bootstrap(), References.records(t.input(), events), 0);
        int port = Procs.freePort();
        long t1 = 0;
        double bins1 = 0;
        try (ServiceProcess s = new ServiceProcess("overload-probe", dir, Harness.serviceYaml(b.bootstrap(),
                "overload-probe", "overload-probe-0", t, References.PARTITIONS,
                Harness.regionsFile(dir, ids, References.IDLE), port, Harness.testKafkaProperties()), port,
                List.of("-Xmx768m"))) {
            s.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(900).toNanos();
            while (true) {
                ServiceProcess.Scrape sc = s.scrape();
                long now = System.nanoTime();
                Map<String, Double> at = new TreeMap<>();
                for (String r : ids) {
                    at.put(r, sc.max("mfgcal_last_committed_bin_timestamp_seconds", Map.of("region", r)));
                }
                double bins = at.values().stream().mapToDouble(v -> Double.isNaN(v) ? 0 : v / 3600).sum();
                if (t1 == 0 && ids.stream().allMatch(r -> at.get(r) >= from.get(r))) {
                    t1 = now;
                    bins1 = bins;
                }
                if (ids.stream().allMatch(r -> at.get(r) >= last.get(r))) {
                    double rate = (bins - bins1) / ((now - t1) / 1e9);
                    Harness.report(String.format(Locale.ROOT, "OverloadIT long: probe of %,d records (%d regions x %d"
                                    + " event-hours, unpaced backlog): %.0f bins committed in %.1f s = %.2f bins/s",
                            events.size(), ids.size(), PROBE_HOURS, bins - bins1, (now - t1) / 1e9, rate));
                    s.sigterm(Duration.ofSeconds(60));
                    Harness.drop(b, t);
                    return rate;
                }
                assertTrue(s.alive(), "the probe service stopped:\n" + s.logTail(30));
                if (now > deadline) {
                    throw new AssertionError("probe backlog not drained within 900 s:\n" + s.logTail(30));
                }
                Thread.sleep(250);
            }
        }
    }
}
