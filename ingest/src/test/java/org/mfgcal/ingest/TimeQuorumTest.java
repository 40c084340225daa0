package org.mfgcal.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mfgcal.ingest.flights.FlightsCsv;
import org.mfgcal.ingest.flights.FlightsData;

/**
 * A region's event time is established by a quorum of its first records (issue 12: "one timestamp can ruin a
 * region"): a trip dated 1970 sent as the very first record of the flights region is dead-lettered, every real
 * record of the week is accepted, and the snapshots equal those of the clean week (binned with the first record
 * defining the time, the former rule, which the clean data satisfies).
 */
class TimeQuorumTest {

    private static List<TripEvent> week;
    private static RegionConfig region;

    @BeforeAll
    static void load() {
        week = FlightsCsv.readShipped(FlightsData.WEEK);
        region = RegionConfigs.loadSpec(FlightsData.REGION).single();
    }

    /** Offers the events with the quorum, collecting snapshots (flushed at the end) and every decided rejection. */
    private static List<PopulationSnapshot> bin(List<TripEvent> events, int quorum, List<Rejection> rejected,
                                                List<Long> acceptedOffsets) {
        Binning b = new Binning(RegionConfigs.of(region));
        b.timeQuorum(quorum);
        List<PopulationSnapshot> out = new ArrayList<>();
        long wall = System.currentTimeMillis();
        for (int i = 0; i < events.size(); i++) {
            Rejection r = b.offer(events.get(i), i, 0, wall, out);
            if (r == null) {
                acceptedOffsets.add((long) i);
            } else if (r != RegionBinner.HELD) {
                rejected.add(r);
            }
            for (RegionBinner.Decision d : b.binner(region.id()).drainDecided()) {
                if (d.rejection() == null) {
                    acceptedOffsets.add(d.offset());
                } else {
                    rejected.add(new Rejection(d.rejection().reason(), d.offset() + ": " + d.rejection().message()));
                }
            }
        }
        b.flush(out);
        return out;
    }

    @Test
    void tripDated1970First_isDeadLettered_realWeekAcceptedAndBinnedAsClean() {
        List<PopulationSnapshot> clean = Binning.snapshots(week, region); // quorum 1: first record defines time
        TripEvent first = week.get(0);
        TripEvent old = new TripEvent(region.id(), "hostile-1970", first.origin(), first.destination(), 1_000L, 2_000L);
        List<TripEvent> hostile = new ArrayList<>();
        hostile.add(old);
        hostile.addAll(week);

        List<Rejection> rejected = new ArrayList<>();
        List<Long> accepted = new ArrayList<>();
        List<PopulationSnapshot> snaps = bin(hostile, IngestPipeline.TIME_QUORUM, rejected, accepted);

        assertEquals(1, rejected.size(), "only the 1970 trip is rejected: " + rejected);
        assertEquals(DeadLetterReason.TOO_LATE, rejected.get(0).reason());
        assertTrue(rejected.get(0).message().startsWith("0: field 'departedAt' 1970-01-01T00:00:01Z is outside"),
                rejected.get(0).message());
        assertEquals(week.size(), accepted.size(), "every real record accepted");
        assertEquals(clean, snaps, "snapshots equal the clean week's");

        // the former rule (quorum 1) on the same input: the 1970 trip defines the time, the week is lost
        List<Rejection> former = new ArrayList<>();
        bin(hostile, 1, former, new ArrayList<>());
        assertEquals(week.size(), former.stream().filter(r -> r.reason() == DeadLetterReason.FUTURE_TIMESTAMP).count());
    }

    @Test
    void futureFirst_andOutliersAmongTheFirstRecords_areRejectedOnlyThemselves() {
        TripEvent first = week.get(0);
        long y2035 = 2_051_222_400_000L;
        List<TripEvent> in = new ArrayList<>();
        in.add(new TripEvent(region.id(), "h-2035", first.origin(), first.destination(), y2035, y2035 + 3_600_000L));
        in.add(week.get(0));
        in.add(new TripEvent(region.id(), "h-1970", first.origin(), first.destination(), 5_000L, 6_000L));
        in.addAll(week.subList(1, week.size()));
        List<Rejection> rejected = new ArrayList<>();
        List<Long> accepted = new ArrayList<>();
        List<PopulationSnapshot> snaps = bin(in, IngestPipeline.TIME_QUORUM, rejected, accepted);
        assertEquals(2, rejected.size(), rejected.toString());
        // 2035 is beyond maxFuture of the wall clock? no: the wall clock is 2026, so only the quorum rejects it
        assertEquals(List.of(DeadLetterReason.FUTURE_TIMESTAMP, DeadLetterReason.TOO_LATE),
                rejected.stream().map(Rejection::reason).toList());
        assertEquals(week.size(), accepted.size());
        assertEquals(Binning.snapshots(week, region), snaps);
    }

    @Test
    void fewerRecordsThanTheQuorum_thenSilence_areDecidedByTheIdleTick() {
        RegionBinner b = new RegionBinner(region);
        b.timeQuorum(5);
        List<PopulationSnapshot> out = new ArrayList<>();
        long wall = System.currentTimeMillis();
        assertSame(RegionBinner.HELD, b.offer(week.get(0), 0, 1_000, wall, out));
        assertSame(RegionBinner.HELD, b.offer(week.get(1), 1, 1_000, wall, out));
        assertTrue(b.drainDecided().isEmpty());
        assertEquals(0, b.minOpenOffset(), "held records keep the commit position");
        b.onIdle(1_000 + region.idleTimeout().toMillis() - 1, out);
        assertTrue(b.drainDecided().isEmpty(), "not silent long enough");
        b.onIdle(1_000 + region.idleTimeout().toMillis(), out);
        List<RegionBinner.Decision> d = b.drainDecided();
        assertEquals(2, d.size());
        assertNull(d.get(0).rejection());
        assertNull(d.get(1).rejection());
        assertTrue(b.established());
    }
}
