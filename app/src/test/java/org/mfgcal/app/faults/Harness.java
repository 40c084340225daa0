package org.mfgcal.app.faults;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Utils;
import org.mfgcal.ingest.DeadLetters;
import org.mfgcal.ingest.IngestEvent;
import org.mfgcal.ingest.RecordCodec;
import org.mfgcal.ingest.TripEvent;
import org.mfgcal.ingest.replay.Replay;
import org.mfgcal.ingest.replay.ReplayFormat;

/**
 * The fault-injection harness shared by the {@code *IT} classes of this package (RELIABILITY.md): inputs (the
 * shipped flights week, optionally copied into several time-shifted regions), service configs, a paced or unpaced
 * publisher, read_committed dumps of every output topic and their record-by-record comparison, a shared broker
 * process, and cached uninterrupted reference runs.
 */
final class Harness {

    static final String WEEK = "classpath:data/flights/flights-week1.csv";
    static final long HOUR_MS = 3_600_000L;
    /** Allowed lateness of the generated regions (as the shipped region). */
    static final long LATENESS_MS = 2 * HOUR_MS;
    static final ObjectMapper JSON = new ObjectMapper();

    private Harness() {
    }

    // ------------------------------------------------------------------ where results and numbers go

    static Path workDir(String name) throws IOException {
        Path d = Procs.appDir().resolve("target/faults").resolve(name);
        BrokerProcess.deleteQuietly(d);
        Files.createDirectories(d);
        return d;
    }

    /** Prints a measured number and appends it to {@code app/target/faults/measurements.txt}. */
    static synchronized void report(String line) {
        String l = "[faults] " + line;
        System.out.println(l);
        try {
            Path f = Procs.appDir().resolve("target/faults/measurements.txt");
            Files.createDirectories(f.getParent());
            Files.writeString(f, l + "\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            System.out.println("[faults] cannot write measurements.txt: " + e);
        }
    }

    // ------------------------------------------------------------------ the shared broker

    private static volatile BrokerProcess shared;

    /** One broker process for the ITs that do not restart their broker (stopped when the test JVM exits). */
    static synchronized BrokerProcess sharedBroker() throws Exception {
        if (shared != null && !shared.alive()) {
            report("the shared broker process died (" + shared.diagnostics(40) + "); starting a new one");
            shared = null;
            REFERENCES.clear();
        }
        if (shared == null) {
            long t0 = System.nanoTime();
            shared = BrokerProcess.startNew(workDir("shared-broker"));
            BrokerProcess b = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(b::close, "faults-broker-stop"));
            report(String.format(Locale.ROOT, "shared broker process up at %s in %.1f s", b.bootstrap(),
                    (System.nanoTime() - t0) / 1e9));
        }
        return shared;
    }

    // ------------------------------------------------------------------ topics and configs

    /** Deletes a finished run's topics (inputs, dead letters, outputs) from the shared broker to bound its disk. */
    static void drop(BrokerProcess b, Topics t) throws Exception {
        List<String> all = new ArrayList<>(List.of(t.input(), t.deadLetters()));
        all.addAll(t.outputs());
        b.deleteTopics(all);
    }

    /** The topics of one run (prefixed so runs on one broker do not meet). */
    record Topics(String input, String deadLetters, String parameters, String forecasts, String alerts, String state) {
        static Topics prefixed(String p) {
            return new Topics(p + ".trips", p + ".deadletter", p + ".parameters", p + ".forecasts", p + ".alerts",
                    p + ".state");
        }

        List<String> outputs() {
            return List.of(parameters, forecasts, alerts, state);
        }
    }

