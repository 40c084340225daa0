package org.mfgcal.ingest.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

/**
 * Kafka → Reactor: a {@link Flux} of {@link ReceiverRecord}s fed by one consumer on its own thread.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>One thread ({@code mfgcal-consumer-N}) owns the {@link Consumer}; nothing else touches it. Work from
 *       other threads (commits) is queued to it.</li>
 *   <li>Backpressure: before each poll, when downstream demand is exhausted every assigned partition is paused
 *       (the consumer keeps polling, so it stays in the group, but fetches nothing); they resume when demand
 *       returns. At most one poll's records ({@code max.poll.records}) wait beyond the downstream demand.
 *       {@link #pausedPartitions()} shows the current state.</li>
 *   <li>Records of a partition are emitted in offset order.</li>
 *   <li>Offsets: in {@link CommitMode#ON_ACK} the receiver commits, every {@code commitInterval}, the position of
 *       the oldest unacknowledged record of each partition (acks may be out of order), plus explicit
 *       {@link #commit} requests; it commits synchronously when partitions are revoked and on close. In
 *       {@link CommitMode#EXTERNAL} it never commits on its own (use {@link #groupMetadata()} with a
 *       transactional producer).</li>
 *   <li>{@link #receive()} may be subscribed once. Cancelling the subscription or {@link #close()} stops the
 *       thread: final commit, then {@code consumer.close(closeTimeout)}.</li>
 * </ul>
 * Thread-safety: all public methods may be called from any thread.
 */
