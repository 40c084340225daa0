package org.mfgcal.app.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.mfgcal.ingest.DeadLetterReason;
import org.mfgcal.ingest.IngestEvent;
import org.mfgcal.ingest.TripEvent;

/**
 * Issue 12, must show 4: the flights week interleaved with {@value #BAD} hostile records of every kind the flights
 * region can receive (malformed JSON, missing fields, wrong types, key mismatches, unknown regions, counts for a trips
 * region, arrivals before departures, absurd durations, duplicate trip ids, 70 kB values and {@value #HUGE} values
 * of 1,048,400 bytes, trips dated 1970 and 2035 — a 1970 trip as the very first record, 2035 also before the first
 * valid record, both before any bin closes), published unpaced; then,
 * once the region is idle, 2,000 more trips dated 1970, 2035 and "now". The service process never stops, every
 * hostile record is in the dead-letter topic exactly once (by source partition and offset, read_committed) with the
 * reason of its kind and a value no larger than the input limit, no valid record is dead-lettered, no bin beyond
 * the data is created, the outputs equal the uninterrupted run, and the resident set size stays below 600 MB
 * (sampled every 200 ms). Unknown zones cannot occur here: the flights region maps every other airport to External.
 */
class HostileIT {

    static final int BAD = 100_000;
    static final int HUGE = 20;
    static final long RSS_LIMIT = 600L * 1024 * 1024;
    static final int MAX_DEAD_LETTER_VALUE = 64 * 1024 + 1024;

    /** The kinds of hostile record and the dead-letter reasons each may get. */
    enum Kind {
        MALFORMED(EnumSet.of(DeadLetterReason.MALFORMED_JSON)),
        MISSING(EnumSet.of(DeadLetterReason.MISSING_FIELD)),
        WRONG_TYPE(EnumSet.of(DeadLetterReason.WRONG_TYPE)),
        KEY_MISMATCH(EnumSet.of(DeadLetterReason.KEY_MISMATCH)),
        UNKNOWN_REGION(EnumSet.of(DeadLetterReason.UNKNOWN_REGION)),
        COUNT_FOR_TRIPS(EnumSet.of(DeadLetterReason.UNEXPECTED_TYPE)),
        ARRIVAL_BEFORE_DEPARTURE(EnumSet.of(DeadLetterReason.INVALID_VALUE)),
        ABSURD_DURATION(EnumSet.of(DeadLetterReason.ABSURD_VALUE)),
        DUPLICATE(EnumSet.of(DeadLetterReason.DUPLICATE_TRIP)),
        LARGE(EnumSet.of(DeadLetterReason.TOO_LARGE)),
        HUGE(EnumSet.of(DeadLetterReason.TOO_LARGE)),
        FAR_PAST(reasonsLike(DeadLetterReason.TOO_LATE, "PAST", "RANGE", "OLD", "WATERMARK")),
        FAR_FUTURE(reasonsLike(DeadLetterReason.FUTURE_TIMESTAMP, "FUTURE", "RANGE", "WATERMARK"));

        final Set<DeadLetterReason> reasons;

        Kind(Set<DeadLetterReason> reasons) {
            this.reasons = reasons;
        }
    }

    /** {@code base} and any reason whose name contains one of {@code words} (event-time guards may add reasons). */
    static Set<DeadLetterReason> reasonsLike(DeadLetterReason base, String... words) {
        EnumSet<DeadLetterReason> s = EnumSet.of(base);
        for (DeadLetterReason r : DeadLetterReason.values()) {
            if (Arrays.stream(words).anyMatch(w -> r.name().contains(w))) {
                s.add(r);
            }
        }
        return s;
    }

