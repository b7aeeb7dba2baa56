package dev.gips.benchmarks.compare;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BiFunction;

/** The round-trip chart: median round-trip time against payload size, both on log scales, one line per peer. */
final class Chart {
    private Chart() {}

    private static final String[] COLOURS = {"#222222", "#8c8c8c", "#d62728", "#ff7f0e", "#1f77b4", "#17becf",
        "#2ca02c", "#9467bd"};
    private static final int W = 760;
    private static final int H = 460;
    private static final int LEFT = 70;
    private static final int RIGHT = 250;
    private static final int TOP = 40;
    private static final int BOTTOM = 60;

    /** The SVG document; {@code value} gives a peer's median in ns for a task such as {@code rtt:64}. */
    static String svg(List<Compare.Peer> all, BiFunction<String, String, Double> value) {
        List<Compare.Peer> peers = all.stream().filter(p -> !p.mixed()).toList();
        int[] sizes = Compare.SIZES;
        double minUs = Double.MAX_VALUE;
        double maxUs = 0;
        for (Compare.Peer p : peers) {
            for (int size : sizes) {
                double v = value.apply(p.name(), "rtt:" + size) / 1000;
                if (!Double.isNaN(v) && v > 0) {
                    minUs = Math.min(minUs, v);
                    maxUs = Math.max(maxUs, v);
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
        int plotW = W - LEFT - RIGHT;
        int plotH = H - TOP - BOTTOM;
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n", W, H, W, H));
        s.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", W, H));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"22\" font-size=\"15\">Request/reply round trip "
                + "between two processes (median)</text>%n", LEFT));
        // grid and axes
        for (double e = yLo; e <= yHi + 1e-9; e++) {
            for (int m = 1; m < 10; m++) {
                double lv = e + Math.log10(m);
                if (lv > yHi + 1e-9) {
                    break;
                }
                double y = TOP + plotH - (lv - yLo) / (yHi - yLo) * plotH;
                s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
                        + "stroke=\"%s\"/>%n", LEFT, y, LEFT + plotW, y, m == 1 ? "#bbbbbb" : "#eeeeee"));
                if (m == 1) {
                    s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n",
                            LEFT - 6, y + 4, micros(Math.pow(10, e))));
                }
            }
        }
        for (int size : sizes) {
            double x = LEFT + (Math.log10(size) - xLo) / (xHi - xLo) * plotW;
            s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
                    + "stroke=\"#dddddd\"/>%n", x, TOP, x, TOP + plotH));
            s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", x,
                    TOP + plotH + 18, Report.size(size)));
        }
        s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
                + "stroke=\"#444444\"/>%n", LEFT, TOP, plotW, plotH));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">payload size "
                + "(log scale)</text>%n", LEFT + plotW / 2, H - 18));
        s.append(String.format(Locale.ROOT, "<text transform=\"translate(16 %d) rotate(-90)\" "
                + "text-anchor=\"middle\">round trip (log scale)</text>%n", TOP + plotH / 2));
        // one line per peer, with its legend entry
        for (int i = 0; i < peers.size(); i++) {
            Compare.Peer p = peers.get(i);
            String colour = COLOURS[i % COLOURS.length];
            List<String> points = new ArrayList<>();
            for (int size : sizes) {
                double v = value.apply(p.name(), "rtt:" + size) / 1000;
                if (Double.isNaN(v) || v <= 0) {
                    continue;
                }
                double x = LEFT + (Math.log10(size) - xLo) / (xHi - xLo) * plotW;
                double y = TOP + plotH - (Math.log10(v) - yLo) / (yHi - yLo) * plotH;
                points.add(String.format(Locale.ROOT, "%.1f,%.1f", x, y));
                s.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"/>%n", x, y,
                        colour));
            }
            s.append(String.format(Locale.ROOT, "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" "
                    + "stroke-width=\"2\"%s/>%n", String.join(" ", points), colour,
                    p.name().startsWith("c") ? " stroke-dasharray=\"6 3\"" : ""));
            int ly = TOP + 10 + i * 22;
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
                    + "stroke-width=\"2\"%s/>%n", LEFT + plotW + 14, ly, LEFT + plotW + 38, ly, colour,
                    p.name().startsWith("c") ? " stroke-dasharray=\"6 3\"" : ""));
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>%n", LEFT + plotW + 44, ly + 4,
                    escape(shortLabel(p))));
        }
        s.append("</svg>\n");
        return s.toString();
    }

    private static String shortLabel(Compare.Peer p) {
        return switch (p.name()) {
            case "c" -> "C, SOCK_SEQPACKET";
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
