package org.mfgcal.ingest.kafka;

/**
 * Acknowledgements of one partition's records, which may arrive out of order: the commit position is the
 * offset of the oldest unacknowledged record, or one past the last record handed out when all are acknowledged.
 *
 * <p>Implementation: a ring of (offset, acked) indexed by a per-partition sequence number; it grows by doubling.
 *
 * <p>Contract: records are added in offset order by the consumer thread; {@link #ack} may come from any
 * thread. All methods synchronize on the tracker.
 */
final class OffsetTracker {

    private long[] offsets = new long[256];
    private boolean[] acked = new boolean[256];
    private long headSeq;   // sequence number of the oldest unacknowledged entry
    private long nextSeq;   // sequence number of the next entry
    private long nextOffset = -1;

    /** Registers a record handed downstream; returns its sequence number. */
    synchronized long add(long offset) {
        if (nextSeq - headSeq == offsets.length) {
            int cap = offsets.length * 2;
            long[] no = new long[cap];
            boolean[] na = new boolean[cap];
            for (long s = headSeq; s < nextSeq; s++) {
                no[(int) (s & (cap - 1))] = offsets[idx(s)];
                na[(int) (s & (cap - 1))] = acked[idx(s)];
            }
            offsets = no;
            acked = na;
        }
        offsets[idx(nextSeq)] = offset;
        acked[idx(nextSeq)] = false;
        nextOffset = offset + 1;
        return nextSeq++;
    }

    private int idx(long seq) {
        return (int) (seq & (offsets.length - 1));
    }

    /** Marks a record done; unknown or old sequence numbers are ignored. */
    synchronized void ack(long seq) {
        if (seq < headSeq || seq >= nextSeq) {
            return;
        }
        acked[idx(seq)] = true;
        while (headSeq < nextSeq && acked[idx(headSeq)]) {
            headSeq++;
        }
    }

    /** The position to commit, or −1 when nothing was handed out yet. */
    synchronized long commitPosition() {
        return headSeq < nextSeq ? offsets[idx(headSeq)] : nextOffset;
    }

    /** Records from the oldest unacknowledged one to the newest (acknowledged ones in between included). */
    synchronized int pending() {
        return (int) (nextSeq - headSeq);
    }
}
