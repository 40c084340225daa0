package org.mfgcal.ingest;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;

/**
 * The binning stage as a pure Reactor transform, without Kafka: events in, closed snapshots out, with the
 * idle timeout driven by {@code scheduler}'s clock (a virtual-time scheduler in tests). Ticks are sampled: one
 * that finds no demand is dropped (only the latest waits), so a slow subscriber never overflows them. The Kafka pipeline
 * composes the same {@link Binning} calls with offsets and dead letters around them.
 *
 * <p>Contract: each subscription gets its own {@link Binning}; rejected events are dropped here (the pipeline
 * dead-letters them); when {@code events} completes, all open bins are flushed and the Flux completes.
 */
public final class StreamBinning {

    private StreamBinning() {
    }

    /**
     * @param events    validated events (any regions), in arrival order
     * @param regions   region configs
     * @param idleTick  how often idle regions are checked
     * @param scheduler time source and tick scheduler
     */
    public static Flux<PopulationSnapshot> snapshots(Flux<? extends IngestEvent> events, RegionConfigs regions,
                                                     Duration idleTick, Scheduler scheduler) {
        return Flux.defer(() -> {
            Binning binning = new Binning(regions);
            Object end = new Object();
            Object tick = new Object();
            Flux<Object> input = Flux.<Object>from(events).concatWith(Flux.just(end));
            Flux<Object> ticks = Flux.interval(idleTick, idleTick, scheduler).onBackpressureLatest().map(i -> tick);
            return Flux.merge(input, ticks)
                    .takeUntil(o -> o == end)
                    .concatMapIterable(o -> {
                        List<PopulationSnapshot> out = new ArrayList<>(2);
                        long now = scheduler.now(TimeUnit.MILLISECONDS);
                        if (o == end) {
                            binning.flush(out);
                        } else if (o == tick) {
                            binning.onIdle(now, out);
                        } else {
                            binning.offer((IngestEvent) o, 0, now, Long.MAX_VALUE / 2, out);
                        }
                        return out;
                    });
        });
    }
}
