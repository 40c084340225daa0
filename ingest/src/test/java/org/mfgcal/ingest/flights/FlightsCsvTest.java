package org.mfgcal.ingest.flights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.time.Instant;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.mfgcal.ingest.TripEvent;

class FlightsCsvTest {

    private static final Map<String, Airport> AIRPORTS = FlightsCsv.readAirports(FlightsData.AIRPORTS);

    @Test
    void parseRow_laxToPhx_handComputedTimes() {
        // 01010530 local at LAX (UTC-8 in January) = 13:30Z; block 30 + 370/480*60 = 76.25 -> 76 min; delay -11
        TripEvent t = FlightsCsv.parseRow("01010530,-11,370,LAX,PHX", "test", 2, AIRPORTS, "flights", new HashMap<>());
        assertEquals(Instant.parse("2001-01-01T13:30:00Z"), t.departedAt());
        assertEquals(Instant.parse("2001-01-01T14:35:00Z"), t.arrivedAt());
        assertEquals("01010530-LAX-PHX-0", t.tripId());
    }

    @Test
    void arrivalOffset_shortHopVeryEarly_clampedToMinimumBlock() {
        assertEquals(FlightsCsv.MIN_BLOCK_MINUTES, FlightsCsv.arrivalOffsetMinutes(108, -58));
        assertEquals(30 + 288 + 509, FlightsCsv.arrivalOffsetMinutes(2304, 509));
    }

    @Test
    void zoneOf_airportsOfTheData_matchKnownZones() {
        assertEquals(ZoneId.of("America/Phoenix"), AIRPORTS.get("PHX").zone());
        assertEquals(ZoneId.of("America/Denver"), AIRPORTS.get("ELP").zone());
        assertEquals(ZoneId.of("America/Chicago"), AIRPORTS.get("HOU").zone());
        assertEquals(ZoneId.of("America/Chicago"), AIRPORTS.get("BNA").zone());
        assertEquals(ZoneId.of("America/Indiana/Indianapolis"), AIRPORTS.get("IND").zone());
        assertEquals(ZoneId.of("America/Kentucky/Louisville"), AIRPORTS.get("SDF").zone());
        assertEquals(ZoneId.of("America/New_York"), AIRPORTS.get("TPA").zone());
        assertEquals(ZoneId.of("America/Boise"), AIRPORTS.get("BOI").zone());
        assertEquals(ZoneId.of("America/Los_Angeles"), AIRPORTS.get("PDX").zone());
        assertEquals(59, AIRPORTS.size());
        assertThrows(IllegalArgumentException.class, () -> UsTimeZones.zoneOf("ZZ", 0));
    }

    @Test
    void readTrips_week_allRowsOrderedByDepartureWithUniqueIds() throws Exception {
        List<TripEvent> week = FlightsCsv.readShipped(FlightsData.WEEK);
        long rows;
        try (BufferedReader r = FlightsData.open(FlightsData.WEEK)) {
            rows = r.lines().count() - 1;
        }
        assertEquals(rows, week.size());
        assertEquals(17_386, week.size());
        for (int i = 1; i < week.size(); i++) {
            assertTrue(week.get(i - 1).departedAtMillis() <= week.get(i).departedAtMillis());
        }
        assertEquals(week.size(), week.stream().map(TripEvent::tripId).collect(Collectors.toSet()).size());
    }

    @Test
    void readTrips_full_isAPrefixCompatibleSuperSetOfTheWeek() {
        List<TripEvent> full = FlightsCsv.readShipped(FlightsData.FULL);
        assertEquals(231_083, full.size());
        Map<String, TripEvent> byId = full.stream().collect(Collectors.toMap(TripEvent::tripId, t -> t));
        for (TripEvent t : FlightsCsv.readShipped(FlightsData.WEEK)) {
            assertEquals(t, byId.get(t.tripId()));
        }
        long days = (full.get(full.size() - 1).departedAtMillis() - full.get(0).departedAtMillis()) / 86_400_000L;
        assertTrue(days >= 89, "about three months: " + days);
    }

    @Test
    void yaml_fullData_reproducesTheShippedRegionFile() throws Exception {
        List<TripEvent> full = FlightsCsv.readShipped(FlightsData.FULL);
        String expected;
        try (BufferedReader r = FlightsData.open(FlightsData.REGION)) {
            expected = r.lines().collect(Collectors.joining("\n", "", "\n"));
        }
        assertEquals(expected, FlightsRegion.yaml(full, AIRPORTS, 10, "flights-3m.csv.gz"));
    }

    @Test
    void parseRow_badRow_namesLineFieldAndValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FlightsCsv.parseRow("01010530,x,370,LAX,PHX", "f.csv", 7, AIRPORTS, "flights", new HashMap<>()));
        assertTrue(e.getMessage().contains("line 7") && e.getMessage().contains("delay") && e.getMessage().contains("'x'"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> FlightsCsv.parseRow("01010530,1,370,LAX,QQQ", "f.csv", 8, AIRPORTS, "flights", new HashMap<>()));
        assertTrue(e.getMessage().contains("destination") && e.getMessage().contains("QQQ"), e.getMessage());
    }
}
