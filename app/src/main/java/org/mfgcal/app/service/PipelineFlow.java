package org.mfgcal.app.service;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
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
     * The bins of one session, one commit per bin: {@link #bins(Flux, Function, int, int, Function, Scheduler)}
     * with batches of one.
     */
    static <D, O, C> Flux<C> bins(Flux<D> deliveries, Function<D, CompletableFuture<O>> submit, int inFlight,
                                  Function<O, C> commit, Scheduler writer) {
        return bins(deliveries, submit, inFlight, 1, batch -> {
            C c = commit.apply(batch.get(0));
            return c == null ? List.of() : List.of(c);
        }, writer);
    }

    /**
     * The bins of one session: each delivery is submitted as soon as it is requested ({@code submit} returns at
     * once with its outcome to come; outcomes may complete in any order), at most {@code inFlight} outcomes are
     * pending or waiting for an earlier one (no further delivery is requested meanwhile: backpressure reaches the
     * source), and up to {@code maxBatch} more wait for the writer. {@code commit} runs on {@code writer}, one call
     * at a time, in delivery order, with every outcome that is waiting when the writer turns to it (at most
     * {@code maxBatch}, the oldest first): while a commit runs, the outcomes finished meanwhile gather into the next
     * one (group commit), and an outcome that finds the writer idle is committed alone, at once. What
     * {@code commit} returns is emitted in order.
     * What {@code submit}, an outcome or {@code commit} throws fails the flux.
     */
    static <D, O, C> Flux<C> bins(Flux<D> deliveries, Function<D, CompletableFuture<O>> submit, int inFlight,
                                  int maxBatch, Function<List<O>, List<C>> commit, Scheduler writer) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be >= 1, got " + maxBatch);
        }
        return Flux.defer(() -> {
            Batches<O> waiting = new Batches<>(maxBatch);
            return deliveries
                    .map(submit)
                    .flatMapSequential(Mono::fromFuture, inFlight, 1)
                    .map(waiting::arrive)
                    .concatMap(seq -> Mono.fromCallable(() -> waiting.commitFrom(seq, commit)).subscribeOn(writer),
                            maxBatch)
                    .flatMapIterable(cs -> cs);
        });
    }

    /**
     * The outcomes waiting for the writer, numbered in arrival (= delivery) order. {@link #arrive} runs on the
     * thread that emits an outcome, {@link #commitFrom} on the writer; the writer call for outcome k commits every
     * waiting outcome up to {@code maxBatch} from k on, unless an earlier call already committed k.
     */
    private static final class Batches<O> {
        private final int maxBatch;
        private final ConcurrentLinkedQueue<O> queue = new ConcurrentLinkedQueue<>();
        private long arrived;        // emitting thread only (serialised by the flux)
        private long committedUpTo;  // writer only

        Batches(int maxBatch) {
            this.maxBatch = maxBatch;
        }

        long arrive(O outcome) {
            queue.add(outcome);
            return ++arrived;
        }

        <C> List<C> commitFrom(long seq, Function<List<O>, List<C>> commit) {
            if (seq <= committedUpTo) {
                return List.of();
            }
            List<O> batch = new ArrayList<>(Math.min(maxBatch, 16));
            O o;
            while (batch.size() < maxBatch && (o = queue.poll()) != null) {
                batch.add(o);
            }
            committedUpTo = seq - 1 + batch.size();
            List<C> out = commit.apply(batch);
            return out == null ? List.of() : out;
        }
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
