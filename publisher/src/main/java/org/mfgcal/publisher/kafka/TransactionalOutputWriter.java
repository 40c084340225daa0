package org.mfgcal.publisher.kafka;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.mfgcal.api.DriftAlert;
import org.mfgcal.api.Forecast;
import org.mfgcal.api.ParameterUpdate;
import org.mfgcal.publisher.json.OutputJson;

/**
 * Writes the outputs of the online loop and the consumed input offsets in one Kafka transaction (exactly-once
 * from input topic to output topics, for consumers that read with {@code isolation.level=read_committed}).
 *
 * <p>Per {@link #write} call: begin; send parameters, forecasts, alerts (JSON, {@link OutputJson}) and states
 * (opaque bytes), each keyed by region; add the input offsets with the consumer's group metadata
 * ({@code sendOffsetsToTransaction}); commit. If anything fails, the transaction is aborted (or the producer
 * closed if fenced) and an {@link OutputWriteException} is thrown: no output and no offset of that call is
 * visible. The input consumer must have {@code enable.auto.commit=false} ({@link #inputConsumerProperties}).
 *
 * <p>Thread-safety: not thread-safe; one writer per consuming thread (a Kafka producer carries one open
 * transaction at a time).
 */
public final class TransactionalOutputWriter implements AutoCloseable {

    /** Longest wait for buffered sends when closing. */
    public static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

    private final Producer<String, byte[]> producer;
    private final OutputTopics topics;
    private boolean closed;
    private Runnable beforeCommit = () -> { };

    /**
     * A writer over an already created producer; calls {@code initTransactions()} on it.
     *
     * @param producer transactional producer with String keys and byte[] values; owned by the writer from now on
     * @param topics   output topics
     */
    public TransactionalOutputWriter(Producer<String, byte[]> producer, OutputTopics topics) {
        if (producer == null || topics == null) {
            throw new IllegalArgumentException("producer and topics must not be null");
        }
        this.producer = producer;
        this.topics = topics;
        producer.initTransactions();
    }

    /**
     * A check run in every transaction after its records and offsets were sent and before it commits; what it throws
     * aborts the transaction (a {@link KafkaException} as a retriable {@link OutputWriteException}).
     */
    public void beforeCommit(Runnable hook) {
        this.beforeCommit = hook == null ? () -> { } : hook;
    }

    /** The producer, for reading its {@code metrics()} only (thread-safe). */
    public Producer<String, byte[]> producerForMetrics() {
        return producer;
    }

    /** Creates the producer from {@code config} and initialises transactions (fencing older instances). */
    public static TransactionalOutputWriter create(OutputWriterConfig config) {
        KafkaProducer<String, byte[]> p = new KafkaProducer<>(producerProperties(config));
        try {
            return new TransactionalOutputWriter(p, config.topics());
        } catch (RuntimeException e) {
            // initTransactions failed (e.g. timed out while the broker is down): a producer left open would finish
            // its InitProducerId later and fence the next one with the same transactional id
            p.close(Duration.ZERO);
            throw e;
        }
    }

