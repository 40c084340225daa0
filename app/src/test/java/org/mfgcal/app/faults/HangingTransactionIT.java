package org.mfgcal.app.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.mfgcal.app.service.HangingWatch;
import org.mfgcal.publisher.kafka.HangingTransactions;

/**
 * Hanging transactions made on purpose, the way a broker's controlled shutdown makes them (RELIABILITY.md, "known
 * limits"), on a real two-node cluster of broker processes: node 1 (controller, and host of the transaction and
 * group coordinators and of topic {@code hang.side}), node 2 (host of topic {@code hang.out}). A transactional
 * producer writes to both topics, node 2 is stopped with SIGTERM (its partition becomes leaderless), and the producer
 * ends the transaction: the coordinator writes the marker on {@code hang.side}, skips {@code hang.out} ("likely
 * deleted") and records the transaction complete. After node 2 is back, {@code hang.out} holds the transaction open
 * and read_committed readers stop before it. Three ways the service meets it:
 * <ol>
 * <li>a committed transaction, then a new producer starts ({@link HangingTransactions#aroundInit}, the service's
 *     session start): it is completed as committed, its record becomes readable;</li>
 * <li>an aborted transaction, then a new producer starts: it is completed as aborted, readers reach the end and its
 *     record stays invisible;</li>
 * <li>a committed transaction, and the producer goes on ({@link HangingWatch} before its next commit, which does not
 *     write to {@code hang.out}): the earlier transaction is committed there too.</li>
 * </ol>
 * Completing as aborted in cases 1 and 3 (the former remedy) would lose records whose transaction committed on the
 * other partitions, the consumer offsets among them; each case checks which records are readable.
 */
class HangingTransactionIT {

    static final String OUT = "hang.out";
    static final String SIDE = "hang.side";
    static final String TX = "hang-tx";

