package org.mfgcal.app.faults;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code mfgcal serve --config FILE.yaml} as its own OS process ({@code java -jar app/target/mfgcal.jar}), as an
 * operator runs it, with helpers to kill it (-9 or SIGTERM), start it again on the same config, and read its
 * metrics, {@code /readyz} and resident set size. One log file per start. Not thread-safe.
 */
final class ServiceProcess implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String name;
    private final Path dir;
    private final Path config;
    private final int metricsPort;
    private final List<String> jvmOptions;
    private Process process;
    private int starts;
    private long startedAt;
    private Path log;

    /**
     * @param yaml        the service config; its {@code http.metrics.port} must be {@code metricsPort}
     * @param jvmOptions  e.g. {@code -Xmx768m}
     */
    ServiceProcess(String name, Path dir, String yaml, int metricsPort, List<String> jvmOptions) throws IOException {
        this.name = name;
        this.dir = dir;
        this.config = dir.resolve(name + ".yaml");
        this.metricsPort = metricsPort;
        this.jvmOptions = List.copyOf(jvmOptions);
        Files.writeString(config, yaml);
    }

    /** Starts the process (again); returns at once. */
    ServiceProcess start() throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " already running");
        }
        starts++;
        log = dir.resolve(name + "-" + starts + ".log");
        List<String> cmd = new ArrayList<>();
        cmd.add(Procs.java());
        cmd.add("-Xss8m");
        cmd.addAll(List.of("--add-modules", "jdk.incubator.vector")); // as bin/mfgcal
        cmd.add("-XX:+UseSerialGC");
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-jar", Procs.jar().toString(), "serve", "--config", config.toString()));
        startedAt = System.nanoTime();
        process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return this;
    }

    long startedAtNanos() {
        return startedAt;
    }

    int starts() {
        return starts;
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    /** Exit code, or null while running. */
    Integer exitCode() {
        return process == null || process.isAlive() ? null : process.exitValue();
    }

    /** kill -9, waits for the exit. */
    void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM, waits up to {@code grace} for a clean exit; returns the exit code. */
    int sigterm(Duration grace) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new IllegalStateException(name + " did not stop within " + grace + " of SIGTERM");
        }
        return process.exitValue();
    }

    Path log() {
        return log;
    }

    /** The last lines of the current log. */
    String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | RuntimeException e) {
            return "(no log: " + e + ")";
        }
    }

    /**
     * The lines of this instance's logs (all starts) that contain one of {@code texts}, at most {@code max} (for a
     * failure message: CI keeps no files).
     */
    List<String> logLines(int max, String... texts) {
        List<String> out = new java.util.ArrayList<>();
        for (int i = 1; i <= starts && out.size() < max; i++) {
            Path l = dir.resolve(name + "-" + i + ".log");
            try {
                for (String line : Files.readAllLines(l, StandardCharsets.ISO_8859_1)) {
                    for (String t : texts) {
                        if (line.contains(t) && out.size() < max) {
                            out.add(line.length() > 400 ? line.substring(0, 400) + "…" : line);
                            break;
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                out.add("(log " + l + ": " + e + ")");
            }
        }
        return out;
    }

    /** Whether any log of this instance contains {@code text}. */
    boolean logsContain(String text) throws IOException {
        for (int i = 1; i <= starts; i++) {
            Path l = dir.resolve(name + "-" + i + ".log");
            if (Files.exists(l) && Files.readString(l, StandardCharsets.ISO_8859_1).contains(text)) {
                return true;
            }
        }
        return false;
    }

    /** GET of a path on the metrics port: status and body, or null when nothing answers. */
    HttpResponse<String> get(String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + path))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** The parsed Prometheus scrape, or an empty one when the endpoint does not answer. */
    Scrape scrape() {
        HttpResponse<String> r = get("/metrics");
        return new Scrape(r == null || r.statusCode() != 200 ? "" : r.body());
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A Prometheus text scrape. */
    record Scrape(String text) {
        private static final Pattern LINE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? (\\S+)");
        private static final Pattern LABEL = Pattern.compile("([a-zA-Z_]\\w*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

        boolean empty() {
            return text.isEmpty();
        }

        /** Values of {@code name} whose labels include {@code labels}. */
        List<Double> values(String name, Map<String, String> labels) {
            List<Double> out = new ArrayList<>();
            for (String line : text.split("\n")) {
                if (line.startsWith("#") || !line.startsWith(name)) {
                    continue;
                }
                Matcher m = LINE.matcher(line);
                if (!m.matches() || !m.group(1).equals(name)) {
                    continue;
                }
                Map<String, String> got = new java.util.HashMap<>();
                if (m.group(2) != null) {
                    Matcher l = LABEL.matcher(m.group(2));
                    while (l.find()) {
                        got.put(l.group(1), l.group(2));
                    }
                }
                if (got.entrySet().containsAll(labels.entrySet())) {
                    out.add(Double.parseDouble(m.group(3)));
                }
            }
            return out;
        }

        /** Sum of the matching values (0 when none). */
        double sum(String name, Map<String, String> labels) {
            return values(name, labels).stream().mapToDouble(Double::doubleValue).sum();
        }

        /** Maximum of the matching values, or NaN when none. */
        double max(String name, Map<String, String> labels) {
            return values(name, labels).stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
        }
    }
}
