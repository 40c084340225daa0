package org.mfgcal.publisher.kafka;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.mfgcal.api.DriftAlert;
import org.mfgcal.api.Forecast;
import org.mfgcal.api.ParameterUpdate;
import org.mfgcal.publisher.Fixtures;
import org.mfgcal.publisher.json.OutputJson;

/**
 * The writer's transaction protocol without a broker (Kafka's {@link MockProducer} records what is sent and how
 * transactions end); {@link TransactionalOutputWriterBrokerIT} checks the same against a real broker.
 */
class TransactionalOutputWriterTest {

    static final ConsumerGroupMetadata GROUP = groupMetadata("127.0.0.1:1", "mfgcal");
    static final Map<TopicPartition, OffsetAndMetadata> OFFSETS =
            Map.of(new TopicPartition("mfg.input", 0), new OffsetAndMetadata(42));

    /** The group metadata a consumer of {@code group} hands to the writer (constructing it does not connect). */
    static ConsumerGroupMetadata groupMetadata(String bootstrap, String group) {
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap, ConsumerConfig.GROUP_ID_CONFIG, group), new StringDeserializer(), new StringDeserializer())) {
            return c.groupMetadata();
        }
    }

    private static MockProducer<String, byte[]> producer() {
        return new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
    }

    static OutputBatch batch(long bin) {
        return new OutputBatch(
                List.of(Fixtures.update("London", bin, 0.1, ParameterUpdate.Start.WARM),
                        Fixtures.update("Paris", bin, 0.2, ParameterUpdate.Start.COLD)),
                List.of(Fixtures.forecast("London", bin)),
                List.of(Fixtures.alert("London", bin - 1, bin, DriftAlert.State.RAISED)),
                Map.of("London", new byte[] {1, 2, 3}, "Paris", new byte[] {4}));
    }

    @Test
    void write_batch_sendsEveryOutputKeyedByRegionAndCommitsOffsetsInTheTransaction() {
        MockProducer<String, byte[]> p = producer();
        OutputBatch batch = batch(10);
        try (TransactionalOutputWriter w = new TransactionalOutputWriter(p, OutputTopics.DEFAULT)) {
            assertTrue(p.transactionInitialized());
            w.write(batch, OFFSETS, GROUP);
        }
        assertTrue(p.transactionCommitted());
        assertFalse(p.transactionAborted());
        List<ProducerRecord<String, byte[]>> sent = p.history();
        assertEquals(batch.size(), sent.size());
        assertEquals(List.of("mfg.parameters", "mfg.parameters", "mfg.forecasts", "mfg.alerts", "mfg.state", "mfg.state"),
                sent.stream().map(ProducerRecord::topic).toList());
        assertEquals(List.of("London", "Paris", "London", "London", "London", "Paris"),
                sent.stream().map(ProducerRecord::key).toList());
        assertEquals(batch.parameters().get(1), OutputJson.read(sent.get(1).value(), ParameterUpdate.class));
        assertEquals(batch.forecasts().get(0), OutputJson.read(sent.get(2).value(), Forecast.class));
        assertEquals(batch.alerts().get(0), OutputJson.read(sent.get(3).value(), DriftAlert.class));
        assertArrayEquals(new byte[] {4}, sent.get(5).value());
        assertEquals(List.of(Map.of("mfgcal", OFFSETS)), p.consumerGroupOffsetsHistory());
    }

    @Test
    void write_commitFails_abortsAndThrowsRecoverable() {
        MockProducer<String, byte[]> p = producer();
        p.commitTransactionException = new KafkaException("broker said no");
        TransactionalOutputWriter w = new TransactionalOutputWriter(p, OutputTopics.DEFAULT);
        OutputWriteException e = assertThrows(OutputWriteException.class, () -> w.write(batch(3), OFFSETS, GROUP));
        assertFalse(e.fatal());
        assertTrue(p.transactionAborted());
        assertFalse(p.transactionCommitted());
        assertEquals(List.of(), p.consumerGroupOffsetsHistory(), "offsets of an aborted transaction count for nothing");
        // the writer stays usable
        p.commitTransactionException = null;
        w.write(batch(4), OFFSETS, GROUP);
        assertTrue(p.transactionCommitted());
        w.close();
    }

    @Test
    void write_fenced_isFatalAndClosesTheWriter() {
        MockProducer<String, byte[]> p = producer();
        TransactionalOutputWriter w = new TransactionalOutputWriter(p, OutputTopics.DEFAULT);
        p.fenceProducer();
        OutputWriteException e = assertThrows(OutputWriteException.class, () -> w.write(batch(3), OFFSETS, GROUP));
        assertTrue(e.fatal(), e.getMessage());
        assertTrue(p.closed());
        assertThrows(IllegalStateException.class, () -> w.write(OutputBatch.EMPTY, Map.of(), null));
    }

    @Test
    void write_offsetsWithoutGroup_isRejected() {
        try (TransactionalOutputWriter w = new TransactionalOutputWriter(producer(), OutputTopics.DEFAULT)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> w.write(OutputBatch.EMPTY, OFFSETS, null));
            assertTrue(e.getMessage().contains("mfg.input-0"), e.getMessage());
        }
    }

    @Test
    void config_badValues_areRejectedNamingFieldAndValue() {
        assertMessage(() -> OutputWriterConfig.of("localhost", "t"), "bootstrapServers", "'localhost'");
        assertMessage(() -> OutputWriterConfig.of("h:9092", " "), "transactionalId", "' '");
        assertMessage(() -> new OutputWriterConfig("h:9092", "t", OutputTopics.DEFAULT, Duration.ofMillis(10), Map.of()),
                "transactionTimeout", "PT0.01S");
        assertMessage(() -> new OutputWriterConfig("h:9092", "t", OutputTopics.DEFAULT,
                OutputWriterConfig.DEFAULT_TRANSACTION_TIMEOUT, Map.of("enable.idempotence", "false")),
                "enable.idempotence", "'false'");
        assertMessage(() -> new OutputTopics("a", "b", "c", "a b"), "topics.state", "'a b'");
        assertMessage(() -> new OutputTopics("a", "b", "a", "d"), "four different", "alerts=a");
        OutputWriterConfig ok = new OutputWriterConfig("h1:9092,h2:9093", "mfgcal-0", OutputTopics.DEFAULT,
                Duration.ofSeconds(30), Map.of("security.protocol", "SASL_SSL"));
        Map<String, Object> props = TransactionalOutputWriter.producerProperties(ok);
        assertEquals("SASL_SSL", props.get("security.protocol"), "client properties pass through");
        assertEquals(30_000, props.get("transaction.timeout.ms"));
        assertEquals("mfgcal-0", props.get("transactional.id"));
        assertEquals("read_committed", TransactionalOutputWriter.inputConsumerProperties().get("isolation.level"));
    }

    @Test
    void newTopics_stateTopic_isCompacted() {
        var topics = OutputTopics.DEFAULT.newTopics(3, (short) 1);
        assertEquals(4, topics.size());
        assertEquals("compact", topics.get(3).configs().get("cleanup.policy"));
        assertEquals(Integer.toString(OutputTopics.STATE_MAX_MESSAGE_BYTES), topics.get(3).configs().get("max.message.bytes"));
        assertEquals("mfg.state", topics.get(3).name());
        assertTrue(topics.stream().allMatch(t -> t.numPartitions() == 3));
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable e, String... parts) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        for (String part : parts) {
            assertTrue(ex.getMessage().contains(part), "message '" + ex.getMessage() + "' lacks " + part);
        }
    }
}
