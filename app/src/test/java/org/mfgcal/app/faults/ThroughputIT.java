package org.mfgcal.app.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.mfgcal.ingest.IngestEvent;

/**
 * Issue 15's service-level throughput, a bench run (off in {@code verify}; {@code -Dthroughput.regions=N}, optional
 * {@code -Dthroughput.hours=H}, default 504): N 11-zone flights regions ({@code region-flights.yaml}'s layout, the
 * 3-month data shifted by one hour per region) published as an unpaced backlog on a standalone broker process, then
 * one {@code serve} process (one calibration thread) drains it. Printed, from the service's own metrics only
 * (scraped every second from the moment every region's window is full to the end of the backlog): warm updates per
 * second ({@code mfgcal_calibration_updates_total}), updates per CPU-second of the service process
 * ({@code process_cpu_time_ns_total}, all its threads: calibration, binning, writer, Kafka clients, GC, JIT), updates
 * per CPU-second of the calibration threads ({@code mfgcal_calibration_cpu_seconds_total}) and the mean update
 * latency ({@code mfgcal_update_latency_seconds}). Asserts that every bin of every region was committed
 * and that nothing went to the dead letters. Numbers in bench/BENCHMARKS.md ("Service throughput").
 */
class ThroughputIT {

    static final String REGIONS_PROPERTY = "throughput.regions";
    /**
     * Bins per region before the rate is measured (two weeks): the window (24 in the harness config), the cold start,
     * and the JIT's first two minutes (C2 spends seconds on the large inlined update path and keeps compiling Kafka
     * client and exposition code for a while), so the rate is the steady one of a service that runs for months.
     */
    static final int SKIP_HOURS = 336;

    static boolean benchMode() {
        return !System.getProperty(REGIONS_PROPERTY, "").isBlank();
    }

    /** {@code -Xmx1g}, then the words of {@code -Dthroughput.jvm} (e.g. a flight recording). */
    private static List<String> jvmOptions() {
        List<String> o = new ArrayList<>(List.of("-Xmx1g"));
        String extra = System.getProperty("throughput.jvm", "").trim();
        if (!extra.isEmpty()) {
            o.addAll(List.of(extra.split("\\s+")));
        }
        return o;
    }

    @Test
    @EnabledIf("benchMode")
    void drainBacklogOfManySmallRegions_printsUpdatesPerSecondAndPerCore() throws Exception {
        int n = Integer.parseInt(System.getProperty(REGIONS_PROPERTY).trim());
        int hours = Integer.parseInt(System.getProperty("throughput.hours", "504").trim());
        Path dir = Harness.workDir("throughput");
        BrokerProcess b = Harness.sharedBroker();
        List<String> ids = Harness.regionIds(n, References.PARTITIONS);
        List<IngestEvent> events = Harness.flightsRegions(ids, hours);
        Map<String, Long> last = Harness.lastClosedBinEnd(events);
        Map<String, Long> from = Harness.binEndAfter(events, SKIP_HOURS);
        Harness.Topics t = Harness.Topics.prefixed("throughput");
        b.createTopics(References.PARTITIONS, Map.of(), t.input());
        Harness.publish(b.bootstrap(), References.records(t.input(), events), 0);
        int port = Procs.freePort();
        try (ServiceProcess s = new ServiceProcess("throughput", dir, Harness.serviceYaml(b.bootstrap(), "throughput",
                "throughput-0", t, References.PARTITIONS, Harness.regionsFile(dir, ids, References.IDLE), port,
                Harness.testKafkaProperties()), port, jvmOptions())) {
            s.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(1800).toNanos();
            long t1 = 0;
            double updates1 = 0;
            double cpu1 = 0;
            double latSum1 = 0;
            double latCount1 = 0;
            double calCpu1 = 0;
            while (true) {
                ServiceProcess.Scrape sc = s.scrape();
                long now = System.nanoTime();
                Map<String, Double> at = new TreeMap<>();
                for (String r : ids) {
                    at.put(r, sc.max("mfgcal_last_committed_bin_timestamp_seconds", Map.of("region", r)));
                }
                double updates = sc.sum("mfgcal_calibration_updates_total", Map.of());
                double cpu = sc.sum("process_cpu_time_ns_total", Map.of()) / 1e9;
                double latSum = sc.sum("mfgcal_update_latency_seconds_sum", Map.of());
                double latCount = sc.sum("mfgcal_update_latency_seconds_count", Map.of());
                double calCpu = sc.sum("mfgcal_calibration_cpu_seconds_total", Map.of());
                if (t1 == 0 && ids.stream().allMatch(r -> at.get(r) >= from.get(r))) {
                    t1 = now;
                    updates1 = updates;
                    cpu1 = cpu;
                    latSum1 = latSum;
                    latCount1 = latCount;
                    calCpu1 = calCpu;
                }
                if (ids.stream().allMatch(r -> at.get(r) >= last.get(r))) {
                    double secs = (now - t1) / 1e9;
                    double du = updates - updates1;
                    Harness.report(String.format(Locale.ROOT, "ThroughputIT: %d regions x %d event-hours (%,d records,"
                                    + " unpaced backlog), one calibration thread: %.0f warm updates in %.1f s = %.1f"
                                    + " updates/s; service process CPU %.1f s = %.2f cores -> %.1f updates per"
                                    + " CPU-second; calibration threads %.1f s CPU -> %.1f updates per CPU-second;"
                                    + " mean update latency %.2f ms (wall)",
                            ids.size(), hours, events.size(), du, secs, du / secs, cpu - cpu1, (cpu - cpu1) / secs,
                            du / (cpu - cpu1), calCpu - calCpu1, du / (calCpu - calCpu1),
                            1e3 * (latSum - latSum1) / (latCount - latCount1)));
                    assertTrue(du > 0 && cpu > cpu1, "no updates or no CPU time measured:\n" + s.logTail(20));
                    assertEquals(0.0, sc.sum("mfgcal_dead_letter_records_total", Map.of()), "dead letters");
                    s.sigterm(Duration.ofSeconds(60));
                    Harness.drop(b, t);
                    return;
                }
                assertTrue(s.alive(), "the service stopped:\n" + s.logTail(30));
                if (now > deadline) {
                    throw new AssertionError("backlog not drained within 1800 s:\n" + s.logTail(30));
                }
                Thread.sleep(1000);
            }
        }
    }
}
