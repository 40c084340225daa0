package org.mfgcal.ingest;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.mfgcal.ingest.kafka.CommitMode;

/**
 * Options of an {@link IngestPipeline}. Immutable, validated on construction; defaults are the constants
 * below and nowhere else.
 *
 * @param bootstrapServers  Kafka bootstrap servers
 * @param groupId           consumer group
 * @param topics            input topics (trip and/or count records, key = region)
 * @param deadLetterTopic   dead-letter topic
 * @param maxRecordBytes    larger record values are dead-lettered as {@link DeadLetterReason#TOO_LARGE}
 * @param idleTick          how often idle regions are checked (processing time)
 * @param prefetch          polls (record batches) buffered between the consumer thread and the binning thread
 * @param commitMode        ON_ACK: the pipeline commits a snapshot's offsets when it (and all before it) is acked;
 *                          EXTERNAL: the caller commits {@link SnapshotDelivery#offsetsToCommit()} in its transaction
 * @param consumerOverrides extra consumer properties
 * @param producerOverrides extra dead-letter producer properties
 * @param clock             wall clock for the future-timestamp check
 * @param endOfInput        silence beyond a region's {@code idleTimeout} after which its input is taken as finished
 *                          and every bin up to its latest event closes at once
 *                          ({@link RegionBinner#onIdle(long, long, java.util.List)})
 */
public record IngestOptions(String bootstrapServers, String groupId, List<String> topics, String deadLetterTopic,
                            int maxRecordBytes, Duration idleTick, int prefetch, CommitMode commitMode,
                            Map<String, Object> consumerOverrides, Map<String, Object> producerOverrides, Clock clock,
                            Duration endOfInput) {

    public static final int DEFAULT_MAX_RECORD_BYTES = 64 * 1024;
    public static final Duration DEFAULT_IDLE_TICK = Duration.ofSeconds(1);
    public static final int DEFAULT_PREFETCH = 4;
    public static final Duration DEFAULT_END_OF_INPUT = Duration.ofMinutes(2);

    public IngestOptions {
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("bootstrapServers must be set, got " + bootstrapServers);
        }
        if (groupId == null || groupId.isBlank()) {
            throw new IllegalArgumentException("groupId must be set, got " + groupId);
        }
        if (topics == null || topics.isEmpty()) {
            throw new IllegalArgumentException("topics must name at least one topic, got " + topics);
        }
        topics = List.copyOf(topics);
        deadLetterTopic = Objects.requireNonNullElse(deadLetterTopic, DeadLetters.TOPIC);
        if (topics.contains(deadLetterTopic)) {
            throw new IllegalArgumentException("deadLetterTopic '" + deadLetterTopic + "' must not be an input topic");
        }
        if (maxRecordBytes <= 0) {
            maxRecordBytes = DEFAULT_MAX_RECORD_BYTES;
        }
        idleTick = Objects.requireNonNullElse(idleTick, DEFAULT_IDLE_TICK);
        if (idleTick.isNegative() || idleTick.isZero()) {
            throw new IllegalArgumentException("idleTick must be > 0, got " + idleTick);
        }
        if (prefetch <= 0) {
            prefetch = DEFAULT_PREFETCH;
        }
        commitMode = Objects.requireNonNullElse(commitMode, CommitMode.ON_ACK);
        consumerOverrides = Map.copyOf(Objects.requireNonNullElse(consumerOverrides, Map.of()));
        producerOverrides = Map.copyOf(Objects.requireNonNullElse(producerOverrides, Map.of()));
        clock = Objects.requireNonNullElse(clock, Clock.systemUTC());
        endOfInput = Objects.requireNonNullElse(endOfInput, DEFAULT_END_OF_INPUT);
        if (endOfInput.isNegative()) {
            throw new IllegalArgumentException("endOfInput must be >= 0, got " + endOfInput);
        }
    }

    /** Options with every default. */
    public static IngestOptions of(String bootstrapServers, String groupId, List<String> topics) {
        return new IngestOptions(bootstrapServers, groupId, topics, null, 0, null, 0, null, null, null, null, null);
    }

    public IngestOptions withPrefetch(int n) {
        return new IngestOptions(bootstrapServers, groupId, topics, deadLetterTopic, maxRecordBytes, idleTick, n, commitMode,
                consumerOverrides, producerOverrides, clock, endOfInput);
    }

    public IngestOptions withConsumerOverrides(Map<String, Object> m) {
        return new IngestOptions(bootstrapServers, groupId, topics, deadLetterTopic, maxRecordBytes, idleTick, prefetch,
                commitMode, m, producerOverrides, clock, endOfInput);
    }

    public IngestOptions withMaxRecordBytes(int n) {
        return new IngestOptions(bootstrapServers, groupId, topics, deadLetterTopic, n, idleTick, prefetch, commitMode,
                consumerOverrides, producerOverrides, clock, endOfInput);
    }

    public IngestOptions withCommitMode(CommitMode m) {
        return new IngestOptions(bootstrapServers, groupId, topics, deadLetterTopic, maxRecordBytes, idleTick, prefetch, m,
                consumerOverrides, producerOverrides, clock, endOfInput);
    }

    public IngestOptions withEndOfInput(Duration d) {
        return new IngestOptions(bootstrapServers, groupId, topics, deadLetterTopic, maxRecordBytes, idleTick, prefetch,
                commitMode, consumerOverrides, producerOverrides, clock, d);
    }

    public IngestOptions withDeadLetterTopic(String t) {
        return new IngestOptions(bootstrapServers, groupId, topics, t, maxRecordBytes, idleTick, prefetch, commitMode,
                consumerOverrides, producerOverrides, clock, endOfInput);
    }
}
