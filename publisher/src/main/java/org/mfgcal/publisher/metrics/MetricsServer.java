package org.mfgcal.publisher.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.mfgcal.publisher.HttpEndpoint;

/**
 * Serves the Prometheus text format of a registry at {@code GET /metrics} (and a short pointer at {@code /}),
 * liveness at {@code GET /healthz} (200 {@code live}, else 503) and readiness at {@code GET /readyz} (200 when every
 * check of the {@link Health} passes, else 503; the body is one line of JSON naming each check, e.g.
 * {@code {"ready":false,"checks":{"assigned":true,"restored":true,"committing":false}}}).
 *
 * <p>Contract: {@link #start} binds {@link HttpEndpoint} (default {@link #DEFAULT_ENDPOINT},
 * 127.0.0.1:9464) or throws {@link UncheckedIOException} naming the address; {@link #close} stops it and is
 * idempotent. Requests are served on one daemon thread. Thread-safe.
 */
public final class MetricsServer implements AutoCloseable {

    /** Default endpoint: loopback, the port Prometheus exporters conventionally use for Java services. */
    public static final HttpEndpoint DEFAULT_ENDPOINT = HttpEndpoint.loopback(9464);

    /** Content type of the Prometheus text exposition format 0.0.4. */
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final HttpServer server;
    private final ExecutorService executor;

    private MetricsServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /** Starts serving {@code registry} at {@code endpoint}, always live and ready ({@link Health#ALWAYS}). */
    public static MetricsServer start(PrometheusMeterRegistry registry, HttpEndpoint endpoint) {
        return start(registry, endpoint, Health.ALWAYS);
    }

    /** Starts serving {@code registry}, and {@code health} at {@code /healthz} and {@code /readyz}. */
    public static MetricsServer start(PrometheusMeterRegistry registry, HttpEndpoint endpoint, Health health) {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(endpoint.host(), endpoint.port()), 16);
        } catch (IOException e) {
            throw new UncheckedIOException("metrics server: cannot bind " + endpoint.host() + ":" + endpoint.port()
                    + ": " + e.getMessage(), e);
        }
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "mfgcal-metrics-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/metrics", ex -> respond(ex, 200, CONTENT_TYPE, registry.scrape()));
        server.createContext("/healthz", ex -> {
            boolean live = health.live();
            respond(ex, live ? 200 : 503, "text/plain; charset=utf-8", live ? "live\n" : "not live\n");
        });
        server.createContext("/readyz", ex -> {
            Map<String, Boolean> checks = health.readiness();
            boolean ready = checks.values().stream().allMatch(Boolean::booleanValue);
            StringBuilder sb = new StringBuilder("{\"ready\":").append(ready).append(",\"checks\":{");
            String sep = "";
            for (Map.Entry<String, Boolean> e : checks.entrySet()) {
                sb.append(sep).append('"').append(e.getKey()).append("\":").append(e.getValue());
                sep = ",";
            }
            respond(ex, ready ? 200 : 503, "application/json", sb.append("}}\n").toString());
        });
        server.createContext("/", ex -> {
            if ("/".equals(ex.getRequestURI().getPath())) {
                respond(ex, 200, "text/plain; charset=utf-8", "mfgcal metrics: GET /metrics, /healthz, /readyz\n");
            } else {
                respond(ex, 404, "text/plain; charset=utf-8", "not found\n");
            }
        });
        server.start();
        return new MetricsServer(server, executor);
    }

    /** The bound port (useful when started on port 0). */
    public int port() {
        return server.getAddress().getPort();
    }

    /** URL of the metrics page. */
    public String url() {
        return "http://" + server.getAddress().getHostString() + ":" + port() + "/metrics";
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    static void respond(HttpExchange ex, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", contentType);
        if ("HEAD".equals(ex.getRequestMethod())) {
            ex.sendResponseHeaders(status, -1);
            ex.close();
            return;
        }
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }
}
