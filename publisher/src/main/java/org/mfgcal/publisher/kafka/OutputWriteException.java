package org.mfgcal.publisher.kafka;

/**
 * A transaction of {@link TransactionalOutputWriter} did not commit. Nothing of it is visible to read_committed
 * consumers and the input offsets were not committed: the caller rewinds its consumer to the last committed
 * offsets and processes again. If {@link #fatal()}, the writer is closed (fenced by a newer instance with the
 * same transactional id, or not authorised) and the caller must stop or create a new writer.
 */
public final class OutputWriteException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final boolean fatal;

    OutputWriteException(String message, boolean fatal, Throwable cause) {
        super(message, cause);
        this.fatal = fatal;
    }

    /** Whether the writer is unusable after this failure. */
    public boolean fatal() {
        return fatal;
    }
}
