package org.mfgcal.ingest.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.mfgcal.ingest.Binning;
import org.mfgcal.ingest.DeadLetterReason;
import org.mfgcal.ingest.DeadLetters;
import org.mfgcal.ingest.IngestEvent;
import org.mfgcal.ingest.IngestOptions;
import org.mfgcal.ingest.IngestPipeline;
import org.mfgcal.ingest.PopulationSnapshot;
import org.mfgcal.ingest.RegionConfig;
import org.mfgcal.ingest.RegionConfigs;
import org.mfgcal.ingest.SnapshotDelivery;
import org.mfgcal.ingest.StockSource;
import org.mfgcal.ingest.TripEvent;
import org.mfgcal.ingest.Zone;
import org.mfgcal.ingest.flights.FlightsCsv;
import org.mfgcal.ingest.flights.FlightsData;
import org.mfgcal.ingest.kafka.KafkaReceiver;
import org.mfgcal.ingest.kafka.ReceiverOptions;
import org.mfgcal.ingest.kafka.ReceiverRecord;
import org.mfgcal.ingest.replay.Replay;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The ingest integration tests, against a real broker supplied by the subclass (in-process KRaft, or a
 * Testcontainers broker when Docker exists). No broker is mocked.
 */
public abstract class IngestIntegrationBase {

    /** Bootstrap servers of the broker under test. */
    protected abstract String bootstrapServers();

    private static List<TripEvent> week;
    private static RegionConfigs flights;

    static synchronized List<TripEvent> week() {
        if (week == null) {
            week = FlightsCsv.readShipped(FlightsData.WEEK);
            flights = RegionConfigs.loadSpec(FlightsData.REGION);
        }
        return week;
    }

    static RegionConfigs flightsRegion() {
        week();
        return flights;
    }

