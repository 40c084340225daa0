package org.mfgcal.publisher.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.mfgcal.api.DriftAlert;
import org.mfgcal.api.ParameterUpdate;
import org.mfgcal.publisher.Fixtures;
import org.mfgcal.publisher.HttpEndpoint;

/** The web server's HTTP contract and the dashboard state's JSON and bounds. */
class WebServerTest {

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void server_servesPageAssetsAndState_with304WhileUnchanged() throws Exception {
        DashboardState state = new DashboardState(10);
        try (WebServer web = WebServer.start(state, HttpEndpoint.loopback(0))) {
            assertTrue(web.url().startsWith("http://127.0.0.1:"), web.url());
            HttpResponse<String> page = get(web, "/");
            assertEquals(200, page.statusCode());
            assertTrue(page.body().contains("<script src=\"/app.js\">"));
            assertTrue(!page.body().contains("http://") && !page.body().contains("https://"), "no external resources");
            assertEquals(200, get(web, "/app.js").statusCode());
            assertEquals(404, get(web, "/../pom.xml").statusCode());
            assertEquals(404, get(web, "/nothing.js").statusCode());
            assertEquals(405, http.send(HttpRequest.newBuilder(URI.create(web.url() + "api/state"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString()).statusCode());

            state.parametersUpdated(Fixtures.update("London", 4, 0.3, ParameterUpdate.Start.WARM));
            state.driftAlert(Fixtures.alert("London", 3, 4, DriftAlert.State.RAISED));
            state.forecastIssued(Fixtures.forecast("London", 4));
            HttpResponse<String> s = get(web, "/api/state");
            JsonNode json = new ObjectMapper().readTree(s.body());
            assertEquals(state.version(), json.path("version").asLong());
            JsonNode london = json.path("regions").get(0);
            assertEquals("London", london.path("region").asText());
            assertEquals(0.3, london.path("parameters").path("rate").path("A").get(0).get(1).asDouble());
            assertEquals("RAISED", london.path("alerts").get(0).path("state").asText());
            // skill of the one realised forecast: MAE 0.02 against persistence 0.03 and seasonal naive 0.025
            assertEquals(0.02 / 0.03, london.path("skill").path("persistence").get(0).asDouble(), 1e-12);
            assertEquals(0.02 / 0.025, london.path("skill").path("seasonalNaive").get(0).asDouble(), 1e-12);
            assertTrue(london.path("skill").path("persistence").get(1).isNull(), "no realised 2-bin forecast");
            assertEquals(304, get(web, "/api/state?since=" + state.version()).statusCode());
            assertEquals(200, get(web, "/api/state?since=" + (state.version() - 1)).statusCode());
        }
    }

    @Test
    void state_manyBins_keepsOnlyMaxBinsAndLatestAlertState() throws Exception {
        DashboardState state = new DashboardState(10);
        Fixtures.play(state, "London", 3, 50, 30, 1L);
        assertEquals(10, state.sizeOfLargestSeries());
        state.driftAlert(Fixtures.alert("London", 3, 4, DriftAlert.State.RAISED));
        state.driftAlert(Fixtures.alert("London", 3, 6, DriftAlert.State.CLEARED));
        JsonNode alerts = new ObjectMapper().readTree(state.toJson()).path("regions").get(0).path("alerts");
        assertEquals(2, alerts.size(), "one entry per alert id (the fixture's alert and this one)");
        assertEquals("CLEARED", alerts.get(0).path("state").asText(), "newest first, latest state");
    }

    @Test
    void state_regionQuery_givesTheOverviewOfAllAndTheDetailsOfOne() throws Exception {
        DashboardState state = new DashboardState(10);
        state.describeRegion("London", "Europe/London", 600_000);
        state.parametersUpdated(Fixtures.update("London", 4, 0.3, ParameterUpdate.Start.WARM));
        state.forecastIssued(Fixtures.forecast("London", 4));
        state.driftScore("London", 4, 1.5);
        state.driftAlert(Fixtures.alert("London", 3, 4, DriftAlert.State.RAISED));
        state.driftAlert(Fixtures.alert("London", 2, 4, DriftAlert.State.CLEARED));
        state.parametersUpdated(new ParameterUpdate("Paris", 7, java.util.List.of(), 0.1, 0, 0, 0, 0,
                ParameterUpdate.Start.COLD, 1, Fixtures.provenance(0, 7),
                new org.mfgcal.api.Health(org.mfgcal.api.Health.State.DEGRADED, "mass", null)));
        try (WebServer web = WebServer.start(state, HttpEndpoint.loopback(0))) {
            JsonNode json = new ObjectMapper().readTree(get(web, "/api/state?since=0&region=Paris").body());
            assertEquals(2, json.path("overview").size());
            assertEquals(1, json.path("regions").size());
            assertEquals("Paris", json.path("regions").get(0).path("region").asText());
            assertEquals("UTC", json.path("regions").get(0).path("timeZone").asText(), "default time zone");
            assertEquals(3_600_000, json.path("regions").get(0).path("binMillis").asLong(), "default bin width");
            JsonNode london = json.path("overview").get(0);
            assertEquals("London", london.path("region").asText());
            assertEquals("Europe/London", london.path("timeZone").asText());
            assertEquals(600_000, london.path("binMillis").asLong());
            assertEquals("OK", london.path("health").asText());
            assertEquals(1.5, london.path("drift").asDouble());
            assertEquals(0.02 / 0.03, london.path("skill").asDouble(), 1e-12, "h1 MAE over persistence MAE");
            assertEquals(1, london.path("activeAlerts").asLong(), "one raised, one cleared");
            assertEquals(4, london.path("lastBin").asLong());
            JsonNode paris = json.path("overview").get(1);
            assertEquals("DEGRADED", paris.path("health").asText());
            assertEquals(1, paris.path("degradedBins").asLong());
            assertTrue(paris.path("skill").isNull() && paris.path("drift").isNull(), paris.toString());
            assertEquals(0, new ObjectMapper().readTree(get(web, "/api/state?region=").body()).path("regions").size(),
                    "overview only");
            assertEquals(2, new ObjectMapper().readTree(get(web, "/api/state").body()).path("regions").size(), "all");
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> state.describeRegion("X", "Mars/Olympus", 1000));
        assertTrue(e.getMessage().contains("Mars/Olympus") && e.getMessage().contains("timeZone"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> state.describeRegion("X", "UTC", 0));
        assertTrue(e.getMessage().contains("binWidthMillis") && e.getMessage().contains("0"), e.getMessage());
    }

    @Test
    void endpoint_badValues_areRejectedNamingTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new HttpEndpoint("127.0.0.1", 70000));
        assertTrue(e.getMessage().contains("70000"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new HttpEndpoint(" ", 80));
        assertTrue(e.getMessage().contains("host"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new DashboardState(0));
        assertTrue(e.getMessage().contains("maxBins") && e.getMessage().contains("0"), e.getMessage());
    }

    @Test
    void start_portInUse_failsNamingTheAddress() {
        DashboardState state = new DashboardState();
        try (WebServer first = WebServer.start(state, HttpEndpoint.loopback(0))) {
            UncheckedIOException e = assertThrows(UncheckedIOException.class,
                    () -> WebServer.start(state, HttpEndpoint.loopback(first.port())));
            assertTrue(e.getMessage().contains("127.0.0.1:" + first.port()), e.getMessage());
        }
    }

    private HttpResponse<String> get(WebServer web, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + web.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
