package org.mfgcal.ingest;

import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * A closed snapshot handed downstream, with what must be committed once the downstream has durably handled it.
 *
 * <p>Use: handle {@link #snapshot()} (calibrate, publish), then either
 * <ul>
 *   <li>commit mode ON_ACK: call {@link #ack()}; the pipeline commits the offsets of the longest acknowledged
 *       prefix of deliveries (acks must not skip deliveries: an unacked delivery holds back later commits);</li>
 *   <li>commit mode EXTERNAL (exactly-once output): inside the publisher's transaction produce
 *       {@link #deadLetters()}, call
 *       {@code producer.sendOffsetsToTransaction(d.offsetsToCommit(), pipeline.groupMetadata())}, commit the
 *       transaction, then {@link #ack()}. If the transaction aborts, fail the pipeline and restart: processing
 *       resumes from the last committed offsets and their checkpoint.</li>
 * </ul>
 * The offsets carry, in their metadata, the checkpoint of the partition's regions ({@link CheckpointCodec})
 * taken right after this delivery's bin closed (not after later bins closed by the same record), so that a
 * restart after this delivery's transaction rebuilds stocks exactly and recomputes the following bins;
 * records already counted are not counted twice, dead letters already committed are not produced twice.
 *
 * <p>In EXTERNAL mode a delivery may carry only dead letters ({@link #snapshot()} is {@code null}): the dead
 * letters of records after the partition's last closed bin, with the partition's current resume point.
 *
 * <p>Contract: immutable apart from the ack; {@link #ack()} is idempotent and thread-safe.
 */
public final class SnapshotDelivery {

    private final PopulationSnapshot snapshot;
    private final Map<TopicPartition, OffsetAndMetadata> offsets;
    private final List<ProducerRecord<byte[], byte[]>> deadLetters;
    private final long sequence;
    private final IngestPipeline owner;

    SnapshotDelivery(PopulationSnapshot snapshot, Map<TopicPartition, OffsetAndMetadata> offsets,
                     List<ProducerRecord<byte[], byte[]>> deadLetters, long sequence, IngestPipeline owner) {
        this.snapshot = snapshot;
        this.offsets = Map.copyOf(offsets);
        this.deadLetters = List.copyOf(deadLetters);
        this.sequence = sequence;
        this.owner = owner;
    }

    /**
     * A delivery that belongs to no {@link IngestPipeline} (its {@link #ack()} does nothing): for consumers of
     * deliveries tested without a broker.
     *
     * @param snapshot    the closed bin, or {@code null} for dead letters only
     * @param offsets     see {@link #offsetsToCommit()}
     * @param deadLetters see {@link #deadLetters()}
     * @param sequence    see {@link #sequence()}
     */
    public static SnapshotDelivery of(PopulationSnapshot snapshot, Map<TopicPartition, OffsetAndMetadata> offsets,
                                      List<ProducerRecord<byte[], byte[]>> deadLetters, long sequence) {
        return new SnapshotDelivery(snapshot, offsets, deadLetters, sequence, null);
    }

    /** The snapshot, or {@code null} for a delivery of dead letters only. */
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

    /**
     * Dead letters to produce in this delivery's transaction (EXTERNAL mode; always empty in ON_ACK mode, where the
     * pipeline sends them itself): those of the partition's records processed since its previous delivery.
     */
    public List<ProducerRecord<byte[], byte[]>> deadLetters() {
        return deadLetters;
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