    @Test
    void hostileRecords_interleavedWithTheWeek_allDeadLetteredOnceOutputsUnchanged() throws Exception {
        Path dir = Harness.workDir("hostile");
        Harness.Dump ref = References.week(dir);
        BrokerProcess b = Harness.sharedBroker();
        long t0 = System.nanoTime();
        Harness.Topics t = Harness.Topics.prefixed("hostile");
        b.createTopics(3, Map.of(), t.input());
        List<IngestEvent> events = References.week();
        Map<String, Long> last = Harness.lastClosedBinEnd(events);

        List<ProducerRecord<byte[], byte[]>> recs = new ArrayList<>();
        List<Kind> kinds = new ArrayList<>(); // null = valid
        java.util.Random rnd = new java.util.Random(12);
        // before the first valid record: far future (checked against the wall clock); after the first valid records,
        // before any bin closes: far past and far future (checked against the region's event time)
        // the very first record of the region: a trip dated 1970 (the region's time is established by a quorum
        // of its first records, so it cannot make the real week FUTURE_TIMESTAMP)
        add(recs, kinds, t.input(), Kind.FAR_PAST, events.get(0), 900_000, rnd);
        for (int i = 0; i < 50; i++) {
            add(recs, kinds, t.input(), Kind.FAR_FUTURE, events.get(0), i, rnd);
        }
        int bad = 51;
        int huge = 0;
        Kind[] cycle = Kind.values();
        for (int i = 0; i < events.size(); i++) {
            IngestEvent e = events.get(i);
            recs.add(Harness.record(t.input(), e));
            kinds.add(null);
            if (i == 9) {
                for (int j = 0; j < 50; j++) {
                    add(recs, kinds, t.input(), Kind.FAR_PAST, e, 1_000_000 + j, rnd);
                    add(recs, kinds, t.input(), Kind.FAR_FUTURE, e, 1_000_000 + j, rnd);
                }
                bad += 100;
            }
            int n = (int) ((long) (i + 1) * BAD / events.size() - (long) i * BAD / events.size());
            for (int j = 0; j < n; j++) {
                Kind k = cycle[(i * 7 + j) % cycle.length];
                if (k == Kind.HUGE) {
                    k = Kind.LARGE;
                }
                if (k == Kind.LARGE && rnd.nextInt(10) != 0) {
                    k = Kind.MALFORMED; // 70 kB values: about 1 in 130 records, the rest small
                }
                if (j == 0 && i % 800 == 400 && huge < HUGE) {
                    k = Kind.HUGE; // 1,048,400 bytes: one every 800 valid records
                    huge++;
                }
                add(recs, kinds, t.input(), k, e, i * 10 + j, rnd);
                bad++;
            }
        }
        assertTrue(bad >= BAD, "hostile records: " + bad);
        assertEquals(HUGE, huge, "1 MB values");
        Map<Kind, Long> perKind = kinds.stream().filter(k -> k != null)
                .collect(Collectors.groupingBy(k -> k, () -> new java.util.EnumMap<>(Kind.class), Collectors.counting()));

        int port = Procs.freePort();
        AtomicLong rssPeak = new AtomicLong();
        List<RecordMetadata> meta = new ArrayList<>();
        List<Kind> allKinds = new ArrayList<>(kinds);
        try (ServiceProcess s = new ServiceProcess("hostile", dir, Harness.serviceYaml(b.bootstrap(), "hostile",
                "hostile-0", t, 3, Harness.regionsFile(dir, List.of("flights"), References.IDLE), port,
                Harness.testKafkaProperties()), port, List.of("-Xmx400m"))) {
            s.start();
            Thread sampler = rssSampler(s, rssPeak);
            meta.addAll(Harness.publish(b.bootstrap(), recs, 0));
            Harness.awaitCommitted(last, Duration.ofSeconds(240), s::alive, s);
            // idle: nothing arrives for longer than the idle timeout, then records far from the watermark
            Thread.sleep(References.IDLE.toMillis() + 3000);
            List<ProducerRecord<byte[], byte[]>> idle = new ArrayList<>();
            List<Kind> idleKinds = new ArrayList<>();
            IngestEvent lastEvent = events.get(events.size() - 1);
            for (int i = 0; i < 1000; i++) {
                add(idle, idleKinds, t.input(), Kind.FAR_PAST, lastEvent, 5_000_000 + i, rnd);
                add(idle, idleKinds, t.input(), Kind.FAR_FUTURE, lastEvent, 6_000_000 + i, rnd);
            }
            TripEvent now = new TripEvent("flights", "hostile-now", "PHX", "LAS", System.currentTimeMillis(),
                    System.currentTimeMillis() + 3_600_000);
            idle.add(Harness.record(t.input(), now));
            idleKinds.add(Kind.FAR_FUTURE);
            meta.addAll(Harness.publish(b.bootstrap(), idle, 0));
            allKinds.addAll(idleKinds);
            perKind.merge(Kind.FAR_PAST, 1000L, Long::sum);
            perKind.merge(Kind.FAR_FUTURE, 1001L, Long::sum);
            // give the service time to dead-letter them (and, if the guard were missing, to make bins from them)
            awaitDeadLetters(b.bootstrap(), t.deadLetters(), bad + 2001, Duration.ofSeconds(120), s);
            Thread.sleep(3000);
            assertTrue(s.alive(), "the service stopped:\n" + s.logTail(30));
            double lastBin = s.scrape().max("mfgcal_last_committed_bin_timestamp_seconds", Map.of("region", "flights"));
            long maxEvent = events.stream().mapToLong(IngestEvent::eventTimeMillis).max().orElseThrow() / 1000;
            assertTrue(lastBin <= maxEvent + 2 * 3600, "bins beyond the data were committed: last bin end "
                    + Instant.ofEpochSecond((long) lastBin) + ", data ends " + Instant.ofEpochSecond(maxEvent));
            sampler.interrupt();
            assertEquals(143, s.sigterm(Duration.ofSeconds(60)), "exit code after SIGTERM (128 + 15: clean stop)");
        }

        // dead letters: every hostile record exactly once with its reason; no valid record
        Map<String, Kind> expected = new HashMap<>();
        int valid = 0;
        for (int i = 0; i < meta.size(); i++) {
            Kind k = allKinds.get(i);
            if (k != null) {
                expected.put(meta.get(i).partition() + ":" + meta.get(i).offset(), k);
            } else {
                valid++;
            }
        }
        Map<String, Integer> seen = new HashMap<>();
        Map<String, Long> problems = new TreeMap<>();
        long oversized = 0;
        for (String[] dl : Harness.deadLetters(b.bootstrap(), t.deadLetters())) {
            seen.merge(dl[0], 1, Integer::sum);
            Kind k = expected.get(dl[0]);
            if (k == null) {
                problems.merge("dead letter of a valid record", 1L, Long::sum);
            } else if (!k.reasons.contains(DeadLetterReason.valueOf(dl[1]))) {
                problems.merge(k + " dead-lettered as " + dl[1], 1L, Long::sum);
            }
            if (Integer.parseInt(dl[2]) > MAX_DEAD_LETTER_VALUE) {
                oversized++;
            }
        }
        long missing = expected.keySet().stream().filter(k -> !seen.containsKey(k)).count();
        long duplicated = seen.values().stream().filter(n -> n > 1).mapToLong(n -> n - 1).sum();
        Harness.Dump run = Harness.dump(b.bootstrap(), t, last);
        Harness.drop(b, t);
        Harness.Diff d = Harness.compare(ref, run);
        Harness.report(String.format(Locale.ROOT, "HostileIT: %,d hostile records (%s) + %,d valid; dead letters missing"
                        + " %d, duplicated %d, wrong reason/valid %s, values > %d B %d; outputs %s; lost %d, duplicated %d,"
                        + " differing %d, extra %d; RSS peak %d MB; %.0f s", expected.size(), perKind, valid, missing,
                duplicated, problems, MAX_DEAD_LETTER_VALUE, oversized, Harness.counts(run), d.lost(), d.duplicated(),
                d.differing(), d.extra(), rssPeak.get() >> 20, (System.nanoTime() - t0) / 1e9));
        assertEquals(0, missing, "hostile records not dead-lettered");
        assertEquals(0, duplicated, "dead letters written more than once");
        assertEquals(Map.of(), problems);
        assertEquals(0, oversized, "dead-letter values larger than the input limit");
        assertTrue(d.none(), "valid outputs differ from the uninterrupted run: " + d);
        assertTrue(rssPeak.get() < RSS_LIMIT, "RSS peak " + (rssPeak.get() >> 20) + " MB");
    }

