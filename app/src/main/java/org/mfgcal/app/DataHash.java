package org.mfgcal.app;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import org.mfgcal.calibrator.calibrate.Dataset;
import org.mfgcal.calibrator.calibrate.Sample;

/**
 * SHA-256 of an offline command's input data, for the {@code data_sha256} of its provenance
 * ({@link org.mfgcal.api.Provenance#ofRun}). Stateless.
 */
final class DataHash {
    private DataHash() {
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
