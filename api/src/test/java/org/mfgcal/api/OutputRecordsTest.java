package org.mfgcal.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** The output records validate on construction (messages name field and value) and are immutable. */
class OutputRecordsTest {

    static final Provenance PROV = new Provenance("m/1", "abc", 1, "dev", 0, 9);

    @Test
    void construction_badValues_rejectedNamingFieldAndValue() {
        assertMessage(() -> new Provenance("m/1", "abc", 1, "dev", 5, 4), "windowFirstBin 5", "windowLastBin 4");
        assertMessage(() -> new ParameterValue("rate", "A", Double.NaN), "rate/A", "NaN");
        assertMessage(() -> new ParameterUpdate("R", 1, List.of(), 0.1, -1, 1, 1, 1, ParameterUpdate.Start.WARM, 1, PROV),
                "exploitability", "-1");
        assertMessage(() -> new Observation("R", 1, List.of("A", "B"), List.of(1.0), 3), "shares", "2");
        assertMessage(() -> new Forecast.RealisedError(3, 5, 1, 0.1, 0.5, 0.1, null), "horizon 1", "2");
        assertMessage(() -> new Forecast("R", 1, List.of("A"), 1.0, List.of(), List.of(), PROV), "bandLevel", "1.0");
        assertMessage(() -> new DriftAlert("id", "R", "A", "rate", DriftAlert.Direction.UP, 0.1, "ref", 0.2, 0.1, 7, 6,
                DriftAlert.State.RAISED, PROV), "firstBin 7", "bin 6");
        assertMessage(() -> new ParameterValue("rate", " ", 1), "target", "' '");
    }

    @Test
    void lists_areCopied_soRecordsStayImmutable() {
        List<Double> shares = new ArrayList<>(List.of(0.25, 0.75));
        Observation o = new Observation("R", 1, List.of("A", "B"), shares, 4);
        shares.set(0, 9.0);
        assertEquals(0.25, o.shares().get(0));
        assertThrows(UnsupportedOperationException.class, () -> o.shares().set(0, 1.0));
    }

    @Test
    void all_reportsToEveryListenerInOrder() {
        List<String> calls = new ArrayList<>();
        CalibrationListener a = new CalibrationListener() {
            @Override
            public void driftScore(String region, long bin, double score) {
                calls.add("a" + bin);
            }
        };
        CalibrationListener b = new CalibrationListener() {
            @Override
            public void driftScore(String region, long bin, double score) {
                calls.add("b" + bin);
            }
        };
        CalibrationListener.all(List.of(a, CalibrationListener.NONE, b)).driftScore("R", 3, 0.5);
        assertEquals(List.of("a3", "b3"), calls);
        assertEquals("R/A->B/rate/4", DriftAlert.idOf("R", ParameterValue.edge("A", "B"), "rate", 4));
    }

    private static void assertMessage(Executable e, String... parts) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        for (String part : parts) {
            assertTrue(ex.getMessage().contains(part), "'" + ex.getMessage() + "' lacks '" + part + "'");
        }
    }
}
