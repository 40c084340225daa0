package org.mfgcal.ingest.kafka;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Options of a {@link KafkaReceiver}. Immutable, validated on construction; the defaults are the constants
 * below and nowhere else.
 *
 * @param consumerProperties Kafka consumer properties (bootstrap.servers and group.id required); the receiver
 *                           forces byte-array deserializers and {@code enable.auto.commit=false}
 * @param topics             topics to subscribe to
 * @param pollTimeout        longest poll when records are wanted
 * @param commitInterval     how often acknowledged offsets are committed (ON_ACK)
 * @param commitMode         who commits
 * @param closeTimeout       bound for the final commit and close
 * @param listener           rebalance listener
 * @param consumerFactory    creates the consumer (tests may inject another implementation)
 */
public record ReceiverOptions(Map<String, Object> consumerProperties, List<String> topics, Duration pollTimeout,
                              Duration commitInterval, CommitMode commitMode, Duration closeTimeout,
                              RebalanceListener listener,
                              Function<Map<String, Object>, Consumer<byte[], byte[]>> consumerFactory) {

    public static final Duration DEFAULT_POLL_TIMEOUT = Duration.ofMillis(100);
    public static final Duration DEFAULT_COMMIT_INTERVAL = Duration.ofSeconds(1);
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(10);

    public ReceiverOptions {
        Map<String, Object> p = new HashMap<>(Objects.requireNonNull(consumerProperties, "consumerProperties"));
        for (String required : List.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, ConsumerConfig.GROUP_ID_CONFIG)) {
            if (p.get(required) == null || p.get(required).toString().isBlank()) {
                throw new IllegalArgumentException("consumer property '" + required + "' is required, got " + p.get(required));
            }
        }
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consumerProperties = Map.copyOf(p);
        if (topics == null || topics.isEmpty()) {
            throw new IllegalArgumentException("topics must name at least one topic, got " + topics);
        }
        topics = List.copyOf(topics);
        pollTimeout = positive("pollTimeout", pollTimeout, DEFAULT_POLL_TIMEOUT);
        commitInterval = positive("commitInterval", commitInterval, DEFAULT_COMMIT_INTERVAL);
        closeTimeout = positive("closeTimeout", closeTimeout, DEFAULT_CLOSE_TIMEOUT);
        commitMode = Objects.requireNonNullElse(commitMode, CommitMode.ON_ACK);
        listener = Objects.requireNonNullElse(listener, RebalanceListener.NONE);
        consumerFactory = Objects.requireNonNullElse(consumerFactory, KafkaConsumer::new);
    }

    /** Options with every default: bootstrap servers, group id and topics. */
    public static ReceiverOptions of(String bootstrap, String groupId, List<String> topics) {
        return new ReceiverOptions(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, groupId), topics, null, null, null, null, null, null);
    }

    /** A copy with extra consumer properties. */
    public ReceiverOptions withProperties(Map<String, Object> extra) {
        Map<String, Object> p = new HashMap<>(consumerProperties);
        p.putAll(extra);
        return new ReceiverOptions(p, topics, pollTimeout, commitInterval, commitMode, closeTimeout, listener, consumerFactory);
    }

    /** A copy with another commit mode. */
    public ReceiverOptions withCommitMode(CommitMode mode) {
        return new ReceiverOptions(consumerProperties, topics, pollTimeout, commitInterval, mode, closeTimeout, listener,
                consumerFactory);
    }

    /** A copy with another rebalance listener. */
    public ReceiverOptions withListener(RebalanceListener l) {
        return new ReceiverOptions(consumerProperties, topics, pollTimeout, commitInterval, commitMode, closeTimeout, l,
                consumerFactory);
    }

    private static Duration positive(String name, Duration d, Duration dflt) {
        Duration v = Objects.requireNonNullElse(d, dflt);
        if (v.isNegative() || v.isZero()) {
            throw new IllegalArgumentException(name + " must be > 0, got " + v);
        }
        return v;
    }
}
