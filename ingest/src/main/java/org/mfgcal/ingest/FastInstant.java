package org.mfgcal.ingest;

/**
 * The timestamps of {@link FastRecordParser}: {@code yyyy-MM-ddTHH:mm:ss[.SSS]Z} parsed from bytes, validated, to epoch
 * ms, with the same result as {@link RecordCodec#parseInstant}'s own fast path.
 *
 * <p>Thread-safe: the only shared state is the last date seen, an immutable entry replaced with a plain write.
 */
final class FastInstant {
    private FastInstant() {
    }

    /** Marks an instant the fast path does not take. */
    static final long BAD = Long.MIN_VALUE;

    /**
     * Epoch ms of {@code yyyy-MM-ddTHH:mm:ss[.SSS]Z} in {@code v[from, to)} with a valid date and time — the
     * instants {@link RecordCodec#parseInstant}'s own fast path takes, with the same result — else {@link #BAD}.
     */
    static long instant(byte[] v, int from, int to) {
        int n = to - from;
        if (n != 20 && n != 24 || v[to - 1] != 'Z' || v[from + 10] != 'T' || v[from + 13] != ':' || v[from + 16] != ':'
                || n == 24 && v[from + 19] != '.') {
            return BAD;
        }
        long day = day(v, from);
        int h = two(v, from + 11);
        int mi = two(v, from + 14);
        int s = two(v, from + 17);
        int ms = n == 24 ? digits(v, from + 20, 3) : 0;
        if (day == BAD || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59 || ms < 0) {
            return BAD;
        }
        return day + (h * 60 + mi) * 60_000L + s * 1000L + ms;
    }

    /**
     * Epoch ms of the date {@code yyyy-MM-dd} at {@code v[from]}, or {@link #BAD}. The last date seen is kept
     * (records arrive roughly in time order, so most share it): a 10-byte compare instead of parsing and
     * validating. The cache entry is immutable and replaced with a plain write; a thread may see an older
     * entry, never a torn one.
     */
    private static long day(byte[] v, int from) {
        DateEntry c = lastDate;
        if (c != null && java.util.Arrays.equals(v, from, from + 10, c.text, 0, 10)) {
            return c.millis;
        }
        if (v[from + 4] != '-' || v[from + 7] != '-') {
            return BAD;
        }
        int y = digits(v, from, 4);
        int mo = two(v, from + 5);
        int d = two(v, from + 8);
        if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > monthLength(y, mo)) {
            return BAD;
        }
        long millis = epochDay(y, mo, d) * 86_400_000L;
        lastDate = new DateEntry(java.util.Arrays.copyOfRange(v, from, from + 10), millis);
        return millis;
    }

    private static DateEntry lastDate;

    /** A validated {@code yyyy-MM-dd} and its epoch ms. */
    private record DateEntry(byte[] text, long millis) {
    }

    /** Two decimal digits at {@code v[i]}, or -1. */
    private static int two(byte[] v, int i) {
        int a = v[i] - '0';
        int b = v[i + 1] - '0';
        return a < 0 || a > 9 || b < 0 || b > 9 ? -1 : a * 10 + b;
    }

    private static int digits(byte[] v, int from, int len) {
        int x = 0;
        for (int i = from; i < from + len; i++) {
            int c = v[i] - '0';
            if (c < 0 || c > 9) {
                return -1;
            }
            x = x * 10 + c;
        }
        return x;
    }

    private static int monthLength(int y, int m) {
        return switch (m) {
            case 2 -> (y & 3) == 0 && (y % 100 != 0 || y % 400 == 0) ? 29 : 28;
            case 4, 6, 9, 11 -> 30;
            default -> 31;
        };
    }

    /** Days since 1970-01-01 of a proleptic Gregorian date with year ≥ 0 (H. Hinnant's days_from_civil). */
    static long epochDay(int y, int m, int d) {
        int yy = m <= 2 ? y - 1 : y;
        int era = (yy >= 0 ? yy : yy - 399) / 400;
        int yoe = yy - era * 400;
        int doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
        int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146_097L + doe - 719_468;
    }
}
