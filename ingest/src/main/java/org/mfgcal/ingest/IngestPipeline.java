package org.mfgcal.ingest;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.mfgcal.ingest.kafka.CommitMode;
import org.mfgcal.ingest.kafka.KafkaReceiver;
import org.mfgcal.ingest.kafka.KafkaSender;
import org.mfgcal.ingest.kafka.RebalanceListener;
import org.mfgcal.ingest.kafka.ReceiverOptions;
import org.mfgcal.ingest.kafka.ReceiverRecord;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Kafka records → validated events → event-time bins → {@link SnapshotDelivery}s; bad records → the
 * dead-letter topic.
 *
 * <h2>Flow</h2>
 * {@code KafkaReceiver.receiveBatches()} (consumer thread, one list per poll) → size check and
 * {@link RecordCodec#parse} of the poll's records, still on the consumer thread (a pure function) →
 * {@code publishOn(binning thread, prefetch batches)} merged with the idle tick → for each record, serially:
 * {@link Binning#offer} → either a dead letter (sent at once with
 * {@link KafkaSender}) or 0..n closed snapshots. Outputs keep input order ({@code flatMapSequential} over
 * batches, {@code concatMap} inside one), so a snapshot reaches downstream only after every earlier dead
 * letter was acknowledged by the broker. Batching amortizes the Reactor per-element cost over a poll. Parsing
 * ahead on the consumer thread splits the per-record work between two threads: the binning thread was the
 * busiest thread of the end-to-end benchmark while the consumer thread mostly waited (ingest/BENCHMARKS.md).
 *
 * <h2>Offsets and restarts</h2>
 * A region's records all come from one partition (key = region, else {@link DeadLetterReason#KEY_MISMATCH}).
 * With each snapshot the pipeline computes, for its partition P, the commit position
 * c = min(lowest offset of a record whose bin is still open, next offset to process) and a checkpoint of all
 * of P's regions (stock at the first open bin, arrivals already moved into open bins, processed-up-to offset),
 * carried as the offset's metadata ({@link CheckpointCodec}). When P is assigned again (restart, rebalance),
 * the regions are restored from that checkpoint and records below processed-up-to whose bins had closed are
 * skipped as already handled (counted in {@link IngestStats#skippedAfterRestore()}); so stocks are exact after
 * a restart. Duplicate-trip memory is not checkpointed. If a checkpoint exceeds {@value #MAX_METADATA_CHARS}
 * characters the commit is skipped (logged); processing stays correct, a restart only re-reads more.
 * Revoked partitions: their regions' state is dropped, their queued records are ignored (the new owner
 * resumes from the checkpoint).
 *
 * <p>Every received record ends up counted once: in the {@code events} of one snapshot, as a dead letter, or
 * as skipped after restore ({@link #stats()}).
 *
 * <p>Contract: {@link #snapshots()} may be subscribed once; {@link #close()} (also on SIGTERM via
 * {@link #closeOnShutdown()}) stops consuming, commits acknowledged offsets, and closes the clients.
 * Thread-safe public methods.
 */
public final class IngestPipeline implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(IngestPipeline.class);
    /** Kafka's default {@code offset.metadata.max.bytes} is 4096. */
    public static final int MAX_METADATA_CHARS = 4000;

    private final IngestOptions options;
    private final KafkaReceiver receiver;
    private final KafkaSender sender;
    private final Binning binning;
    private final IngestStats stats = new IngestStats();
    private final Scheduler binningThread = Schedulers.newSingle("mfgcal-binning");
    private final ConcurrentLinkedQueue<Runnable> controls = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    // binning-thread state
    private final Map<TopicPartition, Long> ownedGeneration = new HashMap<>();
    private final Map<TopicPartition, Long> skipBelow = new HashMap<>();
    private final Map<TopicPartition, Long> processedUpTo = new HashMap<>();
    private final Map<String, TopicPartition> regionPartition = new HashMap<>();
    private long nextSequence;

    // ack ordering (any thread, guarded by acks)
    private final ArrayDeque<SnapshotDelivery> unacked = new ArrayDeque<>();
    private final Set<Long> ackedAhead = new HashSet<>();
    private final Object acks = new Object();

    /** A pipeline; nothing connects until {@link #snapshots()} is subscribed. */
    public IngestPipeline(IngestOptions options, RegionConfigs regions) {
        this.options = options;
        this.binning = new Binning(regions);
        Map<String, Object> cp = new HashMap<>(options.consumerOverrides());
        cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, options.bootstrapServers());
        cp.put(ConsumerConfig.GROUP_ID_CONFIG, options.groupId());
        cp.putIfAbsent(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        cp.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
        ReceiverOptions ro = new ReceiverOptions(cp, options.topics(), null, null, options.commitMode(), null,
                new Listener(), null);
        this.receiver = KafkaReceiver.create(ro);
        Map<String, Object> pp = new HashMap<>(options.producerOverrides());
        pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, options.bootstrapServers());
        this.sender = KafkaSender.create(pp);
    }

    /** The snapshot stream (subscribe once). */
    public Flux<SnapshotDelivery> snapshots() {
        Object tick = new Object();
        Object end = new Object();
        Flux<Object> batches = receiver.receiveBatches().map(this::parse)
                .publishOn(binningThread, options.prefetch()).cast(Object.class)
                .concatWith(Mono.just(end));
        Flux<Object> ticks = Flux.interval(options.idleTick(), options.idleTick(), binningThread).map(i -> tick);
        return Flux.merge(batches, ticks)
                .takeWhile(o -> o != end)
                .flatMapSequential(o -> o == tick ? onTick() : onBatch((Parsed) o), 16, 1)
                .doFinally(s -> binningThread.dispose());
    }

    /** One poll's records and their parse results (same order), parsed on the consumer thread. */
    private record Parsed(List<ReceiverRecord> records, ParseResult[] results) {
    }

    /** Size check and {@link RecordCodec#parse} of one poll's records: pure, on the consumer thread. */
    private Parsed parse(List<ReceiverRecord> batch) {
        ParseResult[] out = new ParseResult[batch.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = parse(batch.get(i).record());
        }
        return new Parsed(batch, out);
    }

    private ParseResult parse(ConsumerRecord<byte[], byte[]> r) {
        return r.value() != null && r.value().length > options.maxRecordBytes()
                ? new Rejection(DeadLetterReason.TOO_LARGE, "record value is " + r.value().length
                        + " bytes, more than maxRecordBytes " + options.maxRecordBytes())
                : RecordCodec.parse(r.key() == null ? EMPTY : r.key(), r.value());
    }

    /** Counters (see {@link IngestStats} for the invariant). */
    public IngestStats stats() {
        return stats;
    }

    /** The underlying receiver (paused partitions, group metadata). */
    public KafkaReceiver receiver() {
        return receiver;
    }

    /** For {@code sendOffsetsToTransaction}; {@code null} before the first poll. */
    public ConsumerGroupMetadata groupMetadata() {
        return receiver.groupMetadata();
    }

    private Publisher<SnapshotDelivery> onTick() {
        drainControls();
        List<PopulationSnapshot> out = new ArrayList<>();
        binning.onIdle(System.currentTimeMillis(), out);
        return out.isEmpty() ? Flux.empty() : Flux.fromIterable(deliveries(out));
    }

    /**
     * One poll's records, serially. Outputs, in input order: snapshot deliveries, and the futures of dead-letter
     * sends (started at once); a delivery is released downstream only after every earlier dead letter was
     * acknowledged.
     */
    private Publisher<SnapshotDelivery> onBatch(Parsed parsedBatch) {
        drainControls();
        List<ReceiverRecord> batch = parsedBatch.records();
        ParseResult[] results = parsedBatch.results();
        List<Object> outs = new ArrayList<>();
        List<PopulationSnapshot> closed = new ArrayList<>(4);
        boolean anyFuture = false;
        long now = System.currentTimeMillis();
        long wall = options.clock().millis();
        // per-partition lookups, hoisted over runs of records of one partition (a poll lists them partition by
        // partition); processedUpTo is written back before any commit point is computed and at the end
        TopicPartition tp = null;
        boolean owned = false;
        long ownedGen = 0;
        Long skip = null;
        long processed = -1;
        String lastRegion = null;
        for (int i = 0, n = batch.size(); i < n; i++) {
            ReceiverRecord rr = batch.get(i);
            if (rr.topicPartition() != tp) {
                if (processed >= 0) {
                    processedUpTo.put(tp, processed);
                    processed = -1;
                }
                tp = rr.topicPartition();
                Long gen = ownedGeneration.get(tp);
                owned = gen != null;
                ownedGen = owned ? gen : 0;
                skip = skipBelow.get(tp);
                lastRegion = null;
            }
            if (!owned || ownedGen != rr.generation()) {
                continue; // fetched under an assignment that has since been revoked
            }
            stats.countReceived();
            ConsumerRecord<byte[], byte[]> r = rr.record();
            ParseResult parsed = results[i];
            processed = r.offset() + 1;
            if (skip != null && r.offset() < skip && parsed instanceof IngestEvent e) {
                RegionBinner b = binning.binner(e.region());
                if (b != null && e.eventTimeMillis() < b.closedUntilMillis()) {
                    stats.countSkipped();
                    rr.ack();
                    continue;
                }
            }
            Rejection rej = binning.offer(parsed, r.offset(), now, wall, closed);
            if (rej != null) {
                stats.countDeadLetter(rej.reason());
                outs.add(sender.sendNow(DeadLetters.of(options.deadLetterTopic(), r, rej)).thenRun(rr::ack));
                anyFuture = true;
            } else {
                stats.countAccepted();
                String region = ((IngestEvent) parsed).region();
                if (!region.equals(lastRegion)) { // already put for this partition in this batch otherwise
                    regionPartition.put(region, tp);
                    lastRegion = region;
                }
            }
            if (!closed.isEmpty()) {
                processedUpTo.put(tp, processed);
                outs.addAll(deliveries(closed));
                closed.clear();
            }
        }
        if (processed >= 0) {
            processedUpTo.put(tp, processed);
        }
        if (outs.isEmpty()) {
            return Flux.empty();
        }
        if (!anyFuture) {
            return Flux.fromIterable(outs).cast(SnapshotDelivery.class);
        }
        return Flux.fromIterable(outs).concatMap(o -> o instanceof CompletableFuture<?> f
                ? Mono.fromFuture(f).then(Mono.<SnapshotDelivery>empty())
                : Mono.just((SnapshotDelivery) o), 1);
    }

    private static final byte[] EMPTY = new byte[0];

    private List<SnapshotDelivery> deliveries(List<PopulationSnapshot> out) {
        List<SnapshotDelivery> ds = new ArrayList<>(out.size());
        Map<TopicPartition, Map<TopicPartition, OffsetAndMetadata>> cache = new HashMap<>();
        for (PopulationSnapshot s : out) {
            stats.countSnapshot(s);
            TopicPartition tp = regionPartition.get(s.region());
            Map<TopicPartition, OffsetAndMetadata> offsets = tp == null ? Map.of() : cache.computeIfAbsent(tp, this::commitPoint);
            SnapshotDelivery d = new SnapshotDelivery(s, offsets, nextSequence++, this);
            synchronized (acks) {
                unacked.add(d);
            }
            ds.add(d);
        }
        return ds;
    }

    /** Commit position and checkpoint of a partition, now (binning thread). */
    private Map<TopicPartition, OffsetAndMetadata> commitPoint(TopicPartition tp) {
        long processed = processedUpTo.getOrDefault(tp, 0L);
        long c = processed;
        List<RegionBinner.Checkpoint> cps = new ArrayList<>();
        for (var e : regionPartition.entrySet()) {
            if (!e.getValue().equals(tp)) {
                continue;
            }
            RegionBinner b = binning.binner(e.getKey());
            c = Math.min(c, b.minOpenOffset());
            RegionBinner.Checkpoint cp = b.checkpoint();
            if (cp != null) {
                cps.add(cp);
            }
        }
        String meta = CheckpointCodec.encode(new CheckpointCodec.PartitionCheckpoint(processed, cps));
        if (meta.length() > MAX_METADATA_CHARS) {
            LOG.warn("checkpoint of {} is {} chars (> {}); this commit is skipped", tp, meta.length(), MAX_METADATA_CHARS);
            return Map.of();
        }
        return Map.of(tp, new OffsetAndMetadata(c, meta));
    }

    /** Called by {@link SnapshotDelivery#ack()}. */
    void acknowledged(SnapshotDelivery d) {
        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
        synchronized (acks) {
            ackedAhead.add(d.sequence());
            while (!unacked.isEmpty() && ackedAhead.remove(unacked.peekFirst().sequence())) {
                commit.putAll(unacked.pollFirst().offsetsToCommit());
            }
        }
        if (!commit.isEmpty() && options.commitMode() == CommitMode.ON_ACK) {
            receiver.commit(commit);
        }
    }

    private void drainControls() {
        Runnable r;
        while ((r = controls.poll()) != null) {
            r.run();
        }
    }

    /** Registers a JVM shutdown hook that closes this pipeline (graceful stop on SIGTERM). */
    public IngestPipeline closeOnShutdown() {
        Runtime.getRuntime().addShutdownHook(new Thread(this::close, "mfgcal-ingest-shutdown"));
        return this;
    }

    /** Stops consuming (commits acknowledged offsets), then closes the dead-letter producer. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        receiver.close();
        sender.close();
        binningThread.dispose();
        LOG.info("ingest pipeline closed: {}", stats);
    }

    /** Rebalance events → controls applied on the binning thread before the next record. */
    private final class Listener implements RebalanceListener {
        @Override
        public void onAssigned(Collection<TopicPartition> partitions, long generation,
                               Map<TopicPartition, OffsetAndMetadata> committed) {
            Map<TopicPartition, OffsetAndMetadata> c = Map.copyOf(committed);
            List<TopicPartition> ps = List.copyOf(partitions);
            controls.add(() -> {
                for (TopicPartition tp : ps) {
                    ownedGeneration.put(tp, generation);
                    OffsetAndMetadata om = c.get(tp);
                    CheckpointCodec.PartitionCheckpoint pc = om == null ? null : CheckpointCodec.decode(om.metadata());
                    if (pc != null) {
                        for (RegionBinner.Checkpoint cp : pc.regions()) {
                            binning.restore(cp);
                            regionPartition.put(cp.region(), tp);
                        }
                        skipBelow.put(tp, pc.processedUpTo());
                        LOG.info("{}: resumed {} region(s) from checkpoint at offset {}", tp, pc.regions().size(), om.offset());
                    }
                }
            });
        }

        @Override
        public void onRevoked(Collection<TopicPartition> partitions) {
            List<TopicPartition> ps = List.copyOf(partitions);
            controls.add(() -> {
                for (TopicPartition tp : ps) {
                    ownedGeneration.remove(tp);
                    skipBelow.remove(tp);
                    processedUpTo.remove(tp);
                    regionPartition.entrySet().removeIf(e -> {
                        if (e.getValue().equals(tp)) {
                            binning.drop(e.getKey());
                            return true;
                        }
                        return false;
                    });
                }
            });
        }
    }

    /** Used by tests and benchmarks: wait until the stats show {@code n} received records. */
    public boolean awaitReceived(long n, long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (stats.received() < n) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(5);
        }
        return true;
    }
}
