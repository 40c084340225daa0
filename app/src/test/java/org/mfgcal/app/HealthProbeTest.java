package org.mfgcal.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.mfgcal.publisher.HttpEndpoint;
import org.mfgcal.publisher.metrics.Health;
import org.mfgcal.publisher.metrics.MetricsServer;
import org.mfgcal.publisher.metrics.ServiceMetrics;

/** The container health probe against a real metrics server: 0 when /readyz is 200, 1 when 503 or nothing answers. */
class HealthProbeTest {

    @Test
    void probe_followsReadinessAndFailsWithoutAServer() {
        AtomicBoolean committing = new AtomicBoolean(false);
        Health h = new Health() {
            @Override
            public boolean live() {
                return true;
            }

            @Override
            public Map<String, Boolean> readiness() {
                Map<String, Boolean> m = new LinkedHashMap<>();
                m.put("assigned", true);
                m.put("committing", committing.get());
                return m;
            }
        };
        int port;
        try (MetricsServer s = MetricsServer.start(ServiceMetrics.newPrometheusRegistry(), HttpEndpoint.loopback(0), h)) {
            port = s.port();
            String url = "http://127.0.0.1:" + port + "/readyz";
            assertEquals(1, HealthProbe.probe(url), "not ready");
            committing.set(true);
            assertEquals(0, HealthProbe.probe(url), "ready");
            assertEquals(0, HealthProbe.probe("http://127.0.0.1:" + port + "/healthz"), "live");
        }
        assertEquals(1, HealthProbe.probe("http://127.0.0.1:" + port + "/readyz"), "server stopped");
    }
}
