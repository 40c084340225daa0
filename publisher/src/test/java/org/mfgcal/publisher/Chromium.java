package org.mfgcal.publisher;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Headless Debian Chromium for page tests: dump the DOM after scripts ran, or take a screenshot. */
public final class Chromium {
    /** Where Debian's {@code chromium} package installs the browser. */
    public static final String PATH = "/usr/bin/chromium";
    /** Virtual time given to the page's scripts before the DOM is dumped or the screenshot taken, ms. */
    static final int VIRTUAL_TIME_BUDGET_MS = 8000;
    private static final long TIMEOUT_S = 90;

    private final Path exe;
    private final Path work;

    /** Uses the installed browser (skip/fail via {@link Tools#require}); profile and logs under {@code work}. */
    public Chromium(Path work) {
        this.exe = Tools.require(PATH, "chromium");
        this.work = work;
    }

    /** The DOM of {@code url} after its scripts ran. */
    public String dumpDom(String url) throws IOException, InterruptedException {
        return run(List.of("--dump-dom", url), "dump");
    }

    /** Saves a PNG of {@code url} at {@code width x height} into {@code png}. */
    public void screenshot(String url, Path png, int width, int height) throws IOException, InterruptedException {
        Files.createDirectories(png.toAbsolutePath().getParent());
        run(List.of("--screenshot=" + png.toAbsolutePath(), "--window-size=" + width + "," + height,
                "--hide-scrollbars", url), "shot");
    }

    private String run(List<String> args, String tag) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory(work, "chromium-profile-");
        List<String> cmd = new ArrayList<>(List.of(exe.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
                "--user-data-dir=" + profile, "--virtual-time-budget=" + VIRTUAL_TIME_BUDGET_MS));
        cmd.addAll(args);
        Path out = work.resolve("chromium-" + tag + ".out");
        Path err = work.resolve("chromium-" + tag + ".err");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(TIMEOUT_S, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("chromium did not finish within " + TIMEOUT_S + " s: " + cmd);
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException("chromium exited " + p.exitValue() + ": "
                    + Files.readString(err, StandardCharsets.UTF_8));
        }
        return Files.readString(out, StandardCharsets.UTF_8);
    }
}
