package org.mfgcal.publisher.web;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.mfgcal.publisher.HttpEndpoint;

/**
 * The service's web page: static HTML/JS/CSS bundled in the jar (no external resources: charts are SVG drawn by
 * {@code app.js}) and {@code GET /api/state}, the {@link DashboardState} as JSON, which the page polls every two
 * seconds ({@code /api/state?since=V} answers 304 while the version is still V; {@code &region=R} limits the
 * details to region R, the overview rows always cover every region).
 *
 * <p>Contract: {@link #start} binds the endpoint (default {@link #DEFAULT_ENDPOINT}, 127.0.0.1:8080) or throws
 * {@link UncheckedIOException} naming the address; only GET and HEAD are served; {@link #close} is idempotent.
 * Requests are served on two daemon threads. Thread-safe.
 */
public final class WebServer implements AutoCloseable {

    /** Default endpoint: loopback port 8080. */
    public static final HttpEndpoint DEFAULT_ENDPOINT = HttpEndpoint.loopback(8080);

    private static final Pattern ASSET = Pattern.compile("/([a-z0-9-]+\\.(html|js|css|svg))");
    private static final Pattern SINCE = Pattern.compile("(?:^|&)since=(\\d+)(?:&|$)");
    private static final Pattern REGION = Pattern.compile("(?:^|&)region=([^&]*)");
    private static final Map<String, String> TYPES = Map.of("html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8", "css", "text/css; charset=utf-8", "svg", "image/svg+xml");

    private final HttpServer server;
    private final ExecutorService executor;

    private WebServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /** Starts serving the page for {@code state} at {@code endpoint}. */
    public static WebServer start(DashboardState state, HttpEndpoint endpoint) {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(endpoint.host(), endpoint.port()), 32);
        } catch (IOException e) {
            throw new UncheckedIOException("web server: cannot bind " + endpoint.host() + ":" + endpoint.port()
                    + ": " + e.getMessage(), e);
        }
        ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "mfgcal-web-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/api/state", ex -> {
            if (!readOnly(ex)) {
                return;
            }
            String query = ex.getRequestURI().getRawQuery();
            Matcher since = SINCE.matcher(query == null ? "" : query);
            ex.getResponseHeaders().set("Cache-Control", "no-store");
            if (since.find() && Long.parseLong(since.group(1)) == state.version()) {
                ex.sendResponseHeaders(304, -1);
                ex.close();
                return;
            }
            Matcher region = REGION.matcher(query == null ? "" : query);
            String json = region.find()
                    ? state.toJson(java.net.URLDecoder.decode(region.group(1), StandardCharsets.UTF_8))
                    : state.toJson();
            send(ex, 200, "application/json", json.getBytes(StandardCharsets.UTF_8));
        });
        server.createContext("/", ex -> {
            if (!readOnly(ex)) {
                return;
            }
            String path = ex.getRequestURI().getPath();
            Matcher m = ASSET.matcher("/".equals(path) ? "/index.html" : path);
            byte[] body = m.matches() ? resource(m.group(1)) : null;
            if (body == null) {
                send(ex, 404, "text/plain; charset=utf-8", ("not found: " + path + "\n").getBytes(StandardCharsets.UTF_8));
            } else {
                send(ex, 200, TYPES.get(m.group(2)), body);
            }
        });
        server.start();
        return new WebServer(server, executor);
    }

    /** The bound port (useful when started on port 0). */
    public int port() {
        return server.getAddress().getPort();
    }

    /** URL of the page. */
    public String url() {
        return "http://" + server.getAddress().getHostString() + ":" + port() + "/";
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = WebServer.class.getResourceAsStream("/web/" + name)) {
            return in == null ? null : in.readAllBytes();
        }
    }

    private static boolean readOnly(HttpExchange ex) throws IOException {
        String method = ex.getRequestMethod();
        if ("GET".equals(method) || "HEAD".equals(method)) {
            return true;
        }
        ex.getResponseHeaders().set("Allow", "GET, HEAD");
        send(ex, 405, "text/plain; charset=utf-8", "method not allowed\n".getBytes(StandardCharsets.UTF_8));
        return false;
    }

    private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        if ("HEAD".equals(ex.getRequestMethod())) {
            ex.sendResponseHeaders(status, -1);
            ex.close();
            return;
        }
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }
}
