package org.mfgcal.ingest.kafka;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * A consumed record with its acknowledgement handle.
 *
 * <p>Contract: {@link #ack()} marks the record processed; the receiver commits (ON_ACK mode) up to the oldest
 * unacknowledged record of each partition, so acks may come out of order and from any thread. An ack after the
 * partition was revoked is ignored (the new owner gets the record again). Immutable apart from the ack.
 */
public final class ReceiverRecord {

    private final ConsumerRecord<byte[], byte[]> record;
    private final TopicPartition partition;
    private final OffsetTracker tracker;
    private final long seq;
    private final long generation;

    ReceiverRecord(ConsumerRecord<byte[], byte[]> record, TopicPartition partition, OffsetTracker tracker, long seq,
                   long generation) {
        this.record = record;
        this.partition = partition;
        this.tracker = tracker;
        this.seq = seq;
        this.generation = generation;
    }

    /** The Kafka record (key and value as bytes). */
    public ConsumerRecord<byte[], byte[]> record() {
        return record;
    }

    public TopicPartition topicPartition() {
        return partition;
    }

    public long offset() {
        return record.offset();
    }

    /** The assignment generation the record was fetched under (see {@link RebalanceListener#onAssigned}). */
    public long generation() {
        return generation;
    }

    /** Marks the record processed. */
    public void ack() {
        tracker.ack(seq);
    }
}
