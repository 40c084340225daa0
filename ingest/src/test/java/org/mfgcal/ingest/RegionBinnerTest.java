package org.mfgcal.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mfgcal.ingest.Fixtures.MIN;
import static org.mfgcal.ingest.Fixtures.T0;
import static org.mfgcal.ingest.Fixtures.at;
import static org.mfgcal.ingest.Fixtures.trip;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** Hand-computed cases of binning, watermark, lateness and stock reconstruction (no broker, no clock). */
class RegionBinnerTest {

    private static final long WALL = T0 + 365L * 24 * 60 * MIN;

    private final RegionBinner binner = new RegionBinner(Fixtures.ab());
    private final List<PopulationSnapshot> out = new ArrayList<>();
    private long offset;

    private Rejection offer(IngestEvent e) {
        return binner.offer(e, offset++, 0, WALL, out);
    }

    @Test
    void offer_tripsOverTwoHours_closesBinsWhenWatermarkPassesWithHandComputedStocks() {
        assertNull(offer(trip("t1", "A", "B", 10, 50)));   // bin 0: dep A, arr B in bin 0
        assertNull(offer(trip("t2", "B", "A", 20, 100)));  // bin 0: dep B, arr A in bin 1
        assertNull(offer(trip("t3", "A", "B", 65, 90)));   // bin 1: dep A, arr B in bin 1
        assertTrue(out.isEmpty(), "watermark 00:35 closes nothing");
        assertNull(offer(trip("t4", "A", "B", 150, 190))); // watermark 02:00 closes bins 0 and 1
        assertEquals(2, out.size());

        PopulationSnapshot b0 = out.get(0);
        assertEquals(at(0), b0.binStart());
        assertEquals(at(60), b0.binEnd());
        assertArrayEquals(new long[] {1, 1}, b0.departures());
        assertArrayEquals(new long[] {0, 1}, b0.arrivals());
        assertArrayEquals(new long[] {0, 1, 1, 0}, b0.od());   // A->B 1, B->A 1
        assertArrayEquals(new double[] {9, 5}, b0.stock());    // A 10-1, B 5-1+1
        assertEquals(2, b0.events());
        assertEquals(0, b0.lateEvents());

        PopulationSnapshot b1 = out.get(1);
        assertEquals(at(60), b1.binStart());
        assertArrayEquals(new long[] {1, 0}, b1.departures());
        assertArrayEquals(new long[] {1, 1}, b1.arrivals());
        assertArrayEquals(new double[] {9, 6}, b1.stock());    // A 9-1+1, B 5+1
        assertEquals(1, b1.events());
        assertArrayEquals(new double[] {0.6, 0.4}, b1.shares(), 1e-12);
    }

    @Test
    void offer_behindWatermark_acceptedAsLateWhileBinOpenThenTooLate() {
        offer(trip("t1", "A", "B", 10, 20));
        offer(trip("t2", "A", "B", 100, 110));            // watermark 01:10 closes bin 0
        assertEquals(1, out.size());
        Rejection late = offer(trip("t3", "B", "A", 59, 70)); // bin 0 closed
        assertEquals(DeadLetterReason.TOO_LATE, late.reason());
        assertTrue(late.message().contains("departedAt"), late.message());
        assertNull(offer(trip("t4", "B", "A", 65, 70)));  // 01:05 < watermark 01:10 but bin 1 open: late, accepted
        List<PopulationSnapshot> rest = new ArrayList<>();
        binner.flush(rest);
        assertEquals(1, rest.size());
        PopulationSnapshot b1 = rest.get(0);
        assertEquals(2, b1.events());
        assertEquals(1, b1.lateEvents());
        // stocks: bin0 A 9 B 6; bin1 dep A (t2) dep B (t4), arr B (t2) arr A (t4) -> A 9, B 6
        assertArrayEquals(new double[] {9, 6}, b1.stock());
    }

