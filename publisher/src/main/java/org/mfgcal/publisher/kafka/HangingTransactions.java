package org.mfgcal.publisher.kafka;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntPredicate;
import java.util.function.Supplier;

import org.apache.kafka.clients.admin.AbortTransactionSpec;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeProducersResult.PartitionProducerState;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdNotFoundException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the transactions of one transactional id that a partition still holds open although the transaction
 * coordinator completed them ("hanging" transactions), and completes them there the way the coordinator did. A
 * single broker's controlled shutdown makes them (RELIABILITY.md, "known limits"): the coordinator finds no leader
 * for a partition while it writes the markers, skips the partition as if it were deleted, and records the
 * transaction as complete, while other partitions of the same transaction (often the consumer offsets) got their
 * marker. The partition's last stable offset stops at the transaction's first record, so read_committed readers see
 * nothing after it, and the next marker of the same producer id, commit or abort, would decide those records
 * together with its own transaction's.
 *
 * <p>The outcome the coordinator chose is read from its state ({@link #describe}) before the producer's
 * {@code initTransactions}, which replaces it; {@link Outcome#of} maps a hanging transaction's epoch to it (commit
 * or abort; Kafka's transaction protocol version 2 bumps the epoch at every completion, so the last transaction
 * carries epoch E − 1 when the coordinator is at E). A commit is written with {@link CommitMarkers}, an abort with
 * {@link Admin#abortTransaction}. Completing a transaction the coordinator is still completing writes the same
 * result, which is harmless. Only this transactional id's producer id is touched. Needs the ACL operations Describe
 * (transactional id), Read (topics) and ClusterAction (markers).
 */
public final class HangingTransactions {

    private static final Logger LOG = LoggerFactory.getLogger(HangingTransactions.class);
    /** Kafka's internal topic of committed offsets (transactional offset commits are written there). */
    public static final String OFFSETS_TOPIC = "__consumer_offsets";

    private HangingTransactions() {
    }

    /**
     * One hanging transaction on one partition: where, its producer id and epoch, its first offset, the coordinator
     * epoch of the partition's last marker of that producer (-1 for none) and whether it was committed.
     */
    public record Hanging(TopicPartition partition, long producerId, int producerEpoch, long firstOffset,
                          int coordinatorEpoch, boolean committed) {
    }

    /**
     * What a check found: {@code checked} false when the cluster refused it (authorization, an old broker or client;
     * logged), else the hanging transactions found (and completed, unless only looked for); empty when none hung.
     */
    public record Result(boolean checked, List<Hanging> hanging) {
    }

    /**
     * The coordinator's state of a transactional id, or {@code null} fields when it has none (never initialised).
     *
     * @param state      e.g. {@code CompleteCommit}; null when the id is unknown
     * @param producerId its producer id
     * @param epoch      its current producer epoch
     */
    public record Coordinator(TransactionState state, long producerId, int epoch) {
        static final Coordinator NONE = new Coordinator(null, -1, -1);

        public boolean known() {
            return state != null;
        }
    }

    /** How hanging transactions of one producer id are completed, from the coordinator's state before an init. */
    public static final class Outcome {
        private Outcome() {
        }

        /**
         * Whether a hanging transaction of epoch {@code h} was committed, given the coordinator's state {@code c}
         * read before the producer that found it was initialised:
         * <ul>
         * <li>the last transaction (epoch E − 1, or E with protocol version 1) of a completed or completing state
         *     has that state's result;</li>
         * <li>an ongoing transaction (epoch E) is aborted by the init;</li>
         * <li>after an init with no transaction since ({@code Empty}), the only transactions an init leaves hanging
         *     are those it aborted (the ones before were completed before that init, see the class comment);</li>
         * <li>older transactions of a producer that went on committing were committed: this service's producer starts
         *     a transaction only after its previous one committed (after a failed one the producer is dropped).</li>
         * </ul>
         */
        public static boolean committed(Coordinator c, int h) {
            TransactionState s = c.state();
            if (s == null || s == TransactionState.EMPTY || s == TransactionState.UNKNOWN) {
                return false;
            }
            if (s == TransactionState.ONGOING) {
                return h < c.epoch();
            }
            boolean last = h >= c.epoch() - 1;
            boolean commit = s == TransactionState.COMPLETE_COMMIT || s == TransactionState.PREPARE_COMMIT;
            return !last || commit;
        }
    }

    /**
     * What {@link #aroundInit} did: what its {@code init} returned, whether the cluster let it check, the transactions
     * it completed, and the producer's epoch right after {@code initTransactions} (-1 when not checked): transactions
     * of this epoch or later are the new producer's own.
     */
    public record Start<T>(T initialised, boolean checked, List<Hanging> completed, int initEpoch) {
    }

    /**
     * A producer's start: reads the coordinator's state of {@code transactionalId}, completes the hanging
     * transactions as it recorded them ({@link #complete}), runs {@code init} (which calls {@code initTransactions}
     * and replaces the coordinator's state), and reads the new epoch. Completing before the init means a producer
     * failing right after its init cannot lose the outcome of the transactions before it. When the state read was an
     * open or completing transaction, the init aborts or completes it and can leave it hanging where a partition has
     * no leader: then the search runs again after the init, with the state read before. When the cluster refuses the
     * check, {@code init} still runs and the result says not checked. When the check fails after {@code init}, what
     * it returned is closed if it is {@link AutoCloseable}.
     */
    public static <T> Start<T> aroundInit(Admin admin, String transactionalId, Collection<String> topics,
                                          long timeoutMs, Supplier<T> init) {
        Coordinator before;
        try {
            before = describe(admin, transactionalId, timeoutMs);
        } catch (AuthorizationException | UnsupportedVersionException e) {
            refusedResult(transactionalId, e);
            return new Start<>(init.get(), false, List.of(), -1);
        }
        List<Hanging> done = new ArrayList<>();
        boolean checked = true;
        if (before.known()) {
            Result r = complete(admin, transactionalId, before, topics, timeoutMs);
            checked = r.checked();
            done.addAll(r.hanging());
        }
        T initialised = init.get();
        if (!checked) {
            return new Start<>(initialised, false, done, -1);
        }
        try {
            TransactionState s = before.state();
            if (s == TransactionState.ONGOING || s == TransactionState.PREPARE_COMMIT
                    || s == TransactionState.PREPARE_ABORT || s == TransactionState.PREPARE_EPOCH_FENCE) {
                Result r = complete(admin, transactionalId, before, topics, timeoutMs);
                checked = r.checked();
                done.addAll(r.hanging());
            }
            return new Start<>(initialised, checked, done,
                    checked ? describe(admin, transactionalId, timeoutMs).epoch() : -1);
        } catch (RuntimeException e) {
            if (initialised instanceof AutoCloseable c) { // the producer would otherwise stay open
                try {
                    c.close();
                } catch (Exception closing) {
                    e.addSuppressed(closing);
                }
            }
            throw e;
        }
    }

    /** The coordinator's state of {@code transactionalId} ({@link Coordinator#NONE} when it does not know it). */
    public static Coordinator describe(Admin admin, String transactionalId, long timeoutMs) {
        try {
            TransactionDescription tx = admin.describeTransactions(List.of(transactionalId))
                    .description(transactionalId).get(timeoutMs, TimeUnit.MILLISECONDS);
            return new Coordinator(tx.state(), tx.producerId(), tx.producerEpoch());
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TransactionalIdNotFoundException) {
                return Coordinator.NONE;
            }
            throw failure(transactionalId, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted while describing transactional id " + transactionalId, e);
        } catch (TimeoutException e) {
            throw new KafkaException("describing transactional id " + transactionalId + " timed out after "
                    + timeoutMs + " ms", e);
        }
    }

    /**
     * Completes every open transaction of {@code transactionalId}'s producer id on {@code topics} and the offsets
     * topic whose epoch is older than the producer's current one, as {@link Outcome#committed} decides from
     * {@code before} (the coordinator's state read before the current producer's {@code initTransactions}, or the
     * current state when no producer was initialised since). Run before and after {@code initTransactions}.
     *
     * @return the transactions completed, or not checked when the cluster refused the check (logged as an error)
     * @throws KafkaException when the check or a marker fails otherwise (retriable: the next session checks again)
     */
    public static Result complete(Admin admin, String transactionalId, Coordinator before, Collection<String> topics,
                                  long timeoutMs) {
        return check(admin, transactionalId, topics, timeoutMs, h -> Outcome.committed(before, h), true);
    }

    /**
     * Finds, without completing, the open transactions of {@code transactionalId}'s producer id older than its
     * current epoch (the running transaction is not among them) on the same partitions as {@link #complete}; their
     * {@code committed} is what {@code committed} says for their epoch.
     */
    public static Result find(Admin admin, String transactionalId, Collection<String> topics, long timeoutMs,
                              IntPredicate committed) {
        return check(admin, transactionalId, topics, timeoutMs, committed, false);
    }

    /** Writes a COMMIT or ABORT marker for a hanging transaction (see {@link #find}). */
    public static void completeOne(Admin admin, Hanging h, long timeoutMs) {
        try {
            mark(admin, h, timeoutMs);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted while completing a transaction on " + h.partition(), e);
        } catch (ExecutionException e) {
            throw new KafkaException("completing a transaction on " + h.partition() + ": " + e.getCause(),
                    e.getCause());
        } catch (TimeoutException e) {
            throw new KafkaException("completing a transaction on " + h.partition() + " timed out", e);
        }
    }

    private static void mark(Admin admin, Hanging h, long timeoutMs)
            throws ExecutionException, InterruptedException, TimeoutException {
        AbortTransactionSpec spec = new AbortTransactionSpec(h.partition(), h.producerId(), (short) h.producerEpoch(),
                h.coordinatorEpoch());
        if (h.committed()) {
            CommitMarkers.commit(admin, spec, timeoutMs);
        } else {
            admin.abortTransaction(spec).all().get(timeoutMs, TimeUnit.MILLISECONDS);
        }
    }

    private static Result check(Admin admin, String transactionalId, Collection<String> topics, long timeoutMs,
                                IntPredicate committed, boolean complete) {
        try {
            Coordinator now = describe(admin, transactionalId, timeoutMs);
            if (!now.known()) {
                return new Result(true, List.of()); // never initialised: nothing of it can hang
            }
            List<String> all = new ArrayList<>(topics);
            all.add(OFFSETS_TOPIC);
            List<TopicPartition> partitions = new ArrayList<>();
            for (Map.Entry<String, KafkaFuture<TopicDescription>> d : admin.describeTopics(all).topicNameValues()
                    .entrySet()) {
                try {
                    d.getValue().get(timeoutMs, TimeUnit.MILLISECONDS).partitions()
                            .forEach(p -> partitions.add(new TopicPartition(d.getKey(), p.partition())));
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                        throw e;
                    } // no such topic (the offsets topic before any group committed): nothing of it can hang
                }
            }
            Map<TopicPartition, PartitionProducerState> states = admin.describeProducers(partitions).all()
                    .get(timeoutMs, TimeUnit.MILLISECONDS);
            List<Hanging> found = new ArrayList<>();
            for (Map.Entry<TopicPartition, PartitionProducerState> e : states.entrySet()) {
                for (ProducerState p : e.getValue().activeProducers()) {
                    if (p.producerId() != now.producerId() || p.currentTransactionStartOffset().isEmpty()
                            || p.producerEpoch() >= now.epoch()) {
                        continue;
                    }
                    Hanging h = new Hanging(e.getKey(), p.producerId(), p.producerEpoch(),
                            p.currentTransactionStartOffset().getAsLong(), p.coordinatorEpoch().orElse(-1),
                            committed.test(p.producerEpoch()));
                    LOG.warn("partition {}: a transaction of this instance's producer (id {}, epoch {}) is open from"
                                    + " offset {} although its coordinator completed it (its markers were never written){}",
                            h.partition(), h.producerId(), h.producerEpoch(), h.firstOffset(), !complete ? ""
                                    : h.committed() ? "; it was committed: writing its commit marker"
                                    : "; it was aborted: writing its abort marker");
                    if (complete) {
                        mark(admin, h, timeoutMs);
                    }
                    found.add(h);
                }
            }
            return new Result(true, found);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted while checking for hanging transactions of " + transactionalId, e);
        } catch (ExecutionException e) {
            if (refused(e.getCause())) {
                return refusedResult(transactionalId, e.getCause());
            }
            throw failure(transactionalId, e);
        } catch (UnsupportedVersionException | AuthorizationException e) {
            return refusedResult(transactionalId, e);
        } catch (TimeoutException e) {
            throw new KafkaException("checking for hanging transactions of " + transactionalId + " timed out after "
                    + timeoutMs + " ms", e);
        }
    }

    private static boolean refused(Throwable t) {
        return t instanceof AuthorizationException || t instanceof UnsupportedVersionException;
    }

    private static Result refusedResult(String transactionalId, Throwable cause) {
        LOG.error("cannot check for hanging transactions of {} ({}): after a single broker's controlled shutdown,"
                + " outputs of a committed transaction can stay unreadable (RELIABILITY.md)", transactionalId,
                cause.toString());
        return new Result(false, List.of());
    }

    private static KafkaException failure(String transactionalId, ExecutionException e) {
        if (refused(e.getCause())) {
            return (KafkaException) e.getCause(); // checked by the caller
        }
        return new KafkaException("checking for hanging transactions of " + transactionalId + ": " + e.getCause(),
                e.getCause());
    }
}
