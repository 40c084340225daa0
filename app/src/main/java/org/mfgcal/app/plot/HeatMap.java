package org.mfgcal.app.plot;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * Heat maps drawn with Java2D and written as PNG: one or more panels of a rows × cols matrix of non-negative values,
 * a sequential colour scale (white → dark blue, shared by all panels), cells marked as blocked drawn grey.
 */
public final class HeatMap {

    /** One panel: values[r*cols + c] (NaN = blocked cell, drawn grey). */
    public record Panel(String title, int rows, int cols, double[] values, String rowLabel, String colLabel) {
    }

    private HeatMap() {
    }

    static Color colour(double v, double max) {
        double f = max > 0 ? Math.min(1.0, Math.max(0.0, v / max)) : 0.0;
        f = Math.sqrt(f);   // square-root scale so that thin mass stays visible
        int r = (int) Math.round(255 * (1 - f) + 8 * f);
        int g = (int) Math.round(255 * (1 - f) + 48 * f);
        int b = (int) Math.round(255 * (1 - f) + 107 * f);
        return new Color(r, g, b);
    }

    public static void write(Path file, String title, List<Panel> panels, int columns) throws IOException {
        double max = 0;
        for (Panel p : panels) {
            for (double v : p.values()) {
                if (!Double.isNaN(v)) {
                    max = Math.max(max, v);
                }
            }
        }
        int cols = Math.max(1, Math.min(columns, panels.size()));
        int rows = (panels.size() + cols - 1) / cols;
        int pw = 300, ph = 300, top = 40, legend = 40;
        BufferedImage img = new BufferedImage(Math.max(cols * pw, 640), rows * ph + top + legend, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        g.drawString(title, 12, 26);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        for (int i = 0; i < panels.size(); i++) {
            Panel p = panels.get(i);
            int ox = (i % cols) * pw + 40, oy = top + (i / cols) * ph + 20;
            int w = pw - 60, h = ph - 60;
            double cw = (double) w / p.cols(), chh = (double) h / p.rows();
            for (int r = 0; r < p.rows(); r++) {
                for (int c = 0; c < p.cols(); c++) {
                    double v = p.values()[r * p.cols() + c];
                    g.setColor(Double.isNaN(v) ? new Color(120, 120, 120) : colour(v, max));
                    g.fillRect(ox + (int) Math.floor(c * cw), oy + (int) Math.floor(r * chh),
                            (int) Math.ceil(cw), (int) Math.ceil(chh));
                }
            }
            g.setColor(Color.BLACK);
            g.drawRect(ox, oy, w, h);
            g.drawString(p.title(), ox, oy - 5);
            g.drawString(p.colLabel(), ox + w / 2 - 10, oy + h + 16);
            g.rotate(-Math.PI / 2);
            g.drawString(p.rowLabel(), -(oy + h / 2 + 10), ox - 8);
            g.rotate(Math.PI / 2);
        }
        int ly = top + rows * ph + 8;
        for (int x = 0; x < 200; x++) {
            g.setColor(colour(max * x / 199.0, max));
            g.fillRect(40 + x, ly, 1, 14);
        }
        g.setColor(Color.BLACK);
        g.drawRect(40, ly, 200, 14);
        g.drawString("0", 30, ly + 12);
        g.drawString(String.format("%.3g (sqrt scale)", max), 246, ly + 12);
        g.dispose();
        ImageIO.write(img, "png", file.toFile());
    }
}
