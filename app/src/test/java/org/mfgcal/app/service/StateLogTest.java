package org.mfgcal.app.service;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mfgcal.api.CalibrationListener;
import org.mfgcal.api.ClosedBin;
import org.mfgcal.api.Observation;
import org.mfgcal.api.ParameterUpdate;
import org.mfgcal.api.UpdateResult;
import org.mfgcal.app.online.OnlineInput;
import org.mfgcal.calibrator.online.OnlineConfig;
import org.mfgcal.calibrator.online.RegionCalibrator;
import org.mfgcal.ingest.Binning;
import org.mfgcal.ingest.RegionConfig;
import org.mfgcal.ingest.RegionConfigs;
import org.mfgcal.ingest.TripEvent;
import org.mfgcal.ingest.flights.FlightsCsv;
import org.mfgcal.ingest.flights.FlightsData;

/**
 * The state topic's snapshot + logged bins ({@link StateLog}): after every bin of the shipped flights week, a
 * calibrator rebuilt from the records written so far (latest value per key, as compaction keeps them) equals the
 * running one byte for byte ({@link RegionCalibrator#exportState()}), and continues with the same outputs; a missing
 * or mismatched record is an error naming its key; the previous format still restores.
 */
class StateLogTest {

    static List<ClosedBin> bins;
    static OnlineConfig cfg;
    static List<String> zones;

    @BeforeAll
    static void week() throws Exception {
        RegionConfig region = RegionConfigs.loadSpec(FlightsData.REGION).single();
        List<TripEvent> trips = FlightsCsv.readShipped(FlightsData.WEEK);
        bins = OnlineInput.closedBins(Binning.snapshots(trips, region));
        zones = bins.get(0).observation().zones();
        cfg = OnlineConfig.defaults(1).withWindow(12, 24).withDriftWarmup(24);
    }

    /** The running calibrator, its cursor, and the state topic's latest value per key. */
    private static final class Run {
        final RegionCalibrator rc = new RegionCalibrator(cfg, "flights", zones, CalibrationListener.NONE);
        final StateLog.Cursor cursor;
        final Map<String, byte[]> topic = new HashMap<>();
        int snapshots;
        int logged;

        Run() {
            this(StateLog.SNAPSHOT_EVERY);
        }

        Run(int every) {
            cursor = new StateLog.Cursor(every);
        }

        StateLog.Records step(ClosedBin b) {
            UpdateResult r = rc.update(b);
            List<org.mfgcal.api.ParameterValue> latest = r.published() ? r.parameters().parameters() : List.of();
            StateLog.Records rec = cursor.after(rc, b, latest);
            for (String k : rec.values().keySet()) {
                snapshots += k.endsWith("#snapshot") ? 1 : 0;
                logged += k.contains("#bin-") ? 1 : 0;
            }
            topic.putAll(rec.values());
            return rec;
        }
    }

    private static StateLog.Restored restore(Map<String, byte[]> topic) {
        return StateLog.restore(cfg, "flights", StateSummary.fromBytes(topic.get("flights")), topic,
                CalibrationListener.NONE, StateLog.SNAPSHOT_EVERY);
    }

    /** Intervals 1 (a snapshot with every bin, as format 2 did) and 3: restores are exact, replays stay short. */
    @Test
    void otherIntervals_restoreExactly() {
        for (int every : new int[] {1, 3}) {
            Run run = new Run(every);
            for (int i = 0; i < 45; i++) {
                StateLog.Records rec = run.step(bins.get(i));
                assertTrue(rec.head().replayBins() < every, "every " + every + ": " + rec.head().replayBins());
                StateLog.Restored r = restore(run.topic);
                assertArrayEquals(run.rc.exportState(), r.calibrator().exportState(), "every " + every + ", bin " + i);
            }
            assertEquals(every == 1 ? 45 : 0, every == 1 ? run.snapshots : 0);
            assertTrue(every == 1 || run.logged >= 45 / 2, "every " + every + ": logged " + run.logged);
        }
        assertThrows(IllegalArgumentException.class, () -> new StateLog.Cursor(0));
    }

