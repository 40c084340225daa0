package org.mfgcal.publisher.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mfgcal.api.Health;
import org.mfgcal.api.ParameterUpdate;
import org.mfgcal.api.ParameterValue;
import org.mfgcal.publisher.Chromium;
import org.mfgcal.publisher.Fixtures;
import org.mfgcal.publisher.HttpEndpoint;
import org.mfgcal.publisher.PageDom;

/**
 * The web page in a real headless Chromium: after bins were reported through the listener API, the region view has
 * data points (as many as bins reported), bands, time axes labelled in the region's time zone (checked against
 * {@code java.time}), no label cut by its chart (measured by the browser's layout), the raised drift alert listed
 * with its local time and marked, degraded bins shaded; the overview lists every region with its health, drift
 * score, skill and active alerts and links to it; the page logs nothing to the console. A second test renders 50
 * regions × 288 bins and prints the render times. Saves {@code target/screenshot-web.png}.
 */
class WebPageChromiumIT {

    static final int BINS = 60;
    static final int ZONES = 6;
    static final int CHANGE_BIN = 40;
    static final long TEN_MINUTES = 600_000L;
    /** Bins counted from the epoch: 2026-03-01T00:00Z in 10-minute bins, so the axes show a recent date. */
    static final long OFFSET = Instant.parse("2026-03-01T00:00:00Z").toEpochMilli() / TEN_MINUTES;

    /** Resolves to the page's own measurement of its last render, once it rendered. */
    static final String RENDER_MS = "new Promise(resolve => { const check = () => document.body && document.body.dataset"
            + ".renderMs ? resolve(document.body.dataset.renderMs) : setTimeout(check, 50); check(); })";

    @TempDir
    Path tmp;

