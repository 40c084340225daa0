package org.mfgcal.app.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mfgcal.api.CalibrationListener;
import org.mfgcal.api.ParameterUpdate;
import org.mfgcal.ingest.Binning;
import org.mfgcal.ingest.IngestStats;
import org.mfgcal.ingest.PopulationSnapshot;
import org.mfgcal.ingest.RegionConfig;
import org.mfgcal.ingest.RegionConfigs;
import org.mfgcal.ingest.SnapshotDelivery;
import org.mfgcal.ingest.flights.FlightsData;
import org.mfgcal.ingest.replay.Replay;
import org.mfgcal.ingest.replay.ReplayFormat;
import org.mfgcal.publisher.kafka.OutputBatch;
import reactor.core.publisher.Flux;

/**
 * {@link ServicePipeline} without a broker: its sessions read, write and restore through a {@link FakeBroker}
 * (transactions, committed offsets and the compacted state as a map), the calibrators are the real ones on the
 * first bins of the shipped flights week with a small window. What a session that failed, was fenced or lost its
 * partitions committed must equal what one uninterrupted session commits (exactly-once, warm restore).
 */
class ServicePipelineTest {

    static final TopicPartition TP = new TopicPartition("mfg.trips", 0);
    static final int BINS = 12;
    /** Position of the delivery that carries dead letters only. */
    static final int DEAD_LETTERS_AT = 2;
    static RegionConfig region;
    static ServiceConfig config;
    static List<SnapshotDelivery> log;
    /** The transactions of one uninterrupted run. */
    static List<FakeBroker.Write> reference;

    @BeforeAll
    static void data() {
        region = RegionConfigs.loadSpec(FlightsData.REGION).single();
        config = ServiceConfig.of("127.0.0.1:9", RegionConfigs.of(region))
                .withModel(ServiceConfig.Model.DEFAULTS.with("windowBins", 4).with("seasonBins", 24)
                        .with("coldSteps", 20).with("warmSteps", 2).with("horizon", 2).with("forecastSamples", 4)
                        .with("uncertaintyProbes", 2));
        List<PopulationSnapshot> snaps = Binning.snapshots(
                Replay.read(FlightsData.WEEK, ReplayFormat.FLIGHTS, region.id(), null), region);
        log = new ArrayList<>();
        for (int i = 0; i < BINS + 1; i++) {
            List<ProducerRecord<byte[], byte[]>> dead = List.of();
            PopulationSnapshot s;
            if (i == DEAD_LETTERS_AT) {
                s = null;
                dead = List.of(new ProducerRecord<>("mfg.deadletters", "k".getBytes(StandardCharsets.UTF_8),
                        "not a trip".getBytes(StandardCharsets.UTF_8)));
            } else {
                s = snaps.get(i < DEAD_LETTERS_AT ? i : i - 1);
            }
            log.add(SnapshotDelivery.of(s, Map.of(TP, new OffsetAndMetadata(i + 1)), dead, i));
        }
        FakeBroker b = new FakeBroker();
        try (ServicePipeline p = b.pipeline()) {
            List<ServicePipeline.Committed> out = p.run().collectList().block(Duration.ofSeconds(60));
            assertEquals(BINS, out.size(), "bins committed");
            assertEquals(BINS, p.committed());
            assertEquals(1, p.deadLettersCommitted());
            assertEquals(0, p.sessionsRebuilt());
            assertEquals(0, p.failedUpdates());
        }
        reference = b.writes;
    }

    /** Transactions, committed offsets and the latest state per region, as a broker would keep them. */
    static final class FakeBroker {
        record Write(List<OutputBatch> batches, List<ProducerRecord<String, byte[]>> extra, long offset) {
            /** The one bin's outputs of a transaction of at most one bin ({@link OutputBatch#EMPTY} if none). */
            OutputBatch batch() {
                assertTrue(batches.size() <= 1, "one bin per transaction: " + batches.size());
                return batches.isEmpty() ? OutputBatch.EMPTY : batches.get(0);
            }
        }

