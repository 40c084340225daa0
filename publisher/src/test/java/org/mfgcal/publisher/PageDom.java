package org.mfgcal.publisher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reading the web page's DOM dumped by headless Chromium, shared by the page tests (test-jar). */
public final class PageDom {
    private PageDom() {
    }

    /** The pieces of {@code dom} that start at each occurrence of {@code marker} (the last one ends at its section). */
    public static List<String> split(String dom, String marker) {
        List<String> parts = new ArrayList<>();
        int i = dom.indexOf(marker);
        while (i >= 0) {
            int j = dom.indexOf(marker, i + marker.length());
            parts.add(dom.substring(i, j < 0 ? Math.min(dom.length(), dom.indexOf("</section>", i)) : j));
            i = j;
        }
        return parts;
    }

    /** The first capture group of {@code regex} in {@code s}; fails the test when absent. */
    public static String first(String s, String regex) {
        Matcher m = Pattern.compile(regex).matcher(s);
        assertTrue(m.find(), regex + " not found");
        return m.group(1);
    }

    /** Fails unless {@code png} is a plausible screenshot: a PNG signature and more than 20 kB of pixels. */
    public static void assertPlausiblePng(Path png) throws IOException {
        byte[] bytes = Files.readAllBytes(png);
        assertTrue(bytes.length > 20_000 && bytes[1] == 'P' && bytes[2] == 'N' && bytes[3] == 'G',
                "screenshot is not a plausible PNG (" + bytes.length + " bytes)");
    }

    private static final Pattern TIME_TICK = Pattern.compile(
            "<text x=\"[^\"]+\" y=\"[^\"]+\" text-anchor=\"[a-z]+\" class=\"timetick\" data-t=\"([^\"]+)\">([^<]+)</text>");

    /**
     * Every time tick of {@code html} is labelled as {@code java.time} formats its instant in {@code zone}
     * (YYYY-MM-DD at local midnight, else HH:MM) and falls on a whole local minute; at least {@code min} ticks.
     */
    public static void assertTimeTicks(String html, ZoneId zone, int min) {
        Matcher m = TIME_TICK.matcher(html);
        int n = 0;
        while (m.find()) {
            ZonedDateTime t = Instant.parse(m.group(1)).atZone(zone);
            String expected = t.getHour() == 0 && t.getMinute() == 0 ? t.format(DateTimeFormatter.ISO_LOCAL_DATE)
                    : t.format(DateTimeFormatter.ofPattern("HH:mm"));
            assertEquals(expected, m.group(2), "tick label at " + m.group(1) + " in " + zone);
            assertEquals(0, t.getSecond(), "tick not on a whole minute: " + t);
            n++;
        }
        assertTrue(n >= min, "time ticks: " + n + " < " + min);
    }


    /** Pixels of {@code png} within {@code tolerance} (per channel) of the colour {@code rgb} (0xRRGGBB). */
    public static int pixels(Path png, int rgb, int tolerance) throws IOException {
        java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(png.toFile());
        int n = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int c = img.getRGB(x, y);
                if (Math.abs(((c >> 16) & 255) - ((rgb >> 16) & 255)) <= tolerance
                        && Math.abs(((c >> 8) & 255) - ((rgb >> 8) & 255)) <= tolerance
                        && Math.abs((c & 255) - (rgb & 255)) <= tolerance) {
                    n++;
                }
            }
        }
        return n;
    }

    /** The SVG text elements the page marked as cut (drawn outside their chart), for failure messages. */
    public static List<String> cutLabels(String dom) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("<text [^>]*class=\"[^\"]*\\bcut\\b[^\"]*\"[^>]*>[^<]*</text>").matcher(dom);
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }
}