public final class KafkaReceiver implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaReceiver.class);
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final ReceiverOptions options;
    private final AtomicBoolean subscribed = new AtomicBoolean();
    private final AtomicBoolean closing = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Map<TopicPartition, OffsetTracker> trackers = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Map<TopicPartition, OffsetAndMetadata>> commitRequests = new ConcurrentLinkedQueue<>();
    private volatile Set<TopicPartition> paused = Set.of();
    private volatile Set<TopicPartition> lagging = Set.of();
    private volatile Set<TopicPartition> assigned = Set.of();
    private volatile ConsumerGroupMetadata groupMetadata;
    private volatile Consumer<byte[], byte[]> consumer;
    private final Map<TopicPartition, Long> lastCommitted = new HashMap<>();
    private long generation;
    /** See {@link #rejoinAfterFirstAssignment()}. */
    private volatile boolean rejoinRequested;
    /** Set by the first assignment when {@link #rejoinRequested} (consumer thread): the next poll rejoins. */
    private boolean rejoinPending;
    /** Whether partitions were revoked from or lost by this consumer (any thread). */
    private volatile boolean revokedAny;
    /** Generation of each assigned partition's latest assignment (cooperative rebalances keep the others'). */
    private final Map<TopicPartition, Long> partitionGeneration = new HashMap<>();
    private volatile long pausedPolls;

    private KafkaReceiver(ReceiverOptions options) {
        this.options = options;
    }

    /** A receiver; nothing connects until {@link #receive()} is subscribed. */
    public static KafkaReceiver create(ReceiverOptions options) {
        return new KafkaReceiver(options);
    }

    /**
     * The records one by one, one subscriber only; the consumer thread starts on subscription. Demand is
     * turned into at most one poll's batch at a time.
     */
    public Flux<ReceiverRecord> receive() {
        return receiveBatches().concatMapIterable(batch -> batch, 1);
    }

    /**
     * The records of each poll as one list (per-partition offset order kept), for consumers that amortize
     * per-element costs; backpressure counts batches. One subscriber only (this or {@link #receive()}).
     */
    public Flux<List<ReceiverRecord>> receiveBatches() {
        return Flux.create(sink -> {
            if (!subscribed.compareAndSet(false, true)) {
                sink.error(new IllegalStateException("KafkaReceiver.receive() may be subscribed only once"));
                return;
            }
            Thread t = new Thread(() -> run(sink), "mfgcal-consumer-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            sink.onCancel(this::close);
            t.start();
        }, FluxSink.OverflowStrategy.BUFFER);
    }

    private void run(FluxSink<List<ReceiverRecord>> sink) {
        Consumer<byte[], byte[]> c = null;
        try {
            c = options.consumerFactory().apply(options.consumerProperties());
            consumer = c;
            Consumer<byte[], byte[]> cc = c;
            c.subscribe(options.topics(), new Listener(cc));
            long nextCommit = System.nanoTime() + options.commitInterval().toNanos();
            while (!closing.get() && !sink.isCancelled()) {
                applyBackpressure(c, sink.requestedFromDownstream());
                ConsumerRecords<byte[], byte[]> records;
                try {
                    records = c.poll(paused.isEmpty() ? options.pollTimeout() : Duration.ofMillis(20));
                } catch (WakeupException e) {
                    continue;
                }
                groupMetadata = c.groupMetadata();
                rejoinIfStatic(c);
                if (!paused.isEmpty()) {
                    pausedPolls++;
                }
                updateLagging(c);
                if (!records.isEmpty()) {
                    List<ReceiverRecord> batch = new ArrayList<>(records.count());
                    for (TopicPartition tp : records.partitions()) {
                        OffsetTracker tr = trackers.computeIfAbsent(tp, k -> new OffsetTracker());
                        long gen = partitionGeneration.getOrDefault(tp, generation);
                        for (ConsumerRecord<byte[], byte[]> r : records.records(tp)) {
                            batch.add(new ReceiverRecord(r, tp, tr, tr.add(r.offset()), gen));
                        }
                    }
                    sink.next(batch);
                }
                commitRequested(c, false);
                if (options.commitMode() == CommitMode.ON_ACK && System.nanoTime() >= nextCommit) {
                    commitAcked(c, false);
                    nextCommit = System.nanoTime() + options.commitInterval().toNanos();
                }
            }
            commitRequested(c, true);
            if (options.commitMode() == CommitMode.ON_ACK) {
                commitAcked(c, true);
            }
            sink.complete();
        } catch (RuntimeException e) {
            LOG.warn("consumer loop failed: {}", e.toString());
            sink.error(e);
        } finally {
            if (c != null) {
                try {
                    c.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(options.closeTimeout()));
                } catch (RuntimeException e) {
                    LOG.warn("consumer close failed: {}", e.toString());
                }
            }
            stopped.countDown();
        }
    }

    /**
     * Asks for one rebalance right after this consumer's first assignment (call before subscribing). For a static
     * member ({@code group.instance.id}) that replaces a predecessor which gave partitions up in a cooperative
     * rebalance and died before the follow-up rebalance that hands them over: the replacement gets the
     * predecessor's assignment back without a rebalance, nobody rejoins, and the given-up partitions stay unowned
     * until the next membership change (seen in ScaleOutIT: two partitions idle for minutes after a session
     * rebuild). Only then: every rebalance fails the other members' in-flight offset commits (their generation
     * changed), so asking on every start makes members rebuild each other in turn.
     */
    public void rejoinAfterFirstAssignment() {
        rejoinRequested = true;
    }

    /** Whether any partition was revoked from or lost by this consumer (see {@link #rejoinAfterFirstAssignment}). */
    public boolean revokedAny() {
        return revokedAny;
    }

    private void rejoinIfStatic(Consumer<byte[], byte[]> c) {
        if (rejoinPending) {
            rejoinPending = false;
            LOG.info("member {}: one rebalance after its first assignment (hands over partitions its predecessor gave"
                    + " up)", options.consumerProperties().get(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG));
            c.enforceRebalance("predecessor gave partitions up before the follow-up rebalance");
        }
    }

    /** Assigned partitions with records not fetched yet, from the consumer's cached fetch positions (no request). */
    private void updateLagging(Consumer<byte[], byte[]> c) {
        Set<TopicPartition> lag = null;
        for (TopicPartition tp : assigned) {
            java.util.OptionalLong l;
            try {
                l = c.currentLag(tp);
            } catch (RuntimeException e) { // e.g. a mock consumer without lag
                continue;
            }
            if (l.isPresent() && l.getAsLong() > 0) {
                if (lag == null) {
                    lag = new HashSet<>();
                }
                lag.add(tp);
            }
        }
        lagging = lag == null ? Set.of() : Set.copyOf(lag);
    }

    private void applyBackpressure(Consumer<byte[], byte[]> c, long demand) {
        Set<TopicPartition> now = c.assignment();
        if (demand <= 0) {
            if (!now.isEmpty() && !paused.equals(now)) {
                c.pause(now);
                paused = Set.copyOf(now);
            }
        } else if (!paused.isEmpty()) {
            Set<TopicPartition> resume = new HashSet<>(paused);
            resume.retainAll(now);
            c.resume(resume);
            paused = Set.of();
        }
    }

    private void commitRequested(Consumer<byte[], byte[]> c, boolean sync) {
        Map<TopicPartition, OffsetAndMetadata> merged = new HashMap<>();
        Map<TopicPartition, OffsetAndMetadata> req;
        while ((req = commitRequests.poll()) != null) {
            for (var e : req.entrySet()) {
                if (assigned.contains(e.getKey())) {
                    merged.merge(e.getKey(), e.getValue(), (a, b) -> b.offset() >= a.offset() ? b : a);
                }
            }
        }
        commit(c, merged, sync);
    }

    private void commitAcked(Consumer<byte[], byte[]> c, boolean sync) {
        commit(c, ackedPositions(assigned), sync);
    }

    private Map<TopicPartition, OffsetAndMetadata> ackedPositions(Collection<TopicPartition> parts) {
        Map<TopicPartition, OffsetAndMetadata> m = new HashMap<>();
        for (TopicPartition tp : parts) {
            OffsetTracker tr = trackers.get(tp);
            if (tr != null) {
                long pos = tr.commitPosition();
                if (pos >= 0) {
                    m.put(tp, new OffsetAndMetadata(pos));
                }
            }
        }
        return m;
    }

    private void commit(Consumer<byte[], byte[]> c, Map<TopicPartition, OffsetAndMetadata> offsets, boolean sync) {
        offsets.entrySet().removeIf(e -> {
            Long last = lastCommitted.get(e.getKey());
            return last != null && last >= e.getValue().offset() && e.getValue().metadata().isEmpty();
        });
        if (offsets.isEmpty()) {
            return;
        }
        offsets.forEach((tp, om) -> lastCommitted.merge(tp, om.offset(), Math::max));
        try {
            if (sync) {
                c.commitSync(offsets, options.closeTimeout());
            } else {
                c.commitAsync(offsets, (o, e) -> {
                    if (e != null) {
                        LOG.warn("offset commit failed (will retry with later offsets): {}", e.toString());
                        o.keySet().forEach(lastCommitted::remove);
                    }
                });
            }
        } catch (RuntimeException e) {
            LOG.warn("offset commit failed: {}", e.toString());
            offsets.keySet().forEach(lastCommitted::remove);
        }
    }

    /**
     * Asks the consumer thread to commit these offsets (with their metadata) soon; offsets of partitions no
     * longer assigned are dropped.
     */
    public void commit(Map<TopicPartition, OffsetAndMetadata> offsets) {
        if (options.commitMode() == CommitMode.EXTERNAL) {
            throw new IllegalStateException("commit mode EXTERNAL: offsets are committed by the caller's transaction");
        }
        commitRequests.add(Map.copyOf(offsets));
    }

    /** Partitions paused for backpressure right now. */
    public Set<TopicPartition> pausedPartitions() {
        return paused;
    }

    /**
     * Assigned partitions that had records not yet fetched at the last poll (the consumer's cached lag; a partition
     * whose lag is unknown is not listed).
     */
    public Set<TopicPartition> laggingPartitions() {
        return lagging;
    }

    /** Partitions currently assigned. */
    public Set<TopicPartition> assignment() {
        return assigned;
    }

    /** Number of polls made while partitions were paused (shows that backpressure engaged). */
    public long pausedPolls() {
        return pausedPolls;
    }

    /**
     * The current consumer, or {@code null} before the consumer thread created it: for reading its
     * {@code metrics()} only (thread-safe); every other call belongs to the consumer thread.
     */
    public Consumer<byte[], byte[]> consumerForMetrics() {
        return consumer;
    }

    /** Group metadata for {@code sendOffsetsToTransaction}, or {@code null} before the first poll. */
    public ConsumerGroupMetadata groupMetadata() {
        return groupMetadata;
    }

    /** Stops the consumer thread (final commit, close) and waits for it up to twice the close timeout. */
    @Override
    public void close() {
        if (closing.compareAndSet(false, true)) {
            Consumer<byte[], byte[]> c = consumer;
            if (c != null) {
                c.wakeup();
            }
        }
        if (subscribed.get() && Thread.currentThread().getName().startsWith("mfgcal-consumer-")) {
            return; // cancelled from the consumer thread itself: the loop exits on its own
        }
        try {
            if (subscribed.get() && !stopped.await(options.closeTimeout().toMillis() * 2, TimeUnit.MILLISECONDS)) {
                LOG.warn("consumer thread did not stop within {}", options.closeTimeout().multipliedBy(2));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private final class Listener implements ConsumerRebalanceListener {
        private final Consumer<byte[], byte[]> c;

        Listener(Consumer<byte[], byte[]> c) {
            this.c = c;
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            commitRequested(c, true);
            if (options.commitMode() == CommitMode.ON_ACK) {
                commit(c, ackedPositions(partitions), true);
            }
            forget(partitions);
            options.listener().onRevoked(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            forget(partitions);
            options.listener().onRevoked(partitions);
        }

        private void forget(Collection<TopicPartition> partitions) {
            if (!partitions.isEmpty()) {
                revokedAny = true;
            }
            partitions.forEach(tp -> {
                trackers.remove(tp);
                lastCommitted.remove(tp);
                partitionGeneration.remove(tp);
            });
            Set<TopicPartition> a = new HashSet<>(assigned);
            a.removeAll(partitions);
            assigned = Set.copyOf(a);
            Set<TopicPartition> p = new HashSet<>(paused);
            p.removeAll(partitions);
            paused = Set.copyOf(p);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            generation++;
            if (generation == 1 && rejoinRequested) {
                rejoinPending = true;
            }
            partitions.forEach(tp -> partitionGeneration.put(tp, generation));
            Set<TopicPartition> a = new HashSet<>(assigned);
            a.addAll(partitions);
            assigned = Set.copyOf(a);
            Map<TopicPartition, OffsetAndMetadata> committed = new HashMap<>();
            if (!partitions.isEmpty()) {
                c.committed(new HashSet<>(partitions), options.closeTimeout()).forEach((tp, om) -> {
                    if (om != null) {
                        committed.put(tp, om);
                    }
                });
            }
            LOG.info("assigned {} (generation {})", new ArrayList<>(partitions), generation);
            options.listener().onAssigned(partitions, generation, committed);
        }
    }
}