    /**
     * A region file with the shipped flights layout for each id (same zones and initial stocks), with
     * {@code idleTimeout} replaced.
     */
    static Path regionsFile(Path dir, List<String> ids, Duration idleTimeout) throws IOException {
        String shipped;
        try (var in = Harness.class.getResourceAsStream("/data/flights/region-flights.yaml")) {
            shipped = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        int at = shipped.indexOf("  - id: flights\n");
        if (at < 0 || !shipped.contains("idleTimeout: PT30S")) {
            throw new IllegalStateException("unexpected layout of the shipped region-flights.yaml");
        }
        String entry = shipped.substring(at).replace("idleTimeout: PT30S", "idleTimeout: " + idleTimeout);
        StringBuilder sb = new StringBuilder("# generated by the fault-injection harness from data/flights/region-flights.yaml\nregions:\n");
        for (String id : ids) {
            sb.append(entry.replace("  - id: flights\n", "  - id: " + id + "\n"));
        }
        Path f = dir.resolve("regions-" + ids.size() + ".yaml");
        Files.writeString(f, sb.toString());
        return f;
    }

    /** The service config of one instance. */
    static String serviceYaml(String bootstrap, String group, String transactionalId, Topics t, int partitions,
                              Path regions, int metricsPort, Map<String, String> kafkaProperties) {
        StringBuilder props = new StringBuilder();
        kafkaProperties.forEach((k, v) -> props.append("    ").append(k).append(": \"").append(v).append("\"\n"));
        return "kafka:\n"
                + "  bootstrapServers: " + bootstrap + "\n"
                + "  groupId: " + group + "\n"
                + "  transactionalId: " + transactionalId + "\n"
                + (props.length() == 0 ? "  properties: {}\n" : "  properties:\n" + props)
                + "topics:\n"
                + "  input: [" + t.input() + "]\n"
                + "  deadLetters: " + t.deadLetters() + "\n"
                + "  parameters: " + t.parameters() + "\n"
                + "  forecasts: " + t.forecasts() + "\n"
                + "  alerts: " + t.alerts() + "\n"
                + "  state: " + t.state() + "\n"
                + "  create: true\n"
                + "  partitions: " + partitions + "\n"
                + "  replicationFactor: 1\n"
                + "regions: " + regions + "\n"
                + "model:\n"
                + "  seasonBins: 24\n"
                + "  driftWarmupBins: 48\n"
                + "calibrationThreads: 1\n"
                + "http:\n"
                + "  metrics: {host: 127.0.0.1, port: " + metricsPort + "}\n"
                + "  web: {host: 127.0.0.1, port: 0}\n";
    }

    /** Client properties of the ITs: a dead instance leaves the group within 10 s. */
    static Map<String, String> testKafkaProperties() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("session.timeout.ms", "10000");
        m.put("heartbeat.interval.ms", "1000");
        return m;
    }

    // ------------------------------------------------------------------ inputs

    /** The flights week as region {@code id}, every time shifted by {@code shiftHours}, first {@code hours} only. */
    static List<IngestEvent> week(String id, int shiftHours, int hours) {
        return flights(WEEK, id, shiftHours, hours);
    }

    /**
     * A shipped flights file ({@code spec}, e.g. the week or {@code FlightsData.FULL}) as region {@code id}, every
     * time shifted by {@code shiftHours}, its first {@code hours} hours only (0: all).
     */
    static List<IngestEvent> flights(String spec, String id, int shiftHours, int hours) {
        List<IngestEvent> all = Replay.read(spec, ReplayFormat.FLIGHTS, id, null);
        long first = all.get(0).eventTimeMillis() / HOUR_MS * HOUR_MS;
        long shift = shiftHours * HOUR_MS;
        List<IngestEvent> out = new ArrayList<>();
        for (IngestEvent e : all) {
            if (hours > 0 && e.eventTimeMillis() >= first + hours * HOUR_MS) {
                break;
            }
            TripEvent t = (TripEvent) e;
            out.add(shift == 0 ? t : new TripEvent(t.region(), t.tripId(), t.origin(), t.destination(),
                    t.departedAtMillis() + shift, t.hasArrival() ? t.arrivedAtMillis() + shift : TripEvent.NO_ARRIVAL));
        }
        return out;
    }

    /**
     * {@code n} region ids spread evenly over {@code partitions} by Kafka's default partitioner (murmur2 of the
     * key), so every partition carries regions.
     */
    static List<String> regionIds(int n, int partitions) {
        Map<Integer, Integer> per = new HashMap<>();
        List<String> ids = new ArrayList<>();
        for (int i = 0; ids.size() < n && i < 10_000; i++) {
            String id = "region-" + i;
            int p = partitionOf(id, partitions);
            if (per.getOrDefault(p, 0) < (n + partitions - 1) / partitions) {
                per.merge(p, 1, Integer::sum);
                ids.add(id);
            }
        }
        return ids;
    }

