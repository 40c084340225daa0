package org.mfgcal.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.Test;

/** Dead letters never exceed the input size bound; small ones keep the original bytes. */
class DeadLettersTest {

    private static final int LIMIT = IngestOptions.DEFAULT_MAX_RECORD_BYTES;

    private static String header(ProducerRecord<?, byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    @Test
    void sha256_knownVector() {
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                DeadLetters.sha256("abc".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void poisonPill_oneMegabyteValue_becomesExcerptSizeAndHashWithinTheLimit() throws Exception {
        byte[] value = new byte[1_048_400];
        for (int i = 0; i < value.length; i++) {
            value[i] = (byte) ('a' + i % 26);
        }
        ConsumerRecord<byte[], byte[]> r = new ConsumerRecord<>("in", 2, 77, "flights".getBytes(StandardCharsets.UTF_8),
                value);
        r.headers().add(new RecordHeader("big", new byte[200_000]));
        Rejection why = new Rejection(DeadLetterReason.TOO_LARGE, "record value is 1048400 bytes");
        ProducerRecord<byte[], byte[]> dl = DeadLetters.of("dlq", r, why, LIMIT);
        assertTrue(DeadLetters.size(dl) <= LIMIT, "dead letter of " + DeadLetters.size(dl) + " bytes");
        assertArrayEquals(Arrays.copyOf(value, DeadLetters.EXCERPT_BYTES), dl.value());
        assertEquals("1048400", header(dl, DeadLetters.VALUE_SIZE));
        String want = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(value));
        assertEquals(want, header(dl, DeadLetters.VALUE_SHA256));
        assertEquals("1", header(dl, DeadLetters.HEADERS_DROPPED));
        assertEquals("TOO_LARGE", header(dl, DeadLetters.REASON));
        assertEquals("77", header(dl, DeadLetters.SOURCE_OFFSET));
        assertArrayEquals("flights".getBytes(StandardCharsets.UTF_8), dl.key());
    }

    @Test
    void hugeKeyAndLongMultibyteMessage_stillWithinTheSmallestBound() {
        byte[] key = new byte[300_000];
        Arrays.fill(key, (byte) 'k');
        ConsumerRecord<byte[], byte[]> r = new ConsumerRecord<>("in", 0, 1, key, new byte[5_000]);
        Rejection why = new Rejection(DeadLetterReason.KEY_MISMATCH, "€".repeat(5_000));
        ProducerRecord<byte[], byte[]> dl = DeadLetters.of("dlq", r, why, DeadLetters.MIN_BOUND);
        assertTrue(DeadLetters.size(dl) <= DeadLetters.MIN_BOUND, "dead letter of " + DeadLetters.size(dl) + " bytes");
        assertEquals(DeadLetters.KEY_EXCERPT_BYTES, dl.key().length);
        assertEquals("300000", header(dl, DeadLetters.KEY_SIZE));
        assertEquals("5000", header(dl, DeadLetters.VALUE_SIZE));
    }

    @Test
    void smallRecord_keptByteForByteWithItsHeaders() {
        byte[] v = "{not json".getBytes(StandardCharsets.UTF_8);
        ConsumerRecord<byte[], byte[]> r = new ConsumerRecord<>("in", 0, 5, "r".getBytes(StandardCharsets.UTF_8), v);
        r.headers().add(new RecordHeader("trace", new byte[] {1, 2}));
        ProducerRecord<byte[], byte[]> dl = DeadLetters.of("dlq", r,
                new Rejection(DeadLetterReason.MALFORMED_JSON, "not JSON"), LIMIT);
        assertArrayEquals(v, dl.value());
        assertNull(header(dl, DeadLetters.VALUE_SIZE));
        assertArrayEquals(new byte[] {1, 2}, dl.headers().lastHeader("trace").value());
    }

    @Test
    void withTextKey_utf8KeyKeptAsText_otherBytesMovedToAHeader() {
        ConsumerRecord<byte[], byte[]> ok = new ConsumerRecord<>("in", 0, 5, "région".getBytes(StandardCharsets.UTF_8),
                new byte[] {1});
        Rejection why = new Rejection(DeadLetterReason.UNKNOWN_REGION, "x");
        assertEquals("région", DeadLetters.withTextKey(DeadLetters.of("dlq", ok, why)).key());
        byte[] bad = {(byte) 0xff, (byte) 0xfe, 0};
        ConsumerRecord<byte[], byte[]> binary = new ConsumerRecord<>("in", 0, 6, bad, new byte[] {1});
        ProducerRecord<String, byte[]> t = DeadLetters.withTextKey(DeadLetters.of("dlq", binary, why));
        assertNull(t.key());
        assertArrayEquals(bad, t.headers().lastHeader(DeadLetters.KEY_BYTES).value());
        assertEquals("UNKNOWN_REGION", header(t, DeadLetters.REASON));
    }
}
