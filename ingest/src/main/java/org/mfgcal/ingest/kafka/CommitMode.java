package org.mfgcal.ingest.kafka;

/** Who commits the consumer's offsets. */
public enum CommitMode {
    /** The receiver commits acknowledged offsets itself (commitAsync periodically, commitSync on revoke/close). */
    ON_ACK,
    /**
     * The receiver never commits: the caller sends the offsets inside a Kafka transaction
     * ({@code producer.sendOffsetsToTransaction(offsets, receiver.groupMetadata())}).
     */
    EXTERNAL
}
