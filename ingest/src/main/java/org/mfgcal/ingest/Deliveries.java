package org.mfgcal.ingest;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * The {@link SnapshotDelivery}s of an {@link IngestPipeline}: each closed snapshot with the commit point recorded
 * when its bin closed and its partition's dead letters not yet attached, numbered in order and registered for ack
 * ordering. Binning thread only.
 */
final class Deliveries {

    private final PartitionStates parts;
    private final IngestStats stats;
    private final AckOrder ackOrder;
    private final IngestPipeline owner;
    /** Commit point of each bin closed by the current offer or tick, in closing order (close listener). */
    private final List<Map<TopicPartition, OffsetAndMetadata>> closedCommits = new ArrayList<>(4);
    private long nextSequence;

    Deliveries(PartitionStates parts, IngestStats stats, AckOrder ackOrder, IngestPipeline owner) {
        this.parts = parts;
        this.stats = stats;
        this.ackOrder = ackOrder;
        this.owner = owner;
    }

    /** Records the commit point of the bin {@code b} just closed (close listener). */
    void closed(RegionBinner b) {
        TopicPartition tp = parts.regionPartition.get(b.config().id());
        closedCommits.add(tp == null ? Map.of() : parts.commitPoint(tp));
    }

    /** Deliveries of snapshots just closed, each with the commit point recorded when it closed. */
    List<SnapshotDelivery> of(List<PopulationSnapshot> out) {
        if (closedCommits.size() != out.size()) {
            throw new IllegalStateException("internal: " + out.size() + " snapshots but " + closedCommits.size()
                    + " commit points");
        }
        List<SnapshotDelivery> ds = new ArrayList<>(out.size());
        for (int i = 0; i < out.size(); i++) {
            PopulationSnapshot s = out.get(i);
            stats.countSnapshot(s);
            ds.add(one(s, closedCommits.get(i), parts.regionPartition.get(s.region())));
        }
        closedCommits.clear();
        return ds;
    }

    /** A delivery of {@code s} ({@code null}: dead letters only) with {@code offsets} and {@code tp}'s dead letters. */
    SnapshotDelivery one(PopulationSnapshot s, Map<TopicPartition, OffsetAndMetadata> offsets, TopicPartition tp) {
        List<ProducerRecord<byte[], byte[]>> dead = tp == null ? null : parts.pendingDead.remove(tp);
        SnapshotDelivery d = new SnapshotDelivery(s, offsets, dead == null ? List.of() : dead, nextSequence++, owner);
        ackOrder.add(d);
        return d;
    }
}
