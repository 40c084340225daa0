package org.mfgcal.ingest;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.HashSet;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Ack ordering of an {@link IngestPipeline}'s deliveries: offsets become committable only once every earlier
 * delivery was acknowledged too. Thread-safe (any thread, guarded by one lock).
 */
final class AckOrder {

    // ack ordering (any thread, guarded by acks)
    private final ArrayDeque<SnapshotDelivery> unacked = new ArrayDeque<>();
    private final Set<Long> ackedAhead = new HashSet<>();
    private final Object acks = new Object();

    /** Registers a delivery, in sequence order (binning thread). */
    void add(SnapshotDelivery d) {
        synchronized (acks) {
            unacked.add(d);
        }
    }

    /** Marks {@code d} acknowledged; the offsets of the deliveries acknowledged in order so far (possibly empty). */
    Map<TopicPartition, OffsetAndMetadata> acknowledged(SnapshotDelivery d) {
        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
        synchronized (acks) {
            ackedAhead.add(d.sequence());
            while (!unacked.isEmpty() && ackedAhead.remove(unacked.peekFirst().sequence())) {
                commit.putAll(unacked.pollFirst().offsetsToCommit());
            }
        }
        return commit;
    }
}
