package org.mfgcal.api;

/**
 * Where a published output comes from: enough to reproduce it.
 *
 * <p>Contract: immutable value; every field is set (strings non-blank) and the data window is ordered
 * ({@code windowFirstBin <= windowLastBin}). Bins are event-time bin indices as numbered by ingest.
 * Thread-safe (immutable).
 *
 * @param modelVersion   name and version of the game model, e.g. {@code "jump-rates/1"}
 * @param configHash     hash of the effective configuration (hex), so two runs with equal hashes used equal config
 * @param seed           random seed of the run (config)
 * @param codeVersion    version of the mfgcal code that computed the output
 * @param windowFirstBin first bin of the data window the output was fitted on (inclusive)
 * @param windowLastBin  last bin of the data window (inclusive)
 */
public record Provenance(String modelVersion, String configHash, long seed, String codeVersion,
                         long windowFirstBin, long windowLastBin) {

    public Provenance {
        Records.nonBlank("modelVersion", modelVersion);
        Records.nonBlank("configHash", configHash);
        Records.nonBlank("codeVersion", codeVersion);
        if (windowFirstBin > windowLastBin) {
            throw new IllegalArgumentException("provenance window: windowFirstBin " + windowFirstBin
                    + " is after windowLastBin " + windowLastBin);
        }
    }
}
