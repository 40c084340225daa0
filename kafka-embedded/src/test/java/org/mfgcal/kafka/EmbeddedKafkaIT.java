package org.mfgcal.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Starts the real embedded broker once and checks plain and transactional round trips. */
class EmbeddedKafkaIT {

    private static EmbeddedKafka kafka;
    private static long startMillis;

    @BeforeAll
    static void start() {
        long t0 = System.nanoTime();
        kafka = EmbeddedKafka.start();
        startMillis = (System.nanoTime() - t0) / 1_000_000;
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    @Test
    void start_freshDirectory_bindsLoopbackQuicklyAndListsCreatedTopics() throws Exception {
        assertTrue(kafka.bootstrapServers().startsWith("127.0.0.1:"), kafka.bootstrapServers());
        assertTrue(startMillis < 30_000, "start took " + startMillis + " ms");
        kafka.createTopics(3, "t-list");
        kafka.createTopics(3, "t-list"); // idempotent
        try (var admin = kafka.admin()) {
            assertTrue(admin.listTopics().names().get().contains("t-list"));
            assertEquals(3, admin.describeTopics(Set.of("t-list")).allTopicNames().get()
                    .get("t-list").partitions().size());
        }
    }

    @Test
    void produceConsume_plainRecords_roundTripInOrder() {
        kafka.createTopics(1, "t-plain");
        try (var producer = producer(Map.of())) {
            for (int i = 0; i < 100; i++) {
                producer.send(new ProducerRecord<>("t-plain", "k", "v" + i));
            }
            producer.flush();
        }
        List<String> got = consume("t-plain", "read_uncommitted", 100);
        assertEquals(100, got.size());
        for (int i = 0; i < 100; i++) {
            assertEquals("v" + i, got.get(i));
        }
    }

    @Test
    void transaction_commitAndAbort_readCommittedSeesOnlyCommitted() {
        kafka.createTopics(1, "t-tx");
        try (var producer = producer(Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tx-test"))) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>("t-tx", "k", "aborted"));
            producer.flush();
            producer.abortTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>("t-tx", "k", "committed-1"));
            producer.send(new ProducerRecord<>("t-tx", "k", "committed-2"));
            producer.commitTransaction();
        }
        assertEquals(List.of("committed-1", "committed-2"), consume("t-tx", "read_committed", 2));
    }

    private static KafkaProducer<String, String> producer(Map<String, Object> extra) {
        Map<String, Object> cfg = new java.util.HashMap<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class));
        cfg.putAll(extra);
        return new KafkaProducer<>(cfg);
    }

    private static List<String> consume(String topic, String isolation, int expected) {
        List<String> out = new ArrayList<>();
        try (var consumer = new KafkaConsumer<String, String>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "g-" + topic,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class))) {
            consumer.subscribe(List.of(topic));
            long deadline = System.currentTimeMillis() + 30_000;
            while (System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    out.add(r.value());
                }
                if (out.size() >= expected) {
                    // one more poll: nothing beyond the expected records may appear
                    consumer.poll(Duration.ofMillis(300)).forEach(r -> out.add(r.value()));
                    break;
                }
            }
        }
        return out;
    }
}
