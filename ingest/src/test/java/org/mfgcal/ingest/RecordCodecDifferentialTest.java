package org.mfgcal.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.mfgcal.ingest.flights.FlightsCsv;
import org.mfgcal.ingest.flights.FlightsData;
import org.mfgcal.ingest.it.IngestIntegrationBase;

/**
 * Differential test of {@link RecordCodec#parse} (byte-level fast path, falling back to Jackson) against
 * {@link RecordCodec#parseGeneral} (Jackson only): for every input the two give an equal event (records compare
 * doubles with {@code Double.compare}) or an equal rejection (same reason, same message). Inputs: the real
 * Jan–Mar 2001 sample, the hostile set of the integration test, hand-picked edge cases, and fuzzed mutations of
 * canonical records (fixed seed).
 */
class RecordCodecDifferentialTest {

    private static final byte[] KEY = "flights".getBytes(StandardCharsets.UTF_8);
    private static final long SEED = 20_261_123L;
    private static final int MUTATIONS = 50_000;

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Asserts both paths agree; returns whether the fast path took the record. */
    private static boolean agree(byte[] key, byte[] value) {
        ParseResult general = RecordCodec.parseGeneral(key, value);
        ParseResult actual = RecordCodec.parse(key, value);
        assertEquals(general, actual, () -> "key " + (key == null ? null : new String(key, StandardCharsets.UTF_8))
                + " value " + new String(value, StandardCharsets.UTF_8));
        IngestEvent fast = FastRecordParser.tryParse(key, value);
        if (fast != null) {
            assertEquals(general, fast);
        }
        return fast != null;
    }

    @Test
    void parse_realSample_fastPathTakesEveryRecordAndAgreesWithJackson() {
        List<TripEvent> trips = FlightsCsv.readShipped(FlightsData.FULL);
        assertEquals(231_083, trips.size());
        for (int i = 0; i < trips.size(); i++) {
            TripEvent t = trips.get(i);
            byte[] v = RecordCodec.toBytes(t);
            assertArrayEquals(RecordCodec.toJson(t).getBytes(StandardCharsets.UTF_8), v);
            assertTrue(agree(i % 16 == 0 ? null : KEY, v), t::toString);
            assertEquals(t, RecordCodec.parse(KEY, v));
        }
    }

    @Test
    void parse_hostileSet_sameEventOrSameRejection() {
        List<TripEvent> week = FlightsCsv.readShipped(FlightsData.WEEK);
        IngestIntegrationBase.Hostile hostile = new IngestIntegrationBase.Hostile(week);
        List<ProducerRecord<byte[], byte[]>> records = hostile.interleave("t");
        assertTrue(hostile.expected.size() >= 10_000);
        int fast = 0;
        for (ProducerRecord<byte[], byte[]> r : records) {
            fast += agree(r.key(), r.value()) ? 1 : 0;
        }
        assertTrue(fast >= week.size(), "the good records take the fast path: " + fast);
    }

