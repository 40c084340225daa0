package org.mfgcal.publisher.kafka;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.AbortTransactionSpec;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeProducersResult.PartitionProducerState;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds and aborts the transactions of one transactional id that a partition still holds open although the
 * transaction coordinator completed them: "hanging" transactions. A single broker's controlled shutdown makes them
 * (RELIABILITY.md, "known limits"): the coordinator finds no leader for a partition while it writes the commit
 * markers, skips the partition as if it were deleted, and records the transaction as complete. The partition's last
 * stable offset then stops at the transaction's first record, so read_committed readers see nothing after it, and the
 * next marker of the same producer id, commit or abort, decides those records together with its own transaction's
 * (the partition's open transaction starts at the hanging one's first offset). Left alone, a later abort would
 * silently drop outputs whose transaction had committed, and a later commit would publish again bins that a new
 * session recomputed because their state was unreadable.
 *
 * <p>{@link #abortOwn} runs after {@code initTransactions} (which returns only once the coordinator has finished the
 * previous epoch's transaction, so an open transaction of an older epoch of this producer id is not being completed
 * by anyone) and before anything is read: it aborts every such transaction on the given topics and the consumer
 * offsets topic, so the state, the outputs and the input offsets read afterwards are the last consistently committed
 * ones and the bins after them are computed and published once. Only this transactional id's producer id is
 * touched; other instances' open transactions are left alone. Needs the ACL operations DescribeTransactions (on the
 * transactional id), Read (on the topics) and ClusterAction (for the abort markers); without them the check fails with
 * the broker's error.
 */
public final class HangingTransactions {

    private static final Logger LOG = LoggerFactory.getLogger(HangingTransactions.class);
    /** Kafka's internal topic of committed offsets (transactional offset commits are written there). */
    public static final String OFFSETS_TOPIC = "__consumer_offsets";

    private HangingTransactions() {
    }

    /** One hanging transaction on one partition: where, its producer id and epoch, and its first offset. */
    public record Hanging(TopicPartition partition, long producerId, int producerEpoch, long firstOffset) {
    }

    /**
     * What a check found: {@code checked} false when the cluster refused it (authorization or an old broker; logged),
     * else the hanging transactions found (and aborted, for {@link #abortOwn}); empty when none hung.
     */
    public record Result(boolean checked, List<Hanging> hanging) {
        /** The hanging transactions aborted by {@link #abortOwn} (the same as {@link #hanging}). */
        public List<Hanging> aborted() {
            return hanging;
        }
    }

    /**
     * Aborts the open transactions of {@code transactionalId}'s producer id on every partition of {@code topics} and
     * of {@link #OFFSETS_TOPIC} whose epoch is older than the producer's current one.
     *
     * @return the transactions aborted, or not checked when the cluster refused the check (authorization, an old
     *         broker: logged as an error, as a hanging transaction then stays possible)
     * @throws KafkaException when the check or an abort fails otherwise (a retriable condition for the caller: the
     *                        next session checks again)
     */
    public static Result abortOwn(Admin admin, String transactionalId, Collection<String> topics, long timeoutMs) {
        return check(admin, transactionalId, topics, timeoutMs, true);
    }

    /**
     * Finds, without aborting, the open transactions of {@code transactionalId}'s producer id whose epoch is older
     * than its current one (the current transaction, if one is open, is not among them), on the same partitions as
     * {@link #abortOwn}. For a running producer after a lost connection: a transaction it saw committed can be
     * hanging, and its next commit would decide it only on the partitions that commit writes to.
     */
    public static Result findOwn(Admin admin, String transactionalId, Collection<String> topics, long timeoutMs) {
        return check(admin, transactionalId, topics, timeoutMs, false);
    }

    private static Result check(Admin admin, String transactionalId, Collection<String> topics, long timeoutMs,
                                boolean abort) {
        try {
            TransactionDescription tx;
            try {
                tx = admin.describeTransactions(List.of(transactionalId)).description(transactionalId)
                        .get(timeoutMs, TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof org.apache.kafka.common.errors.TransactionalIdNotFoundException) {
                    return new Result(true, List.of()); // never initialised: nothing of it can hang
                }
                throw e;
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
                    if (p.producerId() != tx.producerId() || p.currentTransactionStartOffset().isEmpty()
                            || p.producerEpoch() >= tx.producerEpoch()) {
                        continue;
                    }
                    long first = p.currentTransactionStartOffset().getAsLong();
                    LOG.warn("partition {}: a transaction of this instance's producer (id {}, epoch {}) is open from"
                                    + " offset {} although its coordinator completed it (its markers were never written){}",
                            e.getKey(), p.producerId(), p.producerEpoch(), first, abort ? "; aborting it, so the bins it"
                                    + " held are computed again and published once" : "");
                    if (abort) {
                        admin.abortTransaction(new AbortTransactionSpec(e.getKey(), p.producerId(),
                                (short) p.producerEpoch(), p.coordinatorEpoch().orElse(-1)))
                                .all().get(timeoutMs, TimeUnit.MILLISECONDS);
                    }
                    found.add(new Hanging(e.getKey(), p.producerId(), p.producerEpoch(), first));
                }
            }
            return new Result(true, found);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted while checking for hanging transactions of " + transactionalId, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof AuthorizationException || e.getCause() instanceof UnsupportedVersionException) {
                LOG.error("cannot check for hanging transactions of {} ({}): after a single broker's controlled"
                        + " shutdown, outputs of a committed transaction can stay unreadable (RELIABILITY.md)",
                        transactionalId, e.getCause().toString());
                return new Result(false, List.of());
            }
            throw new KafkaException("checking for hanging transactions of " + transactionalId + ": "
                    + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new KafkaException("checking for hanging transactions of " + transactionalId + " timed out after "
                    + timeoutMs + " ms", e);
        }
    }
}