        final List<Write> writes = Collections.synchronizedList(new ArrayList<>());
        final Map<String, byte[]> states = new ConcurrentHashMap<>();
        volatile long offset;
        final AtomicInteger attempts = new AtomicInteger();
        final AtomicInteger outputsOpened = new AtomicInteger();
        final AtomicInteger inputsOpened = new AtomicInteger();
        /** Write attempt (from 0) that throws, and what. */
        int failAt = -1;
        RuntimeException failure;
        /** Write attempt after which the partition is revoked. */
        int revokeAfter = -1;
        /**
         * Write attempt that commits but whose state and offsets stay unreadable (a broker that completed the
         * transaction without writing its markers).
         */
        int hideAt = -1;
        /**
         * Whether the hidden write's offsets are readable all the same (its marker reached the offsets topic, not the
         * state topic's partition: the coordinator skips only the partitions it found no leader for).
         */
        boolean hiddenOffsetsMarked;
        /**
         * Whether opening an output completes a hidden (hanging) write as committed, as {@code HangingTransactions}
         * does with the outcome its coordinator recorded: its state becomes readable and the output reports
         * {@code hangingChecked}.
         */
        boolean completesHanging;
        private volatile Write hidden;
        volatile Consumer<Collection<TopicPartition>> revocation;

        /**
         * Whether the input stays open after the log (like a consumer) and, when its flux is cancelled, runs the
         * revocation hook on another thread and waits up to 5 s for it, as the Kafka consumer's close does.
         */
        boolean revokesOnCancel;
        /** Whether that hook returned within the wait. */
        volatile Boolean hookReturned;

        /** Most bins per transaction of the pipelines built: 1, so that write attempt k is bin k's. */
        int maxBatch = 1;
        /** Duration of each write (a broker's transaction round trips). */
        long writeMillis;

        ServicePipeline pipeline() {
            ServicePipeline p = new ServicePipeline(config, CalibrationListener.NONE, new ServiceConnections(
                    this::openOutput, () -> new LinkedHashMap<>(states), this::openInput));
            p.maxBatch(maxBatch);
            return p;
        }

        ServiceConnections.Output openOutput() {
            outputsOpened.incrementAndGet();
            if (completesHanging && hidden != null) {
                hidden.batches().forEach(batch -> states.putAll(batch.states()));
                offset = Math.max(offset, hidden.offset());
                hidden = null;
            }
            return new ServiceConnections.Output() {
                @Override
                public boolean hangingChecked() {
                    return completesHanging;
                }

                @Override
                public void write(List<OutputBatch> batches, List<ProducerRecord<String, byte[]>> extra,
                                  Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata group) {
                    int n = attempts.getAndIncrement();
                    if (writeMillis > 0) {
                        try {
                            Thread.sleep(writeMillis);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new IllegalStateException(e);
                        }
                    }
                    if (n == failAt) {
                        throw failure;
                    }
                    assertEquals("g", group.groupId());
                    long next = offsets.get(TP).offset();
                    Write w = new Write(batches, extra, next);
                    writes.add(w);
                    if (n == hideAt) {
                        hidden = w;
                        if (hiddenOffsetsMarked) {
                            offset = next;
                        }
                        return;
                    }
                    batches.forEach(batch -> states.putAll(batch.states()));
                    offset = next;
                    if (n == revokeAfter) {
                        revocation.accept(List.of(TP));
                    }
                }

                @Override
                public void close() {
                }
            };
        }

        ServiceConnections.Input openInput(IngestStats stats) {
            inputsOpened.incrementAndGet();
            int from = (int) offset;
            return new ServiceConnections.Input() {
                @Override
                public Flux<SnapshotDelivery> snapshots() {
                    Flux<SnapshotDelivery> f = Flux.fromIterable(log.subList(from, log.size()));
                    if (!revokesOnCancel) {
                        return f;
                    }
                    return f.concatWith(Flux.never()).doOnCancel(() -> {
                        Thread t = new Thread(() -> revocation.accept(List.of(TP)), "fake-consumer-close");
                        t.start();
                        try {
                            t.join(5_000);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        hookReturned = !t.isAlive();
                    });
                }

                @Override
                public Long restoredClosedUntil(String r) {
                    return null;
                }

                @Override
                @SuppressWarnings("removal") // Kafka deprecates building group metadata outside its consumer
                public ConsumerGroupMetadata groupMetadata() {
                    return new ConsumerGroupMetadata("g", 1, "member-1", Optional.empty());
                }

                @Override
                public void onRevocation(Consumer<Collection<TopicPartition>> hook) {
                    revocation = hook;
                }

                @Override
                public void close() {
                }
            };
        }
    }