    protected String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    protected void createTopic(String name, int partitions) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
            org.mfgcal.kafka.EmbeddedKafka.awaitLeaders(admin, List.of(name), Duration.ofSeconds(30));
        }
    }

    protected KafkaProducer<byte[], byte[]> producer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.LINGER_MS_CONFIG, 5, ProducerConfig.BATCH_SIZE_CONFIG, 262_144));
    }

    /** Runs a pipeline until it has received {@code n} records and the output is quiet; acks every delivery. */
    protected List<PopulationSnapshot> runPipeline(IngestPipeline p, long n) throws Exception {
        List<PopulationSnapshot> out = new CopyOnWriteArrayList<>();
        Disposable d = p.snapshots().subscribe(sd -> {
            out.add(sd.snapshot());
            sd.ack();
        });
        try {
            assertTrue(p.awaitReceived(n, 120, TimeUnit.SECONDS), "received " + p.stats().received() + " of " + n);
            Thread.sleep(500); // let the last outputs (dead letters, snapshots) drain
        } finally {
            p.close();
            d.dispose();
        }
        return new ArrayList<>(out);
    }

    @Test
    void replay_realWeek_snapshotsEqualOfflineBinning() throws Exception {
        String topic = unique("trips");
        createTopic(topic, 3);
        List<TripEvent> trips = week();
        try (var producer = producer()) {
            Replay.Result r = Replay.publish(trips, topic, 0, producer, null);
            assertEquals(trips.size(), r.records());
        }
        IngestPipeline p = new IngestPipeline(IngestOptions.of(bootstrapServers(), unique("g"), List.of(topic))
                .withDeadLetterTopic(unique("dlq")), flightsRegion());
        List<PopulationSnapshot> streamed = runPipeline(p, trips.size());
        // a live stream never ends, so its last bins stay open: compare with the offline run without the flush
        List<PopulationSnapshot> expected = Binning.run(trips, flightsRegion(), false).snapshots();
        assertTrue(expected.size() > 150, "a week of hourly bins: " + expected.size());
        assertEquals(expected, streamed);
        assertEquals(trips.size(), p.stats().accepted());
        assertEquals(0, p.stats().deadLettered());
    }

    @Test
    void pipeline_restartMidStream_resumesFromCheckpointWithExactStocks() throws Exception {
        String topic = unique("trips");
        createTopic(topic, 1);
        String group = unique("g");
        List<TripEvent> trips = week();
        int half = trips.size() / 2;
        IngestOptions opts = IngestOptions.of(bootstrapServers(), group, List.of(topic)).withDeadLetterTopic(unique("dlq"));
        List<PopulationSnapshot> got = new ArrayList<>();
        try (var producer = producer()) {
            Replay.publish(trips.subList(0, half), topic, 0, producer, null);
            IngestPipeline first = new IngestPipeline(opts, flightsRegion());
            got.addAll(runPipeline(first, half));
            Replay.publish(trips.subList(half, trips.size()), topic, 0, producer, null);
        }
        IngestPipeline second = new IngestPipeline(opts, flightsRegion());
        List<PopulationSnapshot> after = new CopyOnWriteArrayList<>();
        Disposable d = second.snapshots().subscribe(sd -> {
            after.add(sd.snapshot());
            sd.ack();
        });
        List<PopulationSnapshot> expected = Binning.run(trips, flightsRegion(), false).snapshots();
        long deadline = System.currentTimeMillis() + 120_000;
        while (got.size() + after.size() < expected.size() && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        second.close();
        d.dispose();
        got.addAll(after);
        assertEquals(expected, got);
        assertTrue(second.stats().received() < trips.size(), "the second run re-read only from the checkpoint");
        assertEquals(0, second.stats().deadLettered());
    }

    @Test
    void pipeline_tenThousandHostileRecords_eachDeadLetteredWithItsReasonAndGoodSnapshotsUnchanged() throws Exception {
        String topic = unique("mixed");
        String dlq = unique("dlq");
        createTopic(topic, 4);
        createTopic(dlq, 1);
        RegionConfig counts = new RegionConfig("counts", null, List.of(Zone.of("Z1", 0), Zone.of("Z2", 0)), null, null,
                StockSource.COUNTS, null, null, null, null, null, null, 1e6);
        RegionConfigs regions = RegionConfigs.of(flightsRegion().get("flights"), counts);
        List<TripEvent> good = week();
        Hostile hostile = new Hostile(good);
        List<ProducerRecord<byte[], byte[]>> records = hostile.interleave(topic);
        assertTrue(hostile.expected.size() >= 10_000, "hostile records: " + hostile.expected.size());
        try (var producer = producer()) {
            for (ProducerRecord<byte[], byte[]> r : records) {
                producer.send(r);
            }
            producer.flush();
        }
        IngestPipeline p = new IngestPipeline(IngestOptions.of(bootstrapServers(), unique("g"), List.of(topic))
                .withDeadLetterTopic(dlq).withMaxRecordBytes(Hostile.MAX_BYTES), regions);
        List<PopulationSnapshot> streamed = runPipeline(p, records.size());

        assertEquals(Binning.run(good, flightsRegion(), false).snapshots(), streamed);
        assertEquals(records.size(), p.stats().received());
        assertEquals(good.size(), p.stats().accepted());
        assertEquals(hostile.expected.size(), p.stats().deadLettered());

        Map<String, DeadLetterReason> byMarker = new HashMap<>(hostile.expected);
        Map<DeadLetterReason, Integer> seen = new EnumMap<>(DeadLetterReason.class);
        for (ConsumerRecord<byte[], byte[]> r : readAll(dlq, hostile.expected.size())) {
            String marker = Hostile.marker(r.value());
            DeadLetterReason want = byMarker.remove(marker);
            assertNotNull(want, "unexpected or repeated dead letter " + marker);
            assertEquals(want.name(), DeadLetters.header(r, DeadLetters.REASON), DeadLetters.header(r, DeadLetters.MESSAGE));
            assertEquals(topic, DeadLetters.header(r, DeadLetters.SOURCE_TOPIC));
            assertNotNull(DeadLetters.header(r, DeadLetters.SOURCE_OFFSET));
            assertFalse(DeadLetters.header(r, DeadLetters.MESSAGE).isBlank());
            seen.merge(want, 1, Integer::sum);
        }
        assertTrue(byMarker.isEmpty(), "missing dead letters: " + byMarker.size());
        assertEquals(DeadLetterReason.values().length, seen.size(), "every reason exercised: " + seen);
    }

    @Test
    void receiver_slowConsumer_pausesPartitionsBoundsBufferAndDropsNothing() throws Exception {
        String topic = unique("bp");
        createTopic(topic, 2);
        int n = 3000;
        int maxPoll = 100;
        try (var producer = producer()) {
            for (int i = 0; i < n; i++) {
                producer.send(new ProducerRecord<>(topic, i % 2, null, Integer.toString(i).getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
        }
        String group = unique("g");
        KafkaReceiver receiver = KafkaReceiver.create(ReceiverOptions.of(bootstrapServers(), group, List.of(topic))
                .withProperties(Map.of(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxPoll)));
        AtomicLong emitted = new AtomicLong();
        AtomicLong processed = new AtomicLong();
        AtomicLong maxInFlight = new AtomicLong();
        AtomicInteger maxPaused = new AtomicInteger();
        Map<Integer, List<Long>> offsets = new HashMap<>();
        offsets.put(0, Collections.synchronizedList(new ArrayList<>()));
        offsets.put(1, Collections.synchronizedList(new ArrayList<>()));
        int prefetch = 16;
        Disposable d = receiver.receive()
                .doOnNext(r -> emitted.incrementAndGet())
                .publishOn(Schedulers.boundedElastic(), prefetch)
                .concatMap(r -> Mono.delay(Duration.ofMillis(1)).thenReturn(r), 1)
                .subscribe((ReceiverRecord r) -> {
                    offsets.get(r.record().partition()).add(r.offset());
                    long inFlight = emitted.get() - processed.incrementAndGet();
                    maxInFlight.accumulateAndGet(inFlight, Math::max);
                    maxPaused.accumulateAndGet(receiver.pausedPartitions().size(), Math::max);
                    r.ack();
                });
        long deadline = System.currentTimeMillis() + 60_000;
        while (processed.get() < n && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        receiver.close();
        d.dispose();
        assertEquals(n, processed.get(), "nothing dropped");
        assertEquals(2, maxPaused.get(), "both partitions were paused while the consumer was slow");
        assertTrue(receiver.pausedPolls() > 0);
        // the buffer between consumer and subscriber never exceeds one poll beyond the subscriber's prefetch
        assertTrue(maxInFlight.get() <= maxPoll + prefetch + 1, "in flight " + maxInFlight.get());
        for (List<Long> offs : offsets.values()) {
            assertEquals(n / 2, offs.size());
            for (int i = 0; i < offs.size(); i++) {
                assertEquals(i, offs.get(i), "per-partition order, no gaps, no repeats");
            }
        }
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()))) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            assertEquals(n / 2, committed.get(new TopicPartition(topic, 0)).offset());
            assertEquals(n / 2, committed.get(new TopicPartition(topic, 1)).offset());
        }
    }

    @Test
    void pipeline_slowSnapshotConsumer_receiverPausesAndAllRecordsArrive() throws Exception {
        String topic = unique("trips");
        createTopic(topic, 1);
        List<TripEvent> trips = week().subList(0, 6000);
        try (var producer = producer()) {
            Replay.publish(trips, topic, 0, producer, null);
        }
        IngestPipeline p = new IngestPipeline(IngestOptions.of(bootstrapServers(), unique("g"), List.of(topic))
                .withDeadLetterTopic(unique("dlq")).withPrefetch(2)
                .withConsumerOverrides(Map.of(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 50)), flightsRegion());
        List<SnapshotDelivery> out = new CopyOnWriteArrayList<>();
        Disposable d = p.snapshots()
                .concatMap(sd -> Mono.delay(Duration.ofMillis(40)).thenReturn(sd), 1)
                .subscribe(sd -> {
                    out.add(sd);
                    sd.ack();
                });
        try {
            assertTrue(p.awaitReceived(trips.size(), 120, TimeUnit.SECONDS));
        } finally {
            Thread.sleep(300);
            p.close();
            d.dispose();
        }
        assertTrue(p.receiver().pausedPolls() > 0, "the slow snapshot consumer paused the receiver");
        List<PopulationSnapshot> expected = Binning.run(trips, flightsRegion(), false).snapshots();
        assertEquals(expected, out.stream().map(SnapshotDelivery::snapshot).toList());
    }

    /** Reads {@code n} records of a topic from the beginning. */
    protected List<ConsumerRecord<byte[], byte[]>> readAll(String topic, int n) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (var c = new KafkaConsumer<byte[], byte[]>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, unique("reader"), ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class))) {
            c.subscribe(List.of(topic));
            long deadline = System.currentTimeMillis() + 60_000;
            while (out.size() < n && System.currentTimeMillis() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            c.poll(Duration.ofMillis(500)).forEach(out::add);
        }
        return out;
    }

    /**
     * Generated hostile records, each with a unique marker and the reason it must be dead-lettered for. Public for
     * the parser's differential test ({@code RecordCodecDifferentialTest}).
     */
    public static final class Hostile {
        public static final int MAX_BYTES = 4096;
        public final Map<String, DeadLetterReason> expected = new HashMap<>();
        private final List<TripEvent> good;

        public Hostile(List<TripEvent> good) {
            this.good = good;
        }

        static String marker(byte[] value) {
            String s = new String(value, StandardCharsets.UTF_8);
            int i = s.indexOf("HOSTILE-");
            return i < 0 ? s : s.substring(i, s.indexOf('#', i) + 1);
        }

        /** Good records in order; from the 500th on, each is followed by one hostile record (10,400 in all). */
        public List<ProducerRecord<byte[], byte[]>> interleave(String topic) {
            List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
            DeadLetterReason[] reasons = DeadLetterReason.values();
            int k = 0;
            for (int i = 0; i < good.size(); i++) {
                TripEvent t = good.get(i);
                out.add(rec(topic, "flights", org.mfgcal.ingest.RecordCodec.toJson(t)));
                if (i >= 500 && k < 10_400) {
                    DeadLetterReason r = reasons[k % reasons.length];
                    String m = "HOSTILE-" + k + "#";
                    expected.put(m, r);
                    out.add(make(topic, r, m, t));
                    k++;
                }
            }
            return out;
        }

        private static ProducerRecord<byte[], byte[]> rec(String topic, String key, String json) {
            return new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), json.getBytes(StandardCharsets.UTF_8));
        }

        private static String trip(String id, String o, String d, long dep, long arr) {
            return org.mfgcal.ingest.RecordCodec.toJson(new TripEvent("flights", id, o, d, dep, arr));
        }

        private ProducerRecord<byte[], byte[]> make(String topic, DeadLetterReason r, String m, TripEvent t) {
            long dep = t.departedAtMillis();
            long hour = 3_600_000L;
            return switch (r) {
                case TOO_LARGE -> rec(topic, "flights", trip(m + "x".repeat(MAX_BYTES), "PHX", "LAS", dep, dep + hour));
                case MALFORMED_JSON -> rec(topic, "flights", "{\"region\":\"flights\",\"tripId\":\"" + m + "\"");
                case MISSING_FIELD -> rec(topic, "flights", trip(m, "PHX", "LAS", dep, dep + hour).replace(",\"origin\":\"PHX\"", ""));
                case WRONG_TYPE -> rec(topic, "flights", "{\"region\":\"flights\",\"tripId\":\"" + m
                        + "\",\"origin\":\"PHX\",\"destination\":7,\"departedAt\":\"2001-01-02T00:00:00Z\"}");
                case KEY_MISMATCH -> rec(topic, "other", trip(m, "PHX", "LAS", dep, dep + hour));
                case UNKNOWN_REGION -> rec(topic, "nowhere", trip(m, "PHX", "LAS", dep, dep + hour).replace("\"flights\"", "\"nowhere\""));
                case UNKNOWN_ZONE -> rec(topic, "counts", "{\"region\":\"counts\",\"zone\":\"Z9\",\"at\":\"2001-01-02T00:00:00Z\","
                        + "\"count\":1,\"m\":\"" + m + "\"}");
                case UNEXPECTED_TYPE -> rec(topic, "flights", "{\"region\":\"flights\",\"zone\":\"PHX\",\"at\":\""
                        + java.time.Instant.ofEpochMilli(dep) + "\",\"count\":3,\"m\":\"" + m + "\"}");
                case INVALID_VALUE -> rec(topic, "counts", "{\"region\":\"counts\",\"zone\":\"Z1\",\"at\":\"2001-01-02T00:00:00Z\","
                        + "\"count\":" + ((m.hashCode() & 1) == 0 ? "\"NaN\"" : "-5") + ",\"m\":\"" + m + "\"}");
                case ABSURD_VALUE -> rec(topic, "flights", trip(m, "PHX", "LAS", dep, dep + 30 * hour));
                case TOO_LATE -> rec(topic, "flights", trip(m, "PHX", "LAS", dep - 6 * hour, dep - 5 * hour));
                case FUTURE_TIMESTAMP -> rec(topic, "flights", trip(m, "PHX", "LAS", dep + 50 * hour, dep + 51 * hour));
                case DUPLICATE_TRIP -> rec(topic, "flights", trip(t.tripId(), "PHX", "LAS", dep, dep + hour)
                        .replace("}", ",\"m\":\"" + m + "\"}"));
            };
        }
    }

    /** For subclasses that want the week size. */
    protected static int weekSize() {
        return week().size();
    }

    static List<? extends IngestEvent> weekEvents() {
        return week();
    }
}
