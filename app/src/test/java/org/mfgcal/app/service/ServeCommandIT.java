package org.mfgcal.app.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mfgcal.app.Main;
import org.mfgcal.ingest.IngestEvent;
import org.mfgcal.ingest.flights.FlightsData;
import org.mfgcal.ingest.replay.Replay;
import org.mfgcal.ingest.replay.ReplayFormat;
import org.mfgcal.kafka.EmbeddedKafka;

/**
 * {@code mfgcal serve --config FILE.yaml} against the embedded broker, as a separate JVM: topics, regions, model
 * and client properties come from the file; it creates the topics, publishes parameters and forecasts on the
 * configured topics (read back with read_committed), dead-letters a bad record, serves metrics and the page on
 * loopback, and stops gracefully on SIGTERM. A bad config exits with code 2 and names the field and value.
 */
class ServeCommandIT {

    static final int WINDOW = 12;
    static final int FORECASTS = 5;
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void serve_configFile_publishesOnConfiguredTopics_stopsOnSigterm() throws Exception {
        Path regions = tmp.resolve("regions.yaml");
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("data/flights/region-flights.yaml")) {
            Files.copy(in, regions);
        }
        List<IngestEvent> events = Replay.read(FlightsData.WEEK, ReplayFormat.FLIGHTS, "flights", null);
        long twoDays = events.get(0).eventTimeMillis() + Duration.ofDays(2).toMillis();
        List<IngestEvent> input = events.stream().filter(e -> e.eventTimeMillis() < twoDays).toList();
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            Path config = tmp.resolve("serve.yaml");
            Files.writeString(config, """
                    kafka:
                      bootstrapServers: %s
                      groupId: it-serve
                      transactionalId: it-serve-0
                      properties:
                        client.dns.lookup: use_all_dns_ips
                        request.timeout.ms: 20000
                    topics:
                      input: [it.trips]
                      deadLetters: it.dlq
                      parameters: it.parameters
                      forecasts: it.forecasts
                      alerts: it.alerts
                      state: it.state
                      partitions: 2
                    regions: regions.yaml
                    model: {windowBins: %d, seed: 7}
                    calibrationThreads: 1
                    http:
                      metrics: {port: 0}
                      web: {port: 0}
                    """.formatted(kafka.bootstrapServers(), WINDOW));
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process p = new ProcessBuilder(java, "-Xss8m", "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"),
                    "org.mfgcal.app.Main", "serve", "--config", config.toString())
                    .redirectErrorStream(true).start();
            List<String> output = Collections.synchronizedList(new ArrayList<>());
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        output.add(line);
                    }
                } catch (java.io.IOException ignored) {
                    // process ended
                }
            });
            reader.start();
            try {
                String started = awaitLine(output, "mfgcal serve: consuming", Duration.ofSeconds(90), p);
                Matcher urls = Pattern.compile("web page (http://127\\.0\\.0\\.1:\\d+/) ; metrics (http://127\\.0\\.0\\.1:\\d+/metrics)")
                        .matcher(started);
                assertTrue(urls.find(), "URLs on 127.0.0.1 in: " + started);

                Brokers.publish(kafka.bootstrapServers(), "it.trips", input, List.of(new ProducerRecord<>("it.trips",
                        "flights".getBytes(StandardCharsets.UTF_8), "{not json".getBytes(StandardCharsets.UTF_8))));
                List<ConsumerRecord<String, byte[]>> forecasts = Brokers.awaitCommitted(kafka.bootstrapServers(),
                        "it.forecasts", Duration.ofSeconds(120), rs -> rs.size() >= FORECASTS);
                assertTrue(forecasts.size() >= FORECASTS, "forecasts on it.forecasts: " + forecasts.size()
                        + "\n" + String.join("\n", output));
                List<ConsumerRecord<String, byte[]>> params = Brokers.readCommitted(kafka.bootstrapServers(), "it.parameters");
                assertTrue(params.size() >= FORECASTS, "parameter updates: " + params.size());
                JsonNode prov = JSON.readTree(params.get(0).value()).get("provenance");
                assertEquals(WINDOW - 1, prov.get("windowLastBin").asLong() - prov.get("windowFirstBin").asLong(),
                        "window from model.windowBins");
                assertEquals(7, prov.get("seed").asLong(), "seed from model.seed");
                assertTrue(Brokers.readCommitted(kafka.bootstrapServers(), "it.state").size() >= WINDOW + FORECASTS - 1);
                assertEquals(1, Brokers.readCommitted(kafka.bootstrapServers(), "it.dlq").size(), "dead letters");

                try (Admin admin = kafka.admin()) {
                    assertEquals(2, admin.describeTopics(List.of("it.parameters")).allTopicNames().get()
                            .get("it.parameters").partitions().size(), "topics.partitions");
                    ConfigResource state = new ConfigResource(ConfigResource.Type.TOPIC, "it.state");
                    Config sc = admin.describeConfigs(List.of(state)).all().get().get(state);
                    assertEquals("compact", sc.get("cleanup.policy").value(), "state topic compacted");
                }
                HttpClient http = HttpClient.newHttpClient();
                String metrics = awaitBody(http, urls.group(2), "mfgcal_dead_letter_records_total", Duration.ofSeconds(10));
                assertTrue(metrics.contains("reason=\"malformed-json\""), "dead letter reason in metrics");
                assertTrue(metrics.contains("mfgcal_update_latency_seconds_bucket"), "latency histogram");
                assertTrue(metrics.contains("mfgcal_input_records_total"), "input records");
                // operations (issue 12): last committed bin, JVM/process/Kafka client meters, lag of assigned
                // partitions only (it.trips has 2 partitions, both assigned to the only instance), health endpoints
                metrics = awaitBody(http, urls.group(2), "kafka_consumer_fetch_manager", Duration.ofSeconds(15));
                Matcher lastBin = Pattern.compile("mfgcal_last_committed_bin_timestamp_seconds\\{region=\"flights\"} (\\S+)")
                        .matcher(metrics);
                assertTrue(lastBin.find(), "last committed bin gauge");
                long lastForecastBin = JSON.readTree(forecasts.get(forecasts.size() - 1).value()).get("issuedAtBin").asLong();
                assertTrue(Double.parseDouble(lastBin.group(1)) >= (lastForecastBin + 1) * 3600,
                        "last committed bin end " + lastBin.group(1) + " before the last forecast's bin " + lastForecastBin);
                for (String meter : List.of("jvm_memory_used_bytes", "jvm_gc_", "process_cpu_usage", "system_cpu_count",
                        "process_resident_memory_bytes", "jvm_threads_live_threads", "kafka_producer_",
                        "mfgcal_consumer_paused_partitions")) {
                    assertTrue(metrics.contains(meter), meter + " not exposed");
                }
                metrics = awaitBody(http, urls.group(2), "mfgcal_consumer_lag_records", Duration.ofSeconds(15));
                Matcher lag = Pattern.compile("mfgcal_consumer_lag_records\\{partition=\"(\\d+)\",topic=\"([^\"]+)\"}")
                        .matcher(metrics);
                Set<String> lagged = new TreeSet<>();
                while (lag.find()) {
                    lagged.add(lag.group(2) + "-" + lag.group(1));
                }
                assertEquals(Set.of("it.trips-0", "it.trips-1"), lagged, "lag of the assigned input partitions");
                String base = urls.group(2).replace("/metrics", "");
                HttpResponse<String> live = http.send(HttpRequest.newBuilder(URI.create(base + "/healthz")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, live.statusCode(), live.body());
                HttpResponse<String> ready = http.send(HttpRequest.newBuilder(URI.create(base + "/readyz")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, ready.statusCode(), ready.body());
                assertEquals("{\"ready\":true,\"checks\":{\"assigned\":true,\"restored\":true,\"committing\":true}}",
                        ready.body().strip());
                String api = http.send(HttpRequest.newBuilder(URI.create(urls.group(1) + "api/state")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                assertTrue(api.contains("\"flights\""), "web state has the region");

                // SIGTERM; Process.destroy() would also close our end of the child's stdout and lose its last lines
                assertTrue(p.toHandle().destroy(), "SIGTERM not sent");
                assertTrue(p.waitFor(60, TimeUnit.SECONDS), "serve did not stop within 60 s of SIGTERM");
                reader.join(5000);
                String all = String.join("\n", output);
                assertEquals(143, p.exitValue(), "exit after SIGTERM (128 + 15)\n" + all);
                assertTrue(all.contains("Service - stopped"), "graceful stop not logged:\n" + all);
            } finally {
                p.destroyForcibly();
            }
        }
    }

    @Test
    void serve_badConfig_exitCode2NamesFieldAndValue() throws Exception {
        Path config = tmp.resolve("bad.yaml");
        Files.writeString(config, "kafka: {bootstrapServers: '127.0.0.1:9092'}\nhttp: {web: {port: 99999}}\n");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        var cl = Main.commandLine();
        cl.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        int rc = cl.execute("serve", "--config", config.toString());
        String msg = err.toString(StandardCharsets.UTF_8);
        assertEquals(2, rc, msg);
        assertTrue(msg.contains("http.web.port") && msg.contains("99999") && msg.contains(config.toString()), msg);
    }

    private static String awaitLine(List<String> output, String prefix, Duration timeout, Process p)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            synchronized (output) {
                for (String l : output) {
                    if (l.startsWith(prefix)) {
                        return l;
                    }
                }
            }
            if (!p.isAlive()) {
                break;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no line '" + prefix + "' from serve (alive " + p.isAlive() + "):\n"
                + String.join("\n", output));
    }

    private static String awaitBody(HttpClient http, String url, String needle, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String body = "";
        while (System.nanoTime() < deadline) {
            body = http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body();
            if (body.contains(needle)) {
                return body;
            }
            Thread.sleep(300);
        }
        throw new AssertionError(needle + " not in " + url + ":\n" + body);
    }
}
