package org.mfgcal.ingest;

import java.util.Map;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * A closed snapshot handed downstream, with what must be committed once the downstream has durably handled it.
 *
 * <p>Use: handle {@link #snapshot()} (calibrate, publish), then either
 * <ul>
 *   <li>commit mode ON_ACK: call {@link #ack()}; the pipeline commits the offsets of the longest acknowledged
 *       prefix of deliveries (acks must not skip deliveries: an unacked delivery holds back later commits);</li>
 *   <li>commit mode EXTERNAL (exactly-once output): inside the publisher's transaction call
 *       {@code producer.sendOffsetsToTransaction(d.offsetsToCommit(), pipeline.groupMetadata())}, commit the
 *       transaction, then {@link #ack()}. If the transaction aborts, fail the pipeline and restart: processing
 *       resumes from the last committed offsets and their checkpoint.</li>
 * </ul>
 * The offsets carry, in their metadata, the checkpoint of the partition's regions ({@link CheckpointCodec}),
 * so that a restart rebuilds stocks exactly; records already counted are not counted twice.
 *
 * <p>Contract: immutable apart from the ack; {@link #ack()} is idempotent and thread-safe.
 */
public final class SnapshotDelivery {

    private final PopulationSnapshot snapshot;
    private final Map<TopicPartition, OffsetAndMetadata> offsets;
    private final long sequence;
    private final IngestPipeline owner;

    SnapshotDelivery(PopulationSnapshot snapshot, Map<TopicPartition, OffsetAndMetadata> offsets, long sequence,
                     IngestPipeline owner) {
        this.snapshot = snapshot;
        this.offsets = Map.copyOf(offsets);
        this.sequence = sequence;
        this.owner = owner;
    }

    /** The snapshot. */
    public PopulationSnapshot snapshot() {
        return snapshot;
    }

    /**
     * The offsets (with checkpoint metadata) that become committable once this delivery and all earlier ones are
     * handled: for {@code sendOffsetsToTransaction}.
     */
    public Map<TopicPartition, OffsetAndMetadata> offsetsToCommit() {
        return offsets;
    }

    /** Position of this delivery in the pipeline's output, from 0. */
    public long sequence() {
        return sequence;
    }

    /** Marks the snapshot handled. */
    public void ack() {
        if (owner != null) {
            owner.acknowledged(this);
        }
    }
}