    @Test
    void parse_edgeCases_sameEventOrSameRejection() {
        String trip = "{\"region\":\"flights\",\"tripId\":\"t1\",\"origin\":\"PHX\",\"destination\":\"LAS\","
                + "\"departedAt\":\"2001-01-01T06:01:00Z\",\"arrivedAt\":\"2001-01-01T07:02:03.500Z\"}";
        String count = "{\"region\":\"flights\",\"zone\":\"PHX\",\"at\":\"2001-01-01T00:00:00Z\",\"count\":12}";
        List<String> cases = new ArrayList<>(List.of(trip, count,
                trip.replace(",\"arrivedAt\":\"2001-01-01T07:02:03.500Z\"", ""),
                trip.replace("\"2001-01-01T07:02:03.500Z\"", "null"),
                trip.replace("\"t1\"", "null"), trip.replace("\"t1\"", "1"), trip.replace("\"PHX\"", "[\"PHX\"]"),
                trip.replace(":", " : "), trip.replace(",", ", "), " " + trip, trip + " ", trip + "\n", trip + "x",
                trip + "{}", trip.replace("t1", "t\\u0031"), trip.replace("t1", "t\\\"1"), trip.replace("t1", "tü"),
                trip.replace("t1", "t\u0001"), trip.replace("\"tripId\"", "\"trip\\u0049d\""),
                trip.replace("}", ",\"tripId\":\"t2\"}"), trip.replace("}", ",\"extra\":{\"a\":[1,2]}}"),
                trip.replace("}", ",\"zone\":\"X\"}"), trip.replace("}", ",\"count\":1}"),
                trip.replace("\"region\":\"flights\",", "") + "", trip.replace("\"flights\"", "\"other\""),
                trip.replace("06:01:00Z", "06:01:00+00:00"), trip.replace("06:01:00Z", "06:01:00z"),
                trip.replace("06:01:00Z", "06:01:00.5Z"), trip.replace("06:01:00Z", "24:00:00Z"),
                trip.replace("06:01:00Z", "23:59:60Z"), trip.replace("2001-01-01T06", "2001-02-29T06"),
                trip.replace("2001-01-01T06", "2000-02-29T06"), trip.replace("2001-01-01T06", "1900-02-29T06"),
                trip.replace("2001-01-01T06", "0000-01-01T06"), trip.replace("2001-01-01T06", "+2001-01-01T06"),
                trip.replace("07:02:03.500Z", "05:00:00Z"), trip.replace("07:02:03.500Z", "06:01:00Z"),
                "{}", "{\"region\":\"flights\"}", "[]", "", "{", "}", "{\"region\":\"flights\",}", "null",
                "{\"region\":\"flights\",\"tripId\":\"t1\"}"));
        for (String num : new String[] {"0", "-0", "-0.0", "0.0", "1.5", "01", "1.", ".5", "-", "1e3", "1E+3", "1e-3",
            "1e400", "-1e400", "1e", "12345678901234567890123", "123456789012345", "1234567890123456", "9007199254740993",
            "-5", "NaN", "\"NaN\"", "\"Infinity\"", "\"many\"", "null", "true", "0x10", "+1", "1_0", "3.0000000000000001",
            "2.2250738585072011e-308", "1234567890123456789012345"}) {
            cases.add(count.replace("\"count\":12", "\"count\":" + num));
        }
        cases.add(count.replace("\"count\":12", "\"count\":12,\"count\":13"));
        cases.add(count.replace("{", "{\"count\":1,").replace(",\"count\":12", ""));
        cases.add(count.replace(",\"count\":12", ""));
        cases.add(count.replace("\"zone\":\"PHX\",", ""));
        cases.add(count.replace("}", ",\"origin\":\"X\"}"));
        int fast = 0;
        for (String c : cases) {
            for (byte[] key : new byte[][] {KEY, null, utf8("other"), new byte[0], utf8("flights ")}) {
                fast += agree(key, utf8(c)) ? 1 : 0;
            }
        }
        assertTrue(fast > 0);
        assertNull(FastRecordParser.tryParse(KEY, utf8(trip.replace(":", " : "))), "whitespace takes the general path");
        assertNotNull(FastRecordParser.tryParse(KEY, utf8(count)), "a canonical count takes the fast path");
    }

