package org.mfgcal.app.service;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.mfgcal.ingest.IngestOptions;
import org.mfgcal.ingest.IngestPipeline;
import org.mfgcal.ingest.IngestStats;
import org.mfgcal.ingest.SnapshotDelivery;
import org.mfgcal.ingest.kafka.CommitMode;
import org.mfgcal.publisher.kafka.HangingTransactions;
import org.mfgcal.publisher.kafka.OutputBatch;
import org.mfgcal.publisher.kafka.OutputWriterConfig;
import org.mfgcal.publisher.kafka.TransactionalOutputWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;

/**
 * What a {@link ServicePipeline} session is built from: a transactional output, the state restore and an input of
 * closed bins. {@link #kafka} gives the service's (a transactional producer, a read_committed read of the state
 * topic, an ingest consumer); unit tests give fakes, so the pipeline's ordering and failure logic runs without a
 * broker.
 *
 * @param outputs opens a session's output (for Kafka: {@code initTransactions}, which fences a predecessor)
 * @param states  reads the latest committed state value per region (key = region)
 * @param inputs  opens a session's input, counting into the pipeline's ingest counters
 */
public record ServiceConnections(Supplier<? extends Output> outputs, StateSource states, InputFactory inputs) {

    private static final Logger LOG = LoggerFactory.getLogger(ServiceConnections.class);

    /** Default {@code session.timeout.ms} of the input consumer. */
    public static final Duration SESSION_TIMEOUT = Duration.ofSeconds(15);
    /** Longest wait of each admin request of the hanging-transaction check at a session's start. */
    static final Duration HANGING_CHECK_TIMEOUT = Duration.ofSeconds(30);
    /** Default {@code reconnect.backoff.max.ms} of every client. */
    public static final Duration RECONNECT_BACKOFF_MAX = Duration.ofSeconds(4);

    /** A session's input: the closed bins of its partitions, with what their transactions must commit. */
    public interface Input extends AutoCloseable {
        /** The deliveries (subscribe once). */
        Flux<SnapshotDelivery> snapshots();

        /** See {@link IngestPipeline#restoredClosedUntil}; {@code null} when not restored from a checkpoint. */
        Long restoredClosedUntil(String region);

        /** For {@code sendOffsetsToTransaction}; {@code null} before the first poll. */
        ConsumerGroupMetadata groupMetadata();

        /** See {@link IngestPipeline#onRevocation}: the hook runs before partitions move to another owner. */
        void onRevocation(java.util.function.Consumer<Collection<TopicPartition>> hook);

        /** Whether partitions were revoked from or lost by this input (see {@link #rejoinAfterFirstAssignment}). */
        default boolean revokedAny() {
            return false;
        }

        /**
         * Asks the group for one rebalance after this input's first assignment (call before subscribing): see
         * {@link org.mfgcal.ingest.kafka.KafkaReceiver#rejoinAfterFirstAssignment}.
         */
        default void rejoinAfterFirstAssignment() {
        }

        @Override
        void close();
    }

    /** A session's transactional output. */
    public interface Output extends AutoCloseable {
        /**
         * Writes {@code batches} (in order) and {@code extra} records and commits {@code offsets} for {@code group},
         * all in one transaction ({@link TransactionalOutputWriter#write(List, List, Map, ConsumerGroupMetadata)}).
         */
        void write(List<OutputBatch> batches, List<ProducerRecord<String, byte[]>> extra,
                   Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata group);

        /**
         * Whether opening this output checked its topics and the offsets topic for transactions of its producer left
         * open without markers and completed them ({@link HangingTransactions}): then what the state topic lets read is
         * the last committed state, and a region is never restored from this process's memory instead
         * ({@link RegionRouter#restored}).
         */
        default boolean hangingChecked() {
            return false;
        }

        @Override
        void close();
    }

    /** Opens a session's input. */
    @FunctionalInterface
    public interface InputFactory {
        Input open(IngestStats stats);
    }

    /** The latest committed state value per region. */
    @FunctionalInterface
    public interface StateSource {
        /** @throws RuntimeException a Kafka exception is retriable (a new session is built) */
        Map<String, byte[]> readLatest();
    }

    /** The ingest consumer as a session's input. */
    record KafkaInput(IngestPipeline pipeline) implements Input {
        @Override
        public Flux<SnapshotDelivery> snapshots() {
            return pipeline.snapshots();
        }

        @Override
        public Long restoredClosedUntil(String region) {
            return pipeline.restoredClosedUntil(region);
        }

        @Override
        public ConsumerGroupMetadata groupMetadata() {
            return pipeline.groupMetadata();
        }

        @Override
        public void onRevocation(java.util.function.Consumer<Collection<TopicPartition>> hook) {
            pipeline.onRevocation(hook);
        }

