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