    @Test
    void page_afterBinsAndAnAlert_showsTimeAxesPointsBandsTheAlertAndTheOverview() throws Exception {
        Chromium chromium = new Chromium(tmp);
        DashboardState state = new DashboardState();
        state.describeRegion("London", "Europe/London", TEN_MINUTES);
        state.describeRegion("Chicago", "America/Chicago", TEN_MINUTES);
        Fixtures.play(state, "London", ZONES, BINS, CHANGE_BIN, 7L, OFFSET);
        Fixtures.play(state, "Chicago", 4, 30, -1, 8L, OFFSET);
        // one degraded update of Chicago (last good parameters published)
        long degradedBin = OFFSET + 30;
        state.parametersUpdated(new ParameterUpdate("Chicago", degradedBin, List.of(new ParameterValue("outflow", "CA", 0.1)),
                0.02, 1e-5, 3, 10, 10, ParameterUpdate.Start.COLD, 20, Fixtures.provenance(0, degradedBin),
                new Health(Health.State.DEGRADED, Health.REASON_MASS, OFFSET + 29)));
        try (WebServer web = WebServer.start(state, HttpEndpoint.loopback(0))) {
            // the overview (default view): one linked row per region with health, drift, skill and active alerts
            String overview = chromium.dumpDom(web.url());
            assertEquals(List.of(), chromium.consoleMessages(), "console output of the overview");
            assertTrue(overview.contains("data-view=\"overview\"") && overview.contains("data-version=\"" + state.version() + "\""),
                    "overview did not render the current state");
            String london = row(overview, "London");
            assertTrue(london.contains("<a href=\"#region=London\">London</a>"), "link to the region: " + london);
            assertTrue(london.contains("class=\"badge ok\""), "London's last update is ok: " + london);
            assertTrue(london.matches(".*<td class=\"active hot\">1</td>.*"), "London has one active alert: " + london);
            assertTrue(london.matches(".*<td class=\"drift hot\">\\d\\.\\d\\d</td>.*"), "London's drift score above 1: " + london);
            assertTrue(london.matches(".*<td class=\"skill\">0\\.\\d\\d</td>.*"), "London's skill below 1: " + london);
            // the last bin (OFFSET + 59) 2026-03-01 09:50 UTC is 09:50 in London (GMT in March before the 29th)
            assertTrue(london.contains("<td class=\"last\">2026-03-01 09:50</td>"), "London's latest bin in local time: " + london);
            String chicago = row(overview, "Chicago");
            assertTrue(chicago.contains("class=\"badge degraded\"") && chicago.contains("1 degraded bin"), chicago);
            assertTrue(chicago.contains("<td class=\"active\">0</td>"), chicago);
            // OFFSET + 30 = 05:00 UTC = 23:00 the day before in Chicago (CST, UTC-6)
            assertTrue(chicago.contains("<td class=\"last\">2026-02-28 23:00</td>"), "Chicago's latest bin in local time: " + chicago);

            // the region view
            String dom = chromium.dumpDom(web.url() + "#region=London");
            assertEquals(List.of(), chromium.consoleMessages(), "console output of the region view");
            assertTrue(dom.contains("data-view=\"region\""), "region view not shown");
            assertEquals("0", PageDom.first(dom, "data-cut-labels=\"(\\d+)\""), "chart labels outside their chart: "
                    + PageDom.cutLabels(dom));
            List<String> zoneCards = PageDom.split(dom, "<div class=\"card zone\"");
            assertEquals(ZONES, zoneCards.size(), "zone charts");
            for (String card : zoneCards) {
                assertEquals(BINS, Integer.parseInt(PageDom.first(card, "data-points=\"(\\d+)\"")), "observed dots in a zone chart");
                assertTrue(card.contains("class=\"band\""), "one-bin-ahead band missing");
                assertTrue(card.contains("class=\"fan\""), "latest forecast band missing");
                PageDom.assertTimeTicks(card, ZoneId.of("Europe/London"), 2);
            }
            PageDom.assertTimeTicks(dom, ZoneId.of("Europe/London"), 2 * ZONES + 8);
            // the alert: listed as raised with the local times of its first bin and of the bin it was raised at
            Matcher row = Pattern.compile("<tr class=\"alert raised\" data-id=\"London/LA/outflow/" + (OFFSET + CHANGE_BIN)
                    + "\" data-first-bin=\"\\d+\">(.*?)</tr>").matcher(dom);
            assertTrue(row.find(), "raised alert row missing");
            // first bin OFFSET + 40 = 06:40 UTC; raised at OFFSET + 42 = 07:00
            assertTrue(row.group(1).contains("<td>DOWN</td>") && row.group(1).contains("<td>2026-03-01 06:40</td>")
                    && row.group(1).contains("<td>2026-03-01 07:00</td>"), "alert row content: " + row.group(1));
            assertTrue(zoneCards.get(0).contains("class=\"alertline\""), "alert marker missing in zone LA");
            assertFalse(zoneCards.get(1).contains("class=\"alertline\""), "alert marker in the wrong zone");
            assertFalse(dom.contains("class=\"degraded\""), "London has no degraded bin");
            int allPoints = 0;
            Matcher pts = Pattern.compile("data-points=\"(\\d+)\"").matcher(dom);
            while (pts.find()) {
                allPoints += Integer.parseInt(pts.group(1));
            }
            int expected = ZONES * BINS /* zones */ + ZONES * BINS /* outflow paths */ + 3 * BINS /* iterations */
                    + BINS /* exploitability */ + BINS /* latency */ + BINS /* drift */;
            assertEquals(expected, allPoints, "data points over all charts");
            String skill = PageDom.first(dom, "<p id=\"skill\" class=\"skill\">(.*?)</p>");
            assertTrue(skill.matches(".*vs persistence: h1 \\d\\.\\d\\d · h2 .*vs seasonal naive: h1 \\d\\.\\d\\d.*"),
                    "skill line: " + skill);

            // Chicago: the degraded bin is shaded in every chart with time on x (4 zones, parameters, 4 health charts)
            String chicagoDom = chromium.dumpDom(web.url() + "#region=Chicago");
            assertEquals(List.of(), chromium.consoleMessages(), "console output of Chicago's view");
            Matcher shaded = Pattern.compile("<rect class=\"degraded\"").matcher(chicagoDom);
            int marks = 0;
            while (shaded.find()) {
                marks++;
            }
            // 4 zones, iterations, exploitability, latency; not the drift chart (its bins end before the degraded
            // one) nor the parameter chart (it opens on 'attractiveness', which the degraded update does not carry)
            assertEquals(4 + 3, marks, "degraded-bin marks");
            PageDom.assertTimeTicks(chicagoDom, ZoneId.of("America/Chicago"), 8);

            Path png = Path.of("target", "screenshot-web.png");
            chromium.screenshot(web.url() + "#region=London", png, 1400, 1350);
            PageDom.assertPlausiblePng(png);
        }
    }

