package org.mfgcal.app.service;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.NotCoordinatorException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.Test;

/** Which failures rebuild the session and which stop the service (issue 12). */
class ServicePipelineRetryTest {

    @Test
    void retriable_brokerAndGroupTrouble_rebuildsTheSession() {
        assertTrue(ServicePipeline.retriable(new TimeoutException("broker down")));
        assertTrue(ServicePipeline.retriable(new NotCoordinatorException("coordinator moved")));
        assertTrue(ServicePipeline.retriable(new CommitFailedException()));
        assertTrue(ServicePipeline.retriable(new RuntimeException("aborted",
                new KafkaException("Transaction offset Commit failed due to consumer group metadata mismatch"))));
        assertTrue(ServicePipeline.retriable(new RuntimeException("epoch",
                new InvalidProducerEpochException("transaction timed out"))), "a new producer re-inits the epoch");
    }

    @Test
    void retriable_fencingByANewerInstanceAuthAndBugs_stopTheService() {
        assertFalse(ServicePipeline.retriable(new RuntimeException("fenced",
                new ProducerFencedException("a newer instance with the same transactional id"))));
        assertFalse(ServicePipeline.retriable(new FencedInstanceIdException("same group.instance.id elsewhere")));
        assertFalse(ServicePipeline.retriable(new TopicAuthorizationException("no ACL")));
        assertFalse(ServicePipeline.retriable(new NullPointerException("a bug")));
        assertFalse(ServicePipeline.retriable(new IllegalStateException("pipeline is closed")));
    }
}
