package org.mfgcal.app.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mfgcal.app.Main;
import org.mfgcal.ingest.Binning;
import org.mfgcal.ingest.IngestEvent;
import org.mfgcal.ingest.PopulationSnapshot;
import org.mfgcal.ingest.RegionConfig;
import org.mfgcal.ingest.RegionConfigs;
import org.mfgcal.ingest.flights.FlightsData;
import org.mfgcal.ingest.replay.Replay;
import org.mfgcal.ingest.replay.ReplayFormat;
import org.mfgcal.kafka.EmbeddedKafka;
import org.mfgcal.publisher.HttpEndpoint;
import org.mfgcal.publisher.kafka.OutputTopics;

/**
 * Issue 12, retriable errors: the broker stops in the middle of a backlogged replay and comes back on the same data
 * directory and port; the service never exits, rebuilds its session, and its outputs (read_committed) equal the
 * uninterrupted offline run: nothing lost, nothing duplicated.
 */
class ServiceBrokerRestartTest {

    @TempDir
    Path tmp;

    @Test
    void brokerRestartMidStream_serviceKeepsRunningAndOutputsEqualUninterruptedRun() throws Exception {
        Path regionFile = tmp.resolve("region-flights.yaml");
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("data/flights/region-flights.yaml")) {
            Files.copy(in, regionFile);
        }
        Path off = tmp.resolve("offline");
        assertEquals(0, Main.commandLine().execute("online", "--input", FlightsData.WEEK, "--format", "flights",
                "--region-config", regionFile.toString(), "--out", off.toString()), "mfgcal online exit code");
        RegionConfig region = RegionConfigs.load(regionFile).single();
        List<IngestEvent> all = Replay.read(FlightsData.WEEK, ReplayFormat.FLIGHTS, region.id(), null);
        List<IngestEvent> events = all.subList(0, all.size() / 2);
        List<PopulationSnapshot> offline = Binning.snapshots(events, region);
        int expectedBins = Brokers.binsClosedByWatermark(events, region, offline);
        long lastStreamedBin = offline.get(expectedBins - 1).binStart().toEpochMilli() / region.binWidth().toMillis();

        OutputTopics topics = OutputTopics.DEFAULT;
        List<ConsumerRecord<String, byte[]>> params;
        List<ConsumerRecord<String, byte[]>> states;
        EmbeddedKafka kafka = EmbeddedKafka.start();
        try {
            ServiceConfig cfg = ServiceConfig.of(kafka.bootstrapServers(), RegionConfigs.of(region))
                    .withHttp(HttpEndpoint.loopback(0), HttpEndpoint.loopback(0));
            try (Service service = Service.start(cfg)) {
                Brokers.publish(kafka.bootstrapServers(), cfg.inputTopics().get(0), events, List.of());
                assertTrue(service.awaitCommitted(30, Duration.ofSeconds(120)), "committed before the outage: "
                        + service.pipeline().committed() + "; " + service.failure());
                kafka.stopKeepingData();
                long down = service.pipeline().committed();
                Thread.sleep(3000);
                assertNull(service.failure(), "the service runs on while the broker is down");
                kafka = EmbeddedKafka.restart(kafka);
                long back = System.nanoTime();
                assertTrue(service.awaitCommitted(down + 1, Duration.ofSeconds(60)), "no commit after the broker came"
                        + " back; " + service.failure());
                double resumeSeconds = (System.nanoTime() - back) / 1e9;
                assertTrue(service.awaitCommitted(expectedBins, Duration.ofSeconds(180)), "bins committed: "
                        + service.pipeline().committed() + " of " + expectedBins + "; " + service.failure());
                Thread.sleep(1000);
                assertNull(service.failure());
                assertTrue(service.pipeline().sessionsRebuilt() >= 1, "the session was rebuilt");
                System.out.printf("ServiceBrokerRestartTest: broker down 3 s after %d bins; first commit %.1f s after"
                                + " it was back; %d session(s) rebuilt%n", down, resumeSeconds,
                        service.pipeline().sessionsRebuilt());
            }
            params = Brokers.readCommitted(kafka.bootstrapServers(), topics.parameters());
            states = Brokers.readCommitted(kafka.bootstrapServers(), topics.state());
        } finally {
            kafka.close();
        }
        List<JsonNode> wantParams = ServiceEndToEndTest.upTo(ServiceEndToEndTest.lines(off.resolve("parameters.jsonl")),
                "bin", lastStreamedBin);
        ServiceEndToEndTest.compare(wantParams, ServiceEndToEndTest.values(params, region.id()), "parameters");
        Set<Long> bins = new HashSet<>();
        for (ConsumerRecord<String, byte[]> r : states) {
            assertTrue(bins.add(StateSummary.fromBytes(r.value()).lastBin()), "bin committed twice");
        }
        assertEquals(expectedBins, bins.size(), "every bin committed once");
    }
}
