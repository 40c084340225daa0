package org.mfgcal.publisher.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.mfgcal.publisher.Tools;
import org.mfgcal.publisher.metrics.MetricsServer;
import org.mfgcal.publisher.web.WebServer;

/**
 * Issue 6, must show 2 (first half): {@code docker-compose.yml} passes {@code docker-compose config -q}
 * (Debian {@code docker-compose}), and the files it wires together agree with each other: mounted files exist,
 * Prometheus scrapes the service at the port the service's config binds, Grafana's datasource points at the
 * Prometheus service, every port is published on loopback only.
 */
class ComposeFileTest {
    static final String DOCKER_COMPOSE = "/usr/bin/docker-compose";

    private final Path repo = Tools.repoRoot();
    private final YAMLMapper yaml = new YAMLMapper();

    @Test
    void composeFile_dockerComposeConfig_isValid() throws Exception {
        Path exe = Tools.require(DOCKER_COMPOSE, "docker-compose");
        Result ok = run(exe, repo.resolve("docker-compose.yml"));
        assertEquals(0, ok.code, "docker-compose config -q failed:\n" + ok.output);

        // the check can fail: the same file with an unknown service key is rejected
        Path broken = repo.resolve("target-compose-broken.yml");
        try {
            Files.writeString(broken, Files.readString(repo.resolve("docker-compose.yml"))
                    .replace("    hostname: kafka\n", "    hostname: kafka\n    no_such_key: 1\n"));
            Result bad = run(exe, broken);
            assertNotEquals(0, bad.code, "docker-compose accepted an invalid file");
        } finally {
            Files.deleteIfExists(broken);
        }
    }

    @Test
    void composeFile_servicesAndMounts_agreeWithTheRepository() throws IOException {
        JsonNode compose = yaml.readTree(repo.resolve("docker-compose.yml").toFile());
        JsonNode services = compose.path("services");
        assertEquals(List.of("grafana", "kafka", "mfgcal", "prometheus", "replay"),
                iterable(services.fieldNames()).stream().sorted().toList());
        // the replay service feeds the service's input topic from the broker the service consumes
        JsonNode serviceConfig = yaml.readTree(repo.resolve("docker/mfgcal.yaml").toFile());
        List<String> replay = new java.util.ArrayList<>();
        services.path("replay").path("command").forEach(a -> replay.add(a.asText()));
        assertEquals("replay", replay.get(0));
        assertEquals(serviceConfig.path("topics").path("input").get(0).asText(), replay.get(replay.indexOf("--topic") + 1));
        assertEquals(serviceConfig.path("kafka").path("bootstrapServers").asText(),
                replay.get(replay.indexOf("--bootstrap") + 1));
        assertTrue(services.path("kafka").path("image").asText().startsWith("apache/kafka:"), "official Kafka image");
        assertEquals("broker,controller", services.path("kafka").path("environment").path("KAFKA_PROCESS_ROLES").asText(),
                "KRaft single node");
        assertEquals("Dockerfile", services.path("mfgcal").path("build").path("dockerfile").asText());
        assertTrue(Files.readString(repo.resolve("Dockerfile")).lines().filter(l -> l.startsWith("FROM ")).count() >= 2,
                "multi-stage Dockerfile");

        for (JsonNode service : services) {
            for (JsonNode volume : service.path("volumes")) {
                String source = volume.asText().split(":")[0];
                if (source.startsWith("./")) {
                    assertTrue(Files.exists(repo.resolve(source.substring(2))), "mounted path missing: " + source);
                }
            }
            for (JsonNode port : service.path("ports")) {
                assertTrue(port.asText().startsWith("127.0.0.1:"), "port not on loopback: " + port.asText());
            }
        }

        // Prometheus scrapes mfgcal at the metrics port of the service's config
        JsonNode config = yaml.readTree(repo.resolve("docker/mfgcal.yaml").toFile());
        int metricsPort = config.path("http").path("metrics").path("port").asInt();
        assertEquals(MetricsServer.DEFAULT_ENDPOINT.port(), metricsPort, "metrics port in docker/mfgcal.yaml");
        assertEquals(WebServer.DEFAULT_ENDPOINT.port(), config.path("http").path("web").path("port").asInt());
        JsonNode prom = yaml.readTree(repo.resolve("prometheus/prometheus.yml").toFile());
        String target = prom.path("scrape_configs").get(0).path("static_configs").get(0).path("targets").get(0).asText();
        assertEquals("mfgcal:" + metricsPort, target, "Prometheus scrape target");
        assertTrue(services.path("mfgcal").path("ports").toString().contains(":" + metricsPort + "\""));

        // Grafana reads the datasource that the dashboards and rules name
        JsonNode ds = yaml.readTree(repo.resolve("grafana/provisioning/datasources/prometheus.yml").toFile())
                .path("datasources").get(0);
        assertEquals("http://prometheus:9090", ds.path("url").asText());
        String uid = ds.path("uid").asText();
        String dashboard = Files.readString(repo.resolve("grafana/dashboards/mfgcal-overview.json"), StandardCharsets.UTF_8);
        assertTrue(dashboard.contains("\"uid\": \"" + uid + "\""), "dashboard datasource uid " + uid);
        String rules = Files.readString(repo.resolve("grafana/provisioning/alerting/mfgcal-rules.yml"));
        assertTrue(rules.contains("datasourceUid: " + uid), "alert rules datasource uid " + uid);
    }

    private record Result(int code, String output) {
    }

    private Result run(Path exe, Path file) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(exe.toString(), "-f", file.toString(), "config", "-q")
                .directory(repo.toFile()).redirectErrorStream(true).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("docker-compose config did not finish within 60 s");
        }
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    private static <T> List<T> iterable(java.util.Iterator<T> it) {
        List<T> out = new java.util.ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