    private static void awaitDeadLetters(String bootstrap, String topic, int n, Duration timeout, ServiceProcess s)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int got = 0;
        while (System.nanoTime() < deadline) {
            got = Harness.deadLetters(bootstrap, topic).size();
            if (got >= n || !s.alive()) {
                return;
            }
            Thread.sleep(2000);
        }
        System.out.println("[faults] HostileIT: " + got + " dead letters of " + n + " after " + timeout);
    }

    static Thread rssSampler(ServiceProcess s, AtomicLong peak) {
        Thread th = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted() && s.alive()) {
                long r = Procs.rssBytes(s.pid());
                peak.accumulateAndGet(r, Math::max);
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "faults-rss");
        th.setDaemon(true);
        th.start();
        return th;
    }

    private static final String[] MALFORMED = {"{not json", "", "[1,2,3]", "null", "{\"region\":\"flights\"",
        "\u0000\u0001\u0002", "{\"region\" \"flights\"}"};

    /** Appends one hostile record of {@code k} next to the valid event {@code near}. */
    private static void add(List<ProducerRecord<byte[], byte[]>> recs, List<Kind> kinds, String topic, Kind k,
                            IngestEvent near, int n, java.util.Random rnd) {
        TripEvent e = (TripEvent) near;
        String dep = Instant.ofEpochMilli(e.departedAtMillis()).toString();
        String arr = Instant.ofEpochMilli(e.departedAtMillis() + 3_600_000).toString();
        String key = "flights";
        String v = switch (k) {
            case MALFORMED -> MALFORMED[n % MALFORMED.length];
            case MISSING -> "{\"region\":\"flights\",\"tripId\":\"m" + n + "\",\"destination\":\"LAS\",\"departedAt\":\""
                    + dep + "\"}";
            case WRONG_TYPE -> "{\"region\":\"flights\",\"tripId\":\"w" + n + "\",\"origin\":\"PHX\",\"destination\":"
                    + "\"LAS\",\"departedAt\":" + (n % 2 == 0 ? "12" : "\"yesterday\"") + "}";
            case KEY_MISMATCH -> trip("flights-other", "k" + n, dep, arr);
            case UNKNOWN_REGION -> {
                key = "nowhere-" + (n % 5);
                yield trip(key, "u" + n, dep, arr);
            }
            case COUNT_FOR_TRIPS -> "{\"region\":\"flights\",\"zone\":\"PHX\",\"at\":\"" + dep + "\",\"count\":3}";
            case ARRIVAL_BEFORE_DEPARTURE -> trip("flights", "a" + n, dep,
                    Instant.ofEpochMilli(e.departedAtMillis() - 3_600_000).toString());
            case ABSURD_DURATION -> trip("flights", "d" + n, dep,
                    Instant.ofEpochMilli(e.departedAtMillis() + 30 * 3_600_000L).toString());
            case DUPLICATE -> new String(org.mfgcal.ingest.RecordCodec.toBytes(e), StandardCharsets.UTF_8);
            case LARGE -> pad(trip("flights", "l" + n, dep, arr), 70_000);
            case HUGE -> pad(trip("flights", "h" + n, dep, arr), 1_048_400);
            case FAR_PAST -> trip("flights", "p" + n, "1970-01-0" + (1 + n % 9) + "T0" + (n % 10) + ":00:00Z",
                    "1970-01-0" + (1 + n % 9) + "T0" + (n % 10) + ":30:00Z");
            case FAR_FUTURE -> trip("flights", "f" + n, "2035-0" + (1 + n % 9) + "-01T00:00:00Z",
                    "2035-0" + (1 + n % 9) + "-01T01:00:00Z");
        };
        recs.add(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), v.getBytes(StandardCharsets.UTF_8)));
        kinds.add(k);
    }

    private static String trip(String region, String id, String dep, String arr) {
        return "{\"region\":\"" + region + "\",\"tripId\":\"hostile-" + id + "\",\"origin\":\"PHX\",\"destination\":"
                + "\"LAS\",\"departedAt\":\"" + dep + "\",\"arrivedAt\":\"" + arr + "\"}";
    }

    /** A JSON object padded with a filler field to exactly {@code size} bytes. */
    private static String pad(String json, int size) {
        String head = json.substring(0, json.length() - 1) + ",\"pad\":\"";
        return head + "x".repeat(Math.max(0, size - head.length() - 2)) + "\"}";
    }
}
