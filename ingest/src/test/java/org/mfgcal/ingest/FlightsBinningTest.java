package org.mfgcal.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mfgcal.ingest.flights.FlightsCsv;
import org.mfgcal.ingest.flights.FlightsData;

/** The shipped week binned offline, cross-checked against a naive recount of the trips. */
class FlightsBinningTest {

    private static List<TripEvent> week;
    private static RegionConfig region;
    private static List<PopulationSnapshot> snaps;

    @BeforeAll
    static void bin() {
        week = FlightsCsv.readShipped(FlightsData.WEEK);
        region = RegionConfigs.loadSpec(FlightsData.REGION).single();
        snaps = Binning.snapshots(week, region);
    }

    @Test
    void snapshots_week_areContiguousHourlyBins() {
        for (int i = 1; i < snaps.size(); i++) {
            assertEquals(snaps.get(i - 1).binEnd(), snaps.get(i).binStart());
            assertEquals(3_600_000L, snaps.get(i).binEnd().toEpochMilli() - snaps.get(i).binStart().toEpochMilli());
        }
        assertTrue(snaps.size() >= 7 * 24, "got " + snaps.size());
    }

    @Test
    void snapshots_week_everyTripCountedOnceAndNoneRejected() {
        assertEquals(week.size(), snaps.stream().mapToLong(PopulationSnapshot::events).sum());
        assertEquals(week.size(), snaps.stream().mapToLong(s -> java.util.Arrays.stream(s.departures()).sum()).sum());
        assertEquals(week.size(), snaps.stream().mapToLong(s -> java.util.Arrays.stream(s.arrivals()).sum()).sum());
        assertEquals(0, snaps.stream().mapToLong(PopulationSnapshot::lateEvents).sum(), "file is in order");
    }

    @Test
    void snapshots_week_stockEqualsNaiveRecountAtEveryBinEnd() {
        int d = region.zoneCount();
        List<String> ids = region.zoneIds();
        for (PopulationSnapshot s : snaps) {
            long end = s.binEnd().toEpochMilli();
            double[] naive = new double[d];
            for (int z = 0; z < d; z++) {
                naive[z] = region.zones().get(z).initialStock();
            }
            for (TripEvent t : week) {
                if (t.departedAtMillis() < end) {
                    naive[zone(ids, t.origin())]--;
                }
                if (t.arrivedAtMillis() < end) {
                    naive[zone(ids, t.destination())]++;
                }
            }
            for (int z = 0; z < d; z++) {
                assertEquals(naive[z], s.stockAt(z), 0.0, s.binStart() + " zone " + ids.get(z));
                assertTrue(s.stockAt(z) >= 0, "initial stocks keep stock >= 0: " + s);
            }
            double[] mu = s.shares();
            assertEquals(1.0, java.util.Arrays.stream(mu).sum(), 1e-12);
        }
    }

    private static int zone(List<String> ids, String airport) {
        int i = ids.indexOf(airport);
        return i >= 0 ? i : ids.indexOf("External");
    }
}
