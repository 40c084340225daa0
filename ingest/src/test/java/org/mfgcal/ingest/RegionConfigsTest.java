package org.mfgcal.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.mfgcal.ingest.flights.FlightsData;

class RegionConfigsTest {

    private static final String OK = """
            regions:
              - id: r
                binWidth: PT15M
                allowedLateness: PT5M
                otherZone: X
                stations: {s1: A}
                zones:
                  - {id: A, initialStock: 2, neighbours: [X]}
                  - {id: X}
            """;

    private static RegionConfigs parse(String yaml) {
        return RegionConfigs.parse(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "test.yaml");
    }

    private static void fails(String yaml, String... mentions) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(yaml));
        for (String m : mentions) {
            assertTrue(e.getMessage().contains(m), "message '" + e.getMessage() + "' should mention " + m);
        }
    }

    @Test
    void parse_valid_appliesValuesAndDefaults() {
        RegionConfig r = parse(OK).single();
        assertEquals(Duration.ofMinutes(15), r.binWidth());
        assertEquals(RegionConfig.Defaults.WINDOW, r.window());
        assertEquals(2, r.zoneCount());
        RegionBinner b = new RegionBinner(r);
        assertEquals(0, b.zoneOf("s1"));
        assertEquals(0, b.zoneOf("A"));
        assertEquals(1, b.zoneOf("anything else"));
    }

    @Test
    void parse_badValues_failNamingFieldAndValue() {
        fails(OK.replace("PT15M", "PT7M"), "binWidth", "PT7M");
        fails(OK.replace("PT15M", "soon"), "binWidth", "soon");
        fails(OK.replace("otherZone: X", "otherZone: Q"), "otherZone", "Q");
        fails(OK.replace("initialStock: 2", "initialStock: -2"), "initialStock", "-2");
        fails(OK.replace("stations: {s1: A}", "stations: {s1: Z}"), "stations", "Z");
        fails(OK.replace("neighbours: [X]", "neighbours: [Y]"), "neighbours", "Y");
        fails(OK.replace("binWidth", "binwidth"), "unknown field 'binwidth'");
        fails(OK.replace("- {id: X}", "- {id: A}"), "duplicate", "A");
        fails(OK.replace("allowedLateness: PT5M", "allowedLateness: -PT5M"), "allowedLateness", "PT-5M");
        fails(OK.replace("regions:", "region:"), "regions");
        fails(OK + "    timeZone: Mars/Olympus\n", "timeZone", "Mars/Olympus");
    }

    @Test
    void loadSpec_shippedFlightsRegion_topTenPlusExternal() {
        RegionConfig r = RegionConfigs.loadSpec(FlightsData.REGION).single();
        assertEquals("flights", r.id());
        assertEquals(11, r.zoneCount());
        assertEquals("External", r.otherZone());
        assertEquals(Duration.ofHours(1), r.binWidth());
    }
}
