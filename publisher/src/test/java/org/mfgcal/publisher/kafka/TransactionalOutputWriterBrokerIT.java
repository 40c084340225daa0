package org.mfgcal.publisher.kafka;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mfgcal.api.DriftAlert;
import org.mfgcal.kafka.EmbeddedKafka;
import org.mfgcal.api.Forecast;
import org.mfgcal.api.ParameterUpdate;
import org.mfgcal.publisher.json.OutputJson;

/**
 * The transactional writer against a REAL broker (never a mock): outputs and input offsets become visible
 * together to read_committed consumers; a failed transaction leaves nothing visible and commits no offset; a
 * second writer with the same transactional id fences the first.
 *
 * <p>Broker: the in-process KRaft broker {@link EmbeddedKafka} on 127.0.0.1, or an external one given by
 * {@code -Dmfgcal.test.bootstrap=host:port} / {@code MFGCAL_TEST_BOOTSTRAP}.
 */
class TransactionalOutputWriterBrokerIT {

    static final Duration POLL_BUDGET = Duration.ofSeconds(20);
    static final String INPUT = "mfg.input";

    static String bootstrap;
    static Admin admin;
    static EmbeddedKafka broker;
    final String run = UUID.randomUUID().toString().substring(0, 8);

    @BeforeAll
    static void startBroker() throws Exception {
        bootstrap = bootstrap();
        if (bootstrap == null) {
            broker = EmbeddedKafka.start();
            bootstrap = broker.bootstrapServers();
        }
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
    }