        @Override
        public boolean revokedAny() {
            return pipeline.receiver().revokedAny();
        }

        @Override
        public void rejoinAfterFirstAssignment() {
            pipeline.receiver().rejoinAfterFirstAssignment();
        }

        @Override
        public void close() {
            pipeline.close();
        }
    }

    /** The transactional producer as a session's output ({@code hangingChecked}: see {@link Output}). */
    record KafkaOutput(TransactionalOutputWriter writer, boolean hangingChecked) implements Output {
        @Override
        public void write(List<OutputBatch> batches, List<ProducerRecord<String, byte[]>> extra,
                          Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata group) {
            writer.write(batches, extra, offsets, group);
        }

        @Override
        public void close() {
            writer.close();
        }
    }

    /** The service's connections: the Kafka clients of {@code config} (see {@link ServicePipeline}). */
    public static ServiceConnections kafka(ServiceConfig config) {
        return new ServiceConnections(
                () -> openOutput(config),
                () -> StateRestore.readLatest(config.bootstrapServers(), config.kafkaProperties(),
                        config.outputTopics().state(), StateRestore.READ_TIMEOUT),
                stats -> new KafkaInput(new IngestPipeline(ingestOptions(config),
                        config.regions(), stats, null)));
    }

    /**
     * The transactional producer ({@code initTransactions}), with its producer's hanging transactions on the output,
     * dead-letter and offsets topics completed as their coordinator recorded them before and after the init
     * ({@link HangingTransactions#aroundInit}), before the session reads; and the same check before each commit after
     * a lost broker connection ({@link HangingWatch}).
     */
    private static KafkaOutput openOutput(ServiceConfig config) {
        Map<String, Object> adminProps = adminProperties(config, HANGING_CHECK_TIMEOUT);
        List<String> topics = new ArrayList<>(config.outputTopics().all());
        topics.add(config.deadLetterTopic());
        HangingTransactions.Start<TransactionalOutputWriter> st;
        long t0 = System.nanoTime();
        try (Admin admin = Admin.create(adminProps)) {
            st = HangingTransactions.aroundInit(admin, config.transactionalId(), topics,
                    HANGING_CHECK_TIMEOUT.toMillis(), () -> TransactionalOutputWriter.create(new OutputWriterConfig(
                            config.bootstrapServers(), config.transactionalId(), config.outputTopics(),
                            OutputWriterConfig.DEFAULT_TRANSACTION_TIMEOUT, clientProperties(config))));
        }
        LOG.info("checked {} and the offsets topic for hanging transactions of {} in {} ms: {}", topics,
                config.transactionalId(), (System.nanoTime() - t0) / 1_000_000,
                st.checked() ? st.completed().size() + " completed" : "refused by the cluster");
        TransactionalOutputWriter w = st.initialised();
        if (st.checked()) {
            w.beforeCommit(new HangingWatch(w.producerForMetrics(), () -> Admin.create(adminProps),
                    config.transactionalId(), topics, HANGING_CHECK_TIMEOUT.toMillis(), st.initEpoch()));
        }
        return new KafkaOutput(w, st.checked());
    }

    /** Properties of an admin client of the service: the client defaults, the configured ones, the API timeout. */
    static Map<String, Object> adminProperties(ServiceConfig config, Duration apiTimeout) {
        Map<String, Object> p = new HashMap<>(clientProperties(config));
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) apiTimeout.toMillis());
        return p;
    }

    /** Client properties of the producer (and the base of the consumer's): defaults under the configured ones. */
    private static Map<String, String> clientProperties(ServiceConfig config) {
        Map<String, String> p = clientDefaults();
        p.putAll(config.kafkaProperties());
        return p;
    }

    /** Defaults of every Kafka client of the service (below the configured {@code kafka.properties}). */
    static Map<String, String> clientDefaults() {
        Map<String, String> p = new HashMap<>();
        p.put("reconnect.backoff.ms", "250");
        p.put("reconnect.backoff.max.ms", Long.toString(RECONNECT_BACKOFF_MAX.toMillis()));
        return p;
    }

    private static IngestOptions ingestOptions(ServiceConfig config) {
        Map<String, Object> consumer = new HashMap<>(clientProperties(config));
        consumer.putIfAbsent("group.instance.id", config.transactionalId());
        consumer.putIfAbsent("session.timeout.ms", Long.toString(SESSION_TIMEOUT.toMillis()));
        consumer.putIfAbsent("partition.assignment.strategy", CooperativeStickyAssignor.class.getName());
        consumer.putAll(TransactionalOutputWriter.inputConsumerProperties());
        return new IngestOptions(config.bootstrapServers(), config.groupId(), config.inputTopics(),
                config.deadLetterTopic(), 0, null, 0, CommitMode.EXTERNAL, consumer,
                new HashMap<>(config.kafkaProperties()), null, null);
    }
}
