package org.mfgcal.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.mfgcal.ingest.Fixtures.at;
import static org.mfgcal.ingest.Fixtures.trip;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.mfgcal.ingest.flights.FlightsCsv;
import org.mfgcal.ingest.flights.FlightsData;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/** The binning stage as a Flux, on virtual time: idle timeout and end-of-input flush. */
class StreamBinningTest {

    @Test
    void snapshots_idleRegion_closesBinOnlyAfterTimeoutPlusRemainingEventTime() {
        // event at 00:50, lateness 30 min -> watermark 00:20. Idle after 30 s, then the watermark follows the
        // clock: it reaches 01:00 (end of bin 0) at 30 s + 10 min = 630 s of processing time.
        RegionConfigs regions = RegionConfigs.of(Fixtures.ab());
        StepVerifier.withVirtualTime(() -> StreamBinning.snapshots(
                        Flux.just(trip("t1", "A", "B", 50, 55)).concatWith(Flux.never()), regions,
                        Duration.ofSeconds(1), Schedulers.parallel()))
                .expectSubscription()
                .expectNoEvent(Duration.ofSeconds(629))
                .thenAwait(Duration.ofSeconds(1))
                .assertNext(s -> {
                    assertEquals(at(0), s.binStart());
                    assertArrayEquals(new double[] {9, 6}, s.stock());
                })
                .expectNoEvent(Duration.ofMinutes(59))
                .thenAwait(Duration.ofMinutes(1))
                .assertNext(s -> assertEquals(at(60), s.binStart())) // one empty bin per hour of silence
                .thenCancel()
                .verify(Duration.ofSeconds(30));
    }

    @Test
    void snapshots_recordsWithinTimeout_keepRegionActive() {
        RegionConfigs regions = RegionConfigs.of(Fixtures.ab());
        // built inside the supplier, so that Schedulers.parallel() is the virtual-time one
        StepVerifier.withVirtualTime(() -> StreamBinning.snapshots(
                        Flux.just(trip("t1", "A", "B", 50, 55), trip("t2", "A", "B", 51, 55), trip("t3", "A", "B", 52, 55))
                                .delayElements(Duration.ofSeconds(20), Schedulers.parallel())
                                .concatWith(Flux.never()),
                        regions, Duration.ofSeconds(1), Schedulers.parallel()))
                .expectSubscription()
                // records at 20, 40, 60 s (event times 00:50..00:52): idle from 90 s, the watermark then reaches
                // 01:00 when 00:52 + (now - 90 s) = 01:00, at now = 570 s
                .expectNoEvent(Duration.ofSeconds(569))
                .thenAwait(Duration.ofSeconds(1))
                .assertNext(s -> assertEquals(3, s.events()))
                .thenCancel()
                .verify(Duration.ofSeconds(30));
    }

    @Test
    void snapshots_realWeek_equalOfflineBinning() {
        List<TripEvent> week = FlightsCsv.readShipped(FlightsData.WEEK);
        RegionConfigs regions = RegionConfigs.loadSpec(FlightsData.REGION);
        List<PopulationSnapshot> offline = Binning.snapshots(week, regions);
        List<PopulationSnapshot> streamed = StreamBinning.snapshots(Flux.fromIterable(week), regions,
                Duration.ofHours(1), Schedulers.single()).collectList().block(Duration.ofSeconds(60));
        assertEquals(offline.size(), streamed.size());
        assertEquals(offline, streamed);
    }
}
