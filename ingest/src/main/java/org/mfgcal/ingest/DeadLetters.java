package org.mfgcal.ingest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The dead-letter format (topic {@value #TOPIC}, documented by {@code schemas/deadletter.schema.json}):
 * key and value are the ORIGINAL bytes, untouched, unless the dead letter would exceed the size bound (below);
 * the rest travels in UTF-8 headers — {@value #REASON} (a {@link DeadLetterReason} name), {@value #MESSAGE},
 * {@value #SOURCE_TOPIC}, {@value #SOURCE_PARTITION}, {@value #SOURCE_OFFSET}, {@value #SOURCE_TIMESTAMP}. A
 * record's original headers follow them.
 *
 * <h2>Size bound</h2>
 * With {@link #of(String, ConsumerRecord, Rejection, int)} a dead letter is never larger than {@code maxBytes}
 * (key + value + headers, counted in bytes): when the original would not fit, the value is replaced by its first
 * {@value #EXCERPT_BYTES} bytes and the headers {@value #VALUE_SIZE} (original size in bytes) and
 * {@value #VALUE_SHA256} (hex SHA-256 of the whole original value) are added; the key likewise (first
 * {@value #KEY_EXCERPT_BYTES} bytes, {@value #KEY_SIZE}, {@value #KEY_SHA256}); the original headers are dropped
 * ({@value #HEADERS_DROPPED}: how many) when they still do not fit; the message is cut to
 * {@value #MAX_MESSAGE_CHARS} characters. So a poison record of any size produces a small dead letter (a
 * 1 MB value accepted by the broker can no longer make its dead letter too large to produce).
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
    /** Original value size in bytes, present when the value was truncated. */
    public static final String VALUE_SIZE = "mfg.dlq.value.size";
    /** Hex SHA-256 of the original value, present when the value was truncated. */
    public static final String VALUE_SHA256 = "mfg.dlq.value.sha256";
    /** Original key size in bytes, present when the key was truncated. */
    public static final String KEY_SIZE = "mfg.dlq.key.size";
    /** Hex SHA-256 of the original key, present when the key was truncated. */
    public static final String KEY_SHA256 = "mfg.dlq.key.sha256";
    /** The original key bytes, when a dead letter is keyed by text and the key is not valid UTF-8. */
    public static final String KEY_BYTES = "mfg.dlq.key";
    /** Number of original headers left out, present when they did not fit. */
    public static final String HEADERS_DROPPED = "mfg.dlq.headers.dropped";
    /** Bytes of the original value kept when it is truncated. */
    public static final int EXCERPT_BYTES = 1024;
    /** Bytes of the original key kept when it is truncated. */
    public static final int KEY_EXCERPT_BYTES = 256;
    /** Longest message header, in characters. */
    public static final int MAX_MESSAGE_CHARS = 1000;
    /** Smallest size bound accepted by {@link #of(String, ConsumerRecord, Rejection, int)}. */
    public static final int MIN_BOUND = 4096;

    private DeadLetters() {
    }

    /** The dead letter of a consumed record, key, value and headers unchanged (no size bound). */
    public static ProducerRecord<byte[], byte[]> of(String dlqTopic, ConsumerRecord<byte[], byte[]> r, Rejection why) {
        return of(dlqTopic, r, why, Integer.MAX_VALUE);
    }

    /**
     * The dead letter of a consumed record, at most {@code maxBytes} (key + value + header names and values).
     *
     * @param maxBytes size bound, at least {@value #MIN_BOUND}
     */
    public static ProducerRecord<byte[], byte[]> of(String dlqTopic, ConsumerRecord<byte[], byte[]> r, Rejection why,
                                                    int maxBytes) {
        if (maxBytes < MIN_BOUND) {
            throw new IllegalArgumentException("dead-letter size bound must be >= " + MIN_BOUND + ", got " + maxBytes);
        }
        String msg = why.message();
        if (msg.length() > MAX_MESSAGE_CHARS) {
            msg = msg.substring(0, MAX_MESSAGE_CHARS - 1) + "…";
        }
        RecordHeaders h = new RecordHeaders();
        h.add(REASON, utf8(why.reason().name()));
        h.add(MESSAGE, utf8(msg));
        h.add(SOURCE_TOPIC, utf8(r.topic()));
        h.add(SOURCE_PARTITION, utf8(Integer.toString(r.partition())));
        h.add(SOURCE_OFFSET, utf8(Long.toString(r.offset())));
        h.add(SOURCE_TIMESTAMP, utf8(Long.toString(r.timestamp())));
        byte[] key = r.key();
        byte[] value = r.value();
        long original = size(key) + size(value) + size(r.headers()) + size(h);
        if (original <= maxBytes) {
            for (Header x : r.headers()) {
                h.add(x);
            }
            return new ProducerRecord<>(dlqTopic, null, key, value, h);
        }
        if (value != null && value.length > EXCERPT_BYTES) {
            h.add(VALUE_SIZE, utf8(Integer.toString(value.length)));
            h.add(VALUE_SHA256, utf8(sha256(value)));
            value = Arrays.copyOf(value, EXCERPT_BYTES);
        }
        if (key != null && key.length > KEY_EXCERPT_BYTES) {
            h.add(KEY_SIZE, utf8(Integer.toString(key.length)));
            h.add(KEY_SHA256, utf8(sha256(key)));
            key = Arrays.copyOf(key, KEY_EXCERPT_BYTES);
        }
        int n = r.headers().toArray().length;
        if (size(key) + size(value) + size(h) + size(r.headers()) <= maxBytes) {
            for (Header x : r.headers()) {
                h.add(x);
            }
        } else if (n > 0) {
            h.add(HEADERS_DROPPED, utf8(Integer.toString(n)));
        }
        long over = size(key) + size(value) + size(h) - maxBytes;
        if (over > 0 && value != null) { // only with a long multi-byte message: shorten the excerpt further
            if (h.lastHeader(VALUE_SIZE) == null) {
                h.add(VALUE_SIZE, utf8(Integer.toString(value.length)));
                h.add(VALUE_SHA256, utf8(sha256(value)));
                over += 200;
            }
            value = Arrays.copyOf(value, (int) Math.max(0, value.length - over));
        }
        return new ProducerRecord<>(dlqTopic, null, key, value, h);
    }

    /**
     * The same dead letter with a text key, for a producer with String keys: a key that is valid UTF-8 becomes that
     * text (the same bytes on the wire); any other key is moved, byte for byte, to the header {@value #KEY_BYTES}.
     */
    public static ProducerRecord<String, byte[]> withTextKey(ProducerRecord<byte[], byte[]> dl) {
        byte[] k = dl.key();
        String text = null;
        RecordHeaders h = new RecordHeaders(dl.headers().toArray());
        if (k != null) {
            try {
                text = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                        .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                        .decode(java.nio.ByteBuffer.wrap(k)).toString();
            } catch (java.nio.charset.CharacterCodingException e) {
                h.add(KEY_BYTES, k);
            }
        }
        return new ProducerRecord<>(dl.topic(), dl.partition(), dl.timestamp(), text, dl.value(), h);
    }

    /** Bytes counted for a dead letter's size: key + value + every header's name and value. */
    public static long size(ProducerRecord<byte[], byte[]> dl) {
        return size(dl.key()) + size(dl.value()) + size(dl.headers());
    }

    private static long size(byte[] b) {
        return b == null ? 0 : b.length;
    }

    private static long size(Iterable<Header> hs) {
        long s = 0;
        for (Header x : hs) {
            s += x.key().getBytes(StandardCharsets.UTF_8).length + size(x.value());
        }
        return s;
    }

    /** Hex SHA-256 of some bytes. */
    public static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
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
