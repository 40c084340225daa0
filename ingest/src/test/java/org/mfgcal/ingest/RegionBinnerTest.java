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
        RegionCheckpoint cp = first.checkpoint();
        long commit = Math.min(5, first.minOpenOffset());
        long processedUpTo = 5;
        RegionCheckpoint decoded = CheckpointCodec.decode(CheckpointCodec.encode(
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

    @Test
    void offer_whileIdle_farFutureRecordIsDeadLetteredAndMovesNothing() {
        binner.offer(trip("t1", "A", "B", 50, 55), 0, 1_000, WALL, out);
        binner.onIdle(1_000 + 30_000 + 5 * MIN, out);                   // idle: watermark 00:55, R = 01:25
        assertTrue(out.isEmpty());
        // one day + 1 min after R: rejected although the region is idle (the old check skipped idle regions)
        Rejection r = binner.offer(trip("now", "A", "B", 85 + 24 * 60 + 1, -1), 1, 1_000 + 6 * MIN, WALL, out);
        assertEquals(DeadLetterReason.FUTURE_TIMESTAMP, r.reason());
        assertTrue(r.message().contains("idle"), r.message());
        assertTrue(out.isEmpty(), "no bin closed");
        assertEquals(T0 + 55 * MIN, binner.watermarkMillis(), "watermark unchanged");
        // within one day of R: accepted, and moves the watermark by at most maxFuture + lateness
        assertNull(binner.offer(trip("ok", "A", "B", 85 + 24 * 60 - 1, -1), 2, 1_000 + 6 * MIN, WALL, out));
        assertTrue(binner.watermarkMillis() - (T0 + 55 * MIN) <= 24 * 60 * MIN + 30 * MIN);
    }

    @Test
    void offer_farPastBeforeAnyBinClosed_isTooLateInsteadOfPrependingYearsOfBins() {
        assertNull(offer(trip("t1", "A", "B", 130, 140)));
        Rejection r = offer(trip("1970", "A", "B", -T0 / MIN, -1));     // the epoch, 31 years before
        assertEquals(DeadLetterReason.TOO_LATE, r.reason());
        assertTrue(r.message().contains("maxFuture"), r.message());
        // the valid records after it are unaffected
        assertNull(offer(trip("t2", "A", "B", 140, 150)));
        binner.flush(out);
        assertEquals(1, out.size());
        assertEquals(2, out.get(0).events());
    }

    @Test
    void onIdle_longSilence_emitsAtMostOneWindowOfEmptyBinsThenNothing() {
        binner.offer(trip("t1", "A", "B", 10, 20), 0, 0, WALL, out);
        long day = 24 * 60 * MIN;
        long t0 = System.nanoTime();
        binner.onIdle(30_000 + 300 * day, out);                          // 300 days of silence: 7,200 hours
        long ms = (System.nanoTime() - t0) / 1_000_000;
        // bin 0 (the data) then 24 empty bins (window 1 day / 1 h), nothing for the rest of the gap
        assertEquals(1 + 24, out.size());
        assertEquals(at(0), out.get(0).binStart());
        assertEquals(at(24 * 60), out.get(24).binStart());
        for (PopulationSnapshot s : out.subList(1, out.size())) {
            assertEquals(0, s.events());
            assertArrayEquals(new double[] {9, 6}, s.stock());
        }
        assertTrue(ms < 5_000, "the gap is skipped, not walked: " + ms + " ms");
        binner.onIdle(30_000 + 600 * day, out);
        assertEquals(25, out.size(), "an idle region does not emit one empty bin per hour forever");
        // the region resumes at its clock-following time, with a gap in the bin sequence
        long resume = 10 + 600L * 24 * 60 - 5;
        assertNull(binner.offer(trip("t2", "A", "B", resume, resume + 1), 1, 30_000 + 600 * day, WALL + 600 * day, out));
        binner.flush(out);
        assertEquals(26, out.size());
        assertEquals(1, out.get(25).events());
        assertArrayEquals(new double[] {8, 7}, out.get(25).stock());
        assertTrue(out.get(25).binStart().isAfter(out.get(24).binStart().plus(Duration.ofDays(500))));
    }

    @Test
    void onIdle_endOfInputBound_closesTheLastDataBinPromptly() {
        binner.offer(trip("t1", "A", "B", 5, 55), 0, 1_000, WALL, out);   // watermark 23:35 (day before)
        binner.onIdle(1_000 + 30_000 + 59_999, 60_000, out);
        assertTrue(out.isEmpty(), "silent for less than idleTimeout + end of input");
        binner.onIdle(1_000 + 30_000 + 60_000, 60_000, out);            // 90 s after the last record, not 55 min
        assertEquals(1, out.size());
        assertEquals(at(0), out.get(0).binStart());
        assertArrayEquals(new double[] {9, 6}, out.get(0).stock());
        assertEquals(DeadLetterReason.TOO_LATE, binner.offer(trip("t2", "A", "B", 50, -1), 1, 200_000, WALL, out).reason());
    }

    @Test
    void closeListener_seesEachBinWithTheStateUpToThatBin() {
        List<RegionCheckpoint> cps = new ArrayList<>();
        List<Long> minOpen = new ArrayList<>();
        binner.closeListener((b, s) -> {
            cps.add(b.checkpoint());
            minOpen.add(b.minOpenOffset());
        });
        offer(trip("t1", "A", "B", 10, 50));
        offer(trip("t2", "B", "A", 20, 150));   // arrival in bin 2
        offer(trip("t3", "A", "B", 240, -1));   // watermark 03:30: closes bins 0, 1, 2 with one record
        assertEquals(3, out.size());
        assertEquals(3, cps.size());
        for (int k = 0; k < 3; k++) {
            assertEquals(out.get(k).binEnd().toEpochMilli(), cps.get(k).closedUntilMillis(), "bin " + k);
            assertArrayEquals(out.get(k).stock(), cps.get(k).stock(), "stock after bin " + k);
            assertEquals(2, minOpen.get(k), "t3 (offset 2) is the only record in an open bin");
        }
        // after bin 0, t2's arrival (bin 2) is already pending; after bin 2 it is in the stock
        assertArrayEquals(new long[] {T0 / (60 * MIN) + 2, 0, 1}, cps.get(0).pendingArrivals());
        assertArrayEquals(new long[0], cps.get(2).pendingArrivals());
    }

    @Test
    void checkpointCodec_emptyRun_roundTrips() {
        RegionCheckpoint cp = new RegionCheckpoint("r", T0, T0 + MIN, new double[] {1.5, 2},
                new long[] {3, 1, 4}, 7);
        CheckpointCodec.PartitionCheckpoint pc = CheckpointCodec.decode(CheckpointCodec.encode(
                new CheckpointCodec.PartitionCheckpoint(9, List.of(cp))));
        assertEquals(cp, pc.regions().get(0));
        assertEquals(9, pc.processedUpTo());
    }

    @Test
    void onIdle_restoredRegionWithoutNewRecords_stillClosesItsPendingBins() {
        binner.offer(trip("t1", "A", "B", 10, 150), 0, 0, WALL, out);   // arrival in bin 2
        binner.offer(trip("t2", "A", "B", 100, -1), 1, 0, WALL, out);   // watermark 01:10 closes bin 0
        assertEquals(1, out.size());
        binner.onIdle(30_000 + 50 * MIN, out);                           // watermark 02:30 closes bin 1
        assertEquals(2, out.size());
        RegionBinner restored = RegionBinner.restore(Fixtures.ab(), binner.checkpoint());
        List<PopulationSnapshot> got = new ArrayList<>();
        restored.onIdle(1_000_000, got);                                 // first tick after the restart
        assertTrue(got.isEmpty(), "not idle yet");
        restored.onIdle(1_000_000 + 30_000 + 79 * MIN, got);             // base 01:40 + 79 min: 02:59
        assertTrue(got.isEmpty());
        restored.onIdle(1_000_000 + 30_000 + 80 * MIN, got);             // 03:00: bin 2 closes
        binner.onIdle(30_000 + 80 * MIN, out);                          // the uninterrupted binner closes it too
        assertEquals(out.subList(2, out.size()), got);
        assertEquals(1, got.size());
        assertArrayEquals(new double[] {8, 6}, got.get(0).stock(), "t1's arrival at B in bin 2");
    }
}
