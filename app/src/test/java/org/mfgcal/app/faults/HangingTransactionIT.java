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

    static final int ATTEMPTS = 2;

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
                // a new producer of the same id first: its initTransactions aborts (with markers) a transaction the
                // loop left open when the broker went away, so what is still open afterwards is hanging
                try (Admin admin = b.admin(); KafkaProducer<String, byte[]> p = producer(b.bootstrap(), txId)) {
                    p.initTransactions();
                    boolean open = false;
                    for (ProducerState ps : admin.describeProducers(List.of(tp)).partitionResult(tp)
                            .get(30, TimeUnit.SECONDS).activeProducers()) {
                        open |= ps.currentTransactionStartOffset().isPresent();
                    }
                    long lso = readCommittedEnd(b.bootstrap(), tp);
                    long end = admin.listOffsets(Map.of(tp, org.apache.kafka.clients.admin.OffsetSpec.latest()))
                            .partitionResult(tp).get(30, TimeUnit.SECONDS).offset();
                    attempts.add(String.format(Locale.ROOT, "attempt %d: %d commits, hanging transaction %s,"
                            + " read_committed end %d of %d", attempt, commits.get(), open, lso, end));
                    if (!open) {
                        assertEquals(end, lso, "nothing open, read_committed reaches the end: " + attempts);
                        continue;
                    }
                    hung = true;
                    assertTrue(lso < end, "a hanging transaction stops read_committed readers: " + attempts);
                    HangingTransactions.Result r = HangingTransactions.abortOwn(admin, txId, List.of(topic), 30_000);
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
            Harness.report("HangingTransactionIT: " + attempts);
            org.junit.jupiter.api.Assumptions.assumeTrue(hung,
                    "no transaction hung in " + ATTEMPTS + " broker shutdowns: " + attempts);
        }
    }

    /**
     * The running producer's side ({@link HangingWatch}): a producer goes on committing through the broker's SIGTERM
     * and restart (it retries), each transaction writing partition 0 and, every other one, partition 1, with the
     * watch run before each commit. A transaction left hanging by the shutdown must be found before the next commit
     * (which would otherwise decide it on partition 0 only and leave partition 1 blocked); the transaction being
     * committed is then aborted, and a new producer's {@link HangingTransactions#abortOwn} aborts the rest. Afterwards
     * read_committed readers reach the end of both partitions, and what they see is exactly the transactions the
     * producer saw committed, less the hanging one.
     */
    @Test
    void brokerSigtermWhileProducerGoesOn_watchFindsHangingBeforeNextCommit_partitionsConsistent() throws Exception {
        Path dir = Harness.workDir("hanging-watch");
        List<String> attempts = new ArrayList<>();
        try (BrokerProcess b = BrokerProcess.startNew(dir.resolve("broker"))) {
            String topic = "watch.out";
            b.createTopics(2, Map.of(), topic);
            List<TopicPartition> tps = List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1));
            boolean detected = false;
            for (int attempt = 1; attempt <= ATTEMPTS && !detected; attempt++) {
                String txId = "watch-" + attempt;
                List<Long> committed = java.util.Collections.synchronizedList(new ArrayList<>());
                java.util.concurrent.atomic.AtomicReference<String> end = new java.util.concurrent.atomic.AtomicReference<>();
                AtomicBoolean stop = new AtomicBoolean();
                String prefix = "a" + attempt + "-";
                Thread loop = new Thread(() -> watchedLoop(b.bootstrap(), txId, topic, prefix, stop, committed, end),
                        "watched-loop");
                loop.start();
                while (committed.size() < 20 && end.get() == null) {
                    Thread.sleep(20);
                }
                b.sigterm();
                Thread.sleep(2_000);
                int before = committed.size();
                b.start();
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (end.get() == null && committed.size() < before + 20 && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                stop.set(true);
                loop.join(90_000);
                String how = end.get();
                detected = how != null && how.startsWith("watch:");
                try (Admin admin = b.admin()) {
                    if (detected) {
                        try (KafkaProducer<String, byte[]> p = producer(b.bootstrap(), txId)) {
                            p.initTransactions();
                            HangingTransactions.Result r = HangingTransactions.abortOwn(admin, txId, List.of(topic),
                                    30_000);
                            assertFalse(r.aborted().isEmpty(), "the hanging transaction is still open: " + how);
                        }
                    }
                    for (TopicPartition tp : tps) {
                        long logEnd = admin.listOffsets(Map.of(tp, org.apache.kafka.clients.admin.OffsetSpec.latest()))
                                .partitionResult(tp).get(30, TimeUnit.SECONDS).offset();
                        assertEquals(logEnd, readCommittedEnd(b.bootstrap(), tp), "attempt " + attempt + " ("
                                + how + "): read_committed reaches the end of " + tp);
                    }
                }
                java.util.Set<Long> seen = new java.util.TreeSet<>();
                for (String v : readValues(b.bootstrap(), topic)) {
                    if (v.startsWith(prefix)) {
                        seen.add(Long.parseLong(v.substring(prefix.length())));
                    }
                }
                java.util.Set<Long> missing = new java.util.TreeSet<>(committed);
                missing.removeAll(seen);
                java.util.Set<Long> unexpected = new java.util.TreeSet<>(seen);
                unexpected.removeAll(committed);
                attempts.add(String.format(Locale.ROOT, "attempt %d: %d commits (%d before the restart), end: %s;"
                        + " committed but not visible %s, visible but not committed %s", attempt, committed.size(),
                        before, how, missing, unexpected));
                assertTrue(unexpected.isEmpty(), "visible but never committed: " + attempts);
                assertTrue(missing.size() <= (detected ? 1 : 0), "committed but not visible: " + attempts);
            }
            Harness.report("HangingTransactionIT (watch): " + attempts);
            org.junit.jupiter.api.Assumptions.assumeTrue(detected,
                    "no transaction hung in " + ATTEMPTS + " broker shutdowns: " + attempts);
        }
    }

    /**
     * Transactions t = 0, 1, …: records "&lt;prefix&gt;&lt;t&gt;" to partition 0, and to partition 1 when t is even; the watch
     * before each commit. Ends with "watch: …" when the watch threw, "error: …" on another failure, "stopped".
     */
    private static void watchedLoop(String bootstrap, String txId, String topic, String prefix, AtomicBoolean stop,
                                    List<Long> committed, java.util.concurrent.atomic.AtomicReference<String> end) {
        Map<String, Object> m = new HashMap<>();
        m.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 60_000);
        m.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000);
        m.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        m.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500);
        try (KafkaProducer<String, byte[]> p = producer(bootstrap, txId, m)) {
            p.initTransactions();
            org.mfgcal.app.service.HangingWatch watch = new org.mfgcal.app.service.HangingWatch(p,
                    () -> Admin.create(Map.of(org.apache.kafka.clients.admin.AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                            bootstrap)), txId, List.of(topic), 30_000);
            for (long t = 0; !stop.get(); t++) {
                p.beginTransaction();
                byte[] v = (prefix + t).getBytes(StandardCharsets.UTF_8);
                p.send(new ProducerRecord<>(topic, 0, "k", v));
                if (t % 2 == 0) {
                    p.send(new ProducerRecord<>(topic, 1, "k", v));
                }
                try {
                    watch.run();
                } catch (org.apache.kafka.common.KafkaException e) {
                    p.abortTransaction();
                    end.set("watch: " + e.getMessage());
                    return;
                }
                p.commitTransaction();
                committed.add(t);
            }
            end.set("stopped");
        } catch (RuntimeException e) {
            end.compareAndSet(null, "error: " + e);
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
        return producer(bootstrap, txId, Map.of());
    }

    private static KafkaProducer<String, byte[]> producer(String bootstrap, String txId, Map<String, Object> over) {
        Map<String, Object> m = new HashMap<>();
        m.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        m.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, txId);
        m.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 8_000);
        m.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 8_000);
        m.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 4_000);
        m.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        m.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, org.apache.kafka.common.serialization.ByteArraySerializer.class.getName());
        m.putAll(over);
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
