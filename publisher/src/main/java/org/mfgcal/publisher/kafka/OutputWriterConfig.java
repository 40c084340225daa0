package org.mfgcal.publisher.kafka;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * Configuration of a {@link TransactionalOutputWriter}.
 *
 * <p>Contract: immutable, validated on construction with messages naming the field and value.
 * {@code clientProperties} pass through to the producer unchanged (SASL, SSL, timeouts, ...) except the
 * properties the writer owns ({@link #OWNED}), which are rejected. Thread-safe.
 *
 * @param bootstrapServers   Kafka bootstrap servers, {@code host:port[,host:port...]}
 * @param transactionalId    transactional id; stable per instance and input partition set, so a restarted
 *                           instance fences its zombie predecessor
 * @param topics             output topic names
 * @param transactionTimeout broker-side transaction timeout, between 1 s and 15 min
 * @param clientProperties   further producer properties
 */
public record OutputWriterConfig(String bootstrapServers, String transactionalId, OutputTopics topics,
                                 Duration transactionTimeout, Map<String, String> clientProperties) {

    /**
     * Default transaction timeout. It bounds how long a transaction of an instance that died in its middle stays open
     * (plus up to the broker's 10 s abort interval) and holds back read_committed readers of the partitions it wrote
     * to, other instances' outputs and states among them. It is not shorter because a transaction that outlives it
     * (a broker down or restarting meanwhile) is aborted with an epoch bump, which the producer reports as fenced, and
     * the service stops on that (RELIABILITY.md, "known limits"; 15 s made BrokerRestartIT's service exit).
     */
    public static final Duration DEFAULT_TRANSACTION_TIMEOUT = Duration.ofSeconds(60);

    /** Producer properties set by the writer itself. */
    public static final Set<String> OWNED = Set.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG,
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, ProducerConfig.ACKS_CONFIG,
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, ProducerConfig.TRANSACTION_TIMEOUT_CONFIG);

    public OutputWriterConfig {
        if (bootstrapServers == null || !bootstrapServers.matches("[^\\s,]+:\\d+(,[^\\s,]+:\\d+)*")) {
            throw new IllegalArgumentException("kafka bootstrapServers must be host:port[,host:port...], got "
                    + (bootstrapServers == null ? "null" : "'" + bootstrapServers + "'"));
        }
        if (transactionalId == null || transactionalId.isBlank()) {
            throw new IllegalArgumentException("transactionalId must be non-blank, got "
                    + (transactionalId == null ? "null" : "'" + transactionalId + "'"));
        }
        if (topics == null) {
            throw new IllegalArgumentException("topics must not be null");
        }
        if (transactionTimeout == null || transactionTimeout.compareTo(Duration.ofSeconds(1)) < 0
                || transactionTimeout.compareTo(Duration.ofMinutes(15)) > 0) {
            throw new IllegalArgumentException("transactionTimeout must be between 1s and 15min, got "
                    + transactionTimeout);
        }
        clientProperties = Map.copyOf(clientProperties == null ? Map.of() : clientProperties);
        for (String key : new TreeMap<>(clientProperties).keySet()) {
            if (OWNED.contains(key)) {
                throw new IllegalArgumentException("kafka client property '" + key + "' is set by the output writer"
                        + " and cannot be overridden (value given: '" + clientProperties.get(key) + "')");
            }
        }
    }

    /** A config with the default topics and timeout and no further client properties. */
    public static OutputWriterConfig of(String bootstrapServers, String transactionalId) {
        return new OutputWriterConfig(bootstrapServers, transactionalId, OutputTopics.DEFAULT,
                DEFAULT_TRANSACTION_TIMEOUT, Map.of());
    }
}