    @Test
    void everyBin_restoredFromSnapshotAndLog_equalsRunningCalibrator_andContinuesIdentically() {
        Run run = new Run();
        int checked = 0;
        int maxReplayed = 0;
        for (int i = 0; i < bins.size(); i++) {
            StateLog.Records rec = run.step(bins.get(i));
            assertEquals(2, rec.values().size(), "a snapshot or a logged bin, and the head: " + rec.values().keySet());
            if (i % 5 == 0 || i == bins.size() - 1) {
                StateLog.Restored r = restore(run.topic);
                assertEquals(run.rc.lastBin(), r.calibrator().lastBin());
                assertArrayEquals(run.rc.exportState(), r.calibrator().exportState(), "bin " + i);
                maxReplayed = Math.max(maxReplayed, rec.head().replayBins());
                checked++;
            }
        }
        assertTrue(checked > 20, "restores checked: " + checked);
        assertTrue(run.snapshots >= bins.size() / StateLog.SNAPSHOT_EVERY, "snapshots: " + run.snapshots);
        assertTrue(run.logged > run.snapshots * 10, "logged bins " + run.logged + ", snapshots " + run.snapshots);
        assertTrue(maxReplayed > 5 && maxReplayed < StateLog.SNAPSHOT_EVERY, "replayed at most " + maxReplayed);

        // restore in the middle of a log, then both run on: same outputs, and the restored one's own records
        Run half = new Run();
        int cut = bins.size() / 2;
        for (int i = 0; i < cut; i++) {
            half.step(bins.get(i));
        }
        StateLog.Restored r = restore(half.topic);
        assertTrue(StateSummary.fromBytes(half.topic.get("flights")).replayBins() > 0, "cut inside a log");
        int published = 0;
        for (int i = cut; i < bins.size(); i++) {
            UpdateResult a = half.rc.update(bins.get(i));
            UpdateResult b = r.calibrator().update(bins.get(i));
            assertEquals(a.published(), b.published());
            if (a.published()) {
                assertEquals(withoutLatency(a.parameters()), withoutLatency(b.parameters()), "bin " + i);
                assertEquals(a.forecast(), b.forecast(), "bin " + i);
                assertEquals(a.alerts(), b.alerts(), "bin " + i);
                published++;
            }
        }
        assertTrue(published > 50, "published after the restore: " + published);
    }

    private static ParameterUpdate withoutLatency(ParameterUpdate p) {
        return new ParameterUpdate(p.region(), p.bin(), p.parameters(), p.loss(), p.exploitability(), p.optimiserSteps(),
                p.picardIterations(), p.adjointIterations(), p.start(), 0, p.provenance(), p.health());
    }

