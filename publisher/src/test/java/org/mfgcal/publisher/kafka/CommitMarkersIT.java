package org.mfgcal.publisher.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.AbortTransactionSpec;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.mfgcal.kafka.EmbeddedKafka;

/**
 * {@link CommitMarkers} against a real (in-process) broker: a commit marker written for a producer's open transaction
 * makes its record readable to read_committed consumers at once, and the producer's own commit afterwards still
 * succeeds. Also records the epochs {@link HangingTransactions.Outcome} relies on (transaction protocol version 2):
 * a transaction written with epoch e completes with the coordinator at e + 1, and a new producer's init moves it on,
 * state Empty.
 */
class CommitMarkersIT {

    @Test
    void commitMarkerOnAnOpenTransaction_recordReadable_producerCommitsAfterwards() throws Exception {
        try (EmbeddedKafka k = EmbeddedKafka.start(); Admin admin = k.admin()) {
            k.createTopics(1, "t");
            TopicPartition tp = new TopicPartition("t", 0);
            try (KafkaProducer<String, String> a = producer(k)) {
                a.initTransactions();
                a.beginTransaction();
                a.send(new ProducerRecord<>("t", "k", "1"));
                a.flush();
                int e1 = epochOnPartition(admin, tp); // the epoch the transaction's records carry
                a.commitTransaction();
                awaitState(admin, TransactionState.COMPLETE_COMMIT);
                assertEquals(e1 + 1, coordinatorEpoch(admin), "the coordinator's epoch after a commit");

                a.beginTransaction();
                a.send(new ProducerRecord<>("t", "k", "2"));
                a.flush();
                ProducerState ps = admin.describeProducers(List.of(tp)).partitionResult(tp).get(10, TimeUnit.SECONDS)
                        .activeProducers().get(0);
                assertTrue(ps.currentTransactionStartOffset().isPresent(), "transaction open");
                assertEquals(List.of("1"), read(k), "before the marker");
                CommitMarkers.commit(admin, new AbortTransactionSpec(tp, ps.producerId(), (short) ps.producerEpoch(),
                        ps.coordinatorEpoch().orElse(-1)), 30_000);
                assertEquals(List.of("1", "2"), read(k), "after the commit marker");
                a.commitTransaction();
                awaitState(admin, TransactionState.COMPLETE_COMMIT);
            }
            int before = coordinatorEpoch(admin);
            try (KafkaProducer<String, String> b = producer(k)) {
                b.initTransactions();
                assertEquals(TransactionState.EMPTY, state(admin));
                assertTrue(coordinatorEpoch(admin) > before, "a new producer's init moves the epoch on");
            }
            assertEquals(List.of("1", "2"), read(k), "nothing more");
        }
    }

    private static KafkaProducer<String, String> producer(EmbeddedKafka k) {
        return new KafkaProducer<>(Map.of("bootstrap.servers", k.bootstrapServers(), "transactional.id", "x"),
                new StringSerializer(), new StringSerializer());
    }

    private static int epochOnPartition(Admin admin, TopicPartition tp) throws Exception {
        return admin.describeProducers(List.of(tp)).partitionResult(tp).get(10, TimeUnit.SECONDS).activeProducers()
                .get(0).producerEpoch();
    }

    private static int coordinatorEpoch(Admin admin) throws Exception {
        return admin.describeTransactions(List.of("x")).description("x").get(10, TimeUnit.SECONDS).producerEpoch();
    }

    private static TransactionState state(Admin admin) throws Exception {
        return admin.describeTransactions(List.of("x")).description("x").get(10, TimeUnit.SECONDS).state();
    }

    private static void awaitState(Admin admin, TransactionState want) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (state(admin) != want) {
            assertTrue(System.nanoTime() < deadline, "state " + want + " not reached: " + state(admin));
            Thread.sleep(50);
        }
    }

    /** The read_committed values of t-0 up to its last stable offset. */
    private static List<String> read(EmbeddedKafka k) {
        TopicPartition tp = new TopicPartition("t", 0);
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(Map.of("bootstrap.servers", k.bootstrapServers(),
                "isolation.level", "read_committed"), new StringDeserializer(), new StringDeserializer())) {
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long stable = c.endOffsets(List.of(tp)).get(tp);
            List<String> out = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (c.position(tp) < stable && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(100)).forEach(r -> out.add(r.value()));
            }
            return out;
        }
    }
}