    /** Every month 00..13 × day 00..32 of leap and common years, and the edges of each time field. */
    @Test
    void parse_dateAndTimeFieldRanges_sameEventOrSameRejection() {
        String trip = "{\"region\":\"flights\",\"tripId\":\"t1\",\"origin\":\"PHX\",\"destination\":\"LAS\","
                + "\"departedAt\":\"DEP\"}";
        String count = "{\"region\":\"flights\",\"zone\":\"PHX\",\"at\":\"DEP\",\"count\":1}";
        int fast = 0;
        int general = 0;
        for (String y : new String[] {"0000", "1900", "2000", "2001", "2004", "2100", "9999"}) {
            for (int m = 0; m <= 13; m++) {
                for (int d = 0; d <= 32; d++) {
                    String date = String.format(java.util.Locale.ROOT, "%s-%02d-%02d", y, m, d);
                    for (String time : new String[] {"T00:00:00Z", "T23:59:59.999Z"}) {
                        for (String rec : new String[] {trip, count}) {
                            boolean f = agree(KEY, utf8(rec.replace("DEP", date + time)));
                            fast += f ? 1 : 0;
                            general += f ? 0 : 1;
                        }
                    }
                }
            }
        }
        for (String time : new String[] {"T24:00:00Z", "T23:60:00Z", "T23:59:60Z", "T-1:00:00Z", "T0a:00:00Z", "T12:00:00.00Z",
            "T12:00:00.0000Z", "T12:00:00.abcZ", "T12:00:00,000Z", "T12:00:00+01:00", "T12:00Z", "t12:00:00Z", " 12:00:00Z"}) {
            for (String date : new String[] {"2001-01-01", "2001-01-02", "2001-02-29", "2001/01/01", "2001-1-01", "20a1-01-01"}) {
                for (String rec : new String[] {trip, count}) {
                    fast += agree(KEY, utf8(rec.replace("DEP", date + time))) ? 1 : 0;
                }
            }
        }
        assertTrue(fast > 1000 && general > 1000, "fast " + fast + ", general " + general);
    }