    /** The update without its wall-clock latency (the only field that differs between equal computations). */
    private static ParameterUpdate timeless(ParameterUpdate u) {
        return new ParameterUpdate(u.region(), u.bin(), u.parameters(), u.loss(), u.exploitability(),
                u.optimiserSteps(), u.picardIterations(), u.adjointIterations(), u.start(), 0, u.provenance(),
                u.health());
    }

    /** The published updates and forecasts of all transactions, in commit order. */
    private static List<Object> published(List<FakeBroker.Write> writes) {
        List<Object> out = new ArrayList<>();
        for (FakeBroker.Write w : writes) {
            for (OutputBatch batch : w.batches()) {
                batch.parameters().forEach(u -> out.add(timeless(u)));
                out.addAll(batch.forecasts());
            }
        }
        return out;
    }

    /**
     * Runs {@code b}'s pipeline to the end of the log: one session rebuilt, and the same offsets and outputs
     * committed as by the uninterrupted run.
     */
    private static void assertOneRebuild_sameAsUninterrupted(FakeBroker b) {
        try (ServicePipeline p = b.pipeline()) {
            p.run().collectList().block(Duration.ofSeconds(60));
            assertEquals(1, p.sessionsRebuilt(), "sessions rebuilt");
            assertEquals(0, p.skippedBins());
        }
        assertEquals(2, b.outputsOpened.get());
        assertEquals(offsets(reference), offsets(b.writes), "each offset committed once");
        assertEquals(published(reference), published(b.writes), "same outputs as without the failure");
    }

    /** The input offsets committed, one per transaction, in commit order. */
    private static List<Long> offsets(List<FakeBroker.Write> writes) {
        return writes.stream().map(FakeBroker.Write::offset).toList();
    }

    @Test
    void uninterruptedRun_eachDeliveryOneTransactionInOrder_deadLettersInTheirOwn() {
        List<Long> expected = new ArrayList<>();
        for (long i = 1; i <= BINS + 1; i++) {
            expected.add(i);
        }
        assertEquals(expected, offsets(reference), "offsets commit once each, in delivery order");
        FakeBroker.Write dl = reference.get(DEAD_LETTERS_AT);
        assertEquals(OutputBatch.EMPTY, dl.batch(), "dead letters only: no outputs");
        assertEquals(1, dl.extra().size());
        assertEquals("mfg.deadletters", dl.extra().get(0).topic());
        long updates = reference.stream().mapToLong(w -> w.batch().parameters().size()).sum();
        assertTrue(updates >= BINS - 4, "parameters published once the window of 4 bins is full: " + updates);
        List<Long> stateBins = new ArrayList<>();
        for (FakeBroker.Write w : reference) {
            if (!w.batch().states().isEmpty()) {
                stateBins.add(StateSummary.fromBytes(w.batch().states().get(region.id())).lastBin());
            }
        }
        assertEquals(BINS, stateBins.size(), "one state per bin");
        for (int i = 1; i < stateBins.size(); i++) {
            assertTrue(stateBins.get(i) > stateBins.get(i - 1), "states in bin order: " + stateBins);
        }
    }

    /**
     * A retriable failure of a transaction (Kafka timeout) after the window filled: a new session restores the
     * region warm from the state and resumes from the committed offset; the outputs equal the uninterrupted run's.
     */
    @Test
    void retriableWriteFailure_newSessionRestoresWarm_outputsEqualUninterrupted() {
        FakeBroker b = new FakeBroker();
        b.failAt = 8;
        b.failure = new TimeoutException("transaction timed out");
        assertOneRebuild_sameAsUninterrupted(b);
    }

