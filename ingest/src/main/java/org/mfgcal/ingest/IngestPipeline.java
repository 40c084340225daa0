package org.mfgcal.ingest;

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
import java.util.function.Function;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RetriableException;
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
 * For each snapshot, at the moment its bin closes ({@link RegionBinner.CloseListener}: one record or idle tick
 * may close several bins, and each gets its own point), the pipeline computes for its partition P the commit
 * position c = min(lowest offset of a record whose bin is still open, next offset to process) and a checkpoint
 * of all of P's regions (stock at the first open bin, arrivals already moved into open bins, processed-up-to
 * offset), carried as the offset's metadata ({@link CheckpointCodec}). A crash after bin k's transaction thus
 * resumes exactly after bin k, and bins k+1… closed by the same record are recomputed from the re-read records.
 * When P is assigned again (restart, rebalance), the regions are restored from that checkpoint, and re-read
 * records below processed-up-to are skipped as already handled (counted in
 * {@link IngestStats#skippedAfterRestore()}) when their bin had closed or when they are rejected again (their
 * dead letter was committed with that checkpoint); so stocks are exact and dead letters are not repeated.
 * Duplicate-trip memory is not checkpointed. If a checkpoint exceeds {@value #MAX_METADATA_CHARS} characters
 * the commit is skipped (logged); processing stays correct, a restart only re-reads more. Revoked partitions:
 * their regions' state is dropped, their queued records are ignored (the new owner resumes from the checkpoint).
 *
 * <h2>Dead letters</h2>
 * ON_ACK mode: sent at once by the pipeline's producer, acknowledged before any later snapshot is released
 * (at-least-once). EXTERNAL mode: carried by the deliveries ({@link SnapshotDelivery#deadLetters()}) and produced
 * by the caller in the same transaction as the offsets that move past their records (exactly-once); after each
 * poll a partition's dead letters not yet attached to a snapshot go out in a delivery of their own. Dead letters
 * are bounded to {@code maxRecordBytes} ({@link DeadLetters#of(String, ConsumerRecord, Rejection, int)}).
 *
 * <h2>Idle ticks and rebalances</h2>
 * The idle tick ({@code idleTick}) is sampled: ticks that find the stream busy are dropped, never queued behind
 * demand (no overflow however long a backlog lasts). A tick leaves alone the regions whose partition has input
 * pending (paused by backpressure, lagging, or fetched records not yet binned): a backlog never makes a region
 * idle. A region's first {@link #TIME_QUORUM} records are held until they establish its event time
 * ({@link RegionBinner#timeQuorum(int)}); held records keep the commit position, and the outliers among them
 * become dead letters when the decision is taken. In EXTERNAL mode the caller's state (calibrators, open
 * transaction) follows the partitions, so any revocation, loss, or later assignment of partitions ends the
 * stream with a {@link RebalancedException} (retriable): the caller rebuilds from the committed offsets.
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
    /**
     * First records of a region that must agree (within its {@code maxFuture}) before its event time is
     * established ({@link RegionBinner#timeQuorum(int)}): one far-off first record cannot define a region's time.
     */
    public static final int TIME_QUORUM = 5;
    /** Kafka's default {@code offset.metadata.max.bytes} is 4096. */
    public static final int MAX_METADATA_CHARS = 4000;

    private final IngestOptions options;
    private final KafkaReceiver receiver;
    private final KafkaSender sender; // ON_ACK mode only
    private final Binning binning;
    private final IngestStats stats;
    private final Scheduler binningThread = Schedulers.newSingle("mfgcal-binning");
    private final ConcurrentLinkedQueue<Runnable> controls = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    // binning-thread state
    private final PartitionStates parts;
    private volatile boolean assignedOnce;
    private volatile String rebalanced;
    /** Called on the consumer thread when partitions are revoked or lost, before the rebalance goes on. */
    private volatile java.util.function.Consumer<Collection<TopicPartition>> revocationHook = ps -> { };

    private final AckOrder ackOrder = new AckOrder();
    private final PollParser parser;
    private final Deliveries deliveries;

    /** A pipeline; nothing connects until {@link #snapshots()} is subscribed. */
    public IngestPipeline(IngestOptions options, RegionConfigs regions) {
        this(options, regions, new IngestStats(), null);
    }

    /**
     * A pipeline counting into {@code stats} (shared across pipelines that replace one another) with a consumer
     * from {@code consumerFactory} ({@code null}: a {@code KafkaConsumer}; tests inject Kafka's MockConsumer).
     */
    public IngestPipeline(IngestOptions options, RegionConfigs regions, IngestStats stats,
                          Function<Map<String, Object>, Consumer<byte[], byte[]>> consumerFactory) {
        this.options = options;
        this.stats = stats;
        this.binning = new Binning(regions);
        this.binning.timeQuorum(TIME_QUORUM);
        this.parts = new PartitionStates(binning);
        this.parser = new PollParser(options);
        this.deliveries = new Deliveries(parts, stats, ackOrder, this);
        this.binning.closeListener((b, snap) -> deliveries.closed(b));
        Map<String, Object> cp = new HashMap<>(options.consumerOverrides());
        cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, options.bootstrapServers());
        cp.put(ConsumerConfig.GROUP_ID_CONFIG, options.groupId());
        cp.putIfAbsent(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        cp.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
        ReceiverOptions ro = new ReceiverOptions(cp, options.topics(), null, null, options.commitMode(), null,
                new Listener(), consumerFactory);
        this.receiver = KafkaReceiver.create(ro);
        if (options.commitMode() == CommitMode.ON_ACK) {
            Map<String, Object> pp = new HashMap<>(options.producerOverrides());
            pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, options.bootstrapServers());
            this.sender = KafkaSender.create(pp);
        } else {
            this.sender = null;
        }
    }

    /**
     * The stream ended because partitions moved (EXTERNAL mode): whatever the caller built from this pipeline's
     * deliveries must be rebuilt from the committed offsets and state. Retriable.
     */
    public static final class RebalancedException extends RetriableException {
        private static final long serialVersionUID = 1L;

        public RebalancedException(String message) {
            super(message);
        }
    }

    /** The snapshot stream (subscribe once). */
    public Flux<SnapshotDelivery> snapshots() {
        Object tick = new Object();
        Object end = new Object();
        Flux<Object> batches = receiver.receiveBatches().map(parser::parse)
                .publishOn(binningThread, options.prefetch()).cast(Object.class)
                .concatWith(Mono.just(end));
        // sampled ticks: a tick that finds no demand is dropped (only the latest waits), never queued
        Flux<Object> ticks = Flux.interval(options.idleTick(), options.idleTick(), binningThread)
                .onBackpressureLatest().map(i -> tick);
        return Flux.merge(batches, ticks)
                .takeWhile(o -> o != end)
                .flatMapSequential(o -> o == tick ? onTick() : onBatch((PollParser.Parsed) o), 16, 1)
                .doOnError(e -> LOG.debug("ingest stream failed", e))
                .doFinally(s -> binningThread.dispose());
    }

    /**
     * The end (epoch ms) of the last bin emitted before the committed checkpoint of {@code region} (its closed-until
     * boundary less trailing empty bins not emitted), as restored when its partition was assigned to this
     * pipeline, or {@code null} when it was not restored from a checkpoint: that bin's transaction committed.
     */
    public Long restoredClosedUntil(String region) {
        return parts.restoredClosedUntil.get(region);
    }

    /**
     * Sets a hook run synchronously on the consumer thread when partitions are revoked or lost (EXTERNAL mode):
     * the caller must stop committing offsets of these partitions before it returns (a later transactional
     * commit would carry the new generation's metadata and move offsets the new owner has already read).
     */
    public void onRevocation(java.util.function.Consumer<Collection<TopicPartition>> hook) {
        revocationHook = hook == null ? ps -> { } : hook;
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
        long end = options.endOfInput().toMillis();
        // a region whose partition has input pending is not idle, however long a backlog pauses it
        Set<TopicPartition> busy = new HashSet<>(receiver.pausedPartitions());
        busy.addAll(receiver.laggingPartitions());
        parser.addQueued(busy);
        binning.onIdle(System.currentTimeMillis(), end, id -> {
            TopicPartition tp = parts.regionPartition.get(id);
            return tp != null && busy.contains(tp);
        }, out);
        if (!parts.heldRecords.isEmpty()) { // regions that established their time on this tick (silence)
            List<Object> sent = new ArrayList<>();
            boolean external = options.commitMode() == CommitMode.EXTERNAL;
            for (var e : List.copyOf(parts.regionPartition.entrySet())) {
                decided(e.getKey(), e.getValue(), false, sent, external);
            }
            if (external) {
                List<SnapshotDelivery> ds = new ArrayList<>(deliveries.of(out));
                for (TopicPartition p : List.copyOf(parts.pendingDead.keySet())) {
                    ds.add(deliveries.one(null, parts.commitPoint(p), p));
                }
                return Flux.fromIterable(ds);
            }
            CompletableFuture<?>[] fs = sent.toArray(new CompletableFuture<?>[0]);
            List<SnapshotDelivery> ds = deliveries.of(out);
            return Mono.fromFuture(CompletableFuture.allOf(fs)).thenMany(Flux.fromIterable(ds));
        }
        return out.isEmpty() ? Flux.empty() : Flux.fromIterable(deliveries.of(out));
    }

    /**
     * One poll's records, serially. Outputs, in input order: snapshot deliveries, and (ON_ACK mode) the futures of
     * dead-letter sends (started at once); a delivery is released downstream only after every earlier dead letter
     * was acknowledged. EXTERNAL mode: dead letters ride on the deliveries, the poll ends with a delivery per
     * partition whose dead letters are not yet attached.
     */
    private Publisher<SnapshotDelivery> onBatch(PollParser.Parsed parsedBatch) {
        List<ReceiverRecord> batch = parsedBatch.records();
        parser.dequeued(batch);
        drainControls();
        ParseResult[] results = parsedBatch.results();
        List<Object> outs = new ArrayList<>();
        List<PopulationSnapshot> closed = new ArrayList<>(4);
        boolean external = options.commitMode() == CommitMode.EXTERNAL;
        boolean anyFuture = false;
        long now = System.currentTimeMillis();
        long wall = options.clock().millis();
        // per-partition lookups, hoisted over runs of records of one partition (a poll lists them partition by
        // partition); the current partition's processed-up-to lives in currentTp/currentProcessed (read by
        // commitPoint) and is written back when the partition changes and at the end
        TopicPartition tp = null;
        boolean owned = false;
        long ownedGen = 0;
        Long skip = null;
        String lastRegion = null;
        try {
            for (int i = 0, n = batch.size(); i < n; i++) {
                ReceiverRecord rr = batch.get(i);
                if (rr.topicPartition() != tp) {
                    parts.writeBackProcessed();
                    tp = rr.topicPartition();
                    Long gen = parts.ownedGeneration.get(tp);
                    owned = gen != null;
                    ownedGen = owned ? gen : 0;
                    skip = parts.skipBelow.get(tp);
                    lastRegion = null;
                    parts.currentTp = owned ? tp : null;
                    parts.currentProcessed = owned ? parts.processedUpTo.getOrDefault(tp, 0L) : 0;
                }
                if (!owned || ownedGen != rr.generation()) {
                    continue; // fetched under an assignment that has since been revoked
                }
                stats.countReceived();
                ConsumerRecord<byte[], byte[]> r = rr.record();
                ParseResult parsed = results[i];
                parts.currentProcessed = r.offset() + 1;
                boolean replayed = skip != null && r.offset() < skip;
                if (replayed && alreadyHandled(parsed)) {
                    stats.countSkipped();
                    rr.ack();
                    continue;
                }
                if (parsed instanceof IngestEvent ev && !ev.region().equals(lastRegion)
                        && binning.binner(ev.region()) != null) {
                    parts.regionPartition.put(ev.region(), tp); // before offer: the close listener needs it
                    lastRegion = ev.region();
                }
                Rejection rej = binning.offer(parsed, r.offset(), now, wall, closed);
                if (rej == RegionBinner.HELD) { // its fate is decided when the region's event time is established
                    parts.heldRecords.computeIfAbsent(tp, k -> new HashMap<>()).put(r.offset(), r);
                    rr.ack();
                    decided(((IngestEvent) parsed).region(), tp, skip != null && r.offset() < skip, outs, external);
                    anyFuture |= !external;
                    if (!closed.isEmpty()) {
                        outs.addAll(deliveries.of(closed));
                        closed.clear();
                    }
                    continue;
                }
                if (rej != null) {
                    if (replayed) { // rejected before too: its dead letter was committed with the checkpoint
                        stats.countSkipped();
                        rr.ack();
                        continue;
                    }
                    stats.countDeadLetter(rej.reason());
                    ProducerRecord<byte[], byte[]> dl = DeadLetters.of(options.deadLetterTopic(), r, rej,
                            Math.max(DeadLetters.MIN_BOUND, options.maxRecordBytes()));
                    if (external) {
                        parts.pendingDead.computeIfAbsent(tp, k -> new ArrayList<>()).add(dl);
                        rr.ack();
                    } else {
                        outs.add(sender.sendNow(dl).thenRun(rr::ack));
                        anyFuture = true;
                    }
                } else {
                    stats.countAccepted();
                }
                if (!closed.isEmpty()) {
                    outs.addAll(deliveries.of(closed));
                    closed.clear();
                }
            }
            parts.writeBackProcessed();
        } finally {
            parts.currentTp = null;
        }
        if (external && !parts.pendingDead.isEmpty()) {
            for (TopicPartition p : List.copyOf(parts.pendingDead.keySet())) {
                outs.add(deliveries.one(null, parts.commitPoint(p), p));
            }
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

    /**
     * The fates of a region's held first records, decided when its event time was established (see
     * {@link RegionBinner#timeQuorum(int)}): accepted ones are counted, the others become dead letters, except
     * when the decision was taken before the restored checkpoint ({@code replayed}: their dead letters were
     * committed with it). In ON_ACK mode the dead letters are sent at once and added to {@code outs}.
     */
    private void decided(String region, TopicPartition tp, boolean replayed, List<Object> outs, boolean external) {
        RegionBinner b = binning.binner(region);
        if (b == null) {
            return;
        }
        Map<Long, ConsumerRecord<byte[], byte[]>> recs = parts.heldRecords.getOrDefault(tp, Map.of());
        for (RegionBinner.Decision dc : b.drainDecided()) {
            ConsumerRecord<byte[], byte[]> r = recs.remove(dc.offset());
            if (dc.rejection() == null) {
                stats.countAccepted();
                continue;
            }
            if (replayed || r == null) {
                stats.countSkipped();
                continue;
            }
            stats.countDeadLetter(dc.rejection().reason());
            ProducerRecord<byte[], byte[]> dl = DeadLetters.of(options.deadLetterTopic(), r, dc.rejection(),
                    Math.max(DeadLetters.MIN_BOUND, options.maxRecordBytes()));
            if (external) {
                parts.pendingDead.computeIfAbsent(tp, k -> new ArrayList<>()).add(dl);
            } else {
                outs.add(sender.sendNow(dl));
            }
        }
    }

    /**
     * A re-read record below the checkpoint's processed-up-to offset: handled before the restart when it was
     * rejected by the parser (its dead letter is committed) or its bin has closed (it is in the stock).
     */
    private boolean alreadyHandled(ParseResult parsed) {
        if (!(parsed instanceof IngestEvent e)) {
            return true;
        }
        RegionBinner b = binning.binner(e.region());
        return b == null || e.eventTimeMillis() < b.closedUntilMillis();
    }

    /** Called by {@link SnapshotDelivery#ack()}. */
    void acknowledged(SnapshotDelivery d) {
        Map<TopicPartition, OffsetAndMetadata> commit = ackOrder.acknowledged(d);
        if (!commit.isEmpty() && options.commitMode() == CommitMode.ON_ACK) {
            receiver.commit(commit);
        }
    }

    private void drainControls() {
        Runnable r;
        while ((r = controls.poll()) != null) {
            r.run();
        }
        String why = rebalanced;
        if (why != null && !closed.get()) {
            throw new RebalancedException(why + "; the caller rebuilds from the committed offsets");
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
        if (sender != null) {
            sender.close();
        }
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
            if (options.commitMode() == CommitMode.EXTERNAL) {
                // the first assignment may be empty (cooperative protocol: a joining member gets its partitions
                // in the next generation); a gain after it still rebuilds, so the caller's state is read after it
                if (assignedOnce && !ps.isEmpty() && rebalanced == null) {
                    rebalanced = "partitions " + ps + " assigned after the first assignment";
                }
                assignedOnce = true;
            }
            controls.add(() -> parts.assigned(ps, generation, c));
        }

        @Override
        public void onRevoked(Collection<TopicPartition> partitions) {
            List<TopicPartition> ps = List.copyOf(partitions);
            if (options.commitMode() == CommitMode.EXTERNAL && !ps.isEmpty()) {
                if (rebalanced == null) {
                    rebalanced = "partitions " + ps + " revoked or lost";
                }
                revocationHook.accept(ps);
            }
            controls.add(() -> parts.revoked(ps));
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
