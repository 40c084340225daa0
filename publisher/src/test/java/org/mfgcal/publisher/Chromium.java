package org.mfgcal.publisher;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Headless Debian Chromium for page tests: dump the DOM after scripts ran, or take a screenshot; the page's console
 * output of the last run (uncaught errors, failed resource loads, any console call) is kept for
 * {@link #consoleMessages()}.
 */
public final class Chromium {
    /** Where Debian's {@code chromium} package installs the browser. */
    public static final String PATH = "/usr/bin/chromium";
    /** Virtual time given to the page's scripts before the DOM is dumped or the screenshot taken, ms. */
    static final int VIRTUAL_TIME_BUDGET_MS = 8000;
    private static final long TIMEOUT_S = 90;

    private final Path exe;
    private final Path work;
    private volatile List<String> console = List.of();

    /** Uses the installed browser (skip/fail via {@link Tools#require}); profile and logs under {@code work}. */
    public Chromium(Path work) {
        this.exe = Tools.require(PATH, "chromium");
        this.work = work;
    }

    /** The DOM of {@code url} after its scripts ran. */
    public String dumpDom(String url) throws IOException, InterruptedException {
        return run(List.of("--dump-dom", url), "dump");
    }

    /** Saves a PNG of {@code url} at {@code width x height} into {@code png}. */
    public void screenshot(String url, Path png, int width, int height) throws IOException, InterruptedException {
        Files.createDirectories(png.toAbsolutePath().getParent());
        run(List.of("--screenshot=" + png.toAbsolutePath(), "--window-size=" + width + "," + height,
                "--hide-scrollbars", url), "shot");
    }

    /**
     * Opens {@code url} in real time (no virtual time: {@code performance.now()} measures) and returns the value of
     * the JavaScript {@code expression} (which may be a promise), evaluated through the DevTools protocol.
     */
    public String evaluate(String url, String expression) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory(work, "chromium-profile-");
        int port = Tools.freePort();
        Path err = work.resolve("chromium-eval.err");
        List<String> cmd = List.of(exe.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check", "--user-data-dir=" + profile,
                "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=" + port,
                "--remote-allow-origins=*", "--window-size=1400,1200", url);
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(err.toFile())
                .start();
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        try {
            String ws = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
            while (ws == null) {
                if (System.nanoTime() > deadline || !p.isAlive()) {
                    throw new IllegalStateException("chromium DevTools not reachable: " + Files.readString(err));
                }
                try {
                    String list = http.send(java.net.http.HttpRequest.newBuilder(
                                    java.net.URI.create("http://127.0.0.1:" + port + "/json/list")).build(),
                            java.net.http.HttpResponse.BodyHandlers.ofString()).body();
                    for (com.fasterxml.jackson.databind.JsonNode t : json.readTree(list)) {
                        if ("page".equals(t.path("type").asText())) {
                            ws = t.path("webSocketDebuggerUrl").asText();
                        }
                    }
                } catch (IOException notYet) {
                    // not listening yet
                }
                if (ws == null) {
                    Thread.sleep(100);
                }
            }
            java.util.concurrent.BlockingQueue<String> replies = new java.util.concurrent.LinkedBlockingQueue<>();
            StringBuilder buf = new StringBuilder();
            java.net.http.WebSocket socket = http.newWebSocketBuilder().buildAsync(java.net.URI.create(ws),
                    new java.net.http.WebSocket.Listener() {
                        @Override
                        public java.util.concurrent.CompletionStage<?> onText(java.net.http.WebSocket w,
                                                                               CharSequence data, boolean last) {
                            buf.append(data);
                            if (last) {
                                replies.add(buf.toString());
                                buf.setLength(0);
                            }
                            w.request(1);
                            return null;
                        }
                    }).join();
            try {
                // the first evaluations may hit the blank page being replaced by the URL: retry on a new context
                for (int id = 1; ; id++) {
                    String request = json.writeValueAsString(java.util.Map.of("id", id, "method", "Runtime.evaluate",
                            "params", java.util.Map.of("expression", expression, "awaitPromise", true,
                                    "returnByValue", true)));
                    socket.sendText(request, true).join();
                    com.fasterxml.jackson.databind.JsonNode reply = null;
                    while (reply == null) {
                        String msg = replies.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                        if (msg == null) {
                            throw new IllegalStateException("no DevTools answer from " + url + " within " + TIMEOUT_S + " s");
                        }
                        com.fasterxml.jackson.databind.JsonNode m = json.readTree(msg);
                        if (m.path("id").asInt() == id) {
                            reply = m;
                        }
                    }
                    if (reply.path("error").path("message").asText().contains("context was destroyed")
                            && System.nanoTime() < deadline) {
                        Thread.sleep(100);
                        continue;
                    }
                    if (reply.has("error") || reply.path("result").has("exceptionDetails")) {
                        throw new IllegalStateException("evaluation failed: " + reply);
                    }
                    return reply.path("result").path("result").path("value").asText();
                }
            } finally {
                socket.abort();
            }
        } finally {
            p.destroy();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    private String run(List<String> args, String tag) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory(work, "chromium-profile-");
        List<String> cmd = new ArrayList<>(List.of(exe.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
                "--user-data-dir=" + profile, "--virtual-time-budget=" + VIRTUAL_TIME_BUDGET_MS,
                "--enable-logging=stderr", "--v=0"));
        cmd.addAll(args);
        Path out = work.resolve("chromium-" + tag + ".out");
        Path err = work.resolve("chromium-" + tag + ".err");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(TIMEOUT_S, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("chromium did not finish within " + TIMEOUT_S + " s: " + cmd);
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException("chromium exited " + p.exitValue() + ": "
                    + Files.readString(err, StandardCharsets.UTF_8));
        }
        console = Files.readAllLines(err, StandardCharsets.UTF_8).stream().filter(l -> l.contains(":CONSOLE")).toList();
        return Files.readString(out, StandardCharsets.UTF_8);
    }

    /**
     * The console lines of the page in the last run (Chromium logs every level as {@code INFO:CONSOLE}: uncaught
     * errors, failed loads, console calls); the mfgcal page logs nothing, so any line is a problem.
     */
    public List<String> consoleMessages() {
        return console;
    }
}