    /** Partitions revoked: the session commits no more, a new one resumes; outputs equal the uninterrupted run's. */
    @Test
    void revokedPartitions_sessionStopsCommitting_newSessionResumes() {
        FakeBroker b = new FakeBroker();
        b.revokeAfter = 5;
        assertOneRebuild_sameAsUninterrupted(b);
    }

    /** Fenced by a newer instance: the pipeline stops with the error, builds no new session, commits nothing more. */
    @Test
    void fencedProducer_stops() {
        FakeBroker b = new FakeBroker();
        b.failAt = 6;
        b.failure = new ProducerFencedException("a newer instance took the transactional id");
        try (ServicePipeline p = b.pipeline()) {
            RuntimeException e = assertThrows(RuntimeException.class,
                    () -> p.run().collectList().block(Duration.ofSeconds(60)));
            assertInstanceOf(ProducerFencedException.class, e);
            assertEquals(0, p.sessionsRebuilt());
        }
        assertEquals(1, b.outputsOpened.get());
        assertEquals(offsets(reference).subList(0, 6), offsets(b.writes));
    }

    /**
     * The state is ahead of the committed offsets (as when offsets and state were read at different moments): the
     * bins up to the state's are not computed or published again, only their offsets commit; later bins equal the
     * uninterrupted run's.
     */
    @Test
    void stateAheadOfOffsets_binsAlreadyCommittedAreSkipped() {
        FakeBroker b = new FakeBroker();
        for (int i = 0; i <= 9; i++) { // the state topic after delivery 9's bin committed
            b.states.putAll(reference.get(i).batch().states());
        }
        b.offset = 5;
        try (ServicePipeline p = b.pipeline()) {
            p.run().collectList().block(Duration.ofSeconds(60));
            assertEquals(5, p.skippedBins(), "deliveries 5..9");
            assertEquals(BINS + 1 - 10, p.committed());
        }
        for (int i = 0; i < 5; i++) {
            FakeBroker.Write w = b.writes.get(i);
            assertEquals(OutputBatch.EMPTY, w.batch(), "skipped bin " + (5 + i) + ": offsets only");
            assertEquals(6 + i, w.offset());
        }
        assertEquals(published(reference.subList(10, reference.size())), published(b.writes.subList(5,
                b.writes.size())));
        assertFalse(published(b.writes).isEmpty());
    }

    /**
     * A transaction commits but its markers are lost (a single broker's controlled shutdown): its state and offsets
     * are not readable when the next transaction fails and a new session starts. The new session restores from the
     * state this process committed, so the bin is not computed or published again (only its offsets commit): every
     * bin's state and outputs once, equal to the uninterrupted run.
     */
    @Test
    void markersLost_newSessionRestoresFromCommittedState_noBinPublishedTwice() {
        FakeBroker b = new FakeBroker();
        b.hideAt = 7;
        b.failAt = 8;
        b.failure = new TimeoutException("broker restarting");
        try (ServicePipeline p = b.pipeline()) {
            p.run().collectList().block(Duration.ofSeconds(60));
            assertEquals(1, p.sessionsRebuilt(), "sessions rebuilt");
            assertEquals(1, p.skippedBins(), "the hidden bin is not computed again");
        }
        assertEquals(published(reference), published(b.writes), "each update and forecast once");
        List<Long> stateBins = new ArrayList<>();
        for (FakeBroker.Write w : b.writes) {
            if (!w.batch().states().isEmpty()) {
                stateBins.add(StateSummary.fromBytes(w.batch().states().get(region.id())).lastBin());
            }
        }
        assertEquals(BINS, stateBins.size(), "one state per bin: " + stateBins);
        assertEquals(BINS, new java.util.HashSet<>(stateBins).size(), "no bin's state twice: " + stateBins);
    }
    /**
     * The same lost markers, where the offsets topic got the commit marker and the state topic did not (what a
     * single broker's SIGTERM did in CI), with an output that completes its producer's hanging transactions as their
     * coordinator recorded them when it opens (the service's {@code HangingTransactions}): the hidden bin's state
     * becomes readable, so the new session goes on from it; no bin is lost, skipped or published twice. Aborting the
     * hanging transaction instead (the former remedy) loses that bin, as its offsets are committed.
     */
    @Test
    void markersLostOnStateOnly_hangingTransactionCommitted_noBinLostOrPublishedTwice() {
        FakeBroker b = new FakeBroker();
        b.hideAt = 7;
        b.hiddenOffsetsMarked = true;
        b.failAt = 8;
        b.failure = new TimeoutException("broker restarting");
        b.completesHanging = true;
        try (ServicePipeline p = b.pipeline()) {
            p.run().collectList().block(Duration.ofSeconds(60));
            assertEquals(1, p.sessionsRebuilt(), "sessions rebuilt");
            assertEquals(0, p.skippedBins(), "nothing skipped: the offsets and the state agree");
        }
        assertEquals(published(reference), published(b.writes), "each update and forecast once");
        assertEquals(stateBins(reference), stateBins(b.writes), "one state per bin, in bin order");
    }

