package org.mfgcal.app.service;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.util.retry.Retry;

/**
 * The ordering, backpressure and failure logic of {@link ServicePipeline} as functions of {@link Flux}es, with no
 * Kafka, no calibrator and no thread of their own: the pipeline plugs in its sessions, calibration pool and
 * transactions; unit tests plug in fakes and virtual time ({@code PipelineFlowTest}).
 *
 * <p>Thread-safety: stateless.
 */
final class PipelineFlow {

    private PipelineFlow() {
    }

    /**
     * The bins of one session: each delivery is submitted as soon as it is requested ({@code submit} returns at
     * once with its outcome to come; outcomes may complete in any order), at most {@code inFlight} outcomes are
     * pending or waiting for an earlier one (no further delivery is requested meanwhile: backpressure reaches the
     * source), one more waits for the writer, and {@code commit} runs on {@code writer}, one outcome at a time, in
     * delivery order. A null from {@code commit} emits nothing.
     * What {@code submit}, an outcome or {@code commit} throws fails the flux.
     */
    static <D, O, C> Flux<C> bins(Flux<D> deliveries, Function<D, CompletableFuture<O>> submit, int inFlight,
                                  Function<O, C> commit, Scheduler writer) {
        return deliveries
                .map(submit)
                .flatMapSequential(Mono::fromFuture, inFlight, 1)
                .concatMap(o -> Mono.fromCallable(() -> commit.apply(o)).subscribeOn(writer), 1);
    }

    /**
     * Sessions one after another: {@code open} builds a session on {@code blocking} (it may block) and {@code run}
     * gives its elements. When they fail with an error {@code retry} accepts, {@code beforeRetry} is told and a new
     * session is built after a backoff on {@code timer}: {@code minBackoff} doubling to {@code maxBackoff}, with
     * jitter (a wait is in [max(min, b/2), min(max, 3b/2)] for the nominal b), back to {@code minBackoff} after a
     * session that emitted. Any other error ends the flux.
     */
    static <S, C> Flux<C> sessions(Callable<S> open, Function<S, Flux<C>> run, Predicate<Throwable> retry,
                                   Consumer<Retry.RetrySignal> beforeRetry, Duration minBackoff,
                                   Duration maxBackoff, Scheduler blocking, Scheduler timer) {
        return Flux.defer(() -> Mono.fromCallable(open).subscribeOn(blocking).flatMapMany(run))
                .retryWhen(Retry.backoff(Long.MAX_VALUE, minBackoff).maxBackoff(maxBackoff).transientErrors(true)
                        .filter(retry)
                        .doBeforeRetry(beforeRetry)
                        .scheduler(timer));
    }
}
