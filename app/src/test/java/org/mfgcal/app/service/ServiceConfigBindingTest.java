package org.mfgcal.app.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mfgcal.ingest.RegionConfigs;
import org.mfgcal.ingest.flights.FlightsData;

/**
 * The YAML binding of {@link ServiceConfigReader}: a file that gives only what is required equals the config built
 * in code from the defaults; values of the wrong type are errors naming the field and the value, never coerced.
 */
class ServiceConfigBindingTest {

    private static ServiceConfig parse(String yaml) {
        return ServiceConfig.parse(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "b.yaml", null,
                Map.<String, String>of()::get);
    }

    private static String error(String yaml) {
        return assertThrows(IllegalArgumentException.class, () -> parse(yaml)).getMessage();
    }

    @Test
    void onlyRequired_equalsTheDefaultsBuiltInCode() {
        ServiceConfig c = parse("kafka: {bootstrapServers: 'b:1'}\n");
        ServiceConfig d = ServiceConfig.of("b:1", RegionConfigs.loadSpec(FlightsData.REGION));
        assertEquals(d.groupId(), c.groupId());
        assertEquals(d.transactionalId(), c.transactionalId());
        assertEquals(d.kafkaProperties(), c.kafkaProperties());
        assertEquals(d.inputTopics(), c.inputTopics());
        assertEquals(d.deadLetterTopic(), c.deadLetterTopic());
        assertEquals(d.outputTopics(), c.outputTopics());
        assertEquals(d.createTopics(), c.createTopics());
        assertEquals(d.partitions(), c.partitions());
        assertEquals(d.replicationFactor(), c.replicationFactor());
        assertEquals(d.model(), c.model());
        assertEquals(d.calibrationThreads(), c.calibrationThreads());
        assertEquals(d.metricsEndpoint(), c.metricsEndpoint());
        assertEquals(d.webEndpoint(), c.webEndpoint());
        assertEquals(d.dashboardBins(), c.dashboardBins());
        assertEquals(d.regions().single().id(), c.regions().single().id());
    }

    @Test
    void oneInputTopic_mayBeGivenWithoutAList() {
        assertEquals(java.util.List.of("t"), parse("kafka: {bootstrapServers: 'b:1'}\ntopics: {input: t}\n")
                .inputTopics());
    }

    /** The model settings nested by group ({@code model: {drift: {...}}}) mean the same as the flat ones. */
    @Test
    void modelSettings_nestedByGroup_equalTheFlatOnes() {
        String flat = "kafka: {bootstrapServers: 'b:1'}\nmodel: {windowBins: 12, seasonBins: 48, seed: 7, warmSteps: 10,"
                + " rateThreshold: 2.5, bandLevel: 0.8, controlCost: 2.0, smoothness: 0.5}\n";
        String nested = "kafka: {bootstrapServers: 'b:1'}\nmodel:\n  seed: 7\n  bins: {windowBins: 12, seasonBins: 48}\n"
                + "  optimisation: {warmSteps: 10}\n  drift: {rateThreshold: 2.5}\n  forecasting: {bandLevel: 0.8}\n"
                + "  costs: {controlCost: 2.0}\n  regularisation: {smoothness: 0.5}\n";
        ServiceConfig a = parse(flat);
        ServiceConfig b = parse(nested);
        assertEquals(a.model(), b.model());
        var region = a.regions().single();
        assertEquals(a.onlineConfig(region), b.onlineConfig(region));
        assertEquals(2.5, b.onlineConfig(region).drift().rateThreshold());
        assertEquals(12, b.onlineConfig(region).bins().windowBins());
    }

    /**
     * Each row: the YAML after a valid {@code kafka:} line (or the whole file when it starts with {@code kafka}),
     * then what its error must contain, {@code ;}-separated. Wrong types are named, never coerced; a misspelt
     * required key is reported as unknown, not as missing.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            topics: {partitions: 1.5}                       | 'topics.partitions' must be an integer;1.5
            topics: {partitions: '3'}                       | 'topics.partitions' must be an integer;"3"
            topics: {create: 1}                             | 'topics.create' must be true or false;got 1
            kafka: {bootstrapServers: 'b:1', groupId: true} | 'kafka.groupId' must be a string;true
            topics: {partitions: 99999999999}               | 'topics.partitions' is out of range;99999999999
            topics: {input: {x: 1}}                         | 'topics.input' must be a string;{"x":1}
            model: 3                                        | 'model' must be a mapping;got 3
            http: {metrics: {port: -1}}                     | 'http.metrics.port' must be in 0..65535;-1
            topics: {replicationFactor: 0}                  | 'topics.replicationFactor' must be >= 1;got 0
            http: {web: {hots: x}}                          | unknown field 'http.web.hots';[host, port]
            model: {windowBinz: 3}                          | unknown field 'model.windowBinz';windowBins
            kafkaX: {bootstrapServers: 'b:1'}               | unknown field 'kafkaX'
            kafka: {bootstrap: 'b:1'}                       | unknown field 'kafka.bootstrap'
            model: {drift: {windowBins: 3}}                 | unknown field 'model.drift.windowBins';rateThreshold
            model: {drift: 3}                               | 'model.drift' must be a mapping;got 3
            model: {bins: {windowBins: two}}                | 'model.bins.windowBins' must be an integer;two
            model: {horizon: 3, bins: {horizon: 4}}         | 'model.bins.horizon' is also given as 'model.horizon'
            model: {bins: {windowBins: 1}}                  | windowBins
            """)
    void badValuesAndKeys_namedByTheirPathAndValue(String yaml, String parts) {
        String file = yaml.startsWith("kafka") ? yaml + "\n" : "kafka: {bootstrapServers: 'b:1'}\n" + yaml + "\n";
        String e = error(file);
        for (String part : parts.split(";")) {
            assertTrue(e.contains(part), "'" + part + "' in: " + e);
        }
    }
}
