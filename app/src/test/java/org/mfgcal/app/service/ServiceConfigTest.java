package org.mfgcal.app.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.mfgcal.calibrator.online.OnlineConfig;
import org.mfgcal.publisher.Tools;
import org.mfgcal.publisher.kafka.OutputTopics;

/** {@link ServiceConfig}: the shipped compose config parses; every bad value is named with its field. */
class ServiceConfigTest {

    private static ServiceConfig parse(String yaml, Map<String, String> env) {
        return ServiceConfig.parse(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "test.yaml", null,
                env::get);
    }

    private static ServiceConfig parse(String yaml) {
        return parse(yaml, Map.of());
    }

    private static String error(String yaml) {
        return assertThrows(IllegalArgumentException.class, () -> parse(yaml)).getMessage();
    }

    @Test
    void dockerConfig_parses_bindsAllInterfacesInsideTheContainer() {
        ServiceConfig c = ServiceConfig.load(Tools.repoRoot().resolve("docker/mfgcal.yaml"));
        assertEquals("kafka:9092", c.bootstrapServers());
        assertEquals(List.of("mfg.trips"), c.inputTopics());
        assertEquals(OutputTopics.DEFAULT, c.outputTopics());
        assertEquals("0.0.0.0", c.webEndpoint().host());
        assertEquals(9464, c.metricsEndpoint().port());
        assertEquals("flights", c.regions().single().id());
    }

    @Test
    void readmeReference_parses() throws java.io.IOException {
        String readme = java.nio.file.Files.readString(Tools.repoRoot().resolve("README.md"));
        int section = readme.indexOf("## Run against your Kafka");
        int from = readme.indexOf("```yaml\n", section) + "```yaml\n".length();
        String yaml = readme.substring(from, readme.indexOf("```", from));
        ServiceConfig c = parse(yaml, Map.of("KAFKA_PASSWORD", "pw"));
        assertEquals("broker1:9092,broker2:9092", c.bootstrapServers());
        assertTrue(c.kafkaProperties().get("sasl.jaas.config").endsWith("password=\"pw\";"));
        assertEquals(OnlineConfig.defaults(1), c.onlineConfig(c.regions().single()),
                "README's model block restates the defaults");
    }

    @Test
    void minimal_defaults_loopbackAndLoopDefaults() {
        ServiceConfig c = parse("kafka: {bootstrapServers: 'b1:9092,b2:9093'}\n");
        assertEquals("127.0.0.1", c.webEndpoint().host());
        assertEquals("127.0.0.1", c.metricsEndpoint().host());
        assertEquals(ServiceConfig.Defaults.GROUP_ID, c.groupId());
        assertEquals(OnlineConfig.defaults(1), c.onlineConfig(c.regions().single()));
    }

    @Test
    void full_everyFieldRead_propertiesPassedThroughWithEnvironment() {
        ServiceConfig c = parse("""
                kafka:
                  bootstrapServers: broker:9093
                  groupId: g
                  transactionalId: t-1
                  properties:
                    security.protocol: SASL_SSL
                    sasl.mechanism: PLAIN
                    sasl.jaas.config: "org.apache.kafka.common.security.plain.PlainLoginModule required username=\\"u\\" password=\\"${PW}\\";"
                    request.timeout.ms: 20000
                topics: {input: [a, b], deadLetters: d, parameters: p, forecasts: f, alerts: al, state: s,
                         create: false, partitions: 6, replicationFactor: 3}
                model: {windowBins: 12, seasonBins: 48, seed: 7, warmSteps: 10, rateThreshold: 2.5}
                calibrationThreads: 2
                http: {metrics: {host: 0.0.0.0, port: 9000}, web: {port: 0}, dashboardBins: 100}
                """, Map.of("PW", "s3cret"));
        assertEquals("SASL_SSL", c.kafkaProperties().get("security.protocol"));
        assertTrue(c.kafkaProperties().get("sasl.jaas.config").contains("password=\"s3cret\""));
        assertEquals("20000", c.kafkaProperties().get("request.timeout.ms"));
        assertEquals(List.of("a", "b"), c.inputTopics());
        assertEquals(new OutputTopics("p", "f", "al", "s"), c.outputTopics());
        assertEquals(6, c.partitions());
        assertEquals(3, c.replicationFactor());
        OnlineConfig oc = c.onlineConfig(c.regions().single());
        assertEquals(12, oc.windowBins());
        assertEquals(48, oc.seasonBins());
        assertEquals(7, oc.seed());
        assertEquals(10, oc.warmSteps());
        assertEquals(2.5, oc.rateThreshold());
        assertEquals(2, c.calibrationThreads());
        assertEquals("0.0.0.0", c.metricsEndpoint().host());
        assertEquals("127.0.0.1", c.webEndpoint().host());
        assertEquals(0, c.webEndpoint().port());
        assertEquals(100, c.dashboardBins());
    }

