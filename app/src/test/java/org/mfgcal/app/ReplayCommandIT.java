package org.mfgcal.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mfgcal.ingest.CountEvent;
import org.mfgcal.ingest.IngestEvent;
import org.mfgcal.ingest.RecordCodec;
import org.mfgcal.ingest.TripEvent;
import org.mfgcal.ingest.flights.FlightsCsv;
import org.mfgcal.ingest.flights.FlightsData;
import org.mfgcal.kafka.EmbeddedKafka;
import picocli.CommandLine;

/** {@code mfgcal replay} against the real embedded broker. */
class ReplayCommandIT {

    private static EmbeddedKafka kafka;

    @BeforeAll
    static void start() {
        kafka = EmbeddedKafka.start();
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    private static int run(StringWriter err, String... args) {
        CommandLine cl = Main.commandLine();
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test
    void replay_flightsWeek_publishesEveryTripInDepartureOrder() {
        int rc = run(new StringWriter(), "replay", "--file", FlightsData.WEEK, "--format", "flights", "--topic", "w",
                "--speedup", "0", "--bootstrap", kafka.bootstrapServers());
        assertEquals(0, rc);
        List<TripEvent> expected = FlightsCsv.readShipped(FlightsData.WEEK);
        List<String> got = consume("w", expected.size());
        assertEquals(expected.size(), got.size());
        for (int i = 0; i < got.size(); i++) {
            assertEquals(expected.get(i), RecordCodec.parse(null, got.get(i).getBytes(StandardCharsets.UTF_8)));
        }
    }

    @Test
    void replay_countsCsv_pacedBySpeedupInEventTimeOrder(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("counts.csv");
        Files.writeString(f, "at,zone,count\n2001-01-01T00:00:02Z,B,2\n2001-01-01T00:00:00Z,A,1.5\n");
        long t0 = System.nanoTime();
        int rc = run(new StringWriter(), "replay", "--file", f.toString(), "--format", "COUNTS", "--topic", "c",
                "--speedup", "4", "--region", "chi", "--bootstrap", kafka.bootstrapServers());
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(0, rc);
        assertTrue(ms >= 500, "2 s of event time at speedup 4 takes >= 0.5 s, took " + ms);
        List<IngestEvent> got = consume("c", 2).stream()
                .map(s -> (IngestEvent) RecordCodec.parse(null, s.getBytes(StandardCharsets.UTF_8))).toList();
        assertEquals(List.of(new CountEvent("chi", "A", got.get(0).eventTimeMillis(), 1.5),
                new CountEvent("chi", "B", got.get(0).eventTimeMillis() + 2000, 2)), got);
    }

    @Test
    void replay_badFormat_exitCode2NamingTheValue() {
        StringWriter err = new StringWriter();
        int rc = run(err, "replay", "--file", FlightsData.WEEK, "--format", "xml", "--topic", "x",
                "--bootstrap", kafka.bootstrapServers());
        assertEquals(2, rc);
        assertTrue(err.toString().contains("'xml'"), err.toString());
    }

    private static List<String> consume(String topic, int n) {
        List<String> out = new ArrayList<>();
        try (var c = new KafkaConsumer<String, String>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "t-" + topic, ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class))) {
            c.subscribe(List.of(topic));
            long deadline = System.currentTimeMillis() + 60_000;
            while (out.size() < n && System.currentTimeMillis() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(r -> out.add(r.value()));
            }
        }
        return out;
    }
}
