package org.mfgcal.app;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.mfgcal.calibrator.calibrate.Dataset;
import org.mfgcal.calibrator.calibrate.Sample;

/** Provenance of a result: config, seed(s), data hash, code version, time. */
final class Provenance {
    private Provenance() {
    }

    static Map<String, Object> of(Map<String, Object> config, List<Long> seeds, String dataHash) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("config", config);
        p.put("seeds", seeds);
        p.put("data_sha256", dataHash);
        p.put("code_version", codeVersion());
        p.put("created", Instant.now().toString());
        p.put("java", System.getProperty("java.version"));
        return p;
    }

    /** Implementation version from the jar, plus the git commit (and "-dirty") when run inside a work tree. */
    static String codeVersion() {
        String v = Main.class.getPackage().getImplementationVersion();
        String base = "mfgcal " + (v == null ? "dev" : v);
        try {
            String head = run("git", "rev-parse", "--short=12", "HEAD");
            if (head == null || head.isBlank()) {
                return base;
            }
            String dirty = run("git", "status", "--porcelain", "--untracked-files=no");
            return base + " git " + head.trim() + (dirty != null && !dirty.isBlank() ? "-dirty" : "");
        } catch (IOException | InterruptedException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return base;
        }
    }

    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out;
        try (InputStream in = p.getInputStream()) {
            out = in.readAllBytes();
        }
        if (!p.waitFor(5, TimeUnit.SECONDS) || p.exitValue() != 0) {
            return null;
        }
        return new String(out, java.nio.charset.StandardCharsets.UTF_8);
    }

    static String sha256(Path... files) throws IOException {
        MessageDigest md = digest();
        for (Path f : files) {
            md.update(Files.readAllBytes(f));
        }
        return hex(md.digest());
    }

    static String sha256(byte[]... contents) {
        MessageDigest md = digest();
        for (byte[] c : contents) {
            md.update(c);
        }
        return hex(md.digest());
    }

    /** Hash of a data set's numbers (synthetic data): every split's observations and time features. */
    static String sha256(Dataset ds) {
        MessageDigest md = digest();
        for (List<Sample> split : List.of(ds.train(), ds.validation(), ds.test(), ds.testOod())) {
            for (Sample s : split) {
                ByteBuffer b = ByteBuffer.allocate(8 * (s.obs().length + s.time().length));
                for (double v : s.obs()) {
                    b.putDouble(v);
                }
                for (double v : s.time()) {
                    b.putDouble(v);
                }
                md.update(b.array());
            }
        }
        return hex(md.digest());
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hex(byte[] h) {
        StringBuilder sb = new StringBuilder();
        for (byte x : h) {
            sb.append(String.format("%02x", x));
        }
        return sb.toString();
    }
}