    @Test
    void badValues_messageNamesFieldAndValue() {
        assertTrue(error("kafka: {}\n").contains("'kafka.bootstrapServers' is required"));
        assertTrue(error("kafka: {bootstrapServers: nohost}\n").contains("'kafka.bootstrapServers' must be host:port"));
        assertTrue(error("kafka: {bootstrapServers: nohost}\n").contains("'nohost'"));
        String e = error("kafka: {bootstrapServers: 'b:1', bootstrap: x}\n");
        assertTrue(e.contains("unknown field 'kafka.bootstrap'"), e);
        e = error("kafka: {bootstrapServers: 'b:1'}\nhttp: {web: {port: 70000}}\n");
        assertTrue(e.contains("'http.web.port'") && e.contains("70000"), e);
        e = error("kafka: {bootstrapServers: 'b:1'}\nmodel: {windowBins: two}\n");
        assertTrue(e.contains("'model.windowBins' must be an integer") && e.contains("two"), e);
        e = error("kafka: {bootstrapServers: 'b:1'}\nmodel: {windowBins: 1}\n");
        assertTrue(e.contains("region 'flights'") && e.contains("1"), e);
        e = error("kafka: {bootstrapServers: 'b:1'}\ntopics: {stateSnapshotBins: 0}\n");
        assertTrue(e.contains("'topics.stateSnapshotBins'") && e.contains("0"), e);
        e = error("kafka: {bootstrapServers: 'b:1'}\ntopics: {input: [mfg.x], alerts: mfg.x}\n");
        assertTrue(e.contains("'mfg.x' is used twice"), e);
        e = error("kafka: {bootstrapServers: 'b:1'}\ntopics: {input: 'bad topic'}\n");
        assertTrue(e.contains("'topics.input'") && e.contains("'bad topic'"), e);
        e = error("kafka: {bootstrapServers: 'b:1', properties: {acks: '1'}}\n");
        assertTrue(e.contains("'kafka.properties.acks'") && e.contains("'1'"), e);
        e = error("kafka: {bootstrapServers: 'b:1', properties: {sasl.jaas.config: '${NOPE}'}}\n");
        assertTrue(e.contains("'kafka.properties.sasl.jaas.config'") && e.contains("${NOPE}"), e);
        e = error("kafka: {bootstrapServers: 'b:1'}\nregions: no-such-regions.yaml\n");
        assertTrue(e.contains("'regions'") && e.contains("no-such-regions.yaml"), e);
        e = error("kafka: {bootstrapServers: 'b:1'}\ncalibrationThreads: 0\n");
        assertTrue(e.contains("'calibrationThreads'") && e.contains("0"), e);
        e = error("kafka: [1, 2]\n");
        assertTrue(e.startsWith("test.yaml: ") && e.contains("'kafka' must be a mapping"), e);
        e = assertThrows(IllegalArgumentException.class, () -> ServiceConfig.load(Path.of("/no/such.yaml"))).getMessage();
        assertTrue(e.contains("/no/such.yaml"), e);
    }
}
