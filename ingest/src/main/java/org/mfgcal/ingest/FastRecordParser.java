package org.mfgcal.ingest;

import java.nio.charset.StandardCharsets;

/**
 * Fast path of {@link RecordCodec#parse}: a byte-level parser for the canonical shape of a <em>valid</em> record,
 * which either returns the event the general (Jackson) path would return, or {@code null} to send the record down
 * that path. It never rejects anything itself, so every rejection, reason and message comes from the general path
 * and stays exactly as before.
 *
 * <h2>Accepted shape</h2>
 * <ul>
 *   <li>{@code {"name":value,...}} with no whitespace anywhere and nothing after the closing brace;</li>
 *   <li>field names from one schema only — trip: {@code region, tripId, origin, destination, departedAt,
 *       arrivedAt}; count: {@code region, zone, at, count} — each at most once, in any order; any other name,
 *       a duplicate, or a mix of both schemas goes to the general path;</li>
 *   <li>string values of printable ASCII without escapes ({@code 0x20..0x7e} except {@code "} and
 *       {@code \}); a {@code null}, a number where a string is expected, an escape or a non-ASCII byte goes to
 *       the general path;</li>
 *   <li>timestamps {@code yyyy-MM-ddTHH:mm:ssZ} or {@code yyyy-MM-ddTHH:mm:ss.SSSZ} with a valid date and time
 *       (the fast form of {@link RecordCodec#parseInstant}); offsets and anything else go to the general path;</li>
 *   <li>{@code count}: a JSON number of at most {@value #MAX_NUMBER_CHARS} characters; an integer of at most 15
 *       digits is converted exactly, other numbers with {@link Double#parseDouble} (as Jackson does);</li>
 *   <li>all required fields present, the Kafka key (when given) byte-equal to {@code region}, and
 *       {@code arrivedAt ≥ departedAt}; otherwise the general path produces the rejection.</li>
 * </ul>
 * {@code RecordCodecDifferentialTest} checks the two paths agree on the real sample, the hostile set and fuzzed
 * mutations.
 *
 * <h2>Strings</h2>
 * {@code region}, {@code origin}, {@code destination} and {@code zone} take few distinct values; they are
 * looked up by their bytes in a small shared cache of immutable entries ({@link #intern}) instead of decoding a
 * new {@code String} per record. {@code tripId} is unique per record and is decoded (Latin-1 = ASCII here).
 *
 * <p>Effect (ingest/BENCHMARKS.md, CPU time per record of the real trips): parse 635–739 ns → 160–178 ns,
 * parse + bin 923–1,158 ns → 353–414 ns (load ≈ 7); {@code BinningBench.parseAndBin} ≈ {@code bin} at load ≈ 4.7.
 *
 * <p>Contract: stateless apart from the string cache, whose entries are immutable and published through
 * racy-but-safe plain writes (final fields); thread-safe.
 */
final class FastRecordParser {

    /** Longest {@code count} number text the fast path takes (Jackson's limit is far larger). */
    static final int MAX_NUMBER_CHARS = 24;
    /** Strings longer than this are not interned. */
    private static final int MAX_INTERNED = 64;

    private static final int REGION = 0;
    private static final int TRIP_ID = 1;
    private static final int ORIGIN = 2;
    private static final int DESTINATION = 3;
    private static final int DEPARTED_AT = 4;
    private static final int ARRIVED_AT = 5;
    private static final int ZONE = 6;
    private static final int AT = 7;
    private static final int COUNT = 8;
    private static final int FIELDS = 9;
    private static final byte[][] NAMES = new byte[FIELDS][];
    private static final int TRIP_FIELDS = 1 << TRIP_ID | 1 << ORIGIN | 1 << DESTINATION | 1 << DEPARTED_AT | 1 << ARRIVED_AT;
    private static final int COUNT_FIELDS = 1 << ZONE | 1 << AT | 1 << COUNT;

    static {
        String[] n = {"region", "tripId", "origin", "destination", "departedAt", "arrivedAt", "zone", "at", "count"};
        for (int i = 0; i < FIELDS; i++) {
            NAMES[i] = n[i].getBytes(StandardCharsets.US_ASCII);
        }
    }

    private FastRecordParser() {
    }