    @Test
    void page_50RegionsOf288Bins_rendersTheOverviewAndARegion() throws Exception {
        Chromium chromium = new Chromium(tmp);
        DashboardState state = new DashboardState();
        int regions = 50;
        int bins = DashboardState.DEFAULT_MAX_BINS;
        for (int i = 0; i < regions; i++) {
            String id = String.format(Locale.ROOT, "R%02d", i);
            state.describeRegion(id, "UTC", TEN_MINUTES);
            Fixtures.play(state, id, ZONES, bins, i % 5 == 0 ? 200 : -1, i, OFFSET);
        }
        try (WebServer web = WebServer.start(state, HttpEndpoint.loopback(0))) {
            long t0 = System.nanoTime();
            String overview = chromium.dumpDom(web.url());
            long overviewWall = System.nanoTime() - t0;
            assertEquals(List.of(), chromium.consoleMessages(), "console output");
            assertEquals(regions, PageDom.split(overview, "<tr class=\"region-row").size(), "overview rows");
            assertEquals(10, PageDom.split(overview, "<tr class=\"region-row alerting\"").size(), "regions with an alert");
            t0 = System.nanoTime();
            String dom = chromium.dumpDom(web.url() + "#region=R49");
            long regionWall = System.nanoTime() - t0;
            assertEquals(List.of(), chromium.consoleMessages(), "console output");
            List<String> cards = PageDom.split(dom, "<div class=\"card zone\"");
            assertEquals(ZONES, cards.size());
            assertEquals(bins, Integer.parseInt(PageDom.first(cards.get(0), "data-points=\"(\\d+)\"")));
            assertEquals("0", PageDom.first(dom, "data-cut-labels=\"(\\d+)\""), "chart labels outside their chart: "
                    + PageDom.cutLabels(dom));
            PageDom.assertTimeTicks(dom, ZoneId.of("UTC"), 2 * ZONES + 8);
            // render times in real time (the dumps above run on virtual time, where performance.now() stands still):
            // the page's own measurement of its last render, read through the DevTools protocol
            String overviewMs = chromium.evaluate(web.url(), RENDER_MS);
            String regionMs = chromium.evaluate(web.url() + "#region=R49", RENDER_MS);
            assertTrue(Double.parseDouble(overviewMs) > 0 && Double.parseDouble(regionMs) > 0, "render times measured");
            System.out.printf(Locale.ROOT, "web page, %d regions x %d bins: render %s ms for the overview (state JSON"
                            + " %,d bytes), %s ms for one region (JSON %,d bytes); Chromium dump runs %.1f s / %.1f s%n",
                    regions, bins, overviewMs, state.toJson("").length(), regionMs, state.toJson("R49").length(),
                    overviewWall / 1e9, regionWall / 1e9);
        }
    }

    private static String row(String dom, String region) {
        return PageDom.first(dom, "(<tr class=\"region-row[^\"]*\" data-region=\"" + region + "\">.*?</tr>)");
    }
}
