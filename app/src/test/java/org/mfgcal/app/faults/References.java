package org.mfgcal.app.faults;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.mfgcal.ingest.IngestEvent;

/**
 * The inputs of the ITs and their uninterrupted reference runs (each computed once per test JVM on the shared
 * broker; a dump does not depend on the broker it was read from).
 */
final class References {

    /**
     * Idle timeout of the generated regions, as the shipped region (30 s). With 5 s, OverloadIT failed once: a
     * region whose partition stayed paused by backpressure longer than that was taken as idle (RELIABILITY.md,
     * known limits).
     */
    static final Duration IDLE = Duration.ofSeconds(30);
    /** The multi-region input: regions, partitions, hours of the week per region. */
    static final int REGIONS = 8;
    static final int PARTITIONS = 4;
    static final int HOURS = 50;

    private References() {
    }

    /** The single-region input: the whole shipped flights week (17,386 trips, 168 hourly bins). */
    static List<IngestEvent> week() {
        return Harness.week("flights", 0, 0);
    }

    /** Eight copies of the first {@value #HOURS} hours of the week, region k shifted by k hours, 2 per partition. */
    static List<IngestEvent> multi() {
        List<String> ids = Harness.regionIds(REGIONS, PARTITIONS);
        List<List<IngestEvent>> per = new java.util.ArrayList<>();
        for (int k = 0; k < ids.size(); k++) {
            per.add(Harness.week(ids.get(k), k, HOURS));
        }
        return Harness.merged(per);
    }

    static List<ProducerRecord<byte[], byte[]>> records(String topic, List<IngestEvent> events) {
        return events.stream().map(e -> Harness.record(topic, e)).toList();
    }

    /** The uninterrupted run of the week: input published first (backlog), one instance, until every bin closed. */
    static Harness.Dump week(Path dir) throws Exception {
        return Harness.reference("week", () -> {
            BrokerProcess b = Harness.sharedBroker();
            List<IngestEvent> events = week();
            return run(b, dir, "ref-week", List.of("flights"), 3, events, 0, Duration.ofSeconds(240));
        });
    }

    /** The uninterrupted, paced run of the multi-region input (about 1 event-hour per second). */
    static Harness.Dump multi(Path dir) throws Exception {
        return Harness.reference("multi", () -> {
            BrokerProcess b = Harness.sharedBroker();
            List<IngestEvent> events = multi();
            double perSecond = events.size() / (double) (HOURS + REGIONS);
            return run(b, dir, "ref-multi", Harness.regionIds(REGIONS, PARTITIONS), PARTITIONS, events, perSecond,
                    Duration.ofSeconds(300));
        });
    }

    /**
     * One uninterrupted run: unpaced input published before the service starts ({@code perSecond} ≤ 0), or the
     * service started first and the input paced at {@code perSecond}; then the dump.
     */
    static Harness.Dump run(BrokerProcess b, Path dir, String name, List<String> regions, int partitions,
                            List<IngestEvent> events, double perSecond, Duration timeout) throws Exception {
        long t0 = System.nanoTime();
        Harness.Topics t = Harness.Topics.prefixed(name);
        b.createTopics(partitions, Map.of(), t.input());
        Path regionsFile = Harness.regionsFile(dir, regions, IDLE);
        int port = Procs.freePort();
        List<ProducerRecord<byte[], byte[]>> recs = records(t.input(), events);
        if (perSecond <= 0) {
            Harness.publish(b.bootstrap(), recs, 0);
        }
        try (ServiceProcess s = new ServiceProcess(name, dir, Harness.serviceYaml(b.bootstrap(), name, name + "-0", t,
                partitions, regionsFile, port, Harness.testKafkaProperties()), port, List.of("-Xmx768m"))) {
            s.start();
            var pub = perSecond > 0 ? Harness.publishAsync(b.bootstrap(), recs, perSecond) : null;
            Map<String, Long> last = Harness.lastClosedBinEnd(events);
            Harness.awaitCommitted(last, timeout, s::alive, s);
            if (pub != null) {
                pub.get();
            }
            s.sigterm(Duration.ofSeconds(60));
            Harness.Dump d = Harness.dump(b.bootstrap(), t, last);
            Harness.drop(b, t);
            Harness.report(String.format(Locale.ROOT, "reference %s: %,d input records, %s, %.1f s", name,
                    events.size(), Harness.counts(d), (System.nanoTime() - t0) / 1e9));
            return d;
        }
    }
}