    @Test
    void offer_hostileValues_rejectedWithReasonAndStateUnchanged() {
        assertNull(offer(trip("t1", "A", "B", 10, 20)));
        assertEquals(DeadLetterReason.DUPLICATE_TRIP, offer(trip("t1", "A", "B", 11, 21)).reason());
        assertEquals(DeadLetterReason.UNKNOWN_ZONE, offer(trip("t2", "X", "B", 11, 21)).reason());
        assertEquals(DeadLetterReason.UNKNOWN_ZONE, offer(trip("t3", "A", "Y", 11, 21)).reason());
        assertEquals(DeadLetterReason.FUTURE_TIMESTAMP, offer(trip("t4", "A", "B", 10 + 24 * 60 + 1, -1)).reason());
        assertEquals(DeadLetterReason.ABSURD_VALUE, offer(trip("t5", "A", "B", 12, 12 + 24 * 60 + 1)).reason());
        assertEquals(DeadLetterReason.UNEXPECTED_TYPE,
                offer(new CountEvent("r", "A", T0 + 15 * MIN, 3)).reason());
        assertEquals(DeadLetterReason.FUTURE_TIMESTAMP,
                binner.offer(trip("t6", "A", "B", 30, 40), offset++, 0, T0 - 2 * 24 * 60 * MIN, out).reason());
        binner.flush(out);
        assertEquals(1, out.size());
        assertEquals(1, out.get(0).events());
        assertArrayEquals(new double[] {9, 6}, out.get(0).stock());
    }

    @Test
    void offer_tripIdReused_duplicateWithinWindowAcceptedAfterWindowPassed() {
        assertNull(offer(trip("t1", "A", "B", 10, 20)));
        assertNull(offer(trip("a", "A", "B", 12 * 60, 12 * 60 + 5)));
        assertNull(offer(trip("x", "A", "B", 24 * 60 + 20, 24 * 60 + 30)));  // watermark 23:50: horizon < 0
        assertEquals(DeadLetterReason.DUPLICATE_TRIP, offer(trip("t1", "A", "B", 24 * 60 + 25, 24 * 60 + 30)).reason());
        // watermark 25:30 closes bins up to 25:00; horizon 25:00 - 24 h = 01:00: bin 0 (ends 01:00) is forgotten
        assertNull(offer(trip("y", "B", "A", 26 * 60, 26 * 60 + 10)));
        assertEquals(3, binner.rememberedTrips(), "t1 forgotten; a, x and y remembered");
        assertNull(offer(trip("t1", "A", "B", 26 * 60 + 1, 26 * 60 + 10)));
    }

    @Test
    void offer_earlierEventBeforeAnyClose_prependsBins() {
        offer(trip("t1", "A", "B", 130, 140)); // bin 2
        offer(trip("t2", "B", "A", 10, 20));   // bin 0, within lateness of nothing closed yet
        binner.flush(out);
        assertEquals(3, out.size());
        assertEquals(at(0), out.get(0).binStart());
        assertArrayEquals(new double[] {11, 4}, out.get(0).stock());
        assertEquals(0, out.get(1).events());                     // empty bin still emitted
        assertArrayEquals(new double[] {11, 4}, out.get(1).stock());
        assertArrayEquals(new double[] {10, 5}, out.get(2).stock());
    }

    @Test
    void offer_tripWithoutArrival_countsDepartureOnly() {
        offer(trip("t1", "A", "B", 10, -1));
        binner.flush(out);
        assertEquals(1, out.size());
        assertArrayEquals(new double[] {9, 5}, out.get(0).stock());
        assertEquals(1, out.get(0).odAt(0, 1));
    }

    @Test
    void onIdle_silentRegion_watermarkFollowsProcessingTimeAfterTimeout() {
        binner.offer(trip("t1", "A", "B", 50, 55), 0, 1_000, WALL, out); // watermark 00:20
        binner.onIdle(1_000 + 29_999, out);
        assertTrue(out.isEmpty(), "not idle yet");
        binner.onIdle(1_000 + 30_000 + 9 * MIN, out);                   // watermark 00:59
        assertTrue(out.isEmpty());
        binner.onIdle(1_000 + 30_000 + 10 * MIN, out);                  // watermark 01:00 closes bin 0
        assertEquals(1, out.size());
        assertArrayEquals(new double[] {9, 6}, out.get(0).stock());
    }