    @Test
    void leaderlessPartitionAtTheEndOfATransaction_completedAsTheCoordinatorRecordedIt() throws Exception {
        Path dir = Harness.workDir("hanging-transaction");
        TopicPartition out = new TopicPartition(OUT, 0);
        TopicPartition side = new TopicPartition(SIDE, 0);
        List<String> topics = List.of(OUT, SIDE);
        try (BrokerProcess one = BrokerProcess.startNew(dir.resolve("node1"))) {
            String bootstrap = one.bootstrap();
            one.createTopics(1, Map.of(), SIDE);
            // the transaction and offsets topics are created while node 1 is the only broker, so they live there
            try (KafkaProducer<String, byte[]> warm = producer(bootstrap, "hang-warm")) {
                warm.initTransactions();
                warm.beginTransaction();
                warm.send(new ProducerRecord<>(SIDE, "k", bytes("warm")));
                warm.commitTransaction();
            }
            Map<String, Object> group = new HashMap<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    ConsumerConfig.GROUP_ID_CONFIG, "hang-group",
                    ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName(),
                    ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName()));
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(group)) {
                c.commitSync(Map.of(side, new OffsetAndMetadata(0)));
            }
            try (BrokerProcess two = BrokerProcess.startSecond(dir.resolve("node2"), one);
                 Admin admin = one.admin()) {
                admin.createTopics(List.of(new NewTopic(OUT, Map.of(0, List.of(2))))).all().get(30, TimeUnit.SECONDS);
                org.mfgcal.kafka.EmbeddedKafka.awaitLeaders(admin, List.of(OUT), Duration.ofSeconds(30));

                // 1. committed while hang.out had no leader; a new producer starts
                KafkaProducer<String, byte[]> p = producer(bootstrap, TX);
                p.initTransactions();
                hang(one, two, admin, p, true, "c1");
                p.close(Duration.ofSeconds(5));
                HangingTransactions.Start<KafkaProducer<String, byte[]>> st = start(admin, bootstrap, topics);
                KafkaProducer<String, byte[]> q = st.initialised();
                assertTrue(st.checked(), "checked");
                assertEquals(1, st.completed().size(), "one hanging transaction: " + st.completed());
                assertEquals(out, st.completed().get(0).partition());
                assertTrue(st.completed().get(0).committed(), "completed as committed: " + st.completed());
                assertEquals(List.of("c1"), committedValues(bootstrap, out), "the committed record is readable");

                // 2. aborted while hang.out had no leader; a new producer starts
                hang(one, two, admin, q, false, "a2");
                q.close(Duration.ofSeconds(5));
                HangingTransactions.Start<KafkaProducer<String, byte[]>> st2 = start(admin, bootstrap, topics);
                KafkaProducer<String, byte[]> r = st2.initialised();
                assertEquals(1, st2.completed().size(), "one hanging transaction: " + st2.completed());
                assertTrue(!st2.completed().get(0).committed(), "completed as aborted: " + st2.completed());
                assertEquals(List.of("c1"), committedValues(bootstrap, out), "the aborted record stays invisible");

                // 3. committed while hang.out had no leader; the producer goes on with a transaction on hang.side only
                HangingWatch watch = new HangingWatch(r, one::admin, TX, topics, 30_000, st2.initEpoch());
                hang(one, two, admin, r, true, "c3");
                r.beginTransaction();
                r.send(new ProducerRecord<>(SIDE, "k", bytes("c4")));
                watch.run();
                r.commitTransaction();
                r.close(Duration.ofSeconds(5));
                assertEquals(List.of("c1", "c3"), committedValues(bootstrap, out), "the earlier commit is readable");
                assertEquals(List.of("warm", "c1", "c3", "c4"), committedValues(bootstrap, side), "hang.side");
                Harness.report("HangingTransactionIT: three transactions left hanging on purpose (node 2 stopped),"
                        + " completed as committed " + st.completed() + ", as aborted " + st2.completed()
                        + ", and by the watch; read_committed readers see exactly the committed records");
            }
        }
    }

    /** A new producer of {@link #TX} started as the service starts its own ({@link HangingTransactions#aroundInit}). */
    private static HangingTransactions.Start<KafkaProducer<String, byte[]>> start(Admin admin, String bootstrap,
                                                                               List<String> topics) {
        return HangingTransactions.aroundInit(admin, TX, topics, 30_000, () -> {
            KafkaProducer<String, byte[]> p = producer(bootstrap, TX);
            p.initTransactions();
            return p;
        });
    }

    /**
     * One transaction of {@code p} writing {@code value} to both topics, ended ({@code commit} or abort) while node 2
     * is stopped, then node 2 started again; checks that it hangs on hang.out and completed on hang.side.
     */
    private static void hang(BrokerProcess one, BrokerProcess two, Admin admin, KafkaProducer<String, byte[]> p,
                             boolean commit, String value) throws Exception {
        TopicPartition out = new TopicPartition(OUT, 0);
        p.beginTransaction();
        p.send(new ProducerRecord<>(OUT, "k", bytes(value)));
        p.send(new ProducerRecord<>(SIDE, "k", bytes(value)));
        p.flush();
        two.sigterm();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (admin.describeTopics(List.of(OUT)).allTopicNames().get(10, TimeUnit.SECONDS).get(OUT).partitions()
                .get(0).leader() != null) {
            assertTrue(System.nanoTime() < deadline, "hang.out still has a leader after node 2's SIGTERM");
            Thread.sleep(100);
        }
        if (commit) {
            p.commitTransaction();
        } else {
            p.abortTransaction();
        }
        TransactionState want = commit ? TransactionState.COMPLETE_COMMIT : TransactionState.COMPLETE_ABORT;
        while (admin.describeTransactions(List.of(TX)).description(TX).get(10, TimeUnit.SECONDS).state() != want) {
            assertTrue(System.nanoTime() < deadline, "the coordinator did not complete the transaction");
            Thread.sleep(100);
        }
        two.start();
        org.mfgcal.kafka.EmbeddedKafka.awaitLeaders(admin, List.of(OUT), Duration.ofSeconds(60));
        boolean open = false;
        for (ProducerState ps : admin.describeProducers(List.of(out)).partitionResult(out).get(30, TimeUnit.SECONDS)
                .activeProducers()) {
            open |= ps.currentTransactionStartOffset().isPresent();
        }
        long end = admin.listOffsets(Map.of(out, OffsetSpec.latest())).partitionResult(out).get(30, TimeUnit.SECONDS)
                .offset();
        assertTrue(open && readCommittedEnd(one.bootstrap(), out) < end, "the transaction hangs on hang.out ("
                + value + "): open " + open + ", last stable offset " + readCommittedEnd(one.bootstrap(), out)
                + ", log end " + end);
    }

    /** The values a read_committed reader reads from {@code tp}, after checking that it can read to the log end. */
    private static List<String> committedValues(String bootstrap, TopicPartition tp) {
        try (KafkaConsumer<byte[], byte[]> c = consumer(bootstrap)) {
            long stable = c.endOffsets(List.of(tp), Duration.ofSeconds(30)).get(tp);
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                long end = admin.listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp)
                        .get(30, TimeUnit.SECONDS).offset();
                assertEquals(end, stable, tp + ": the last stable offset is the log end (nothing hangs)");
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            List<String> out = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (c.position(tp) < stable && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(rec -> out.add(new String(rec.value(), StandardCharsets.UTF_8)));
            }
            return out;
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static KafkaProducer<String, byte[]> producer(String bootstrap, String txId) {
        Map<String, Object> m = new HashMap<>();
        m.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        m.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, txId);
        m.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
        m.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        m.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        m.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500);
        m.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        m.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                org.apache.kafka.common.serialization.ByteArraySerializer.class.getName());
        return new KafkaProducer<>(m);
    }

    /** The offset a read_committed consumer's end offsets give (the last stable offset). */
    private static long readCommittedEnd(String bootstrap, TopicPartition tp) {
        try (KafkaConsumer<byte[], byte[]> c = consumer(bootstrap)) {
            return c.endOffsets(List.of(tp), Duration.ofSeconds(30)).get(tp);
        }
    }

    private static KafkaConsumer<byte[], byte[]> consumer(String bootstrap) {
        return new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString(),
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName()));
    }
}