    static int partitionOf(String key, int partitions) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    /** Several regions' events merged by event time (stable). */
    static List<IngestEvent> merged(List<List<IngestEvent>> perRegion) {
        List<IngestEvent> all = new ArrayList<>();
        perRegion.forEach(all::addAll);
        all.sort(java.util.Comparator.comparingLong(IngestEvent::eventTimeMillis));
        return all;
    }

    /** The input record of an event (key = region, value = the JSON of {@link RecordCodec}). */
    static ProducerRecord<byte[], byte[]> record(String topic, IngestEvent e) {
        return new ProducerRecord<>(topic, e.region().getBytes(StandardCharsets.UTF_8), RecordCodec.toBytes(e));
    }

    /**
     * For each region, the end (epoch seconds) of the last bin the data's own watermark closes (max event time
     * minus the allowed lateness), and so the bins a run must have committed at least.
     */
    /**
     * The 3-month flights data as regions {@code ids}, region k shifted by k hours, the first {@code hours} of each,
     * merged by event time.
     */
    static List<IngestEvent> flightsRegions(List<String> ids, int hours) {
        List<List<IngestEvent>> per = new ArrayList<>();
        for (int k = 0; k < ids.size(); k++) {
            per.add(flights(org.mfgcal.ingest.flights.FlightsData.FULL, ids.get(k), k, hours));
        }
        return merged(per);
    }

    /** Per region, the end (epoch seconds) of the bin {@code skipHours} after its first event's hour. */
    static Map<String, Long> binEndAfter(List<IngestEvent> events, int skipHours) {
        Map<String, Long> from = new java.util.TreeMap<>();
        for (IngestEvent e : events) {
            from.putIfAbsent(e.region(), (e.eventTimeMillis() / HOUR_MS + skipHours) * 3600);
        }
        return from;
    }

    static Map<String, Long> lastClosedBinEnd(List<IngestEvent> events) {
        Map<String, Long> max = new TreeMap<>();
        for (IngestEvent e : events) {
            max.merge(e.region(), e.eventTimeMillis(), Math::max);
        }
        Map<String, Long> out = new TreeMap<>();
        max.forEach((r, m) -> out.put(r, (m - LATENESS_MS) / HOUR_MS * HOUR_MS / 1000));
        return out;
    }

