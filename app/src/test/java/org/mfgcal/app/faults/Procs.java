package org.mfgcal.app.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

/** Paths of the built application and small process helpers for the fault-injection tests. */
final class Procs {

    private Procs() {
    }

    /** The app module's directory (failsafe runs with it as working directory; {@code basedir} when set). */
    static Path appDir() {
        Path p = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
        return Files.isDirectory(p.resolve("target")) && Files.exists(p.resolve("pom.xml")) && p.endsWith("app")
                ? p : p.resolve("app");
    }

    /** {@code app/target/mfgcal.jar}, built by {@code package} before the integration tests run. */
    static Path jar() {
        Path j = appDir().resolve("target/mfgcal.jar");
        if (!Files.exists(j)) {
            throw new IllegalStateException(j + " is missing: run the integration tests with `./mvnw -B verify`"
                    + " (package builds it first)");
        }
        return j;
    }

    /** {@code app/target/lib/*}: the application's dependencies, Kafka's broker included. */
    static String libClasspath() {
        Path lib = appDir().resolve("target/lib");
        if (!Files.isDirectory(lib)) {
            throw new IllegalStateException(lib + " is missing: run `./mvnw -B verify`");
        }
        return lib + "/*";
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Resident set size of a live process in bytes (VmRSS of /proc/PID/status), or -1. */
    static long rssBytes(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.substring(6).trim().split("\\s+")[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