    @AfterAll
    static void stopBroker() {
        if (admin != null) {
            admin.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    static String bootstrap() {
        String s = System.getProperty("mfgcal.test.bootstrap");
        return s != null ? s : System.getenv("MFGCAL_TEST_BOOTSTRAP");
    }

    private OutputTopics topics() throws Exception {
        OutputTopics t = new OutputTopics("p-" + run, "f-" + run, "a-" + run, "s-" + run);
        List<org.apache.kafka.clients.admin.NewTopic> all = new ArrayList<>(t.newTopics(1, (short) 1));
        all.add(new org.apache.kafka.clients.admin.NewTopic(INPUT + "-" + run, 1, (short) 1));
        admin.createTopics(all).all().get(30, TimeUnit.SECONDS);
        return t;
    }

    private OutputWriterConfig config(OutputTopics t, Map<String, String> extra) {
        return new OutputWriterConfig(bootstrap, "tx-" + run, t, Duration.ofSeconds(30), extra);
    }

    @Test
    void write_committed_outputsAndOffsetsVisibleTogether() throws Exception {
        OutputTopics t = topics();
        OutputBatch batch = TransactionalOutputWriterTest.batch(7);
        TopicPartition in = new TopicPartition(INPUT + "-" + run, 0);
        String group = "g-" + run;
        try (TransactionalOutputWriter w = TransactionalOutputWriter.create(config(t, Map.of()))) {
            w.write(batch, Map.of(in, new OffsetAndMetadata(123)), TransactionalOutputWriterTest.groupMetadata(bootstrap, group));
        }
        Map<String, List<ConsumerRecord<String, byte[]>>> got = readAll(t, "read_committed", batch.size());
        assertEquals(2, got.get(t.parameters()).size());
        assertEquals(batch.parameters().get(0), OutputJson.read(got.get(t.parameters()).get(0).value(), ParameterUpdate.class));
        assertEquals("Paris", got.get(t.parameters()).get(1).key());
        assertEquals(batch.forecasts().get(0), OutputJson.read(got.get(t.forecasts()).get(0).value(), Forecast.class));
        assertEquals(batch.alerts().get(0), OutputJson.read(got.get(t.alerts()).get(0).value(), DriftAlert.class));
        assertArrayEquals(new byte[] {1, 2, 3}, got.get(t.state()).get(0).value());
        Map<TopicPartition, OffsetAndMetadata> committed =
                admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
        assertEquals(123, committed.get(in).offset(), "input offset committed with the outputs");
    }

    @Test
    void write_twelveMegabyteState_committedOnTheCreatedStateTopic() throws Exception {
        OutputTopics t = topics();
        byte[] big = new byte[12 * 1024 * 1024]; // a 21-zone warm state as base64 JSON is about 13.9 MB
        new java.util.Random(3).nextBytes(big);
        TopicPartition in = new TopicPartition(INPUT + "-" + run, 0);
        try (TransactionalOutputWriter w = TransactionalOutputWriter.create(config(t, Map.of()))) {
            w.write(new OutputBatch(List.of(), List.of(), List.of(), Map.of("London", big)),
                    Map.of(in, new OffsetAndMetadata(5)), TransactionalOutputWriterTest.groupMetadata(bootstrap,
                            "g-" + run));
        }
        Map<String, List<ConsumerRecord<String, byte[]>>> got = readAll(t, "read_committed", 1);
        assertArrayEquals(big, got.get(t.state()).get(0).value());
    }

    @Test
    void write_failedTransaction_nothingVisibleAndNoOffsetCommitted() throws Exception {
        OutputTopics t = topics();
        TopicPartition in = new TopicPartition(INPUT + "-" + run, 0);
        String group = "g-" + run;
        // the state value exceeds max.request.size: the parameter records before it reach the log, then the
        // transaction fails and is aborted
        OutputBatch tooLarge = new OutputBatch(TransactionalOutputWriterTest.batch(1).parameters(), List.of(), List.of(),
                Map.of("London", new byte[20_000]));
        try (TransactionalOutputWriter w = TransactionalOutputWriter.create(
                config(t, Map.of("max.request.size", "10000")))) {
            OutputWriteException e = assertThrows(OutputWriteException.class,
                    () -> w.write(tooLarge, Map.of(in, new OffsetAndMetadata(50)), TransactionalOutputWriterTest.groupMetadata(bootstrap, group)));
            assertFalse(e.fatal(), e.getMessage());
            // the same writer then commits a good batch
            w.write(TransactionalOutputWriterTest.batch(2), Map.of(in, new OffsetAndMetadata(60)),
                    TransactionalOutputWriterTest.groupMetadata(bootstrap, group));
        }
        Map<String, List<ConsumerRecord<String, byte[]>>> committed = readAll(t, "read_committed", 6);
        assertEquals(2, committed.get(t.parameters()).size(), "only the committed batch's parameters");
        assertEquals(2, OutputJson.read(committed.get(t.parameters()).get(0).value(), ParameterUpdate.class).bin());
        Map<String, List<ConsumerRecord<String, byte[]>>> uncommitted = readAll(t, "read_uncommitted", 8);
        assertEquals(4, uncommitted.get(t.parameters()).size(), "aborted records are in the log, hidden by isolation");
        assertEquals(60, admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                .get(30, TimeUnit.SECONDS).get(in).offset());
    }

    /** Regression: closing a fenced producer with no timeout took 30 s; the writer now closes it at once. */
    @Test
    void write_afterANewWriterWithTheSameId_isFencedAndFatal() throws Exception {
        OutputTopics t = topics();
        TransactionalOutputWriter first = TransactionalOutputWriter.create(config(t, Map.of()));
        long start = System.nanoTime();
        try (TransactionalOutputWriter second = TransactionalOutputWriter.create(config(t, Map.of()))) {
            OutputWriteException e = assertThrows(OutputWriteException.class,
                    () -> first.write(TransactionalOutputWriterTest.batch(1), Map.of(), null));
            assertTrue(e.fatal(), e.getMessage());
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10), "fencing took too long");
            second.write(TransactionalOutputWriterTest.batch(2), Map.of(), null);
        } finally {
            first.close();
        }
        Map<String, List<ConsumerRecord<String, byte[]>>> got = readAll(t, "read_committed", 6);
        assertEquals(2, got.get(t.parameters()).size(), "only the second writer's batch is visible");
    }

    /** Reads the four topics from the start until {@code expected} records arrived or the budget is spent. */
    private Map<String, List<ConsumerRecord<String, byte[]>>> readAll(OutputTopics t, String isolation, int expected) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        Map<String, List<ConsumerRecord<String, byte[]>>> out = new HashMap<>();
        t.all().forEach(topic -> out.put(topic, new ArrayList<>()));
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(props, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            c.assign(t.all().stream().map(topic -> new TopicPartition(topic, 0)).toList());
            c.seekToBeginning(c.assignment());
            int n = 0;
            long deadline = System.nanoTime() + POLL_BUDGET.toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    out.get(r.topic()).add(r);
                    n++;
                }
                if (n >= expected && Set.copyOf(c.assignment()).stream()
                        .allMatch(tp -> c.position(tp) >= c.endOffsets(List.of(tp)).get(tp))) {
                    break;
                }
            }
        }
        return out;
    }
}
