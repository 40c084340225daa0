package org.mfgcal.app.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * Line charts drawn with Java2D and written as PNG (no external plotting service): one or more panels in a grid,
 * each with axes, ticks, a title and a legend; series solid or dashed, optionally with point markers.
 */
public final class Plot {
    public static final Color[] PALETTE = {new Color(31, 119, 180), new Color(255, 127, 14), new Color(44, 160, 44),
            new Color(214, 39, 40), new Color(148, 103, 189), new Color(140, 86, 75), new Color(227, 119, 194),
            new Color(127, 127, 127), new Color(188, 189, 34), new Color(23, 190, 207), Color.BLACK};

    /** A line: x, y (same length), style. */
    public record Series(String name, double[] x, double[] y, Color color, boolean dashed, boolean markers) {
    }

    /** One panel. */
    public static final class Panel {
        final String title, xLabel, yLabel;
        final List<Series> series = new ArrayList<>();
        boolean logY;

        public Panel(String title, String xLabel, String yLabel) {
            this.title = title;
            this.xLabel = xLabel;
            this.yLabel = yLabel;
        }

        public Panel add(Series s) {
            series.add(s);
            return this;
        }

        public Panel line(String name, double[] x, double[] y, Color c) {
            return add(new Series(name, x, y, c, false, false));
        }

        public Panel dashed(String name, double[] x, double[] y, Color c) {
            return add(new Series(name, x, y, c, true, false));
        }

        public Panel points(String name, double[] x, double[] y, Color c) {
            return add(new Series(name, x, y, c, false, true));
        }

        public Panel logY() {
            logY = true;
            return this;
        }
    }

    private Plot() {
    }

    public static double[] range(int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = i;
        }
        return x;
    }

    public static void write(Path file, String title, List<Panel> panels, int columns) throws IOException {
        int cols = Math.max(1, Math.min(columns, panels.size()));
        int rows = (panels.size() + cols - 1) / cols;
        int pw = 480, ph = 320, top = 40;
        BufferedImage img = new BufferedImage(cols * pw, rows * ph + top, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        g.drawString(title, 12, 26);
        for (int i = 0; i < panels.size(); i++) {
            draw(g, panels.get(i), (i % cols) * pw, top + (i / cols) * ph, pw, ph);
        }
        g.dispose();
        ImageIO.write(img, "png", file.toFile());
    }

    private static double tr(double v, boolean log) {
        return log ? Math.log10(Math.max(v, 1e-300)) : v;
    }

    private static void draw(Graphics2D g, Panel p, int ox, int oy, int w, int h) {
        int l = ox + 62, r = ox + w - 14, t = oy + 26, b = oy + h - 44;
        double xmin = Double.POSITIVE_INFINITY, xmax = Double.NEGATIVE_INFINITY;
        double ymin = Double.POSITIVE_INFINITY, ymax = Double.NEGATIVE_INFINITY;
        for (Series s : p.series) {
            for (int i = 0; i < s.x.length; i++) {
                double y = tr(s.y[i], p.logY);
                if (!Double.isFinite(s.x[i]) || !Double.isFinite(y)) {
                    continue;
                }
                xmin = Math.min(xmin, s.x[i]);
                xmax = Math.max(xmax, s.x[i]);
                ymin = Math.min(ymin, y);
                ymax = Math.max(ymax, y);
            }
        }
        if (!(xmax > xmin)) {
            xmax = xmin + 1;
        }
        if (!(ymax > ymin)) {
            ymin -= 0.5 * Math.max(1e-12, Math.abs(ymin));
            ymax += 0.5 * Math.max(1e-12, Math.abs(ymax));
        }
        double pad = 0.05 * (ymax - ymin);
        ymin -= pad;
        ymax += pad;
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        g.setColor(Color.BLACK);
        g.drawString(p.title, l, oy + 18);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        g.setColor(new Color(235, 235, 235));
        for (int k = 0; k <= 4; k++) {
            int yy = b - (b - t) * k / 4;
            g.drawLine(l, yy, r, yy);
        }
        g.setColor(Color.DARK_GRAY);
        g.drawRect(l, t, r - l, b - t);
        for (int k = 0; k <= 4; k++) {
            double yv = ymin + (ymax - ymin) * k / 4;
            int yy = b - (b - t) * k / 4;
            String lab = p.logY ? String.format("1e%.1f", yv) : fmt(yv);
            g.drawString(lab, ox + 4, yy + 4);
            double xv = xmin + (xmax - xmin) * k / 4;
            int xx = l + (r - l) * k / 4;
            g.drawLine(xx, b, xx, b + 4);
            g.drawString(fmt(xv), xx - 12, b + 16);
        }
        g.drawString(p.xLabel, (l + r) / 2 - 20, b + 32);
        g.drawString(p.yLabel, ox + 4, t - 4 > oy + 20 ? t - 4 : t + 10);
        int ly = t + 14;
        for (Series s : p.series) {
            g.setColor(s.color);
            g.setStroke(s.dashed ? new BasicStroke(1.8f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 1, new float[] {6, 4}, 0)
                    : new BasicStroke(1.8f));
            int px = -1, py = -1;
            for (int i = 0; i < s.x.length; i++) {
                double yv = tr(s.y[i], p.logY);
                if (!Double.isFinite(yv)) {
                    px = -1;
                    continue;
                }
                int xx = (int) Math.round(l + (s.x[i] - xmin) / (xmax - xmin) * (r - l));
                int yy = (int) Math.round(b - (yv - ymin) / (ymax - ymin) * (b - t));
                if (s.markers) {
                    g.fillOval(xx - 3, yy - 3, 6, 6);
                } else if (px >= 0) {
                    g.drawLine(px, py, xx, yy);
                }
                px = xx;
                py = yy;
            }
            g.setStroke(new BasicStroke(1f));
            if (s.name != null && !s.name.isEmpty()) {
                if (s.markers) {
                    g.fillOval(r - 128, ly - 7, 6, 6);
                } else {
                    g.drawLine(r - 134, ly - 4, r - 116, ly - 4);
                }
                g.drawString(s.name, r - 110, ly);
                ly += 14;
            }
        }
    }

    private static String fmt(double v) {
        double a = Math.abs(v);
        if (a != 0 && (a < 1e-2 || a >= 1e4)) {
            return String.format("%.1e", v);
        }
        return String.format(a < 1 ? "%.3f" : "%.2f", v);
    }
}
