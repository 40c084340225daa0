package org.mfgcal.app.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/** A road network with link volumes: nodes at given coordinates, links as arrows whose width grows with the volume. */
public final class NetworkPlot {

    /** A link to draw: from/to node names and a label per value series. */
    public record Edge(String from, String to, double value, String label) {
    }

    private NetworkPlot() {
    }

    public static void write(Path file, String title, Map<String, double[]> position, List<Edge> edges)
            throws IOException {
        double minX = Double.POSITIVE_INFINITY, maxX = Double.NEGATIVE_INFINITY;
        double minY = Double.POSITIVE_INFINITY, maxY = Double.NEGATIVE_INFINITY;
        for (double[] p : position.values()) {
            minX = Math.min(minX, p[0]);
            maxX = Math.max(maxX, p[0]);
            minY = Math.min(minY, p[1]);
            maxY = Math.max(maxY, p[1]);
        }
        double maxV = 1e-300;
        for (Edge e : edges) {
            maxV = Math.max(maxV, Math.abs(e.value()));
        }
        int w = 720, h = 420, m = 70;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        g.drawString(title, 12, 26);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        double sx = (w - 2 * m) / Math.max(1e-9, maxX - minX);
        double sy = (h - 2 * m) / Math.max(1e-9, maxY - minY);
        for (Edge e : edges) {
            double[] a = position.get(e.from());
            double[] b = position.get(e.to());
            int x1 = (int) (m + (a[0] - minX) * sx), y1 = (int) (h - m - (a[1] - minY) * sy);
            int x2 = (int) (m + (b[0] - minX) * sx), y2 = (int) (h - m - (b[1] - minY) * sy);
            float width = (float) (1 + 12 * Math.abs(e.value()) / maxV);
            g.setColor(Plot.PALETTE[0]);
            g.setStroke(new BasicStroke(width, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            g.drawLine(x1, y1, x2, y2);
            double ang = Math.atan2(y2 - y1, x2 - x1);
            int ax = (int) (x1 + 0.65 * (x2 - x1)), ay = (int) (y1 + 0.65 * (y2 - y1));
            g.setStroke(new BasicStroke(2f));
            g.setColor(Color.DARK_GRAY);
            g.drawLine(ax, ay, (int) (ax - 12 * Math.cos(ang - 0.4)), (int) (ay - 12 * Math.sin(ang - 0.4)));
            g.drawLine(ax, ay, (int) (ax - 12 * Math.cos(ang + 0.4)), (int) (ay - 12 * Math.sin(ang + 0.4)));
            g.setColor(Color.BLACK);
            g.drawString(e.label(), (x1 + x2) / 2 + 6, (y1 + y2) / 2 - 8);
        }
        for (Map.Entry<String, double[]> n : position.entrySet()) {
            int x = (int) (m + (n.getValue()[0] - minX) * sx), y = (int) (h - m - (n.getValue()[1] - minY) * sy);
            g.setColor(Color.WHITE);
            g.fillOval(x - 13, y - 13, 26, 26);
            g.setColor(Color.BLACK);
            g.setStroke(new BasicStroke(2f));
            g.drawOval(x - 13, y - 13, 26, 26);
            g.drawString(n.getKey(), x - 4, y + 5);
        }
        g.dispose();
        ImageIO.write(img, "png", file.toFile());
    }
}
