package org.mfgcal.publisher.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.mfgcal.publisher.Tools;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.ComposeContainer;
import org.testcontainers.containers.wait.strategy.Wait;

/**
 * Issue 6, must show 2 (second half): the whole {@code docker-compose.yml} stack comes up where a Docker engine
 * exists (skipped without one; this project's machines have none): the service's metrics and web page answer,
 * Prometheus scrapes the service, Grafana is healthy and has the provisioned dashboard.
 */
class ComposeStackTest {

    @Test
    void composeStack_up_servesMetricsPageDashboardAndScrapes() throws Exception {
        Assumptions.assumeTrue(DockerClientFactory.instance().isDockerAvailable(),
                "no Docker engine: skipping the docker-compose stack test");
        try (ComposeContainer stack = new ComposeContainer(Tools.repoRoot().resolve("docker-compose.yml").toFile())
                .withBuild(true)
                .withExposedService("mfgcal-1", 9464, Wait.forHttp("/metrics").withStartupTimeout(Duration.ofMinutes(10)))
                .withExposedService("mfgcal-1", 8080, Wait.forHttp("/"))
                .withExposedService("prometheus-1", 9090, Wait.forHttp("/-/ready"))
                .withExposedService("grafana-1", 3000, Wait.forHttp("/api/health"))) {
            stack.start();
            HttpClient http = HttpClient.newHttpClient();
            String metrics = get(http, stack, "mfgcal-1", 9464, "/metrics");
            assertTrue(metrics.contains("# TYPE") || metrics.isEmpty(), "metrics text format");
            assertTrue(get(http, stack, "mfgcal-1", 8080, "/").contains("mfgcal"), "web page");
            String up = "";
            for (int i = 0; i < 60 && !up.contains("\"value\":[") ; i++) {
                Thread.sleep(1000);
                up = get(http, stack, "prometheus-1", 9090, "/api/v1/query?query=up%7Bjob%3D%22mfgcal%22%7D%3D%3D1");
            }
            assertTrue(up.contains("\"value\":["), "Prometheus does not scrape mfgcal: " + up);
            assertTrue(get(http, stack, "grafana-1", 3000, "/api/search?query=mfgcal").contains("mfgcal-overview"),
                    "provisioned dashboard");
        }
    }

    private static String get(HttpClient http, ComposeContainer stack, String service, int port, String path)
            throws Exception {
        URI uri = URI.create("http://" + stack.getServiceHost(service, port) + ":" + stack.getServicePort(service, port) + path);
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), uri + " -> " + r.body());
        return r.body();
    }
}