    @Test
    void missingOrMismatchedRecord_errorNamesTheKey() {
        Run run = new Run();
        int i = 0;
        while (i < 20 || StateSummary.fromBytes(run.topic.get("flights")).replayBins() < 3) {
            run.step(bins.get(i++));
        }
        StateSummary head = StateSummary.fromBytes(run.topic.get("flights"));
        assertTrue(head.replayBins() >= 3, "replay bins " + head.replayBins());

        Map<String, byte[]> missing = new HashMap<>(run.topic);
        missing.remove("flights#bin-2");
        String e = assertThrows(IllegalArgumentException.class, () -> restore(missing)).getMessage();
        assertTrue(e.contains("'flights#bin-2'") && e.contains("missing"), e);

        Map<String, byte[]> swapped = new HashMap<>(run.topic);
        swapped.put("flights#bin-2", run.topic.get("flights#bin-3"));
        e = assertThrows(IllegalArgumentException.class, () -> restore(swapped)).getMessage();
        assertTrue(e.contains("'flights#bin-2'") && e.contains("index 3") && e.contains("index 2"), e);

        Map<String, byte[]> noSnapshot = new HashMap<>(run.topic);
        noSnapshot.put("flights#snapshot", run.topic.get("flights#bin-1"));
        e = assertThrows(IllegalArgumentException.class, () -> restore(noSnapshot)).getMessage();
        assertTrue(e.contains("'flights#snapshot'") && e.contains("kind B"), e);

        Map<String, byte[]> garbage = new HashMap<>(run.topic);
        garbage.put("flights#bin-1", "{\"json\": true}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        e = assertThrows(IllegalArgumentException.class, () -> restore(garbage)).getMessage();
        assertTrue(e.contains("'flights#bin-1'") && e.contains("not a MFGA value"), e);
    }

    @Test
    void previousFormat_wholeWarmStateInline_stillRestores_thenSnapshotsAtTheNextBin() {
        Run run = new Run();
        for (int i = 0; i < 40; i++) {
            run.step(bins.get(i));
        }
        StateSummary h = StateSummary.fromBytes(run.topic.get("flights"));
        StateSummary old = new StateSummary(StateSummary.FORMAT_2, true, h.region(), h.zones(), h.lastBin(), h.warm(),
                h.parameters(), h.driftScore(), h.activeAlerts(), h.modelVersion(), h.configHash(), h.seed(),
                h.codeVersion(), run.rc.exportState(), 0, 0);
        StateSummary parsed = StateSummary.fromBytes(old.toBytes());
        assertTrue(parsed.restorable());
        StateLog.Restored r = StateLog.restore(cfg, "flights", parsed, Map.of("flights", old.toBytes()),
                CalibrationListener.NONE, StateLog.SNAPSHOT_EVERY);
        assertArrayEquals(run.rc.exportState(), r.calibrator().exportState());
        StateLog.Records next = r.cursor().after(r.calibrator(), null, List.of());
        assertTrue(next.values().containsKey("flights#snapshot"), "a snapshot first: " + next.values().keySet());
    }

    @Test
    void binRecord_roundTrip_exactSharesAndLargeCounts() {
        List<String> z = List.of("a", "b", "c");
        long[] od = {0, 1, 127, 128, 16_383, 16_384, Long.MAX_VALUE, 0, 3L << 40};
        ClosedBin b = new ClosedBin(new Observation("r", 123_456L, z, List.of(0.1, Math.nextUp(0.2), 0.7 - 1e-17),
                9_000_000_000L), od);
        assertEquals(b, StateLog.decode(StateLog.encode(b), "r", z, "k"));
        ClosedBin sharesOnly = ClosedBin.sharesOnly(new Observation("r", -5, z, List.of(0.0, 0.0, 1.0), 0));
        assertEquals(sharesOnly, StateLog.decode(StateLog.encode(sharesOnly), "r", z, "k"));
        String e = assertThrows(IllegalArgumentException.class,
                () -> StateLog.decode(StateLog.encode(b), "r", List.of("a", "b"), "r#bin-4")).getMessage();
        assertTrue(e.contains("'r#bin-4'") && e.contains("3 shares"), e);
    }

    @Test
    void regionIdWithTheKeySeparator_isRefused(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws java.io.IOException {
        assertEquals("north", StateLog.regionOf("north#bin-3"));
        assertEquals("north", StateLog.regionOf("north"));
        String shipped;
        try (var in = StateLogTest.class.getResourceAsStream("/data/flights/region-flights.yaml")) {
            shipped = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        assertTrue(shipped.contains("  - id: flights\n"));
        java.nio.file.Path regions = dir.resolve("regions.yaml");
        java.nio.file.Files.writeString(regions, shipped.replace("  - id: flights\n", "  - id: 'north#1'\n"));
        String yaml = "kafka: {bootstrapServers: 'b:1'}\nregions: " + regions + "\n";
        String e = assertThrows(IllegalArgumentException.class, () -> ServiceConfig.parse(
                new java.io.ByteArrayInputStream(yaml.getBytes(java.nio.charset.StandardCharsets.UTF_8)), "t.yaml",
                null, k -> null)).getMessage();
        assertTrue(e.contains("'north#1'") && e.contains("'#'"), e);
    }
}