    static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 5,
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 2 * 1024 * 1024,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 120_000,
                // one request in flight: otherwise a first batch refused just after the topic's creation can be
                // overtaken by later batches and is then out of sequence for good (ScaleOutIT in CI, 2026-12-04)
                ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1));
    }

    /**
     * Publishes {@code records} in order: unpaced when {@code perSecond} ≤ 0, else at about {@code perSecond}
     * records per second; waits for every acknowledgement (a failed send fails the test).
     */
    static List<RecordMetadata> publish(String bootstrap, List<ProducerRecord<byte[], byte[]>> records,
                                        double perSecond) throws Exception {
        long t0 = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> p = producer(bootstrap)) {
            List<Future<RecordMetadata>> acks = new ArrayList<>(records.size());
            for (int i = 0; i < records.size(); i++) {
                if (perSecond > 0) {
                    long due = t0 + (long) (i / perSecond * 1e9);
                    long wait = due - System.nanoTime();
                    if (wait > 1_000_000) {
                        Thread.sleep(wait / 1_000_000);
                    }
                }
                acks.add(p.send(records.get(i)));
            }
            p.flush();
            List<RecordMetadata> out = new ArrayList<>(acks.size());
            for (Future<RecordMetadata> f : acks) {
                try {
                    out.add(f.get());
                } catch (java.util.concurrent.ExecutionException e) {
                    BrokerProcess b = shared;
                    throw new AssertionError("publishing to " + bootstrap + " failed: " + e.getCause()
                            + (b == null ? "" : "\n" + b.diagnostics(40)), e);
                }
            }
            return out;
        }
    }

    /** Publishes in a background thread (daemon); the returned future fails if a send failed. */
    static java.util.concurrent.CompletableFuture<Void> publishAsync(String bootstrap,
                                                                    List<ProducerRecord<byte[], byte[]>> records,
                                                                    double perSecond) {
        java.util.concurrent.CompletableFuture<Void> f = new java.util.concurrent.CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                publish(bootstrap, records, perSecond);
                f.complete(null);
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        }, "faults-publisher");
        t.setDaemon(true);
        t.start();
        return f;
    }

    // ------------------------------------------------------------------ waiting on a running service

    /**
     * Polls the instances' {@code mfgcal_last_committed_bin_timestamp_seconds} until every region of
     * {@code want} reached its bin end; fails when {@code stillOk} turns false or the timeout passes.
     */
    static void awaitCommitted(Map<String, Long> want, Duration timeout, BooleanSupplier stillOk,
                               ServiceProcess... instances) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, Long> seen = new TreeMap<>();
        while (true) {
            for (ServiceProcess s : instances) {
                if (!s.alive()) {
                    continue;
                }
                ServiceProcess.Scrape sc = s.scrape();
                for (String r : want.keySet()) {
                    double v = sc.max("mfgcal_last_committed_bin_timestamp_seconds", Map.of("region", r));
                    if (!Double.isNaN(v)) {
                        seen.merge(r, (long) v, Math::max);
                    }
                }
            }
            if (want.entrySet().stream().allMatch(e -> seen.getOrDefault(e.getKey(), 0L) >= e.getValue())) {
                return;
            }
            if (!stillOk.getAsBoolean()) {
                throw new AssertionError("stopped waiting for the last bins " + want + ": seen " + seen);
            }
            if (System.nanoTime() > deadline) {
                StringBuilder sb = new StringBuilder("last bins " + want + " not committed within " + timeout
                        + "; seen " + seen);
                for (ServiceProcess s : instances) {
                    sb.append("\n--- ").append(s.log()).append(" (alive ").append(s.alive()).append("):\n")
                            .append(s.logTail(25));
                }
                throw new AssertionError(sb.toString());
            }
            Thread.sleep(250);
        }
    }

    // ------------------------------------------------------------------ dumps and comparison

    /**
     * One read_committed dump of a run's outputs: per output topic, per region, the values in partition order,
     * each reduced to a canonical text (parameter updates without {@code latencyMillis}, the only wall-clock
     * field; state values as their SHA-256, they are about 0.9 MB each) and keyed by its bin.
     */
    record Dump(Map<String, Map<String, List<Entry>>> byTopic) {
        int count(String topic) {
            return byTopic.getOrDefault(topic, Map.of()).values().stream().mapToInt(List::size).sum();
        }
    }

    /** One output record: its bin and canonical value. */
    record Entry(long bin, String value) {
    }

    /**
     * Reads the four output topics of {@code t} with read_committed, keeping records whose bin is at most the
     * region's cut-off ({@code cutoffBinEnd}: bin end in epoch seconds; bins closed later, e.g. by the idle
     * clock at the end of the input, are not compared).
     */
    static Dump dump(String bootstrap, Topics t, Map<String, Long> cutoffBinEnd) throws Exception {
        Map<String, Map<String, List<Entry>>> out = new LinkedHashMap<>();
        String[] binField = {"bin", "issuedAtBin", "bin", "lastBin"};
        List<String> topics = t.outputs();
        for (int i = 0; i < topics.size(); i++) {
            String topic = topics.get(i);
            boolean state = topic.equals(t.state());
            boolean params = topic.equals(t.parameters());
            Map<String, List<Entry>> regions = new TreeMap<>();
            String field = binField[i];
            readCommitted(bootstrap, topic, r -> {
                String key = new String(r.key(), StandardCharsets.UTF_8);
                // the state topic's snapshots and logged bins (R#...) count with their region, at the bin that wrote them
                String region = state && key.indexOf('#') >= 0 ? key.substring(0, key.indexOf('#')) : key;
                JsonNode n;
                long bin;
                String canon;
                try {
                    if (state && key.indexOf('#') >= 0) {
                        bin = java.nio.ByteBuffer.wrap(r.value(), 5, 8).getLong(); // StateLog's plain header
                        canon = key + " " + sha256(r.value());
                        Long cut = cutoffBinEnd.get(region);
                        if (cut == null || (bin + 1) * HOUR_MS / 1000 <= cut) {
                            regions.computeIfAbsent(region, k -> new ArrayList<>()).add(new Entry(bin, canon));
                        }
                        return;
                    }
                    n = JSON.readTree(r.value());
                    bin = n.path(field).asLong(Long.MIN_VALUE);
                    if (params) {
                        ((ObjectNode) n).remove("latencyMillis");
                        canon = JSON.writeValueAsString(n);
                    } else if (state) {
                        canon = sha256(r.value());
                    } else {
                        canon = new String(r.value(), StandardCharsets.UTF_8);
                    }
                } catch (IOException e) {
                    throw new AssertionError("unreadable output on " + topic + ": " + e);
                }
                Long cut = cutoffBinEnd.get(region);
                if (cut == null || (bin + 1) * HOUR_MS / 1000 <= cut) {
                    regions.computeIfAbsent(region, k -> new ArrayList<>()).add(new Entry(bin, canon));
                }
            });
            out.put(topic.substring(topic.lastIndexOf('.') + 1), regions);
        }
        return new Dump(out);
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every committed record of {@code topic} (all partitions, in partition order), to {@code sink}. */
    static void readCommitted(String bootstrap, String topic,
                              java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> sink) {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 64 * 1024 * 1024,
                ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 64 * 1024 * 1024,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class))) {
            List<TopicPartition> tps = c.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).sorted(
                            java.util.Comparator.comparingInt(TopicPartition::partition)).toList();
            Map<TopicPartition, Long> end = awaitStable(bootstrap, c, tps);
            for (TopicPartition tp : tps) {
                c.assign(List.of(tp));
                c.seekToBeginning(List.of(tp));
                // generous: in OverloadIT's long mode a state partition holds GBs
                long deadline = System.nanoTime() + Duration.ofSeconds(600).toNanos();
                while (c.position(tp) < end.get(tp)) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("could not read " + tp + " up to " + end.get(tp));
                    }
                    c.poll(Duration.ofMillis(200)).forEach(sink);
                }
            }
        }
    }

    /** Longest wait for the open transactions of a dump's partitions to be decided (see {@link #awaitStable}). */
    static final Duration STABLE_WAIT = Duration.ofSeconds(120);

    /**
     * The read_committed end offsets (last stable offsets) of {@code tps} once no transaction is open on them (each
     * equals its log end), waiting at most {@link #STABLE_WAIT}: an instance killed in the middle of a transaction
     * leaves it open until its timeout aborts it, and read_committed readers then see the records after it only
     * later, not never. After the wait the offsets are returned as they are (the comparison then reports what is
     * not readable as lost) with a line naming the partitions.
     */
    private static Map<TopicPartition, Long> awaitStable(String bootstrap, KafkaConsumer<byte[], byte[]> c,
                                                         List<TopicPartition> tps) {
        long t0 = System.nanoTime();
        try (KafkaConsumer<byte[], byte[]> u = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class))) {
            while (true) {
                Map<TopicPartition, Long> stable = c.endOffsets(tps, Duration.ofSeconds(30));
                Map<TopicPartition, Long> logEnd = u.endOffsets(tps, Duration.ofSeconds(30));
                List<TopicPartition> open = tps.stream().filter(tp -> !stable.get(tp).equals(logEnd.get(tp))).toList();
                long waited = (System.nanoTime() - t0) / 1_000_000;
                if (open.isEmpty() || waited > STABLE_WAIT.toMillis()) {
                    if (!open.isEmpty() || waited > 1_000) {
                        report("dump: waited " + waited + " ms for open transactions on " + tps.get(0).topic()
                                + (open.isEmpty() ? " to be decided" : "; still open on " + open + " (stable "
                                + stable + ", log end " + logEnd + ")"));
                    }
                    return stable;
                }
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return stable;
                }
            }
        }
    }

    /** What a comparison of a run against its reference found. */
    record Diff(long lost, long duplicated, long differing, long extra, List<String> examples, List<String> summary) {
        boolean none() {
            return lost == 0 && duplicated == 0 && differing == 0 && extra == 0;
        }
    }

    /**
     * Compares a run with its reference record by record: per topic and region, bins missing in the run (lost),
     * bins present more often than in the reference (duplicated), bins whose value differs, and bins the
     * reference does not have (extra); and the order.
     */
    static Diff compare(Dump ref, Dump run) {
        long lost = 0;
        long dup = 0;
        long diff = 0;
        long extra = 0;
        List<String> ex = new ArrayList<>();
        Map<String, long[]> tally = new TreeMap<>();
        for (String topic : ref.byTopic().keySet()) {
            Map<String, List<Entry>> a = ref.byTopic().get(topic);
            Map<String, List<Entry>> b = run.byTopic().getOrDefault(topic, Map.of());
            java.util.Set<String> regions = new java.util.TreeSet<>(a.keySet());
            regions.addAll(b.keySet());
            for (String region : regions) {
                List<Entry> ra = a.getOrDefault(region, List.of());
                List<Entry> rb = b.getOrDefault(region, List.of());
                Map<Long, List<String>> ma = byBin(ra);
                Map<Long, List<String>> mb = byBin(rb);
                java.util.Set<Long> bins = new java.util.TreeSet<>(ma.keySet());
                bins.addAll(mb.keySet());
                for (long bin : bins) {
                    List<String> va = ma.getOrDefault(bin, List.of());
                    List<String> vb = mb.getOrDefault(bin, List.of());
                    if (vb.size() < va.size()) {
                        lost += va.size() - vb.size();
                        note(ex, topic + " " + region + " bin " + bin + ": lost");
                        tally(tally, topic + " " + region + " lost", bin);
                    } else if (vb.size() > va.size()) {
                        if (va.isEmpty()) {
                            extra += vb.size();
                            note(ex, topic + " " + region + " bin " + bin + ": not in the reference");
                            tally(tally, topic + " " + region + " extra", bin);
                        } else {
                            dup += vb.size() - va.size();
                            note(ex, topic + " " + region + " bin " + bin + ": duplicated x" + vb.size());
                            tally(tally, topic + " " + region + " duplicated", bin);
                        }
                    }
                    for (int i = 0; i < Math.min(va.size(), vb.size()); i++) {
                        if (!va.get(i).equals(vb.get(i))) {
                            diff++;
                            note(ex, topic + " " + region + " bin " + bin + ": value differs");
                            tally(tally, topic + " " + region + " differs", bin);
                        }
                    }
                }
                if (ex.isEmpty() && !ra.equals(rb)) {
                    diff++;
                    note(ex, topic + " " + region + ": same records in another order");
                }
            }
        }
        List<String> summary = new ArrayList<>();
        tally.forEach((k, v) -> summary.add(k + " x" + v[0] + " in bins " + v[1] + ".." + v[2]));
        return new Diff(lost, dup, diff, extra, ex, summary);
    }

    /** Counts one finding under {@code key}, with the first and last bin. */
    private static void tally(Map<String, long[]> tally, String key, long bin) {
        long[] t = tally.computeIfAbsent(key, k -> new long[] {0, Long.MAX_VALUE, Long.MIN_VALUE});
        t[0]++;
        t[1] = Math.min(t[1], bin);
        t[2] = Math.max(t[2], bin);
    }

    private static Map<Long, List<String>> byBin(List<Entry> es) {
        Map<Long, List<String>> m = new TreeMap<>();
        es.forEach(e -> m.computeIfAbsent(e.bin(), k -> new ArrayList<>()).add(e.value()));
        return m;
    }

    private static void note(List<String> ex, String s) {
        if (ex.size() < 10) {
            ex.add(s);
        }
    }

    /** Counts of the dump, per topic. */
    static String counts(Dump d) {
        StringBuilder sb = new StringBuilder();
        d.byTopic().forEach((t, m) -> sb.append(t).append('=').append(m.values().stream().mapToInt(List::size).sum())
                .append(' '));
        return sb.toString().trim();
    }

    // ------------------------------------------------------------------ references

    private static final Map<String, Dump> REFERENCES = new ConcurrentHashMap<>();

    /** A cached reference dump (computed once per test JVM and key). */
    static Dump reference(String key, java.util.concurrent.Callable<Dump> compute) throws Exception {
        Dump d = REFERENCES.get(key);
        if (d == null) {
            d = compute.call();
            REFERENCES.put(key, d);
        }
        return d;
    }

    /** The dead letters of a run: reason header per source offset ("partition:offset"), in topic order. */
    static List<String[]> deadLetters(String bootstrap, String topic) {
        List<String[]> out = new ArrayList<>();
        readCommitted(bootstrap, topic, r -> out.add(new String[] {
            DeadLetters.header(r, DeadLetters.SOURCE_PARTITION) + ":" + DeadLetters.header(r, DeadLetters.SOURCE_OFFSET),
            DeadLetters.header(r, DeadLetters.REASON), Integer.toString(r.value() == null ? -1 : r.value().length)}));
        return out;
    }
}
