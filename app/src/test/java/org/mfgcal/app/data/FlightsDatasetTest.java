package org.mfgcal.app.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mfgcal.calibrator.calibrate.Sample;
import org.mfgcal.ingest.TripEvent;
import org.mfgcal.ingest.flights.Airport;
import org.mfgcal.ingest.flights.FlightsCsv;
import org.mfgcal.ingest.flights.FlightsData;

/**
 * The offline flights dataset ({@link Flights#read}) is built from ingest's binning, the one the service uses; checked
 * here against a naive recount of the parsed trips: per clock day (UTC−6), at every sample boundary, 100 aircraft per
 * airport and 500 in External plus the arrivals minus the departures since 00:00 that day, every trip counted at both
 * ends, floored at 1, normalised.
 */
class FlightsDatasetTest {

    static final String WEEK = "classpath:data/flights/flights-week1.csv";

    @ParameterizedTest(name = "{0} zones, {1}-minute bins, {2}:00-{3}:00")
    @CsvSource({"10, 60, 6, 22", "5, 40, 6, 22", "3, 15, 0, 24"})
    void dataset_everySampleEqualsNaiveRecountOfTheTrips(int k, int binMin, int from, int to) throws IOException {
        Flights.Data data = Flights.read(WEEK, FlightsData.AIRPORTS, k, binMin, from, to, 0.0);
        Map<String, Airport> ap = FlightsCsv.readAirports(FlightsData.AIRPORTS);
        List<TripEvent> trips = FlightsCsv.readTrips(WEEK, ap, "flights");
        List<String> zones = data.zones();
        assertEquals(k, zones.size());
        int d = k + 1;
        int nT = 60 * (to - from) / binMin + 1;
        List<Sample> all = new ArrayList<>();
        all.addAll(data.dataset().train());
        all.addAll(data.dataset().validation());
        all.addAll(data.dataset().test());
        all.addAll(data.dataset().testOod());
        assertEquals(7, all.size(), "the shipped week has 7 days");
        for (Sample s : all) {
            long day = LocalDate.parse(s.label()).toEpochDay();
            for (int n = 0; n < nT; n++) {
                long boundary = day * 1440 + from * 60L + (long) n * binMin; // clock minutes
                double[] stock = new double[d];
                Arrays.fill(stock, 100);
                stock[k] = 500;
                for (TripEvent t : trips) {
                    long dep = Math.floorDiv(t.departedAtMillis(), 60_000L) - 360;
                    long arr = Math.floorDiv(t.arrivedAtMillis(), 60_000L) - 360;
                    if (dep >= day * 1440 && dep < boundary) {
                        stock[zone(zones, t.origin())]--;
                    }
                    if (arr >= day * 1440 && arr < boundary) {
                        stock[zone(zones, t.destination())]++;
                    }
                }
                double sum = 0;
                for (int x = 0; x < d; x++) {
                    sum += Math.max(1, stock[x]);
                }
                for (int x = 0; x < d; x++) {
                    assertEquals(Math.max(1, stock[x]) / sum, s.obs()[n * d + x], 1e-15,
                            s.label() + " boundary " + n + " zone " + x);
                }
            }
        }
        // the busiest airports' traffic, as reported in the summary
        @SuppressWarnings("unchecked")
        List<Long> traffic = (List<Long>) data.summary().get("zone_traffic");
        for (int z = 0; z < k; z++) {
            String code = zones.get(z);
            long naive = trips.stream().filter(t -> t.origin().equals(code)).count()
                    + trips.stream().filter(t -> t.destination().equals(code)).count();
            assertEquals(naive, traffic.get(z), code);
            assertTrue(z == 0 || traffic.get(z) <= traffic.get(z - 1), "busiest first");
        }
    }

    private static int zone(List<String> zones, String airport) {
        int i = zones.indexOf(airport);
        return i >= 0 ? i : zones.size();
    }
}
