package org.mfgcal.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.mfgcal.ingest.flights.FlightsCsv;
import org.mfgcal.ingest.flights.FlightsData;

/**
 * Idle detection ignores a region whose input is pending (its partition paused by backpressure, lagging, or with
 * fetched records not yet binned): however long that lasts, its bins do not close by the clock; once the input is
 * no longer pending, the silence counts from the last busy tick.
 */
class IdleBusyTest {

    @Test
    void busyRegion_neverIdle_thenSilenceCountsFromTheLastBusyTick() {
        List<TripEvent> week = FlightsCsv.readShipped(FlightsData.WEEK);
        RegionConfig region = RegionConfigs.loadSpec(FlightsData.REGION).single();
        long idle = region.idleTimeout().toMillis();
        Binning b = new Binning(RegionConfigs.of(region));
        List<PopulationSnapshot> out = new ArrayList<>();
        long wall = System.currentTimeMillis();
        long now = 1_000_000;
        for (int i = 0; i < 200; i++) {
            b.offer(week.get(i), i, now, wall, out);
        }
        int closedByData = out.size();
        long watermark = b.binner(region.id()).watermarkMillis();
        // paused for 100 idle timeouts: a tick every second, the region busy all along
        for (long t = now; t <= now + 100 * idle; t += 1000) {
            b.onIdle(t, Long.MAX_VALUE, id -> true, out);
        }
        assertEquals(closedByData, out.size(), "no bin closed by the clock while the input was pending");
        assertEquals(watermark, b.binner(region.id()).watermarkMillis());
        long lastBusy = now + 100 * idle;
        // no longer pending: idle only idleTimeout after the last busy tick
        b.onIdle(lastBusy + idle - 1, Long.MAX_VALUE, id -> false, out);
        assertEquals(watermark, b.binner(region.id()).watermarkMillis(), "not idle before idleTimeout of silence");
        b.onIdle(lastBusy + idle + 3_600_000, Long.MAX_VALUE, id -> false, out);
        assertTrue(out.size() > closedByData, "idle after the silence: the clock closes bins");
        // the former rule (nothing pending is known): the same pause is taken as silence at once
        Binning former = new Binning(RegionConfigs.of(region));
        List<PopulationSnapshot> out2 = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            former.offer(week.get(i), i, now, wall, out2);
        }
        former.onIdle(now + idle + 3_600_000, out2);
        assertTrue(out2.size() > closedByData);
    }
}
