package org.mfgcal.publisher.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.kafka.clients.admin.TransactionState;
import org.junit.jupiter.api.Test;
import org.mfgcal.publisher.kafka.HangingTransactions.Coordinator;
import org.mfgcal.publisher.kafka.HangingTransactions.Outcome;

/**
 * The outcome given to a hanging transaction from the coordinator's state read before the producer's init, case by
 * case (epochs as Kafka's transaction protocol version 2 numbers them, measured against a broker in
 * {@code CommitMarkersIT}: a transaction written with epoch e completes with the coordinator at e + 1; a new
 * producer's init moves it to e + 2, state Empty).
 */
class HangingOutcomeTest {

    private static boolean committed(TransactionState s, int coordinatorEpoch, int hanging) {
        return Outcome.committed(new Coordinator(s, 7, coordinatorEpoch), hanging);
    }

    @Test
    void lastTransaction_takesTheCoordinatorsResult() {
        assertEquals(true, committed(TransactionState.COMPLETE_COMMIT, 10, 9));
        assertEquals(true, committed(TransactionState.PREPARE_COMMIT, 10, 9));
        assertEquals(false, committed(TransactionState.COMPLETE_ABORT, 10, 9));
        assertEquals(false, committed(TransactionState.PREPARE_ABORT, 10, 9));
        assertEquals(false, committed(TransactionState.PREPARE_EPOCH_FENCE, 10, 9));
        // protocol version 1 (no epoch bump per transaction): the last transaction carries the coordinator's epoch
        assertEquals(true, committed(TransactionState.COMPLETE_COMMIT, 10, 10));
        assertEquals(false, committed(TransactionState.COMPLETE_ABORT, 10, 10));
    }

    @Test
    void olderTransactionsOfAProducerThatWentOn_wereCommitted() {
        assertEquals(true, committed(TransactionState.COMPLETE_ABORT, 10, 8));
        assertEquals(true, committed(TransactionState.COMPLETE_COMMIT, 10, 5));
        assertEquals(true, committed(TransactionState.ONGOING, 10, 9));
    }

    @Test
    void theOngoingTransaction_isAbortedByTheInit() {
        assertEquals(false, committed(TransactionState.ONGOING, 10, 10));
    }

    @Test
    void afterAnInitWithNoTransaction_orUnknown_aborted() {
        assertEquals(false, committed(TransactionState.EMPTY, 10, 8));
        assertEquals(false, committed(TransactionState.EMPTY, 10, 9));
        assertEquals(false, committed(TransactionState.UNKNOWN, 10, 9));
        assertEquals(false, Outcome.committed(Coordinator.NONE, 3));
    }
}
