package org.mfgcal.ingest;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.mfgcal.ingest.flights.FlightsData;

/**
 * The one reader of the project's line-based input files: the flights and airports CSV, the count CSV, the incidence
 * CSV of {@code calibrate} and the trip JSON lines of {@code online}. It opens a spec (a path or
 * {@code classpath:NAME}, {@code .gz} decompressed, see {@link FlightsData#open}), strips a UTF-8 byte-order mark
 * from the first line, numbers lines (1-based: the header is line 1), and splits fields: {@link #split} on every
 * comma, {@link #splitQuoted} with RFC-4180 quotes. Each caller checks its own fields and names file, line, field and
 * value in its errors ({@link #where()} gives the "file line N: " prefix).
 *
 * <p>Not thread-safe (one reader per file); the caller closes it.
 */
public final class CsvReader implements Closeable {
    private final String spec;
    private final BufferedReader in;
    private long line;

    private CsvReader(String spec, BufferedReader in) {
        this.spec = spec;
        this.in = in;
    }

    /**
     * Opens {@code spec} for reading.
     *
     * @throws IllegalArgumentException when the file or resource does not exist
     */
    public static CsvReader open(String spec) {
        return new CsvReader(spec, FlightsData.open(spec));
    }

    /** The spec this reader reads, as errors name it. */
    public String spec() {
        return spec;
    }

    /**
     * The next line (without its end), or null at the end of the file; the first line has its byte-order mark
     * removed. {@link #lineNumber()} is its number afterwards.
     */
    public String nextLine() throws IOException {
        String s = in.readLine();
        if (s == null) {
            return null;
        }
        line++;
        return line == 1 ? Texts.stripBom(s) : s;
    }

    /** Number of the line last returned by {@link #nextLine()} (1-based), 0 before the first. */
    public long lineNumber() {
        return line;
    }

    /** {@code "spec line N: "}, the prefix of an error about the line last read. */
    public String where() {
        return spec + " line " + line + ": ";
    }

    /** The fields of {@code line} split on every comma (no quoting), empty fields kept. */
    public static String[] split(String line) {
        return line.split(",", -1);
    }

    /** The fields of {@code line} with RFC-4180 quotes: a quoted field may hold commas and doubled quotes. */
    public static List<String> splitQuoted(String line) {
        List<String> out = new ArrayList<>(8);
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"') {
                    if (i + 1 < line.length() && line.charAt(i + 1) == '"') {
                        cur.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    cur.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        out.add(cur.toString());
        return out;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
