package org.mfgcal.ingest.it;

import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;

/**
 * The same integration tests against a Kafka broker in Docker (Testcontainers). Skipped — not failed — when
 * no Docker engine is reachable.
 */
@Testcontainers(disabledWithoutDocker = true)
class TestcontainersIngestIT extends IngestIntegrationBase {

    @Container
    private static final KafkaContainer KAFKA = new KafkaContainer("apache/kafka:4.1.0");

    @Override
    protected String bootstrapServers() {
        return KAFKA.getBootstrapServers();
    }
}
