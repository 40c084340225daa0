package org.mfgcal.ingest.kafka;

import java.util.Collection;
import java.util.Map;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Told about partition assignment changes. Called on the consumer thread, inside {@code poll}: keep it short and
 * never call the consumer.
 */
public interface RebalanceListener {

    /**
     * Partitions were assigned.
     *
     * @param generation increases with every assignment; records carry the generation they were fetched under
     * @param committed  the committed offset and metadata of each assigned partition that has one
     */
    default void onAssigned(Collection<TopicPartition> partitions, long generation,
                            Map<TopicPartition, OffsetAndMetadata> committed) {
    }

    /** Partitions were revoked or lost; acknowledged offsets of them were already committed (ON_ACK mode). */
    default void onRevoked(Collection<TopicPartition> partitions) {
    }

    /** Listener that does nothing. */
    RebalanceListener NONE = new RebalanceListener() {
    };
}
