package org.mfgcal.publisher;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
}
