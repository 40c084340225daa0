package org.mfgcal.ingest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The one reader of count files ({@code mfgcal online --format counts} and {@code mfgcal replay --format counts}):
 * CSV with the header {@code at,zone,count}, read with {@link CsvReader}.
 *
 * <ul>
 *   <li>A UTF-8 byte-order mark before the header is skipped; header names are case-insensitive, blanks around
 *       them ignored.</li>
 *   <li>{@code at}: an ISO date ({@code 2020-01-06}, midnight UTC) or instant ({@code 2020-01-06T08:00:00Z},
 *       {@code 2020-01-06T09:00:00+01:00}), years 0001–9999.</li>
 *   <li>{@code zone}: non-blank. {@code count}: a finite number ≥ 0 (NaN, infinities and negatives are errors).</li>
 *   <li>Blank lines are skipped. Any other defect stops the read with an error naming the file, the line, the field
 *       and the value (values are clipped, see {@link Texts}).</li>
 * </ul>
 * Rows are returned in file order with their line numbers; whether a valid row is used (range, duplicates) is
 * decided by the caller.
 *
 * <p>Stateless; thread-safe.
 */
public final class CountsCsv {

    /** Earliest accepted instant: 0001-01-01T00:00:00Z. */
    static final long MIN_MILLIS = LocalDate.of(1, 1, 1).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    /** First instant no longer accepted: 10000-01-01T00:00:00Z. */
    static final long END_MILLIS = LocalDate.of(10000, 1, 1).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();

    private CountsCsv() {
    }

    /**
     * Rows of a count file, in file order.
     *
     * @param events the rows as count events of {@code region}
     * @param lines  the 1-based line number of each row (the header is line 1)
     */
    public record Rows(List<CountEvent> events, long[] lines) {
    }

    /**
     * Reads {@code spec} (a path, {@code classpath:NAME}; {@code .gz} decompressed).
     *
     * @throws IllegalArgumentException naming file, line, field and value on the first bad row, or when the file
     *                                  has no rows
     */
    public static Rows read(String spec, String region) {
        List<CountEvent> out = new ArrayList<>();
        long[] lines = new long[64];
        try (CsvReader r = CsvReader.open(spec)) {
            String header = r.nextLine();
            if (header == null) {
                throw new IllegalArgumentException(spec + ": empty file, expected the header 'at,zone,count'");
            }
            if (!header.replace(" ", "").replace("\t", "").toLowerCase(Locale.ROOT).equals("at,zone,count")) {
                throw new IllegalArgumentException(spec + " line 1: expected header 'at,zone,count', got '"
                        + Texts.clip(visible(header)) + "'");
            }
            String line;
            while ((line = r.nextLine()) != null) {
                long no = r.lineNumber();
                if (line.isBlank()) {
                    continue;
                }
                String[] f = CsvReader.split(line);
                if (f.length != 3) {
                    throw new IllegalArgumentException(spec + " line " + no + ": expected 3 fields (at,zone,count), got "
                            + f.length + ": '" + Texts.clip(line) + "'");
                }
                long at = parseAt(f[0].trim(), spec, no);
                String zone = f[1].trim();
                if (zone.isEmpty()) {
                    throw new IllegalArgumentException(spec + " line " + no + ": field 'zone' must not be blank");
                }
                double count = parseCount(f[2].trim(), spec, no);
                if (out.size() == lines.length) {
                    lines = java.util.Arrays.copyOf(lines, lines.length * 2);
                }
                lines[out.size()] = no;
                out.add(new CountEvent(region, zone, at, count));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + spec + ": " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(spec + ": no count rows after the header");
        }
        return new Rows(out, java.util.Arrays.copyOf(lines, out.size()));
    }

    /** An ISO date (midnight UTC) or instant within years 0001–9999, as epoch ms. */
    public static long parseAt(String s, String spec, long no) {
        long t;
        try {
            if (s.length() == 10) {
                t = LocalDate.parse(s).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
            } else {
                t = RecordCodec.parseInstant(s);
            }
        } catch (DateTimeException | ArithmeticException | StringIndexOutOfBoundsException e) {
            throw new IllegalArgumentException(spec + " line " + no + ": field 'at' must be an ISO date (2020-01-06) or"
                    + " instant (2020-01-06T08:00:00Z) within years 0001-9999, got '" + Texts.clip(s) + "'", e);
        }
        if (t < MIN_MILLIS || t >= END_MILLIS) {
            throw new IllegalArgumentException(spec + " line " + no + ": field 'at' must be within years 0001-9999, got '"
                    + Texts.clip(s) + "'");
        }
        return t;
    }

    /** A finite count ≥ 0. */
    public static double parseCount(String s, String spec, long no) {
        double v;
        try {
            v = Double.parseDouble(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(spec + " line " + no + ": field 'count' must be a number, got '"
                    + Texts.clip(s) + "'", e);
        }
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(spec + " line " + no + ": field 'count' must be finite and >= 0, got '"
                    + Texts.clip(s) + "'");
        }
        return v;
    }

    /** Makes invisible characters of a header visible (U+FEFF, control characters) in a message. */
    static String visible(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 4 * Texts.MAX; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == '\uFEFF' || c == '\u200B' || (c >= 0x7F && c < 0xA0)) {
                b.append(String.format("\\u%04X", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
