package org.mfgcal.app.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;
import org.mfgcal.ingest.IngestEvent;

/**
 * Issue 12, must show 5 (scaled down, RELIABILITY.md): the {@value References#REGIONS}-region input published at
 * 10× the rate of the paced reference run (which the service sustains: about one event-hour of all regions per
 * second), so the service runs with a backlog for most of the run. Its heap stays below 512 MB
 * ({@code jvm_memory_used_bytes{area="heap"}}, sampled every 500 ms), the consumer pauses its partitions
 * ({@code mfgcal_consumer_paused_partitions} &gt; 0 seen), the lag is visible ({@code mfgcal_consumer_lag_records}
 * &gt; 0 seen), nothing is dropped or dead-lettered, the backlog drains, and the read_committed outputs equal the
 * paced run's record for record. The regions' {@code idleTimeout} is {@link #IDLE} (5 s), far below the pauses of
 * the backlog: idle detection must ignore regions whose partitions are paused or lagging (with the former
 * processing-time rule a 5 s idle timeout produced gaps and a negative stock under this load).
 */
class OverloadIT {

    static final long HEAP_LIMIT = 512L * 1024 * 1024;
    /**
     * Far below the pauses a backlog causes (the reference run uses {@link References#IDLE}): a region whose
     * partition is paused, lagging or has records queued is not idle, so its bins still close by event time only.
     */
    static final Duration IDLE = Duration.ofSeconds(5);

    @Test
    void tenTimesTheSustainableRate_backpressureHoldsAndOutputsEqualPacedRun() throws Exception {
        Path dir = Harness.workDir("overload");
        Harness.Dump ref = References.multi(dir);
        BrokerProcess b = Harness.sharedBroker();
        long t0 = System.nanoTime();
        List<IngestEvent> events = References.multi();
        Map<String, Long> last = Harness.lastClosedBinEnd(events);
        Harness.Topics t = Harness.Topics.prefixed("overload");
        b.createTopics(References.PARTITIONS, Map.of(), t.input());
        double paced = events.size() / (double) (References.HOURS + References.REGIONS);
        int port = Procs.freePort();
        double heapPeak = 0;
        double pausedPeak = 0;
        double lagPeak = 0;
        double finalLag;
        double deadLetters;
        try (ServiceProcess s = new ServiceProcess("overload", dir, Harness.serviceYaml(b.bootstrap(), "overload",
                "overload-0", t, References.PARTITIONS, Harness.regionsFile(dir,
                        Harness.regionIds(References.REGIONS, References.PARTITIONS), IDLE), port,
                Harness.testKafkaProperties()), port, List.of("-Xmx768m"))) {
            s.start();
            CompletableFuture<Void> pub = Harness.publishAsync(b.bootstrap(), References.records(t.input(), events),
                    10 * paced);
            long deadline = System.nanoTime() + Duration.ofSeconds(300).toNanos();
            while (true) {
                ServiceProcess.Scrape sc = s.scrape();
                heapPeak = Math.max(heapPeak, sc.sum("jvm_memory_used_bytes", Map.of("area", "heap")));
                pausedPeak = Math.max(pausedPeak, sc.sum("mfgcal_consumer_paused_partitions", Map.of()));
                lagPeak = Math.max(lagPeak, sc.sum("mfgcal_consumer_lag_records", Map.of()));
                boolean done = pub.isDone() && last.entrySet().stream().allMatch(e -> sc.max(
                        "mfgcal_last_committed_bin_timestamp_seconds", Map.of("region", e.getKey())) >= e.getValue());
                if (done) {
                    break;
                }
                assertTrue(s.alive(), "the service stopped:\n" + s.logTail(30));
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("backlog not drained within 300 s:\n" + s.logTail(30));
                }
                Thread.sleep(500);
            }
            pub.get();
            Thread.sleep(6000); // one more lag reading (every 5 s)
            ServiceProcess.Scrape end = s.scrape();
            finalLag = end.sum("mfgcal_consumer_lag_records", Map.of());
            deadLetters = end.sum("mfgcal_dead_letter_records_total", Map.of());
            assertEquals(143, s.sigterm(Duration.ofSeconds(60)), "exit code after SIGTERM (128 + 15: clean stop)");
        }
        Harness.Dump run = Harness.dump(b.bootstrap(), t, last);
        Harness.drop(b, t);
        Harness.Diff d = Harness.compare(ref, run);
        Harness.report(String.format(Locale.ROOT, "OverloadIT: %,d records of %d regions at %.0f/s (10x the paced %.0f/s);"
                        + " heap peak %.0f MB; paused partitions peak %.0f; lag peak %.0f, at the end %.0f; dead letters"
                        + " %.0f; outputs %s; lost %d, duplicated %d, differing %d, extra %d; %.0f s", events.size(),
                References.REGIONS, 10 * paced, paced, heapPeak / (1 << 20), pausedPeak, lagPeak, finalLag,
                deadLetters, Harness.counts(run), d.lost(), d.duplicated(), d.differing(), d.extra(),
                (System.nanoTime() - t0) / 1e9));
        assertTrue(heapPeak > 0 && heapPeak < HEAP_LIMIT, "heap peak " + heapPeak);
        assertTrue(pausedPeak > 0, "the consumer never paused its partitions");
        assertTrue(lagPeak > 0, "no lag was ever reported");
        assertEquals(0, deadLetters, "dead letters");
        assertTrue(d.none(), "outputs differ from the paced run: " + d);
    }
}
