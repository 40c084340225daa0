package org.mfgcal.ingest;

import java.nio.charset.StandardCharsets;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The dead-letter format (topic {@value #TOPIC}, documented by {@code schemas/deadletter.schema.json}):
 * key and value are the ORIGINAL bytes, untouched; the rest travels in UTF-8 headers —
 * {@value #REASON} (a {@link DeadLetterReason} name), {@value #MESSAGE}, {@value #SOURCE_TOPIC},
 * {@value #SOURCE_PARTITION}, {@value #SOURCE_OFFSET}, {@value #SOURCE_TIMESTAMP}. A record's original headers
 * follow them.
 *
 * <p>Contract: stateless, thread-safe.
 */
public final class DeadLetters {

    public static final String TOPIC = "mfg.deadletter";
    public static final String REASON = "mfg.dlq.reason";
    public static final String MESSAGE = "mfg.dlq.message";
    public static final String SOURCE_TOPIC = "mfg.dlq.topic";
    public static final String SOURCE_PARTITION = "mfg.dlq.partition";
    public static final String SOURCE_OFFSET = "mfg.dlq.offset";
    public static final String SOURCE_TIMESTAMP = "mfg.dlq.timestamp";

    private DeadLetters() {
    }

    /** The dead letter of a consumed record. */
    public static ProducerRecord<byte[], byte[]> of(String dlqTopic, ConsumerRecord<byte[], byte[]> r, Rejection why) {
        RecordHeaders h = new RecordHeaders();
        h.add(REASON, utf8(why.reason().name()));
        h.add(MESSAGE, utf8(why.message()));
        h.add(SOURCE_TOPIC, utf8(r.topic()));
        h.add(SOURCE_PARTITION, utf8(Integer.toString(r.partition())));
        h.add(SOURCE_OFFSET, utf8(Long.toString(r.offset())));
        h.add(SOURCE_TIMESTAMP, utf8(Long.toString(r.timestamp())));
        for (Header x : r.headers()) {
            h.add(x);
        }
        return new ProducerRecord<>(dlqTopic, null, r.key(), r.value(), h);
    }

    /** The value of a header as text, or {@code null}. */
    public static String header(ConsumerRecord<?, ?> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
