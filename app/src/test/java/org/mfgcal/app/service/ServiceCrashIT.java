package org.mfgcal.app.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mfgcal.app.Main;
import org.mfgcal.ingest.Binning;
import org.mfgcal.ingest.DeadLetters;
import org.mfgcal.ingest.IngestOptions;
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
 * Issue 12 on a real (in-process) broker. Per-bin offset checkpoints: the service "crashes" (its session fails with a retriable
 * error and is rebuilt from the committed offsets and state, as a restarted process would be) right after the
 * transaction of a bin whose record also closed later bins — the case that lost bins when all bins closed by one
 * record shared one checkpoint. The outputs read with read_committed equal the uninterrupted offline run record
 * for record: no bin lost, none duplicated, every update after a restart warm as before; the poison records
 * interleaved with the week (one of 1,048,400 bytes per chunk) are dead-lettered exactly once, within the size bound.
 * Retriable errors: in the same run the broker stops for 3 s and comes back on the same data directory and port
 * (in the first runs this failed the old service with "consumer group metadata mismatch"); the service never exits
 * and resumes within seconds. One run of the week for all of it keeps the test time down.
 */
class ServiceCrashIT {

    static final int CRASHES = 6;
    /** Bins committed before the broker stops (between the 4th and 5th crash points of the shipped week). */
    static final int BROKER_STOP_AFTER = 105;

    @TempDir
    Path tmp;

    @Test
    void crashBetweenTransactionsOfBinsClosedByOneRecord_restartGivesIdenticalOutputs() throws Exception {
        Path regionFile = tmp.resolve("region-flights.yaml");
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("data/flights/region-flights.yaml")) {
            Files.copy(in, regionFile);
        }
        Path off = tmp.resolve("offline");
        assertEquals(0, Main.commandLine().execute("online", "--input", FlightsData.WEEK, "--format", "flights",
                "--region-config", regionFile.toString(), "--out", off.toString()), "mfgcal online exit code");
        RegionConfig region = RegionConfigs.load(regionFile).single();
        List<IngestEvent> events = Replay.read(FlightsData.WEEK, ReplayFormat.FLIGHTS, region.id(), null);
        List<PopulationSnapshot> offline = Binning.snapshots(events, region);
        int expectedBins = Brokers.binsClosedByWatermark(events, region, offline);
        long width = region.binWidth().toMillis();
        long lastStreamedBin = offline.get(expectedBins - 1).binStart().toEpochMilli() / width;

        // bins followed by another bin closed by the same record, after a full window (warm updates)
        List<Long> shared = binsSharingTheirRecordWithTheNext(events, region);
        List<Long> crashAt = new ArrayList<>();
        for (long b : shared) {
            if (b > offline.get(0).binStart().toEpochMilli() / width + 30 && b < lastStreamedBin - 2
                    && crashAt.size() < CRASHES && (crashAt.isEmpty() || b > crashAt.get(crashAt.size() - 1) + 2)) {
                crashAt.add(b);
            }
        }
        assertEquals(CRASHES, crashAt.size(), "crash points among " + shared.size() + " shared-record bins");