    /**
     * Stopping the service cancels the input, whose consumer's close revokes its partitions on the consumer thread
     * and waits for that: the session's revocation hook must not wait for the lock the stopping thread holds (it did,
     * for the consumer's whole close timeout of 20 s, on every stop of the service).
     */
    @Test
    void close_consumerRevokesOnCancel_revocationHookDoesNotWait() throws Exception {
        FakeBroker b = new FakeBroker();
        b.revokesOnCancel = true;
        ServicePipeline p = b.pipeline();
        java.util.concurrent.CountDownLatch all = new java.util.concurrent.CountDownLatch(BINS);
        p.start(c -> all.countDown(), e -> { }, () -> { });
        assertTrue(all.await(60, java.util.concurrent.TimeUnit.SECONDS), "bins committed");
        p.close();
        assertEquals(Boolean.TRUE, b.hookReturned, "the revocation hook returned while the pipeline stopped");
    }

    /**
     * Group commit: while a (slow) transaction commits, the bins finished meanwhile gather into the next one; the
     * outputs, the states (one per bin, in bin order) and the last offset equal the one-bin-per-transaction run's.
     */
    @Test
    void slowWrites_binsGroupIntoFewerTransactions_sameOutputsStatesAndOffsets() {
        FakeBroker b = new FakeBroker();
        b.maxBatch = 4;
        b.writeMillis = 150;
        try (ServicePipeline p = b.pipeline()) {
            List<ServicePipeline.Committed> out = p.run().collectList().block(Duration.ofSeconds(60));
            assertEquals(BINS, out.size(), "bins committed");
            assertEquals(BINS, p.committed());
            assertEquals(b.writes.size(), p.transactions());
            assertEquals(1, p.deadLettersCommitted());
        }
        assertTrue(b.writes.size() < reference.size(), "fewer transactions than bins: " + b.writes.size());
        assertTrue(b.writes.stream().allMatch(w -> w.batches().size() <= 4), "at most 4 bins per transaction");
        assertEquals(published(reference), published(b.writes), "same outputs as one bin per transaction");
        assertEquals(stateBins(reference), stateBins(b.writes), "one state per bin, in bin order");
        List<Long> offsets = offsets(b.writes);
        for (int i = 1; i < offsets.size(); i++) {
            assertTrue(offsets.get(i) > offsets.get(i - 1), "offsets increase: " + offsets);
        }
        assertEquals(BINS + 1L, offsets.get(offsets.size() - 1), "the last checkpoint committed");
        assertEquals(reference.get(DEAD_LETTERS_AT).extra().get(0).value(),
                b.writes.stream().flatMap(w -> w.extra().stream()).findFirst().orElseThrow().value(), "dead letter");
    }

    /** The bin of every state written, in commit order. */
    private static List<Long> stateBins(List<FakeBroker.Write> writes) {
        List<Long> bins = new ArrayList<>();
        for (FakeBroker.Write w : writes) {
            for (OutputBatch batch : w.batches()) {
                if (!batch.states().isEmpty()) {
                    bins.add(StateSummary.fromBytes(batch.states().get(region.id())).lastBin());
                }
            }
        }
        return bins;
    }
}
