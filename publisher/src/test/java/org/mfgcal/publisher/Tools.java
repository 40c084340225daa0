package org.mfgcal.publisher;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Debian tools used by tests. A missing tool skips the test with a message naming the package, except when the
 * environment has {@code MFGCAL_REQUIRE_TOOLS=1} (CI, after installing them), where it fails the test.
 */
public final class Tools {
    /** Environment variable that turns a missing tool into a failure. */
    public static final String REQUIRE_ENV = "MFGCAL_REQUIRE_TOOLS";

    private Tools() {
    }

    /** The executable {@code path} from Debian package {@code pkg}, or skip/fail. */
    public static Path require(String path, String pkg) {
        Path p = Path.of(path);
        if (!Files.isExecutable(p)) {
            String msg = path + " not found: install the Debian package '" + pkg + "' (apt-get install " + pkg + ")";
            if ("1".equals(System.getenv(REQUIRE_ENV))) {
                Assertions.fail(msg + "; " + REQUIRE_ENV + "=1 requires it");
            }
            Assumptions.abort(msg + "; skipping (set " + REQUIRE_ENV + "=1 to fail instead)");
        }
        return p;
    }

    /** A free loopback TCP port. */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** The repository root (the parent of the module directory the tests run in). */
    public static Path repoRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("mvnw"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("repository root (with mvnw) not found above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }
}
