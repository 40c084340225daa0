package org.mfgcal.ingest;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-partition state of an {@link IngestPipeline}: ownership (generation), the checkpoint restored on
 * assignment, processed-up-to offsets, each region's partition, dead letters and held records not yet committed,
 * and the commit point (position and checkpoint) of a partition. Not thread-safe: the binning thread only, except
 * {@link #restoredClosedUntil} (concurrent).
 */
final class PartitionStates {

    private static final Logger LOG = LoggerFactory.getLogger(IngestPipeline.class);

    private final Binning binning;
    final Map<TopicPartition, Long> ownedGeneration = new HashMap<>();
    final Map<TopicPartition, Long> skipBelow = new HashMap<>();
    final Map<TopicPartition, Long> processedUpTo = new HashMap<>();
    final Map<String, TopicPartition> regionPartition = new HashMap<>();
    final Map<TopicPartition, List<ProducerRecord<byte[], byte[]>>> pendingDead = new HashMap<>();
    /** Records held by their region until its event time is established, by partition and offset. */
    final Map<TopicPartition, Map<Long, ConsumerRecord<byte[], byte[]>>> heldRecords = new HashMap<>();
    /** The partition being processed and its processed-up-to offset (hoisted over a run of its records). */
    TopicPartition currentTp;
    long currentProcessed;
    /** End of the last emitted bin (epoch ms) of each region restored from a committed checkpoint here. */
    final Map<String, Long> restoredClosedUntil = new java.util.concurrent.ConcurrentHashMap<>();

    PartitionStates(Binning binning) {
        this.binning = binning;
    }

    /** Partitions assigned in {@code generation}: owned from now on, their regions restored from {@code c}. */
    void assigned(List<TopicPartition> ps, long generation, Map<TopicPartition, OffsetAndMetadata> c) {
        for (TopicPartition tp : ps) {
            ownedGeneration.put(tp, generation);
            OffsetAndMetadata om = c.get(tp);
            CheckpointCodec.PartitionCheckpoint pc = om == null ? null : CheckpointCodec.decode(om.metadata());
            if (pc != null) {
                for (RegionCheckpoint cp : pc.regions()) {
                    binning.restore(cp);
                    regionPartition.put(cp.region(), tp);
                    RegionBinner b = binning.binner(cp.region());
                    if (b != null && b.lastEmittedEndMillis() != Long.MIN_VALUE) {
                        restoredClosedUntil.put(cp.region(), b.lastEmittedEndMillis());
                    }
                }
                skipBelow.put(tp, pc.processedUpTo());
                LOG.info("{}: resumed {} region(s) from checkpoint at offset {}", tp, pc.regions().size(), om.offset());
            }
        }
    }

    /** Partitions revoked or lost: their state and their regions are dropped. */
    void revoked(List<TopicPartition> ps) {
        for (TopicPartition tp : ps) {
            ownedGeneration.remove(tp);
            skipBelow.remove(tp);
            processedUpTo.remove(tp);
            pendingDead.remove(tp);
            heldRecords.remove(tp);
            regionPartition.entrySet().removeIf(e -> {
                if (e.getValue().equals(tp)) {
                    binning.drop(e.getKey());
                    return true;
                }
                return false;
            });
        }
    }

    void writeBackProcessed() {
        if (currentTp != null) {
            processedUpTo.put(currentTp, currentProcessed);
        }
    }

    /** Commit position and checkpoint of a partition, now (binning thread). */
    Map<TopicPartition, OffsetAndMetadata> commitPoint(TopicPartition tp) {
        long processed = tp.equals(currentTp) ? currentProcessed : processedUpTo.getOrDefault(tp, 0L);
        long c = processed;
        List<RegionCheckpoint> cps = new ArrayList<>();
        for (var e : regionPartition.entrySet()) {
            if (!e.getValue().equals(tp)) {
                continue;
            }
            RegionBinner b = binning.binner(e.getKey());
            c = Math.min(c, b.minOpenOffset());
            RegionCheckpoint cp = b.checkpoint();
            if (cp != null) {
                cps.add(cp);
            }
        }
        String meta = CheckpointCodec.encode(new CheckpointCodec.PartitionCheckpoint(processed, cps));
        if (meta.length() > IngestPipeline.MAX_METADATA_CHARS) {
            LOG.warn("checkpoint of {} is {} chars (> {}); this commit is skipped", tp, meta.length(),
                    IngestPipeline.MAX_METADATA_CHARS);
            return Map.of();
        }
        return Map.of(tp, new OffsetAndMetadata(c, meta));
    }
}
