package org.mfgcal.app;

import java.io.PrintStream;
import org.mfgcal.calibrator.calibrate.Trainer;

/** A one-line progress bar on stderr: {@code label [#####.....] epoch 12/500 loss 1.2e-03 val 1.3e-03 ETA 0:23}. */
final class Progress implements Trainer.Listener {
    private static final int WIDTH = 28;
    private final PrintStream out;
    private final String label;
    private final boolean enabled;
    private final boolean tty = System.console() != null;
    private long lastDraw;
    private int lastTenth = -1;

    Progress(PrintStream out, String label, boolean enabled) {
        this.out = out;
        this.label = label;
        this.enabled = enabled;
    }

    @Override
    public void epoch(int epoch, int epochs, double trainLoss, double validation, boolean best, long elapsedNanos) {
        if (!enabled) {
            return;
        }
        long now = System.nanoTime();
        int tenth = (int) (10L * epoch / epochs);
        if (tty ? epoch != epochs && now - lastDraw < 100_000_000L : tenth == lastTenth) {
            return; // a terminal is redrawn ≤ 10×/s; a log gets one line per 10%
        }
        lastDraw = now;
        lastTenth = tenth;
        int filled = (int) ((long) WIDTH * epoch / epochs);
        double eta = elapsedNanos / 1e9 / epoch * (epochs - epoch);
        String bar = "#".repeat(filled) + ".".repeat(WIDTH - filled);
        out.printf((tty ? "\r" : "") + "%-14s [%s] epoch %d/%d loss %.3e%s ETA %s   ", label, bar, epoch, epochs, trainLoss,
                Double.isNaN(validation) ? "" : String.format(" val %.3e%s", validation, best ? "*" : " "), clock(eta));
        if (epoch == epochs || !tty) {
            out.printf("%n");
        }
        out.flush();
    }

    static String clock(double s) {
        long t = Math.round(s);
        return t >= 3600 ? String.format("%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60) : String.format("%d:%02d", t / 60, t % 60);
    }
}
