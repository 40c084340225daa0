package org.mfgcal.publisher.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mfgcal.publisher.Chromium;
import org.mfgcal.publisher.Fixtures;
import org.mfgcal.publisher.HttpEndpoint;
import org.mfgcal.publisher.PageDom;

/**
 * The web page in a real headless Chromium: after bins were reported through the listener API, the charts have
 * data points (as many as bins reported), bands are drawn, and the raised drift alert is listed and marked.
 * Saves {@code target/screenshot-web.png}.
 */
class WebPageChromiumIT {

    static final int BINS = 60;
    static final int ZONES = 6;
    static final int CHANGE_BIN = 40;

    @TempDir
    Path tmp;

    @Test
    void page_afterBinsAndAnAlert_showsPointsBandsAndTheAlert() throws Exception {
        Chromium chromium = new Chromium(tmp);
        DashboardState state = new DashboardState();
        Fixtures.play(state, "London", ZONES, BINS, CHANGE_BIN, 7L);
        Fixtures.play(state, "Paris", 4, 30, -1, 8L);
        try (WebServer web = WebServer.start(state, HttpEndpoint.loopback(0))) {
            String dom = chromium.dumpDom(web.url());

            assertTrue(dom.contains("data-version=\"" + state.version() + "\""),
                    "page did not render the current state (version " + state.version() + ")");
            // one zone card per zone of the first region (London), each with one observed dot per bin
            List<String> zoneCards = PageDom.split(dom, "<div class=\"card zone\"");
            assertEquals(ZONES, zoneCards.size(), "zone charts");
            for (String card : zoneCards) {
                int points = Integer.parseInt(PageDom.first(card, "data-points=\"(\\d+)\""));
                assertEquals(BINS, points, "observed dots in a zone chart");
                assertTrue(card.contains("class=\"band\""), "one-bin-ahead band missing");
                assertTrue(card.contains("class=\"fan\""), "latest forecast band missing");
            }
            // the alert: listed as raised, and marked in zone LA's chart at its first bin
            Matcher row = Pattern.compile("<tr class=\"alert raised\" data-id=\"London/LA/outflow/" + CHANGE_BIN
                    + "\">(.*?)</tr>").matcher(dom);
            assertTrue(row.find(), "raised alert row missing");
            assertTrue(row.group(1).contains("<td>DOWN</td>") && row.group(1).contains("<td>" + CHANGE_BIN + "</td>"),
                    "alert row content: " + row.group(1));
            assertTrue(zoneCards.get(0).contains("class=\"alertline\""), "alert marker missing in zone LA");
            assertTrue(!zoneCards.get(1).contains("class=\"alertline\""), "alert marker in the wrong zone");
            assertTrue(dom.contains("<option value=\"outflow\" selected") || dom.matches("(?s).*id=\"params\".*alertline.*"),
                    "parameter chart should open on the alerted parameter with its marker");
            // parameter paths and solver health have points
            int allPoints = 0;
            Matcher pts = Pattern.compile("data-points=\"(\\d+)\"").matcher(dom);
            while (pts.find()) {
                allPoints += Integer.parseInt(pts.group(1));
            }
            int expected = ZONES * BINS /* zones */ + ZONES * BINS /* outflow paths */ + 3 * BINS /* iterations */
                    + BINS /* exploitability */ + BINS /* latency */ + BINS /* drift */;
            assertEquals(expected, allPoints, "data points over all charts");
            assertTrue(dom.contains(">Paris</button>"), "second region tab missing");
            // the skill line: one ratio per horizon against each baseline
            String skill = PageDom.first(dom, "<p id=\"skill\" class=\"skill\">(.*?)</p>");
            assertTrue(skill.matches(".*vs persistence: h1 \\d\\.\\d\\d · h2 .*vs seasonal naive: h1 \\d\\.\\d\\d.*"),
                    "skill line: " + skill);

            Path png = Path.of("target", "screenshot-web.png");
            chromium.screenshot(web.url(), png, 1400, 1350);
            PageDom.assertPlausiblePng(png);
        }
    }
}
