package org.mfgcal.app.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.mfgcal.publisher.kafka.HangingTransactions;

/**
 * A hanging transaction made the way the service meets it (RELIABILITY.md, "known limits"): a transactional producer
 * commits one transaction after another on a standalone broker process, and the broker is stopped with SIGTERM
 * (controlled shutdown) while it does, then started again. When the coordinator skipped the markers of the
 * transaction it was completing, the partition keeps it open and read_committed readers stop before it. Then a new
 * producer with the same transactional id initialises, and {@link HangingTransactions#abortOwn} must abort exactly
 * that transaction, after which a read_committed reader reaches the end of the partition and sees only the
 * transactions that were committed before it. An attempt in which no transaction hangs is repeated (at most
 * {@value #ATTEMPTS} times; each attempt's outcome is reported).
 */
class HangingTransactionIT {

    static final int ATTEMPTS = 6;

    @Test
    void brokerSigtermDuringCommits_hangingTransactionFoundAndAborted_readersReachTheEnd() throws Exception {
        Path dir = Harness.workDir("hanging-transaction");
        List<String> attempts = new ArrayList<>();
        try (BrokerProcess b = BrokerProcess.startNew(dir.resolve("broker"))) {
            String topic = "hang.out";
            b.createTopics(1, Map.of(), topic);
            TopicPartition tp = new TopicPartition(topic, 0);
            boolean hung = false;
            for (int attempt = 1; attempt <= ATTEMPTS && !hung; attempt++) {
                String txId = "hang-" + attempt;
                AtomicBoolean stop = new AtomicBoolean();
                AtomicLong commits = new AtomicLong();
                Thread loop = new Thread(() -> commitLoop(b.bootstrap(), txId, topic, stop, commits), "commit-loop");
                loop.start();
                while (commits.get() < 20) {
                    Thread.sleep(20);
                }
                b.sigterm();
                stop.set(true);
                loop.join(60_000);
                b.start();
                try (Admin admin = b.admin()) {
                    boolean open = false;
                    for (ProducerState p : admin.describeProducers(List.of(tp)).partitionResult(tp)
                            .get(30, TimeUnit.SECONDS).activeProducers()) {
                        open |= p.currentTransactionStartOffset().isPresent();
                    }
                    long lso = readCommittedEnd(b.bootstrap(), tp);
                    long end = admin.listOffsets(Map.of(tp, org.apache.kafka.clients.admin.OffsetSpec.latest()))
                            .partitionResult(tp).get(30, TimeUnit.SECONDS).offset();
                    attempts.add(String.format(Locale.ROOT, "attempt %d: %d commits, open transaction %s, read_committed"
                            + " end %d of %d", attempt, commits.get(), open, lso, end));
                    if (!open) {
                        continue;
                    }
                    hung = true;
                    assertTrue(lso < end, "a hanging transaction stops read_committed readers: " + attempts);
                    try (KafkaProducer<String, byte[]> p = producer(b.bootstrap(), txId)) {
                        p.initTransactions();
                        HangingTransactions.Result r = HangingTransactions.abortOwn(admin, txId, List.of(topic),
                                30_000);
                        assertTrue(r.checked(), "checked");
                        assertEquals(1, r.aborted().size(), "one hanging transaction aborted: " + r.aborted());
                        assertEquals(tp, r.aborted().get(0).partition());
                        assertEquals(lso, r.aborted().get(0).firstOffset(), "it is where readers stopped");
                        for (ProducerState ps : admin.describeProducers(List.of(tp)).partitionResult(tp)
                                .get(30, TimeUnit.SECONDS).activeProducers()) {
                            assertFalse(ps.currentTransactionStartOffset().isPresent(), "still open: " + ps);
                        }
                        long endAfter = admin.listOffsets(Map.of(tp, org.apache.kafka.clients.admin.OffsetSpec.latest()))
                                .partitionResult(tp).get(30, TimeUnit.SECONDS).offset();
                        assertEquals(endAfter, readCommittedEnd(b.bootstrap(), tp), "read_committed reaches the end");
                        // a second check finds nothing more to abort
                        assertTrue(HangingTransactions.abortOwn(admin, txId, List.of(topic), 30_000).aborted()
                                .isEmpty(), "nothing left");
                        // and the producer commits normally afterwards
                        p.beginTransaction();
                        p.send(new ProducerRecord<>(topic, "after", "after".getBytes(StandardCharsets.UTF_8)));
                        p.commitTransaction();
                    }
                    assertTrue(readValues(b.bootstrap(), topic).contains("after"), "committed after the abort");
                }
            }
            Harness.report("HangingTransactionIT: " + attempts);
            org.junit.jupiter.api.Assumptions.assumeTrue(hung,
                    "no transaction hung in " + ATTEMPTS + " broker shutdowns: " + attempts);
        }
    }

    private static void commitLoop(String bootstrap, String txId, String topic, AtomicBoolean stop, AtomicLong commits) {
        try (KafkaProducer<String, byte[]> p = producer(bootstrap, txId)) {
            p.initTransactions();
            while (!stop.get()) {
                p.beginTransaction();
                for (int i = 0; i < 5; i++) {
                    p.send(new ProducerRecord<>(topic, "k", ("v" + commits.get()).getBytes(StandardCharsets.UTF_8)));
                }
                p.commitTransaction();
                commits.incrementAndGet();
            }
        } catch (RuntimeException e) {
            // the broker went away mid-transaction: expected
        }
    }

    private static KafkaProducer<String, byte[]> producer(String bootstrap, String txId) {
        Map<String, Object> m = new HashMap<>();
        m.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        m.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, txId);
        m.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 8_000);
        m.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 8_000);
        m.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 4_000);
        m.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        m.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, org.apache.kafka.common.serialization.ByteArraySerializer.class.getName());
        return new KafkaProducer<>(m);
    }

    /** The offset a read_committed consumer's end offsets give (the last stable offset). */
    private static long readCommittedEnd(String bootstrap, TopicPartition tp) {
        try (KafkaConsumer<byte[], byte[]> c = consumer(bootstrap)) {
            return c.endOffsets(List.of(tp), Duration.ofSeconds(30)).get(tp);
        }
    }

    private static List<String> readValues(String bootstrap, String topic) {
        List<String> out = new ArrayList<>();
        Harness.readCommitted(bootstrap, topic, r -> out.add(new String(r.value(), StandardCharsets.UTF_8)));
        return out;
    }

    private static KafkaConsumer<byte[], byte[]> consumer(String bootstrap) {
        return new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString(),
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName()));
    }
}
