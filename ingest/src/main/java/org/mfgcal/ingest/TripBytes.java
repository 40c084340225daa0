package org.mfgcal.ingest;

import java.nio.charset.StandardCharsets;

/**
 * The fast path of {@link RecordCodec#toBytes}: a trip whose ids are printable ASCII without quotes or backslashes,
 * with instants in years 0000..9999, written straight into an exact-size array (no StringBuilder, no String, no
 * encoder), byte for byte the text of {@link RecordCodec#toJson(TripEvent)}.
 *
 * <p>Thread-safe: the only shared state is the last day written, an immutable value replaced with a plain write.
 */
final class TripBytes {
    private TripBytes() {
    }

    private static final byte[] REGION_OPEN = ascii("{\"region\":\"");
    private static final byte[] TRIP_ID = ascii("\",\"tripId\":\"");
    private static final byte[] ORIGIN = ascii("\",\"origin\":\"");
    private static final byte[] DESTINATION = ascii("\",\"destination\":\"");
    private static final byte[] DEPARTED_AT = ascii("\",\"departedAt\":\"");
    private static final byte[] ARRIVED_AT = ascii("\",\"arrivedAt\":\"");
    private static final byte[] CLOSE = ascii("\"}");
    /** Epoch ms of 0000-01-01T00:00:00Z and of 10000-01-01T00:00:00Z. */
    private static final long MIN_4_DIGIT_YEAR = -62_167_219_200_000L;
    private static final long MAX_4_DIGIT_YEAR = 253_402_300_800_000L;

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** {@link RecordCodec#toJson(TripEvent)} as bytes, or {@code null} when a field needs the general writer. */
    static byte[] of(TripEvent t) {
        String region = t.region();
        String id = t.tripId();
        String origin = t.origin();
        String destination = t.destination();
        long dep = t.departedAtMillis();
        long arr = t.arrivedAtMillis();
        boolean hasArr = t.hasArrival();
        if (!plain(region) || !plain(id) || !plain(origin) || !plain(destination) || !fourDigitYear(dep)
                || hasArr && !fourDigitYear(arr)) {
            return null;
        }
        int n = REGION_OPEN.length + region.length() + TRIP_ID.length + id.length() + ORIGIN.length + origin.length()
                + DESTINATION.length + destination.length() + DEPARTED_AT.length + instantLength(dep) + CLOSE.length
                + (hasArr ? ARRIVED_AT.length + instantLength(arr) : 0);
        byte[] b = new byte[n];
        int p = put(b, 0, REGION_OPEN);
        p = put(b, p, region);
        p = put(b, p, TRIP_ID);
        p = put(b, p, id);
        p = put(b, p, ORIGIN);
        p = put(b, p, origin);
        p = put(b, p, DESTINATION);
        p = put(b, p, destination);
        p = put(b, p, DEPARTED_AT);
        p = putInstant(b, p, dep);
        if (hasArr) {
            p = put(b, p, ARRIVED_AT);
            p = putInstant(b, p, arr);
        }
        put(b, p, CLOSE);
        return b;
    }

    /** Printable ASCII without {@code "} or {@code \}: written as is by {@link RecordCodec#quote}. */
    private static boolean plain(String s) {
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
                return false;
            }
        }
        return true;
    }

    private static boolean fourDigitYear(long ms) {
        return ms >= MIN_4_DIGIT_YEAR && ms < MAX_4_DIGIT_YEAR;
    }

    private static int instantLength(long ms) {
        return Math.floorMod(ms, 1000L) == 0 ? 20 : 24;
    }

    private static int put(byte[] b, int p, byte[] s) {
        System.arraycopy(s, 0, b, p, s.length);
        return p + s.length;
    }

    @SuppressWarnings("deprecation")
    private static int put(byte[] b, int p, String s) {
        s.getBytes(0, s.length(), b, p); // ASCII checked by plain(): the low byte is the character
        return p + s.length();
    }

    /** Same text as {@link RecordCodec#appendInstant} for years 0000..9999. */
    private static int putInstant(byte[] b, int p, long ms) {
        long days = Math.floorDiv(ms, 86_400_000L);
        int msOfDay = (int) Math.floorMod(ms, 86_400_000L);
        DateText c = lastDate;
        if (c == null || c.day != days) { // the replay writes records in time order: mostly the same day
            c = dateText(days);
            lastDate = c;
        }
        System.arraycopy(c.text, 0, b, p, 11);
        p += 11;
        int secs = msOfDay / 1000;
        p = two(b, p, secs / 3600);
        b[p++] = ':';
        p = two(b, p, secs / 60 % 60);
        b[p++] = ':';
        p = two(b, p, secs % 60);
        int milli = msOfDay % 1000;
        if (milli != 0) {
            b[p++] = '.';
            p = digits(b, p, milli, 3);
        }
        b[p++] = 'Z';
        return p;
    }

    /** The last day written and its {@code yyyy-MM-ddT}: immutable, replaced with a plain write (any thread). */
    private static DateText lastDate;

    private record DateText(long day, byte[] text) {
    }

    private static DateText dateText(long days) {
        java.time.LocalDate d = java.time.LocalDate.ofEpochDay(days);
        byte[] t = new byte[11];
        digits(t, 0, d.getYear(), 4);
        t[4] = '-';
        digits(t, 5, d.getMonthValue(), 2);
        t[7] = '-';
        digits(t, 8, d.getDayOfMonth(), 2);
        t[10] = 'T';
        return new DateText(days, t);
    }

    private static int two(byte[] b, int p, int v) {
        b[p] = (byte) ('0' + v / 10);
        b[p + 1] = (byte) ('0' + v % 10);
        return p + 2;
    }

    private static int digits(byte[] b, int p, int v, int width) {
        for (int i = p + width - 1; i >= p; i--) {
            b[i] = (byte) ('0' + v % 10);
            v /= 10;
        }
        return p + width;
    }
}
