package org.mfgcal.app.service;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.mfgcal.publisher.kafka.OutputTopics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the compacted state topic to its end (its last stable offsets, {@code isolation.level=read_committed}, no
 * consumer group) and keeps the latest value per key (region); a tombstone (null value) removes its key.
 *
 * <p>Thread-safety: stateless; each call uses its own consumer.
 */
final class StateRestore {
    private static final Logger LOG = LoggerFactory.getLogger(StateRestore.class);
    /** Longest time to read the state topic at start. */
    static final Duration READ_TIMEOUT = Duration.ofSeconds(120);

    private StateRestore() {
    }

    /**
     * The latest committed value per key of {@code topic}, in first-seen order.
     *
     * @throws org.apache.kafka.common.errors.TimeoutException when the topic cannot be read to its end within
     *         {@code timeout} (retriable)
     */
    static Map<String, byte[]> readLatest(String bootstrap, Map<String, ?> clientProperties, String topic,
                                          Duration timeout) {
        Map<String, Object> props = new HashMap<String, Object>(clientProperties);
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.putIfAbsent(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, OutputTopics.STATE_MAX_MESSAGE_BYTES);
        props.putIfAbsent(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, OutputTopics.STATE_MAX_MESSAGE_BYTES);
        long start = System.nanoTime();
        Map<String, byte[]> latest = new LinkedHashMap<>();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(props, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> tps = c.partitionsFor(topic, timeout).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> end = c.endOffsets(tps, timeout); // last stable offsets under read_committed
            long deadline = start + timeout.toNanos();
            long records = 0;
            while (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new org.apache.kafka.common.errors.TimeoutException("could not read the state topic " + topic
                            + " to its end " + end + " within " + timeout.toSeconds() + " s");
                }
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    records++;
                    if (r.key() == null) {
                        continue;
                    }
                    if (r.value() == null) {
                        latest.remove(r.key());
                    } else {
                        latest.put(r.key(), r.value());
                    }
                }
            }
            LOG.info("read state topic {} to {}: {} records, {} region(s) in {} ms", topic, end, records,
                    latest.size(), (System.nanoTime() - start) / 1_000_000);
        }
        return latest;
    }
}