    @Test
    void parse_fuzzedMutations_sameEventOrSameRejection() {
        Random rnd = new Random(SEED);
        List<TripEvent> week = FlightsCsv.readShipped(FlightsData.WEEK);
        List<byte[]> seeds = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            seeds.add(RecordCodec.toBytes(week.get(rnd.nextInt(week.size()))));
        }
        seeds.add(utf8("{\"region\":\"flights\",\"zone\":\"PHX\",\"at\":\"2001-01-01T00:00:00.250Z\",\"count\":12.75}"));
        seeds.add(utf8("{\"count\":-3,\"at\":\"2004-02-29T23:59:59Z\",\"zone\":\"LAS\",\"region\":\"flights\"}"));
        seeds.add(utf8("{\"arrivedAt\":\"2001-01-01T07:00:00Z\",\"departedAt\":\"2001-01-01T06:00:00Z\","
                + "\"destination\":\"LAS\",\"origin\":\"PHX\",\"tripId\":\"x\",\"region\":\"flights\"}"));
        byte[] alphabet = utf8("{}[]\":,.-+eE0123456789 \\\tnulltrueZzT:ab\u007f");
        int fast = 0;
        int general = 0;
        for (int i = 0; i < MUTATIONS; i++) {
            byte[] v = seeds.get(rnd.nextInt(seeds.size()));
            int edits = 1 + rnd.nextInt(3);
            for (int e = 0; e < edits; e++) {
                v = mutate(v, rnd, alphabet);
            }
            byte[] key = rnd.nextInt(10) == 0 ? null : KEY;
            if (agree(key, v)) {
                fast++;
            } else {
                general++;
            }
        }
        assertTrue(fast > MUTATIONS / 20 && general > MUTATIONS / 2, "fast " + fast + ", general " + general);
    }

    @Test
    void toBytes_randomTrips_equalsUtf8OfToJson() {
        Random rnd = new Random(SEED);
        String[] ids = {"PHX", "", "a\"b", "back\\slash", "tab\t", "ü", "\u20ac", "\u007f", "\u0001", "x y", "{}"};
        for (int i = 0; i < 100_000; i++) {
            long dep = rnd.nextInt(4) == 0 ? rnd.nextLong() % 400_000_000_000_000L
                    : Math.floorMod(rnd.nextLong(), 253_402_300_800_000L + 62_167_219_200_000L) - 62_167_219_200_000L;
            if (rnd.nextBoolean()) {
                dep -= Math.floorMod(dep, 1000L);
            }
            long arr = rnd.nextInt(3) == 0 ? TripEvent.NO_ARRIVAL
                    : dep + (rnd.nextBoolean() ? rnd.nextInt(100_000_000) : Math.floorMod(rnd.nextLong(), 1L << 50));
            if (arr != TripEvent.NO_ARRIVAL && arr < dep) {
                arr = dep;
            }
            TripEvent t = new TripEvent(ids[rnd.nextInt(ids.length)], ids[rnd.nextInt(ids.length)] + i,
                    ids[rnd.nextInt(ids.length)], ids[rnd.nextInt(ids.length)], dep, arr);
            assertArrayEquals(RecordCodec.toJson(t).getBytes(StandardCharsets.UTF_8), RecordCodec.toBytes(t), t::toString);
        }
    }

    private static byte[] mutate(byte[] v, Random rnd, byte[] alphabet) {
        int n = v.length;
        int at = n == 0 ? 0 : rnd.nextInt(n);
        switch (rnd.nextInt(7)) {
            case 0 -> { // delete one byte
                if (n == 0) {
                    return v;
                }
                byte[] out = new byte[n - 1];
                System.arraycopy(v, 0, out, 0, at);
                System.arraycopy(v, at + 1, out, at, n - at - 1);
                return out;
            }
            case 1 -> { // insert a JSON-ish byte
                byte[] out = new byte[n + 1];
                System.arraycopy(v, 0, out, 0, at);
                out[at] = alphabet[rnd.nextInt(alphabet.length)];
                System.arraycopy(v, at, out, at + 1, n - at);
                return out;
            }
            case 2 -> { // replace with a JSON-ish byte
                byte[] out = v.clone();
                if (n > 0) {
                    out[at] = alphabet[rnd.nextInt(alphabet.length)];
                }
                return out;
            }
            case 3 -> { // change a digit (timestamps, counts)
                byte[] out = v.clone();
                for (int k = 0; k < n; k++) {
                    int j = (at + k) % n;
                    if (out[j] >= '0' && out[j] <= '9') {
                        out[j] = (byte) ('0' + rnd.nextInt(10));
                        break;
                    }
                }
                return out;
            }
            case 4 -> { // truncate
                return java.util.Arrays.copyOf(v, at);
            }
            case 5 -> { // any byte
                byte[] out = v.clone();
                if (n > 0) {
                    out[at] = (byte) rnd.nextInt(256);
                }
                return out;
            }
            default -> { // duplicate a range (repeated fields, doubled punctuation)
                int len = Math.min(n - at, 1 + rnd.nextInt(30));
                byte[] out = new byte[n + len];
                System.arraycopy(v, 0, out, 0, at + len);
                System.arraycopy(v, at, out, at + len, n - at);
                return out;
            }
        }
    }

    @Test
    void instant_everyDayOfYears0To9999_matchesLocalDate() {
        for (int y = 0; y <= 9999; y += (y < 2100 ? 1 : 7)) {
            for (int m = 1; m <= 12; m++) {
                int len = LocalDate.of(y, m, 1).lengthOfMonth();
                for (int d = 1; d <= len; d++) {
                    assertEquals(LocalDate.of(y, m, d).toEpochDay(), FastInstant.epochDay(y, m, d), y + "-" + m + "-" + d);
                }
            }
        }
        Random rnd = new Random(SEED);
        for (int i = 0; i < 50_000; i++) {
            long ms = Math.floorMod(rnd.nextLong(), 253_402_300_800_000L + 62_167_219_200_000L) - 62_167_219_200_000L;
            StringBuilder sb = new StringBuilder();
            RecordCodec.appendInstant(sb, ms);
            byte[] b = utf8(sb.toString());
            assertEquals(RecordCodec.parseInstant(sb.toString()), FastInstant.instant(b, 0, b.length), sb::toString);
        }
    }
}
