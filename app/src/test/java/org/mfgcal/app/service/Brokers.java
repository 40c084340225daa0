package org.mfgcal.app.service;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.mfgcal.ingest.IngestEvent;
import org.mfgcal.ingest.PopulationSnapshot;
import org.mfgcal.ingest.RegionConfig;
import org.mfgcal.ingest.replay.Replay;

/** Test helpers against a real broker: publish input, read outputs with read_committed. */
final class Brokers {

    private Brokers() {
    }

    /** Publishes events with {@link Replay} as fast as possible (acks=all) and, optionally, extra raw records. */
    static void publish(String bootstrap, String topic, List<? extends IngestEvent> events,
                        List<ProducerRecord<byte[], byte[]>> extra) {
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 5))) {
            for (ProducerRecord<byte[], byte[]> r : extra) {
                p.send(r);
            }
            Replay.publish(events, topic, 0, p, null);
        }
    }

    /** Every committed record of {@code topic} (all partitions), read with {@code isolation.level=read_committed}. */
    /** The state topic's heads (key = region), without the snapshots and logged bins ({@code R#…}). */
    static List<ConsumerRecord<String, byte[]>> heads(List<ConsumerRecord<String, byte[]>> stateRecords) {
        return stateRecords.stream().filter(r -> r.key().indexOf('#') < 0).toList();
    }

    static List<ConsumerRecord<String, byte[]>> readCommitted(String bootstrap, String topic) {
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class))) {
            List<TopicPartition> tps = c.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> end = c.endOffsets(tps, Duration.ofSeconds(30)); // last stable offsets
            List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " up to " + end);
                }
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            return out;
        }
    }

    /** Polls {@link #readCommitted} until {@code done} holds or the timeout passes; returns the last read. */
    static List<ConsumerRecord<String, byte[]>> awaitCommitted(String bootstrap, String topic, Duration timeout,
                                                               Predicate<List<ConsumerRecord<String, byte[]>>> done)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<ConsumerRecord<String, byte[]>> rs = readCommitted(bootstrap, topic);
            if (done.test(rs) || System.nanoTime() > deadline) {
                return rs;
            }
            Thread.sleep(500);
        }
    }

    /**
     * How many of {@code snapshots} (computed offline, flushed at the end) the stream closes by event time alone:
     * those ending at or before the final watermark, max event time − allowed lateness.
     */
    static int binsClosedByWatermark(List<? extends IngestEvent> events, RegionConfig region,
                                     List<PopulationSnapshot> snapshots) {
        long max = events.stream().mapToLong(IngestEvent::eventTimeMillis).max().orElseThrow();
        long watermark = max - region.allowedLateness().toMillis();
        return (int) snapshots.stream().filter(s -> s.binEnd().toEpochMilli() <= watermark).count();
    }
}