    @Test
    void offer_countsRegion_stockIsLatestCountPerZoneElseCarried() {
        RegionBinner counts = new RegionBinner(RegionConfig.of("r", List.of(Zone.of("A", 3), Zone.of("B", 4)))
                .withStockSource(StockSource.COUNTS).withLateness(Duration.ZERO, Duration.ofSeconds(30)));
        List<PopulationSnapshot> o = new ArrayList<>();
        assertNull(counts.offer(new CountEvent("r", "A", T0 + 10 * MIN, 7), 0, 0, WALL, o));
        assertNull(counts.offer(new CountEvent("r", "A", T0 + 40 * MIN, 8), 1, 0, WALL, o));
        assertNull(counts.offer(new CountEvent("r", "A", T0 + 30 * MIN, 2), 2, 0, WALL, o)); // older: not latest
        assertEquals(DeadLetterReason.INVALID_VALUE, counts.offer(new CountEvent("r", "B", T0, Double.NaN), 3, 0, WALL, o).reason());
        assertEquals(DeadLetterReason.INVALID_VALUE, counts.offer(new CountEvent("r", "B", T0, -1), 4, 0, WALL, o).reason());
        assertEquals(DeadLetterReason.ABSURD_VALUE, counts.offer(new CountEvent("r", "B", T0, 2e9), 5, 0, WALL, o).reason());
        assertNull(counts.offer(new CountEvent("r", "B", T0 + 70 * MIN, 1), 6, 0, WALL, o)); // closes bin 0
        assertEquals(1, o.size());
        assertArrayEquals(new double[] {8, 4}, o.get(0).stock());
        assertEquals(3, o.get(0).events());
        counts.flush(o);
        assertArrayEquals(new double[] {8, 1}, o.get(1).stock());
    }

    @Test
    void checkpointRestore_resumeFromLowestOpenOffset_givesSameSnapshotsAsUninterrupted() {
        List<TripEvent> trips = List.of(trip("a", "A", "B", 10, 200), trip("b", "B", "A", 30, 50),
                trip("c", "A", "B", 70, 80), trip("d", "A", "A", 95, 130), trip("e", "B", "A", 140, 150),
                trip("f", "A", "B", 200, 230), trip("g", "B", "B", 250, 260));
        List<PopulationSnapshot> whole = new ArrayList<>();
        RegionBinner ref = new RegionBinner(Fixtures.ab());
        for (int i = 0; i < trips.size(); i++) {
            ref.offer(trips.get(i), i, 0, WALL, whole);
        }
        ref.flush(whole);
        // stop after record 4 (e), take the checkpoint and the commit position, resume like the pipeline does
        RegionBinner first = new RegionBinner(Fixtures.ab());
        List<PopulationSnapshot> got = new ArrayList<>();
        for (int i = 0; i <= 4; i++) {
            first.offer(trips.get(i), i, 0, WALL, got);
        }
        RegionBinner.Checkpoint cp = first.checkpoint();
        long commit = Math.min(5, first.minOpenOffset());
        long processedUpTo = 5;
        RegionBinner.Checkpoint decoded = CheckpointCodec.decode(CheckpointCodec.encode(
                new CheckpointCodec.PartitionCheckpoint(processedUpTo, List.of(cp)))).regions().get(0);
        assertEquals(cp, decoded);
        RegionBinner resumed = RegionBinner.restore(Fixtures.ab(), decoded);
        for (int i = (int) commit; i < trips.size(); i++) {
            TripEvent t = trips.get(i);
            if (i < processedUpTo && t.eventTimeMillis() < resumed.closedUntilMillis()) {
                continue; // handled before the restart
            }
            assertNull(resumed.offer(t, i, 0, WALL, got));
        }
        resumed.flush(got);
        assertEquals(whole, got);
    }
}
