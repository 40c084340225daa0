package org.mfgcal.ingest.flights;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Opens the flights data shipped with the project. The files live once in the repository under
 * {@code data/flights/} (see its PROVENANCE.md) and the ingest module's build copies that directory onto the
 * class path as {@code data/flights/...}, so tests, the shaded application jar and the demo read them from
 * the class path wherever they run.
 *
 * <p>A "spec" is a file path, or {@code classpath:NAME}. Names ending in {@code .gz} are decompressed.
 * Contract: stateless, thread-safe.
 */
public final class FlightsData {

    /** The full Jan–Mar 2001 flights file (gzipped). */
    public static final String FULL = "classpath:data/flights/flights-3m.csv.gz";
    /** One week, 2001-01-01..2001-01-07 (local departure dates): the demo/replay sample. */
    public static final String WEEK = "classpath:data/flights/flights-week1.csv";
    /** The airports the flights use (subset of airports.csv). */
    public static final String AIRPORTS = "classpath:data/flights/airports.csv";
    /** The default region config: top-10 airports + External, hourly bins. */
    public static final String REGION = "classpath:data/flights/region-flights.yaml";

    private FlightsData() {
    }

    /** Opens a spec for reading text (UTF-8); the caller closes the reader. */
    public static BufferedReader open(String spec) {
        try {
            InputStream in;
            if (spec.startsWith("classpath:")) {
                String name = spec.substring("classpath:".length());
                in = FlightsData.class.getClassLoader().getResourceAsStream(name);
                if (in == null) {
                    throw new IllegalArgumentException("resource '" + name + "' not found on the class path");
                }
            } else {
                Path p = Path.of(spec);
                if (!Files.isRegularFile(p)) {
                    throw new IllegalArgumentException("file '" + spec + "' does not exist or is not a regular file");
                }
                in = Files.newInputStream(p);
            }
            if (spec.endsWith(".gz")) {
                in = new GZIPInputStream(in, 1 << 16);
            }
            return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + spec + ": " + e.getMessage(), e);
        }
    }
}