        OutputTopics topics = OutputTopics.DEFAULT;
        List<ConsumerRecord<String, byte[]>> params;
        List<ConsumerRecord<String, byte[]>> forecasts;
        List<ConsumerRecord<String, byte[]>> states;
        List<ConsumerRecord<String, byte[]>> deadLetters;
        Set<Long> crashed = ConcurrentHashMap.newKeySet();
        Set<Long> crashedTransactions = ConcurrentHashMap.newKeySet();
        long t0 = System.nanoTime();
        EmbeddedKafka kafka = EmbeddedKafka.start();
        double resumeSeconds;
        try {
            ServiceConfig cfg = ServiceConfig.of(kafka.bootstrapServers(), RegionConfigs.of(region))
                    .withHttp(HttpEndpoint.loopback(0), HttpEndpoint.loopback(0));
            try (Service service = Service.start(cfg)) {
                service.pipeline().afterCommit(c -> {
                    long bin = c.snapshot().binStart().toEpochMilli() / width;
                    if (crashAt.contains(bin) && crashed.add(bin)) {
                        crashedTransactions.add(service.pipeline().transactions());
                        throw new org.apache.kafka.common.errors.TimeoutException("simulated crash after bin " + bin);
                    }
                });
                // the week in 10 chunks, each preceded by poison records (a 1,048,400-byte value among them)
                int chunk = events.size() / 10 + 1;
                for (int i = 0, c = 0; i < events.size(); i += chunk, c++) {
                    Brokers.publish(kafka.bootstrapServers(), cfg.inputTopics().get(0),
                            events.subList(i, Math.min(events.size(), i + chunk)), poison(cfg.inputTopics().get(0), c));
                }
                // and the broker stops for 3 s between two crash points, then comes back on the same data and port
                assertTrue(service.awaitCommitted(BROKER_STOP_AFTER, Duration.ofSeconds(240)), "committed: "
                        + service.pipeline().committed() + "; " + service.failure());
                kafka.stopKeepingData();
                long down = service.pipeline().committed();
                Thread.sleep(3000);
                assertNull(service.failure(), "the service runs on while the broker is down");
                kafka = EmbeddedKafka.restart(kafka);
                long back = System.nanoTime();
                assertTrue(service.awaitCommitted(down + 1, Duration.ofSeconds(60)), "no commit after the broker came"
                        + " back; " + service.failure());
                resumeSeconds = (System.nanoTime() - back) / 1e9;
                assertTrue(service.awaitCommitted(expectedBins, Duration.ofSeconds(240)),
                        "bins committed: " + service.pipeline().committed() + " of " + expectedBins
                                + "; failure " + service.failure());
                Thread.sleep(1000);
                assertEquals(expectedBins, service.pipeline().committed(), "each bin committed once");
                // one per transaction with a crash (crash bins a few bins apart can share one: group commit); the
                // 3 s broker stop adds one only when a Kafka call failed while it was down
                assertTrue(service.pipeline().sessionsRebuilt() >= crashedTransactions.size(), "new sessions: "
                        + service.pipeline().sessionsRebuilt() + ", transactions with a crash "
                        + crashedTransactions.size());
                assertEquals(null, service.failure());
            }
            params = Brokers.readCommitted(kafka.bootstrapServers(), topics.parameters());
            forecasts = Brokers.readCommitted(kafka.bootstrapServers(), topics.forecasts());
            states = Brokers.heads(Brokers.readCommitted(kafka.bootstrapServers(), topics.state()));
            deadLetters = Brokers.readCommitted(kafka.bootstrapServers(), cfg.deadLetterTopic());
        } finally {
            kafka.close();
        }
        // dead letters: exactly once each (committed in the transactions), bounded in size
        Set<String> seen = new HashSet<>();
        for (ConsumerRecord<String, byte[]> r : deadLetters) {
            String offset = DeadLetters.header(r, DeadLetters.SOURCE_OFFSET);
            assertTrue(seen.add(offset), "dead letter of offset " + offset + " twice");
            assertTrue(r.serializedValueSize() <= IngestOptions.DEFAULT_MAX_RECORD_BYTES, "dead letter size");
        }
        assertEquals(10 * POISON_PER_CHUNK, deadLetters.size(), "dead letters");
        assertEquals(10, deadLetters.stream().filter(r -> "1048400".equals(DeadLetters.header(r,
                DeadLetters.VALUE_SIZE))).count(), "the 1 MB poison records, truncated with their size");
        System.out.printf("ServiceCrashIT: %d crashes at bins %s, broker restart after %d bins (first commit %.1f s"
                        + " after it was back), %d bins, %.1f s%n", crashed.size(), crashAt, BROKER_STOP_AFTER,
                resumeSeconds, expectedBins, (System.nanoTime() - t0) / 1e9);
        assertEquals(new HashSet<>(crashAt), crashed);
        List<JsonNode> wantParams = ServiceEndToEndIT.upTo(ServiceEndToEndIT.lines(off.resolve("parameters.jsonl")),
                "bin", lastStreamedBin);
        List<JsonNode> wantForecasts = ServiceEndToEndIT.upTo(
                ServiceEndToEndIT.lines(off.resolve("forecasts.jsonl")), "issuedAtBin", lastStreamedBin);
        ServiceEndToEndIT.compare(wantParams, ServiceEndToEndIT.values(params, region.id()), "parameters");
        ServiceEndToEndIT.compare(wantForecasts, ServiceEndToEndIT.values(forecasts, region.id()), "forecasts");
        assertEquals(expectedBins, states.size(), "state messages: one per bin, none lost, none repeated");
        Set<Long> bins = new LinkedHashSet<>();
        for (ConsumerRecord<String, byte[]> r : states) {
            assertTrue(bins.add(StateSummary.fromBytes(r.value()).lastBin()), "bin committed twice");
        }
    }

    static final int POISON_PER_CHUNK = 3;

    /** Records every one of which is dead-lettered: malformed JSON, an unknown region, a 1,048,400-byte value. */
    static List<ProducerRecord<byte[], byte[]>> poison(String topic, int chunk) {
        byte[] key = "flights".getBytes(StandardCharsets.UTF_8);
        byte[] big = new byte[1_048_400];
        Arrays.fill(big, (byte) '{');
        return List.of(new ProducerRecord<>(topic, key, ("{not json " + chunk).getBytes(StandardCharsets.UTF_8)),
                new ProducerRecord<>(topic, key, ("{\"region\":\"nowhere\",\"chunk\":" + chunk + "}")
                        .getBytes(StandardCharsets.UTF_8)),
                new ProducerRecord<>(topic, key, big));
    }

    /** Bins (index) closed by a record that also closed the next bin, offline with the pipeline's close listener. */
    static List<Long> binsSharingTheirRecordWithTheNext(List<IngestEvent> events, RegionConfig region) {
        Binning binning = new Binning(RegionConfigs.of(region));
        List<long[]> closedBy = new ArrayList<>(); // (bin, record index)
        long[] current = {0};
        binning.closeListener((b, s) -> closedBy.add(new long[] {s.binStart().toEpochMilli()
                / region.binWidth().toMillis(), current[0]}));
        List<PopulationSnapshot> out = new ArrayList<>();
        long wall = System.currentTimeMillis();
        for (int i = 0; i < events.size(); i++) {
            current[0] = i;
            binning.offer(events.get(i), i, 0, wall, out);
        }
        List<Long> shared = new ArrayList<>();
        for (int k = 0; k + 1 < closedBy.size(); k++) {
            if (closedBy.get(k)[1] == closedBy.get(k + 1)[1]) {
                shared.add(closedBy.get(k)[0]);
            }
        }
        return shared;
    }
}
