package org.mfgcal.app.service;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * The pipeline's ordering, backpressure and session retry ({@link PipelineFlow}) in virtual time, with the
 * pipeline's own constants and failure classification ({@link ServicePipeline#retriable}); expected times are
 * computed by hand from the bins' durations and the documented backoff bounds.
 */
class PipelineFlowTest {

    private static final long MIN = ServicePipeline.MIN_BACKOFF.toMillis();
    private static final long MAX = ServicePipeline.MAX_BACKOFF.toMillis();
    /** Real-time bound of a verification (the flows run in virtual time). */
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** Bins finishing out of order commit in delivery order, each as soon as it and all before it are done. */
    @Test
    void binsCommitInDeliveryOrder_atThePrefixMaximumOfTheirDurations() {
        long[] durations = {300, 100, 200, 50, 400, 10, 30};
        VirtualTimeScheduler vts = VirtualTimeScheduler.create();
        List<long[]> commits = new ArrayList<>(); // {bin, virtual time}
        StepVerifier.withVirtualTime(() -> PipelineFlow.bins(Flux.range(0, durations.length),
                                i -> Mono.delay(Duration.ofMillis(durations[i]), vts).map(x -> i).toFuture(),
                                ServicePipeline.IN_FLIGHT, i -> {
                                    commits.add(new long[] {i, vts.now(MILLISECONDS)});
                                    return i;
                                }, vts),
                        () -> vts, Long.MAX_VALUE)
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(1))
                .expectNext(0, 1, 2, 3, 4, 5, 6)
                .expectComplete()
                .verify(TIMEOUT);
        long prefixMax = 0;
        for (int i = 0; i < durations.length; i++) {
            prefixMax = Math.max(prefixMax, durations[i]);
            assertEquals(i, commits.get(i)[0], "commit order");
            assertEquals(prefixMax, commits.get(i)[1], "bin " + i + " commits when it and every earlier bin are done");
        }
    }

    /**
     * Backpressure: while the oldest bin is slow, exactly {@link ServicePipeline#IN_FLIGHT} bins are taken from the
     * source; at any time the bins taken and not committed are at most IN_FLIGHT being calibrated or waiting for
     * their turn, plus one waiting for the writer and one committing; every bin commits once, in order.
     */
    @Test
    void noMoreThanInFlightBinsAreTakenFromTheSource() {
        int n = 60;
        VirtualTimeScheduler vts = VirtualTimeScheduler.create();
        AtomicLong requested = new AtomicLong();
        AtomicInteger submitted = new AtomicInteger();
        AtomicInteger committed = new AtomicInteger();
        AtomicInteger maxInFlight = new AtomicInteger();
        List<Integer> out = new ArrayList<>();
        StepVerifier.withVirtualTime(() -> PipelineFlow.bins(
                                Flux.range(0, n).doOnRequest(r -> requested.addAndGet(Math.min(r, n))),
                                i -> {
                                    int inFlight = submitted.incrementAndGet() - committed.get();
                                    maxInFlight.accumulateAndGet(inFlight, Math::max);
                                    // the first bin is slow, then bins take 1..7 ms, not in order
                                    long ms = i == 0 ? 1000 : 1 + (i * 5) % 7;
                                    return Mono.delay(Duration.ofMillis(ms), vts).map(x -> i).toFuture();
                                }, ServicePipeline.IN_FLIGHT, i -> {
                                    committed.incrementAndGet();
                                    out.add(i);
                                    return i;
                                }, vts),
                        () -> vts, Long.MAX_VALUE)
                .thenAwait(Duration.ofMillis(999))
                .then(() -> {
                    assertEquals(ServicePipeline.IN_FLIGHT, submitted.get(), "bins taken while the first is slow");
                    assertEquals(ServicePipeline.IN_FLIGHT, requested.get(), "bins requested from the source");
                    assertEquals(0, committed.get());
                })
                .thenAwait(Duration.ofSeconds(10))
                .expectNextCount(n)
                .expectComplete()
                .verify(TIMEOUT);
        assertTrue(maxInFlight.get() <= ServicePipeline.IN_FLIGHT + 2,
                "most bins submitted and not yet committed: " + maxInFlight.get());
        assertEquals(IntStream.range(0, n).boxed().toList(), out);
    }

    /**
     * A replayable log of {@code n} bins read from its committed position by each session; a commit of a bin in
     * {@code failOnce} throws the given failure the first time. Records the virtual time of each session opened.
     */
    private static final class Log {
        final int n;
        final VirtualTimeScheduler vts;
        final Set<Integer> failOnce = ConcurrentHashMap.newKeySet();
        final RuntimeException failure;
        final AtomicInteger position = new AtomicInteger();
        final List<Long> opened = new ArrayList<>();
        int failOpens;

        Log(int n, RuntimeException failure) {
            this.n = n;
            this.vts = VirtualTimeScheduler.create();
            this.failure = failure;
        }

        Integer open() {
            opened.add(vts.now(MILLISECONDS));
            if (failOpens > 0) {
                failOpens--;
                throw new TimeoutException("state topic not readable in time");
            }
            return position.get();
        }

        Flux<Integer> run(Integer from) {
            return PipelineFlow.bins(Flux.range(from, n - from),
                    i -> Mono.delay(Duration.ofMillis(10), vts).map(x -> i).toFuture(), ServicePipeline.IN_FLIGHT,
                    i -> {
                        if (failOnce.remove(i)) {
                            throw failure;
                        }
                        assertEquals(position.getAndIncrement(), i, "commits follow the log");
                        return i;
                    }, vts);
        }

        Flux<Integer> sessions() {
            return PipelineFlow.sessions(this::open, this::run, ServicePipeline::retriable, rs -> { },
                    ServicePipeline.MIN_BACKOFF, ServicePipeline.MAX_BACKOFF, vts, vts);
        }

        /** Runs the sessions for {@code await} of virtual time: they emit {@code bins}, then {@code error} or end. */
        void expect(Duration await, List<Integer> bins, Class<? extends Throwable> error) {
            StepVerifier.Step<Integer> step = StepVerifier.withVirtualTime(this::sessions, () -> vts, Long.MAX_VALUE)
                    .thenAwait(await)
                    .expectNextSequence(bins);
            (error == null ? step.expectComplete() : step.expectError(error)).verifyThenAssertThat(TIMEOUT)
                    .hasNotDroppedErrors();
        }
    }

    /** The wait before retry {@code k} in a row: within [max(min, b/2), min(max, 3b/2)] for b = min·2^k ≤ max. */
    private static void assertBackoff(int k, long gap) {
        long b = Math.min(MAX, MIN << Math.min(k, 20));
        long lo = Math.max(MIN, b / 2);
        long hi = Math.min(MAX, b + b / 2);
        assertTrue(gap >= lo && gap <= hi, "retry " + k + " waited " + gap + " ms, expected in [" + lo + ", " + hi
                + "]");
    }

    /**
     * A retriable failure (Kafka timeout) at bin 3 fails the session; a new one starts after the first backoff and
     * resumes from the committed position: every bin once, in order.
     */
    @Test
    void retriableFailure_newSessionAfterBackoff_everyBinOnceInOrder() {
        Log log = new Log(10, new TimeoutException("broker down"));
        log.failOnce.add(3);
        log.expect(Duration.ofSeconds(5), List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), null);
        assertEquals(2, log.opened.size(), "sessions");
        // the first session failed at 10 ms (its bins take 10 ms each, in parallel)
        assertBackoff(0, log.opened.get(1) - 10);
    }

    /**
     * Sessions that fail without progress back off doubling to the maximum; a session that committed something
     * and then failed restarts the backoff at its minimum; then the remaining bins commit once, in order.
     */
    @Test
    void backoffDoublesWithoutProgress_andResetsAfterProgress() {
        Log log = new Log(6, new TimeoutException("transaction timed out"));
        log.failOpens = 6;
        log.failOnce.add(2);
        log.expect(Duration.ofMinutes(1), List.of(0, 1, 2, 3, 4, 5), null);
        List<Long> t = log.opened;
        assertEquals(8, t.size(), "6 failed opens, the session failing at bin 2, the last");
        for (int k = 0; k < 6; k++) {
            assertBackoff(k, t.get(k + 1) - t.get(k));
        }
        // the 7th session committed bins 0 and 1, then failed 10 ms after it opened: the next wait is the first
        assertBackoff(0, t.get(7) - t.get(6) - 10);
    }

    /** Fencing by a newer instance is fatal: the flux fails at once with it, no new session is built. */
    @Test
    void fencedProducer_stopsWithoutRetry() {
        Log log = new Log(10, new ProducerFencedException("newer instance with the same transactional.id"));
        log.failOnce.add(2);
        log.expect(Duration.ofSeconds(1), List.of(0, 1), ProducerFencedException.class);
        assertEquals(1, log.opened.size(), "sessions");
        assertEquals(2, log.position.get(), "bins committed");
    }

    /** A fatal failure after retriable ones still stops: retries do not mask it. */
    @Test
    void fatalAfterRetriable_stops() {
        Log log = new Log(10, new IllegalStateException("a bug"));
        log.failOpens = 2;
        log.failOnce.add(0);
        log.expect(Duration.ofSeconds(5), List.of(), IllegalStateException.class);
        assertEquals(3, log.opened.size(), "two failed opens, then the session that hit the bug");
        assertEquals(0, log.position.get(), "bins committed");
    }
}