    /**
     * The event the general path would return for this record, or {@code null} when the record is not in the
     * canonical shape (or would be rejected).
     *
     * @param key   Kafka key bytes, or {@code null} to skip the key check
     * @param value record bytes (not null)
     */
    static IngestEvent tryParse(byte[] key, byte[] value) {
        int n = value.length;
        if (n < 2 || value[0] != '{' || value[n - 1] != '}') {
            return null;
        }
        IngestEvent t = canonicalTrip(key, value);
        return t != null ? t : anyOrder(key, value);
    }

    private static final byte[] L_REGION = ascii("{\"region\":\"");
    private static final byte[] L_TRIP_ID = ascii("\",\"tripId\":\"");
    private static final byte[] L_ORIGIN = ascii("\",\"origin\":\"");
    private static final byte[] L_DESTINATION = ascii("\",\"destination\":\"");
    private static final byte[] L_DEPARTED_AT = ascii("\",\"departedAt\":\"");
    private static final byte[] L_ARRIVED_AT = ascii("\",\"arrivedAt\":\"");

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * The trip layout {@link RecordCodec#toJson(TripEvent)} writes (fields in schema order): literal field
     * names compared as blocks, values scanned once. Anything else (including a valid trip in another order)
     * gives {@code null} and {@link #anyOrder} tries.
     */
    private static TripEvent canonicalTrip(byte[] key, byte[] v) {
        int n = v.length;
        if (!literal(v, 0, L_REGION)) {
            return null;
        }
        int s0 = L_REGION.length;
        int e0 = stringEnd(v, s0);
        if (e0 < 0 || !literal(v, e0, L_TRIP_ID)) {
            return null;
        }
        int s1 = e0 + L_TRIP_ID.length;
        int e1 = stringEnd(v, s1);
        if (e1 < 0 || !literal(v, e1, L_ORIGIN)) {
            return null;
        }
        int s2 = e1 + L_ORIGIN.length;
        int e2 = stringEnd(v, s2);
        if (e2 < 0 || !literal(v, e2, L_DESTINATION)) {
            return null;
        }
        int s3 = e2 + L_DESTINATION.length;
        int e3 = stringEnd(v, s3);
        if (e3 < 0 || !literal(v, e3, L_DEPARTED_AT)) {
            return null;
        }
        int s4 = e3 + L_DEPARTED_AT.length;
        int e4 = instantEnd(v, s4);
        if (e4 < 0) {
            return null;
        }
        long dep = FastInstant.instant(v, s4, e4);
        long arr = TripEvent.NO_ARRIVAL;
        if (e4 + 2 == n) { // "}
            if (v[e4] != '"') {
                return null;
            }
        } else {
            if (!literal(v, e4, L_ARRIVED_AT)) {
                return null;
            }
            int s5 = e4 + L_ARRIVED_AT.length;
            int e5 = instantEnd(v, s5);
            if (e5 < 0 || e5 + 2 != n || v[e5] != '"') {
                return null;
            }
            arr = FastInstant.instant(v, s5, e5);
            if (arr == FastInstant.BAD || arr < dep) {
                return null;
            }
        }
        if (dep == FastInstant.BAD || key != null && !equal(key, v, s0, e0)) {
            return null;
        }
        return new TripEvent(intern(v, s0, e0), new String(v, s1, e1 - s1, StandardCharsets.ISO_8859_1),
                intern(v, s2, e2), intern(v, s3, e3), dep, arr);
    }

    /** Whether {@code v} holds {@code lit} at {@code at}. */
    private static boolean literal(byte[] v, int at, byte[] lit) {
        int len = lit.length;
        return at + len <= v.length && java.util.Arrays.equals(v, at, at + len, lit, 0, len);
    }

    /** Byte classes for string scanning: 0 plain, 1 closing quote, 2 needs the general path. */
    private static final byte[] CLASS = new byte[256];

    static {
        for (int b = 0; b < 256; b++) {
            CLASS[b] = (byte) (b == '"' ? 1 : b < 0x20 || b >= 0x7f || b == '\\' ? 2 : 0);
        }
    }

    /** Index of the closing quote of a plain string value starting at {@code from}, or -1. */
    private static int stringEnd(byte[] v, int from) {
        for (int i = from; i < v.length; i++) {
            int c = CLASS[v[i] & 0xff];
            if (c != 0) {
                return c == 1 ? i : -1;
            }
        }
        return -1;
    }

    /** End of a 20- or 24-character instant starting at {@code from} (the byte there must be a quote), or -1. */
    private static int instantEnd(byte[] v, int from) {
        int n = v.length;
        if (from + 20 < n && v[from + 20] == '"') {
            return from + 20;
        }
        if (from + 24 < n && v[from + 24] == '"') {
            return from + 24;
        }
        return -1;
    }

    /** Any field order, any subset: the general shape of the fast path. */
    private static IngestEvent anyOrder(byte[] key, byte[] value) {
        byte[] v = value;
        int n = v.length;
        // start and end (exclusive) of each field's value, without quotes; start 0 = absent
        int s0 = 0, e0 = 0, s1 = 0, e1 = 0, s2 = 0, e2 = 0, s3 = 0, e3 = 0, s4 = 0, e4 = 0, s5 = 0, e5 = 0;
        int s6 = 0, e6 = 0, s7 = 0, e7 = 0;
        double count = 0;
        int seen = 0;
        int pos = 1;
        while (true) {
            // "name":
            if (pos >= n || v[pos] != '"') {
                return null;
            }
            int f = field(v, pos + 1, n);
            if (f < 0 || (seen & 1 << f) != 0) {
                return null;
            }
            seen |= 1 << f;
            pos += NAMES[f].length + 2;
            if (pos >= n || v[pos] != ':') {
                return null;
            }
            pos++;
            if (f == COUNT) {
                int end = numberEnd(v, pos, n);
                if (end < 0) {
                    return null;
                }
                count = number(v, pos, end);
                pos = end;
            } else {
                if (pos >= n || v[pos] != '"') {
                    return null;
                }
                int start = pos + 1;
                int i = stringEnd(v, start);
                if (i < 0) {
                    return null;
                }
                switch (f) {
                    case REGION -> { s0 = start; e0 = i; }
                    case TRIP_ID -> { s1 = start; e1 = i; }
                    case ORIGIN -> { s2 = start; e2 = i; }
                    case DESTINATION -> { s3 = start; e3 = i; }
                    case DEPARTED_AT -> { s4 = start; e4 = i; }
                    case ARRIVED_AT -> { s5 = start; e5 = i; }
                    case ZONE -> { s6 = start; e6 = i; }
                    default -> { s7 = start; e7 = i; }
                }
                pos = i + 1;
            }
            if (pos >= n) {
                return null;
            }
            byte c = v[pos++];
            if (c == '}') {
                break;
            }
            if (c != ',') {
                return null;
            }
        }
        if (pos != n || (seen & 1 << REGION) == 0) {
            return null;
        }
        if (key != null && !equal(key, v, s0, e0)) {
            return null;
        }
        int rest = seen & ~(1 << REGION);
        if ((rest & 1 << TRIP_ID) != 0) {
            if ((rest & ~TRIP_FIELDS) != 0 || (rest & (1 << ORIGIN | 1 << DESTINATION | 1 << DEPARTED_AT))
                    != (1 << ORIGIN | 1 << DESTINATION | 1 << DEPARTED_AT)) {
                return null;
            }
            long dep = FastInstant.instant(v, s4, e4);
            if (dep == FastInstant.BAD) {
                return null;
            }
            long arr = TripEvent.NO_ARRIVAL;
            if ((rest & 1 << ARRIVED_AT) != 0) {
                arr = FastInstant.instant(v, s5, e5);
                if (arr == FastInstant.BAD || arr < dep) {
                    return null;
                }
            }
            return new TripEvent(intern(v, s0, e0), new String(v, s1, e1 - s1, StandardCharsets.ISO_8859_1),
                    intern(v, s2, e2), intern(v, s3, e3), dep, arr);
        }
        if (rest == COUNT_FIELDS) {
            long at = FastInstant.instant(v, s7, e7);
            if (at == FastInstant.BAD) {
                return null;
            }
            return new CountEvent(intern(v, s0, e0), intern(v, s6, e6), at, count);
        }
        return null;
    }

    /** Id of the field whose name starts at {@code from} and is followed by a quote, or -1. */
    private static int field(byte[] v, int from, int n) {
        int f;
        switch (v[from]) {
            case 'r' -> f = REGION;
            case 't' -> f = TRIP_ID;
            case 'o' -> f = ORIGIN;
            case 'd' -> f = from + 1 < n && v[from + 1] == 'e' && from + 2 < n && v[from + 2] == 's' ? DESTINATION : DEPARTED_AT;
            case 'a' -> f = from + 1 < n && v[from + 1] == 'r' ? ARRIVED_AT : AT;
            case 'z' -> f = ZONE;
            case 'c' -> f = COUNT;
            default -> {
                return -1;
            }
        }
        byte[] name = NAMES[f];
        int len = name.length;
        if (from + len >= n || v[from + len] != '"') {
            return -1;
        }
        for (int i = 1; i < len; i++) {
            if (v[from + i] != name[i]) {
                return -1;
            }
        }
        return f;
    }

    private static boolean equal(byte[] a, byte[] v, int from, int to) {
        if (a.length != to - from) {
            return false;
        }
        for (int i = 0; i < a.length; i++) {
            if (a[i] != v[from + i]) {
                return false;
            }
        }
        return true;
    }

    /** End of a JSON number starting at {@code from} and followed by {@code ,} or {@code }}, or -1. */
    private static int numberEnd(byte[] v, int from, int n) {
        int i = from;
        if (i < n && v[i] == '-') {
            i++;
        }
        if (i >= n) {
            return -1;
        }
        if (v[i] == '0') {
            i++;
        } else if (v[i] >= '1' && v[i] <= '9') {
            while (i < n && isDigit(v[i])) {
                i++;
            }
        } else {
            return -1;
        }
        if (i < n && v[i] == '.') {
            int d = ++i;
            while (i < n && isDigit(v[i])) {
                i++;
            }
            if (i == d) {
                return -1;
            }
        }
        if (i < n && (v[i] == 'e' || v[i] == 'E')) {
            i++;
            if (i < n && (v[i] == '+' || v[i] == '-')) {
                i++;
            }
            int d = i;
            while (i < n && isDigit(v[i])) {
                i++;
            }
            if (i == d) {
                return -1;
            }
        }
        if (i >= n || (v[i] != ',' && v[i] != '}') || i - from > MAX_NUMBER_CHARS) {
            return -1;
        }
        return i;
    }

    /** Value of a number whose syntax {@link #numberEnd} checked. */
    private static double number(byte[] v, int from, int to) {
        boolean neg = v[from] == '-';
        int i = neg ? from + 1 : from;
        if (to - i <= 15) {
            long x = 0;
            int j = i;
            while (j < to && isDigit(v[j])) {
                x = x * 10 + (v[j] - '0');
                j++;
            }
            if (j == to) {
                return neg ? -x : x; // integer: exact; "-0" is 0.0, as Jackson's int path gives
            }
        }
        return Double.parseDouble(new String(v, from, to - from, StandardCharsets.ISO_8859_1));
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }

    // ---- string cache: open addressing over immutable entries, 2-way by hash ----

    private static final int CACHE_SIZE = 4096; // power of two
    private static final Entry[] CACHE = new Entry[CACHE_SIZE];

    private static final class Entry {
        final byte[] bytes;
        final String string;
        final int hash;

        Entry(byte[] bytes, String string, int hash) {
            this.bytes = bytes;
            this.string = string;
            this.hash = hash;
        }
    }

    /** The string of the ASCII bytes {@code v[from, to)}, shared across records with the same bytes. */
    static String intern(byte[] v, int from, int to) {
        int len = to - from;
        if (len > MAX_INTERNED) {
            return new String(v, from, len, StandardCharsets.ISO_8859_1);
        }
        int h = len;
        for (int i = from; i < to; i++) {
            h = 31 * h + v[i];
        }
        h ^= h >>> 16;
        int slot = h & (CACHE_SIZE - 1);
        Entry[] cache = CACHE;
        Entry e = cache[slot];
        if (e != null && e.hash == h && equal(e.bytes, v, from, to)) {
            return e.string;
        }
        int slot2 = slot ^ 1;
        Entry e2 = cache[slot2];
        if (e2 != null && e2.hash == h && equal(e2.bytes, v, from, to)) {
            return e2.string;
        }
        byte[] b = java.util.Arrays.copyOfRange(v, from, to);
        Entry fresh = new Entry(b, new String(b, StandardCharsets.ISO_8859_1), h);
        cache[e == null ? slot : slot2] = fresh;
        return fresh.string;
    }
}
