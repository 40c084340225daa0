package org.mfgcal.ingest;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.mfgcal.ingest.kafka.ReceiverRecord;

/**
 * The consumer-thread stage of an {@link IngestPipeline}: size check and {@link RecordCodec#parse} of each poll's
 * records, and the count of parsed runs per partition the binning thread has not processed yet (a partition with
 * such a run is busy, not idle). Thread-safe: {@link #parse(List)} runs on the consumer thread, the rest anywhere.
 */
final class PollParser {

    private static final byte[] EMPTY = new byte[0];

    private final IngestOptions options;
    /** Runs of records per partition parsed on the consumer thread and not yet processed by the binning thread. */
    private final Map<TopicPartition, java.util.concurrent.atomic.AtomicInteger> queued =
            new java.util.concurrent.ConcurrentHashMap<>();

    PollParser(IngestOptions options) {
        this.options = options;
    }

    /** One poll's records and their parse results (same order), parsed on the consumer thread. */
    record Parsed(List<ReceiverRecord> records, ParseResult[] results) {
    }

    /** Size check and {@link RecordCodec#parse} of one poll's records: pure, on the consumer thread. */
    Parsed parse(List<ReceiverRecord> batch) {
        ParseResult[] out = new ParseResult[batch.size()];
        TopicPartition last = null;
        for (int i = 0; i < out.length; i++) {
            out[i] = parse(batch.get(i).record());
            TopicPartition tp = batch.get(i).topicPartition();
            if (tp != last) {
                queued.computeIfAbsent(tp, k -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet();
                last = tp;
            }
        }
        return new Parsed(batch, out);
    }

    /** Undoes {@link #parse(List)}'s queued counts once the batch was processed (binning thread). */
    void dequeued(List<ReceiverRecord> batch) {
        TopicPartition last = null;
        for (ReceiverRecord rr : batch) {
            if (rr.topicPartition() != last) {
                last = rr.topicPartition();
                var n = queued.get(last);
                if (n != null) {
                    n.decrementAndGet();
                }
            }
        }
    }

    private ParseResult parse(ConsumerRecord<byte[], byte[]> r) {
        return r.value() != null && r.value().length > options.maxRecordBytes()
                ? new Rejection(DeadLetterReason.TOO_LARGE, "record value is " + r.value().length
                        + " bytes, more than maxRecordBytes " + options.maxRecordBytes())
                : RecordCodec.parse(r.key() == null ? EMPTY : r.key(), r.value());
    }

    /** Adds to {@code busy} the partitions with parsed runs not processed yet. */
    void addQueued(Set<TopicPartition> busy) {
        queued.forEach((tp, n) -> {
            if (n.get() > 0) {
                busy.add(tp);
            }
        });
    }
}
