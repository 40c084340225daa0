package org.mfgcal.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Where a published output comes from: enough to reproduce it.
 *
 * <p>Contract: immutable value; every field is set (strings non-blank) and the data window is ordered
 * ({@code windowFirstBin <= windowLastBin}). Bins are event-time bin indices as numbered by ingest.
 * Thread-safe (immutable).
 *
 * <p>The code version has one source, {@link #runningCodeVersion()}: the git commit the build was made from, written
 * by the api module's build into {@value #CODE_VERSION_RESOURCE}. The online outputs carry it here; the offline
 * commands' JSON results carry it in {@link #ofRun}.
 *
 * @param modelVersion   name and version of the game model, e.g. {@code "jump-rates/1"}
 * @param configHash     hash of the effective configuration (hex), so two runs with equal hashes used equal config
 * @param seed           random seed of the run (config)
 * @param codeVersion    version of the mfgcal code that computed the output, {@link #runningCodeVersion()}
 * @param windowFirstBin first bin of the data window the output was fitted on (inclusive)
 * @param windowLastBin  last bin of the data window (inclusive)
 */
public record Provenance(String modelVersion, String configHash, long seed, String codeVersion,
                         long windowFirstBin, long windowLastBin) {

    /** Class-path resource written at build time (api/pom.xml): {@code version=} and {@code commit=} lines. */
    public static final String CODE_VERSION_RESOURCE = "/org/mfgcal/api/code-version.properties";

    /** The commit written when the build ran outside a git checkout (or without git). */
    public static final String UNKNOWN_COMMIT = "unknown";

    public Provenance {
        Records.nonBlank("modelVersion", modelVersion);
        Records.nonBlank("configHash", configHash);
        Records.nonBlank("codeVersion", codeVersion);
        if (windowFirstBin > windowLastBin) {
            throw new IllegalArgumentException("provenance window: windowFirstBin " + windowFirstBin
                    + " is after windowLastBin " + windowLastBin);
        }
    }

    /**
     * The version of the running mfgcal code: {@code "mfgcal <maven version> git <commit>"}, the commit abbreviated
     * to 12 hex digits and followed by {@code "-dirty"} when tracked files had uncommitted changes at build time;
     * {@code "git unknown"} when the build ran outside a git checkout.
     *
     * @throws IllegalStateException when the build did not write {@value #CODE_VERSION_RESOURCE} (not built by Maven)
     */
    public static String runningCodeVersion() {
        return CodeVersion.VALUE;
    }

    /**
     * The provenance block of an offline command's JSON result (calibrate, equilibrium, what-if): the effective
     * configuration, the seeds, the SHA-256 of the data (null for none), {@link #runningCodeVersion()}, the creation
     * time and the Java version, in that order.
     */
    public static Map<String, Object> ofRun(Map<String, Object> config, List<Long> seeds, String dataSha256) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("config", config);
        p.put("seeds", seeds);
        p.put("data_sha256", dataSha256);
        p.put("code_version", runningCodeVersion());
        p.put("created", Instant.now().toString());
        p.put("java", System.getProperty("java.version"));
        return p;
    }

    /** Read on first use (lazy holder), so constructing records never depends on the resource. */
    private static final class CodeVersion {
        static final String VALUE = readCodeVersion();

        private CodeVersion() {
        }
    }

    private static String readCodeVersion() {
        Properties p = new Properties();
        try (InputStream in = Provenance.class.getResourceAsStream(CODE_VERSION_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("class-path resource " + CODE_VERSION_RESOURCE + " is missing: build"
                        + " the api module with Maven (it writes the git commit there)");
            }
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + CODE_VERSION_RESOURCE, e);
        }
        String version = p.getProperty("version", "").trim();
        String commit = p.getProperty("commit", "").trim();
        if (version.isEmpty() || commit.isEmpty()) {
            throw new IllegalStateException(CODE_VERSION_RESOURCE + " must set version and commit, got version='"
                    + version + "' commit='" + commit + "'");
        }
        return "mfgcal " + version + " git " + commit;
    }
}
