package org.mfgcal.app;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;

/**
 * A container health check that needs nothing but the JRE: {@code java -cp mfgcal.jar org.mfgcal.app.HealthProbe
 * [URL]} exits 0 when {@code URL} (default {@value #DEFAULT_URL}, the service's readiness) answers 200 within
 * {@value #TIMEOUT_MS} ms, else 1 with one line on stderr. The runtime image has no curl, wget or bash
 * ({@code /dev/tcp}); its shell is dash. Uses {@code java.base} only, so it starts in a fraction of a second.
 */
public final class HealthProbe {

    /** Readiness of the service on its default metrics port. */
    public static final String DEFAULT_URL = "http://127.0.0.1:9464/readyz";
    static final int TIMEOUT_MS = 3000;

    private HealthProbe() {
    }

    public static void main(String[] args) {
        System.exit(probe(args.length > 0 ? args[0] : DEFAULT_URL));
    }

    /** 0 when {@code url} answers 200, else 1 (the reason on stderr). */
    static int probe(String url) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
            c.setConnectTimeout(TIMEOUT_MS);
            c.setReadTimeout(TIMEOUT_MS);
            int status = c.getResponseCode();
            InputStream body = status < 400 ? c.getInputStream() : c.getErrorStream();
            String text = body == null ? "" : new String(body.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (status == 200) {
                return 0;
            }
            System.err.println("health probe: " + url + " -> " + status + " " + text.strip());
            return 1;
        } catch (IOException | IllegalArgumentException e) {
            System.err.println("health probe: " + url + " -> " + e);
            return 1;
        }
    }
}