    /** The producer properties the writer uses for {@code config}. */
    public static Map<String, Object> producerProperties(OutputWriterConfig config) {
        Map<String, Object> props = new HashMap<>(config.clientProperties());
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, config.transactionalId());
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int) config.transactionTimeout().toMillis());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        // A state value (a region's warm state) can be several MB: the request and the buffer must hold one.
        props.putIfAbsent(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, OutputTopics.STATE_MAX_MESSAGE_BYTES);
        props.putIfAbsent(ProducerConfig.BUFFER_MEMORY_CONFIG, 2L * OutputTopics.STATE_MAX_MESSAGE_BYTES);
        return props;
    }

    /**
     * Consumer properties that the input consumer (and every consumer of the outputs) needs for exactly-once:
     * read_committed and no automatic offset commits. Merge them over the client's own properties.
     */
    public static Map<String, Object> inputConsumerProperties() {
        return Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    }

    /** The output topics. */
    public OutputTopics topics() {
        return topics;
    }

    /**
     * Writes {@code batch} and commits {@code offsets} for {@code group} in one transaction.
     *
     * @param batch   outputs
     * @param offsets next offsets to consume per input partition (last processed offset + 1); may be empty
     * @param group   the input consumer's {@code groupMetadata()}; required when offsets are given
     * @throws OutputWriteException if the transaction did not commit
     */
    public void write(OutputBatch batch, Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata group) {
        write(batch, java.util.List.of(), offsets, group);
    }

    /**
     * Writes {@code batch} and {@code extra} records (for example dead letters, produced as given: topic, key,
     * value, headers) and commits {@code offsets} for {@code group}, all in one transaction.
     *
     * @throws OutputWriteException if the transaction did not commit
     */
    public void write(OutputBatch batch, java.util.List<ProducerRecord<String, byte[]>> extra,
                      Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata group) {
        write(java.util.List.of(batch), extra, offsets, group);
    }

    /**
     * Writes {@code batches} in order (for example the outputs of several closed bins: a group commit) and
     * {@code extra} records, and commits {@code offsets} for {@code group}, all in one transaction.
     *
     * @throws OutputWriteException if the transaction did not commit
     */
    public void write(java.util.List<OutputBatch> batches, java.util.List<ProducerRecord<String, byte[]>> extra,
                      Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata group) {
        if (closed) {
            throw new IllegalStateException("output writer is closed");
        }
        if (!offsets.isEmpty() && group == null) {
            throw new IllegalArgumentException("consumer group metadata is required to commit offsets " + offsets.keySet());
        }
        try {
            producer.beginTransaction();
            for (OutputBatch batch : batches) {
                for (ParameterUpdate u : batch.parameters()) {
                    send(topics.parameters(), u.region(), OutputJson.bytes(u));
                }
                for (Forecast f : batch.forecasts()) {
                    send(topics.forecasts(), f.region(), OutputJson.bytes(f));
                }
                for (DriftAlert a : batch.alerts()) {
                    send(topics.alerts(), a.region(), OutputJson.bytes(a));
                }
                batch.forEachState((region, bytes) -> send(topics.state(), region, bytes));
            }
            for (ProducerRecord<String, byte[]> r : extra) {
                producer.send(r);
            }
            if (!offsets.isEmpty()) {
                producer.sendOffsetsToTransaction(offsets, group);
            }
            beforeCommit.run();
            producer.commitTransaction();
        } catch (ProducerFencedException | InvalidProducerEpochException | OutOfOrderSequenceException
                 | AuthorizationException | UnsupportedVersionException e) {
            closeNow();
            throw new OutputWriteException("output transaction failed fatally (" + e.getClass().getSimpleName()
                    + "): " + e.getMessage() + "; writer closed", true, e);
        } catch (KafkaException | IllegalArgumentException e) {
            try {
                producer.abortTransaction();
            } catch (KafkaException abortFailure) {
                e.addSuppressed(abortFailure);
                closeNow();
                throw new OutputWriteException("output transaction failed and could not be aborted: " + e.getMessage()
                        + "; writer closed", true, e);
            }
            throw new OutputWriteException("output transaction aborted: " + e.getMessage(), false, e);
        }
    }

    private void send(String topic, String key, byte[] value) {
        producer.send(new ProducerRecord<>(topic, key, value));
    }

    /**
     * Closes the producer, waiting at most {@link #CLOSE_TIMEOUT} for buffered sends (there are none between
     * {@link #write} calls; an open transaction is aborted by the broker). Idempotent.
     */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            producer.close(CLOSE_TIMEOUT);
        }
    }

    /** After a fatal error nothing buffered can commit any more: close without waiting. */
    private void closeNow() {
        if (!closed) {
            closed = true;
            producer.close(Duration.ZERO);
        }
    }
}
