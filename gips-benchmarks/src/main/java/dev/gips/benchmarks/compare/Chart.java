package dev.gips.benchmarks.compare;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BiFunction;

/**
 * The round-trip chart: median round-trip time against payload size, both on log scales, one line per peer, one
 * panel per placement (pinned beside unpinned) on a shared time axis, so the gap between the panels is the wake-up
 * cost and the gaps within a panel what each library costs.
 */
final class Chart {
    private Chart() {}

    /** One panel: its title and a peer's median in ns for a task such as {@code rtt:64}. */
    record Panel(String title, BiFunction<String, String, Double> value) {}

    private static final String[] COLOURS = {"#222222", "#8c8c8c", "#d62728", "#ff7f0e", "#1f77b4", "#17becf",
        "#2ca02c", "#9467bd"};
    private static final int H = 460;
    private static final int LEFT = 70;
    private static final int PLOT_W = 330;
    private static final int GAP = 40;
    /** Room between a panel's frame and its first and last payload size, so labels of adjacent panels stay apart. */
    private static final int PAD = 22;
    private static final int LEGEND = 230;
    private static final int TOP = 56;
    private static final int BOTTOM = 60;

    /** The SVG document. */
    static String svg(List<Compare.Peer> all, List<Panel> panels) {
        List<Compare.Peer> peers = all.stream().filter(p -> !p.mixed()).toList();
        int[] sizes = Compare.SIZES;
        double minUs = Double.MAX_VALUE;
        double maxUs = 0;
        for (Panel panel : panels) {
            for (Compare.Peer p : peers) {
                for (int size : sizes) {
                    double v = panel.value().apply(p.name(), "rtt:" + size) / 1000;
                    if (!Double.isNaN(v) && v > 0) {
                        minUs = Math.min(minUs, v);
                        maxUs = Math.max(maxUs, v);
                    }
                }
            }
        }
        if (maxUs == 0) {
            minUs = 1;
            maxUs = 10;
        }
        double yLo = Math.floor(Math.log10(minUs));
        double yHi = Math.ceil(Math.log10(maxUs));
        if (yHi <= yLo) {
            yHi = yLo + 1;
        }
        double xLo = Math.log10(sizes[0]);
        double xHi = Math.log10(sizes[sizes.length - 1]);
        int n = Math.max(1, panels.size());
        int legendX = LEFT + n * PLOT_W + (n - 1) * GAP + 14;
        int w = legendX + LEGEND;
        int plotH = H - TOP - BOTTOM;
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n", w, H, w, H));
        s.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", w, H));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"22\" font-size=\"15\">Request/reply round trip "
                + "between two processes (median)</text>%n", LEFT));
        s.append(String.format(Locale.ROOT, "<text transform=\"translate(16 %d) rotate(-90)\" "
                + "text-anchor=\"middle\">round trip (log scale)</text>%n", TOP + plotH / 2));
        for (int k = 0; k < panels.size(); k++) {
            Panel panel = panels.get(k);
            int left = LEFT + k * (PLOT_W + GAP);
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"13\">"
                    + "%s</text>%n", left + PLOT_W / 2, TOP - 10, escape(panel.title())));
            // grid and axes; time labels on the first panel only, since all share the scale
            for (double e = yLo; e <= yHi + 1e-9; e++) {
                for (int m = 1; m < 10; m++) {
                    double lv = e + Math.log10(m);
                    if (lv > yHi + 1e-9) {
                        break;
                    }
                    double y = TOP + plotH - (lv - yLo) / (yHi - yLo) * plotH;
                    s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
                            + "stroke=\"%s\"/>%n", left, y, left + PLOT_W, y, m == 1 ? "#bbbbbb" : "#eeeeee"));
                    if (m == 1 && k == 0) {
                        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s"
                                + "</text>%n", left - 6, y + 4, micros(Math.pow(10, e))));
                    }
                }
            }
            for (int size : sizes) {
                double x = x(left, size, xLo, xHi);
                s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
                        + "stroke=\"#dddddd\"/>%n", x, TOP, x, TOP + plotH));
                s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
                        x, TOP + plotH + 18, Report.size(size)));
            }
            s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
                    + "stroke=\"#444444\"/>%n", left, TOP, PLOT_W, plotH));
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">payload size "
                    + "(log scale)</text>%n", left + PLOT_W / 2, H - 18));
            // one line per peer
            for (int i = 0; i < peers.size(); i++) {
                Compare.Peer p = peers.get(i);
                String colour = COLOURS[i % COLOURS.length];
                List<String> points = new ArrayList<>();
                for (int size : sizes) {
                    double v = panel.value().apply(p.name(), "rtt:" + size) / 1000;
                    if (Double.isNaN(v) || v <= 0) {
                        continue;
                    }
                    double x = x(left, size, xLo, xHi);
                    double y = TOP + plotH - (Math.log10(v) - yLo) / (yHi - yLo) * plotH;
                    points.add(String.format(Locale.ROOT, "%.1f,%.1f", x, y));
                    s.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"/>%n",
                            x, y, colour));
                }
                s.append(String.format(Locale.ROOT, "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" "
                        + "stroke-width=\"2\"%s/>%n", String.join(" ", points), colour, dash(p)));
            }
        }
        // the legend, once for all panels
        for (int i = 0; i < peers.size(); i++) {
            Compare.Peer p = peers.get(i);
            String colour = COLOURS[i % COLOURS.length];
            int ly = TOP + 10 + i * 22;
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
                    + "stroke-width=\"2\"%s/>%n", legendX, ly, legendX + 24, ly, colour, dash(p)));
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>%n", legendX + 30, ly + 4,
                    escape(shortLabel(p))));
        }
        s.append("</svg>\n");
        return s.toString();
    }

    /** Where a payload size lies in the panel starting at {@code left}. */
    private static double x(int left, int size, double xLo, double xHi) {
        return left + PAD + (Math.log10(size) - xLo) / (xHi - xLo) * (PLOT_W - 2 * PAD);
    }

    /** C baselines are dashed. */
    private static String dash(Compare.Peer p) {
        return p.name().startsWith("c") ? " stroke-dasharray=\"6 3\"" : "";
    }

    private static String shortLabel(Compare.Peer p) {
        return switch (p.name()) {
            case "c" -> "C, SOCK_SEQPACKET";
            case "c-stream" -> "C, SOCK_STREAM";
            case "c-passcred" -> "C with SO_PASSCRED";
            case "gips" -> "gips, platform threads";
            case "gips-virtual" -> "gips, virtual threads";
            case "jdk" -> "JDK SocketChannel";
            case "jdk-virtual" -> "JDK SocketChannel, virtual";
            case "junixsocket" -> "junixsocket";
            default -> p.label();
        };
    }

    private static String micros(double us) {
        return us >= 1000 ? String.format(Locale.ROOT, "%.0f ms", us / 1000)
                : String.format(Locale.ROOT, "%.0f µs", us);
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
