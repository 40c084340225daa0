package org.mfgcal.ingest.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.mfgcal.kafka.EmbeddedKafka;

/** The ingest integration tests on the in-process KRaft broker (kafka_2.13 4.4.0 on 127.0.0.1). */
class EmbeddedBrokerIngestIT extends IngestIntegrationBase {

    private static EmbeddedKafka kafka;

    @BeforeAll
    static void start() {
        kafka = EmbeddedKafka.start();
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    @Override
    protected String bootstrapServers() {
        return kafka.bootstrapServers();
    }
}
