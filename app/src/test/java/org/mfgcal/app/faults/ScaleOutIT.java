package org.mfgcal.app.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.mfgcal.ingest.IngestEvent;

/**
 * Issue 12, must show 3: two service processes in one consumer group on an input of {@value References#PARTITIONS}
 * partitions carrying {@value References#REGIONS} regions (two per partition; the first
 * {@value References#HOURS} hours of the flights week each, region k shifted by k hours), the input published as
 * a backlog once both instances own partitions (published before they start, the first one drains most of it
 * alone before the second joins). One instance is killed with kill -9 once both committed bins: its partitions
 * move to the survivor (time printed; bound 30 s), which restores their warm state from the state topic (no cold update for a region whose
 * window was already full), and the read_committed outputs equal the single-instance (paced) run.
 */
class ScaleOutIT {

    static final Duration TAKEOVER_BOUND = Duration.ofSeconds(30);

    @Test
    void twoInstances_killOne_partitionsMoveWarmAndOutputsEqualSingleInstance() throws Exception {
        Path dir = Harness.workDir("scale-out");
        Harness.Dump ref = References.multi(dir);
        BrokerProcess b = Harness.sharedBroker();
        long t0 = System.nanoTime();
        List<IngestEvent> events = References.multi();
        Map<String, Long> last = Harness.lastClosedBinEnd(events);
        Harness.Topics t = Harness.Topics.prefixed("scale");
        b.createTopics(References.PARTITIONS, Map.of(), t.input());
        Path regions = Harness.regionsFile(dir, Harness.regionIds(References.REGIONS, References.PARTITIONS),
                References.IDLE);
        int pa = Procs.freePort();
        int pb = Procs.freePort();
        List<String> cold = new ArrayList<>();
        double takeover;
        List<String> killedRegions = new ArrayList<>();
        List<String> logLines = new ArrayList<>();
        try (ServiceProcess a = new ServiceProcess("scale-a", dir, Harness.serviceYaml(b.bootstrap(), "scale", "scale-a",
                t, References.PARTITIONS, regions, pa, Harness.testKafkaProperties()), pa, List.of("-Xmx768m"));
             ServiceProcess s = new ServiceProcess("scale-b", dir, Harness.serviceYaml(b.bootstrap(), "scale",
                     "scale-b", t, References.PARTITIONS, regions, pb, Harness.testKafkaProperties()), pb,
                     List.of("-Xmx768m"))) {
            a.start();
            s.start();
            // the backlog is published once both instances own partitions and the startup rebalances are over (the
            // same split for 5 scrapes in a row): published before, the first instance would drain most of it alone
            long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
            ServiceProcess.Scrape sa;
            ServiceProcess.Scrape sb;
            int settled = 0;
            while (settled < 5) {
                double na = a.scrape().sum("kafka_consumer_coordinator_assigned_partitions", Map.of());
                double nb = s.scrape().sum("kafka_consumer_coordinator_assigned_partitions", Map.of());
                settled = na >= 1 && nb >= 1 && na + nb == References.PARTITIONS ? settled + 1 : 0;
                assertTrue(a.alive() && s.alive(), "an instance exited early:\n" + a.logTail(20) + "\n" + s.logTail(20));
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the partitions were not split between the two instances within 180 s:\n"
                            + a.logTail(20) + "\n" + s.logTail(20));
                }
                Thread.sleep(200);
            }
            Harness.publish(b.bootstrap(), References.records(t.input(), events), 0);
            // both instances committed bins of regions they own, and the split is still the same
            settled = 0;
            while (true) {
                sa = a.scrape();
                sb = s.scrape();
                double na = sa.sum("kafka_consumer_coordinator_assigned_partitions", Map.of());
                double nb = sb.sum("kafka_consumer_coordinator_assigned_partitions", Map.of());
                settled = na >= 1 && nb >= 1 && na + nb == References.PARTITIONS ? settled + 1 : 0;
                if (settled >= 5 && regionsAt(sa, last).size() >= 2 && regionsAt(sb, last).size() >= 2
                        && minBins(sa, last) >= 30) {
                    break;
                }
                assertTrue(a.alive() && s.alive(), "an instance exited early:\n" + a.logTail(20) + "\n" + s.logTail(20));
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the two instances did not both commit within 180 s:\n"
                            + a.logTail(20) + "\n" + s.logTail(20));
                }
                Thread.sleep(200);
            }
            killedRegions.addAll(regionsAt(sa, last));
            Map<String, Double> coldBefore = new java.util.TreeMap<>();
            for (String r : killedRegions) {
                coldBefore.put(r, sb.sum("mfgcal_calibration_updates_total", Map.of("region", r, "start", "cold")));
            }
            a.kill9();
            long killed = System.nanoTime();
            while (s.scrape().sum("kafka_consumer_coordinator_assigned_partitions", Map.of())
                    < References.PARTITIONS) {
                assertTrue(s.alive(), "survivor exited:\n" + s.logTail(30));
                if (System.nanoTime() - killed > Duration.ofSeconds(120).toNanos()) {
                    throw new AssertionError("partitions not moved to the survivor within 120 s:\n" + s.logTail(30));
                }
                Thread.sleep(200);
            }
            takeover = (System.nanoTime() - killed) / 1e9;
            Harness.awaitCommitted(last, Duration.ofSeconds(240), s::alive, s);
            ServiceProcess.Scrape end = s.scrape();
            for (String r : killedRegions) {
                // cold starts of the region on the survivor since the kill (before it, the startup rebalances may
                // have given it the region while its window was still filling)
                double c = end.sum("mfgcal_calibration_updates_total", Map.of("region", r, "start", "cold"))
                        - coldBefore.get(r);
                if (c > 0) {
                    cold.add(r + ": " + (long) c + " cold update(s) on the survivor");
                }
            }
            s.sigterm(Duration.ofSeconds(60));
            logLines.addAll(s.logLines(40, "cold start", "not restored", "re-read", "already committed", "continuing"));
        }
        Harness.Dump run = Harness.dump(b.bootstrap(), t, last);
        Harness.drop(b, t);
        Harness.Diff d = Harness.compare(ref, run);
        Harness.report(String.format(Locale.ROOT, "ScaleOutIT: %d regions on %d partitions, 2 instances, kill -9 of one"
                        + " (regions %s); partitions on the survivor %.1f s after the kill; outputs %s; lost %d,"
                        + " duplicated %d, differing %d, extra %d; %.0f s", References.REGIONS, References.PARTITIONS,
                killedRegions, takeover, Harness.counts(run), d.lost(), d.duplicated(), d.differing(), d.extra(),
                (System.nanoTime() - t0) / 1e9));
        assertTrue(takeover <= TAKEOVER_BOUND.toSeconds(), "takeover took " + takeover + " s");
        assertEquals(List.of(), cold, "the survivor cold-started regions it took over");
        assertTrue(d.none(), "outputs differ from the single-instance run: " + d + "\nsurvivor's log lines:\n"
                + String.join("\n", logLines));
    }

    /** Regions with a committed bin on this scrape, whose window is full (≥ 24 bins after the region's first). */
    private static List<String> regionsAt(ServiceProcess.Scrape sc, Map<String, Long> last) {
        List<String> out = new ArrayList<>();
        for (String r : last.keySet()) {
            if (!Double.isNaN(sc.max("mfgcal_last_committed_bin_timestamp_seconds", Map.of("region", r)))) {
                out.add(r);
            }
        }
        return out;
    }

    /** Fewest bins committed by a region of this scrape, counted back from the end of its input (a proxy). */
    private static long minBins(ServiceProcess.Scrape sc, Map<String, Long> last) {
        long min = Long.MAX_VALUE;
        for (var e : last.entrySet()) {
            double v = sc.max("mfgcal_last_committed_bin_timestamp_seconds", Map.of("region", e.getKey()));
            if (!Double.isNaN(v)) {
                min = Math.min(min, References.HOURS - (e.getValue() - (long) v) / 3600);
            }
        }
        return min == Long.MAX_VALUE ? 0 : min;
    }
}
