package org.transformer4j.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transformer4j.train.MetricsLog.Point;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class LossPlotTest {
    @TempDir
    Path dir;

    private static Point p(long iter, double train, double val) {
        Map<String, Double> m = new HashMap<>();
        m.put("train_loss", train);
        m.put("val_loss", val);
        return new Point(iter, m);
    }

    /** A loss curve with evals every 25 iterations, a NaN and a huge spike. */
    private static List<Point> run() {
        List<Point> ps = new ArrayList<>();
        for (int it = 0; it <= 200; it++) {
            double train = 1.5 + 2.7 * Math.exp(-it / 30.0) + 0.05 * Math.sin(it);
            if (it == 120) {
                train = 1e6;
            }
            if (it == 130) {
                train = Double.NaN;
            }
            ps.add(p(it, train, it % 25 == 0 ? train + 0.1 : Double.NaN));
        }
        return ps;
    }

    private static Document parse(String svg) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }

    private static double[] coords(Element polyline) {
        String[] parts = polyline.getAttribute("points").trim().split("[ ,]");
        double[] c = new double[parts.length];
        for (int i = 0; i < parts.length; i++) {
            c[i] = Double.parseDouble(parts[i]);
        }
        return c;
    }

    @Test
    void wellFormedWithBothCurvesInsideTheCanvas() throws Exception {
        Path f = LossPlot.write(dir, "run <1> & co", run());
        assertThat(Files.exists(dir.resolve(LossPlot.FILE + ".tmp"))).isFalse();
        String svg = Files.readString(f);
        assertThat(svg).doesNotContain("NaN").doesNotContain("Infinity");
        Document doc = parse(svg);
        NodeList lines = doc.getElementsByTagName("polyline");
        assertThat(lines.getLength()).isEqualTo(2);
        Element train = (Element) lines.item(0);
        Element val = (Element) lines.item(1);
        assertThat(train.getAttribute("class")).isEqualTo("train");
        assertThat(val.getAttribute("class")).isEqualTo("val");
        assertThat(coords(train)).hasSize(2 * 200); // 201 points less the NaN
        assertThat(coords(val)).hasSize(2 * 9);
        for (Element e : List.of(train, val)) {
            double[] c = coords(e);
            for (int i = 0; i < c.length; i += 2) {
                assertThat(c[i]).isBetween(0.0, 820.0);
                assertThat(c[i + 1]).isBetween(0.0, 500.0);
            }
        }
        assertThat(doc.getElementsByTagName("text").item(0).getTextContent()).isEqualTo("run <1> & co");
        // the spike is cut, not allowed to flatten the curve: the y axis stays near the loss values
        assertThat(svg).contains("1 value above the plot");
        assertThat(svg).contains(">4</text>").doesNotContain(">1000000");
    }

    @Test
    void emptyAndSinglePointPlotsAreWellFormed() throws Exception {
        String empty = LossPlot.svg("r", List.of());
        assertThat(parse(empty).getElementsByTagName("polyline").getLength()).isZero();
        assertThat(empty).contains("no data yet").doesNotContain("NaN");

        String one = LossPlot.svg("r", List.of(p(0, 4.2, 4.3)));
        Document d = parse(one);
        assertThat(d.getElementsByTagName("polyline").getLength()).isEqualTo(2);
        assertThat(d.getElementsByTagName("circle").getLength()).isEqualTo(2);
        assertThat(one).doesNotContain("NaN").doesNotContain("above the plot");

        String allNan = LossPlot.svg("r", List.of(p(0, Double.NaN, Double.NaN), p(1, Double.NaN, Double.NaN)));
        assertThat(allNan).contains("no data yet").doesNotContain("NaN<");
        parse(allNan);
    }

    @Test
    void longRunsAreThinnedButKeepTheirExtremes() throws Exception {
        List<Point> ps = new ArrayList<>();
        for (int it = 0; it < 100_000; it++) {
            ps.add(p(it, it == 50_000 ? 0.5 : 2.0 + (it % 2) * 0.1, Double.NaN));
        }
        String svg = LossPlot.svg("long", ps);
        Element train = (Element) parse(svg).getElementsByTagName("polyline").item(0);
        double[] c = coords(train);
        assertThat(c.length / 2).isLessThanOrEqualTo(1402);
        double maxY = 0;
        for (int i = 1; i < c.length; i += 2) {
            maxY = Math.max(maxY, c[i]);
        }
        // the dip to 0.5 (the lowest value) is drawn at the bottom of the data range
        assertThat(maxY).isGreaterThan(400);
    }

    @Test
    void ticksAreRoundNumbers() {
        assertThat(LossPlot.ticks(0.93, 4.41, 6, 0)).containsExactly(1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0);
        assertThat(LossPlot.ticks(0, 5000, 6, 1)).containsExactly(0, 1000, 2000, 3000, 4000, 5000);
        assertThat(LossPlot.ticks(0, 1, 7, 1)).containsExactly(0, 1);
        assertThat(LossPlot.niceStep(0.37)).isEqualTo(0.5);
        assertThat(LossPlot.niceStep(2.3)).isEqualTo(2.5);
        assertThat(LossPlot.niceStep(8.0)).isEqualTo(10.0);
        assertThat(LossPlot.formatValue(1.5, 0.5)).isEqualTo("1.5");
        assertThat(LossPlot.formatValue(2.0, 0.25)).isEqualTo("2.00");
        assertThat(LossPlot.formatIter(250000, 50000)).isEqualTo("250k");
        assertThat(LossPlot.formatIter(250, 50)).isEqualTo("250");
    }
}
