package org.mfgcal.app.online;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.mfgcal.api.CalibrationListener;
import org.mfgcal.api.ClosedBin;
import org.mfgcal.calibrator.online.Continuation;
import org.mfgcal.calibrator.online.OnlineConfig;
import org.mfgcal.calibrator.online.RegionCalibrator;
import org.mfgcal.ingest.Binning;
import org.mfgcal.ingest.RegionConfig;
import org.mfgcal.ingest.TripEvent;
import org.mfgcal.ingest.flights.FlightsCsv;
import org.mfgcal.ingest.flights.FlightsData;

/**
 * Issue 5, warm state: on the real flights (the series of {@link FlightsOnlineTest}'s injected change, Phoenix
 * departures halved from {@link FlightsOnlineTest#CHANGE}), a calibrator restored from the snapshot taken 30 bins
 * before the change continues bit-identically through the next 78 bins: realised forecasts, the drift alert on PHX
 * and the band calibration included.
 */
class WarmStateFlightsTest {
    static final long EXPORT_AT = FlightsOnlineTest.CHANGE - 30;
    static final long LAST = FlightsOnlineTest.CHANGE + 47;

    @Test
    void flights_restoreBeforeTheChange_nextBinsIdentical_includingTheAlert() throws IOException {
        List<TripEvent> trips = new ArrayList<>();
        int k = 0;
        for (TripEvent t : FlightsCsv.readShipped(FlightsData.FULL)) {
            long bin = t.departedAtMillis() / 3_600_000L;
            if (bin > LAST) {
                continue;
            }
            if (t.origin().equals("PHX") && bin >= FlightsOnlineTest.CHANGE && k++ % 2 == 1) {
                continue;
            }
            trips.add(t);
        }
        RegionConfig region = DerivedRegion.tripsRegion("flights", trips, 10);
        List<ClosedBin> bins = OnlineInput.closedBins(Binning.snapshots(trips, region));
        List<String> zones = bins.get(0).observation().zones();
        OnlineConfig cfg = OnlineConfig.defaults(1);
        RegionCalibrator original = new RegionCalibrator(cfg, "flights", zones, CalibrationListener.NONE);
        int i = 0;
        while (bins.get(i).observation().bin() <= EXPORT_AT) {
            original.update(bins.get(i++));
        }
        long t0 = System.nanoTime();
        byte[] snapshot = original.exportState();
        long exportNanos = System.nanoTime() - t0;
        t0 = System.nanoTime();
        RegionCalibrator restored = RegionCalibrator.restore(cfg, "flights", zones, CalibrationListener.NONE,
                snapshot);
        long restoreNanos = System.nanoTime() - t0;
        assertArrayEquals(snapshot, restored.exportState());
        List<ClosedBin> next = bins.subList(i, bins.size());
        assertTrue(next.size() >= 50, "bins after the export: " + next.size());
        Continuation.Seen seen = Continuation.assertSameUpdates(original, restored, next);
        System.out.printf(Locale.ROOT, "warm-state snapshot flights (d=%d, W=%d, season %d) after %d bins: %,d bytes;"
                        + " export %.1f ms, restore %.1f ms; %d next bins identical (%d warm, %d realised forecasts,"
                        + " %d alerts)%n", zones.size(), cfg.windowBins(), cfg.seasonBins(), i, snapshot.length,
                exportNanos / 1e6, restoreNanos / 1e6, next.size(), seen.warm(), seen.realised(), seen.alerts());
        assertEquals(next.size(), seen.published());
        assertTrue(seen.alerts() >= 1, "the change raised no alert in the compared bins");
        assertTrue(seen.realised() >= 12 * (next.size() - 1), "realised forecasts: " + seen.realised());
        assertTrue(snapshot.length < 2_000_000, "snapshot " + snapshot.length + " bytes");
    }
}
