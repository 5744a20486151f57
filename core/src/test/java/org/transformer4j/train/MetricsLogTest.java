package org.transformer4j.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transformer4j.T4jException;
import org.transformer4j.train.MetricsLog.Point;

class MetricsLogTest {
    @TempDir
    Path dir;

    @Test
    void writesOneFlushedJsonObjectPerLine() throws IOException {
        try (MetricsLog log = MetricsLog.create(dir)) {
            log.log(0, 4.25, 4.3, 1e-5, Double.NaN, Double.NaN, Map.of());
            Map<String, Double> extra = new LinkedHashMap<>();
            extra.put("grad_norm", 0.75);
            log.log(10, 3.5, Double.NaN, 1e-4, 120.5, 5440.0, extra);
            // flushed: readable while the log is still open
            assertThat(Files.readAllLines(log.path())).containsExactly(
                    "{\"iter\": 0, \"train_loss\": 4.25, \"val_loss\": 4.3, \"lr\": 1.0E-5, \"ms_per_iter\": null,"
                            + " \"tokens_per_s\": null}",
                    "{\"iter\": 10, \"train_loss\": 3.5, \"val_loss\": null, \"lr\": 1.0E-4, \"ms_per_iter\": 120.5,"
                            + " \"tokens_per_s\": 5440.0, \"grad_norm\": 0.75}");
        }
        List<Point> ps = MetricsLog.read(dir.resolve(MetricsLog.FILE));
        assertThat(ps).extracting(Point::iter).containsExactly(0L, 10L);
        assertThat(ps.get(0).get("val_loss")).isEqualTo(4.3);
        assertThat(ps.get(1).get("val_loss")).isNaN();
        assertThat(ps.get(1).get("grad_norm")).isEqualTo(0.75);
        assertThat(ps.get(1).get("absent")).isNaN();
        assertThat(ps.get(1).values().keySet()).containsExactly("train_loss", "val_loss", "lr", "ms_per_iter",
                "tokens_per_s", "grad_norm");
    }

    @Test
    void createStartsAfresh() {
        try (MetricsLog log = MetricsLog.create(dir)) {
            log.log(5, Map.of("train_loss", 1.0));
        }
        try (MetricsLog log = MetricsLog.create(dir)) {
            log.log(0, Map.of("train_loss", 2.0));
        }
        assertThat(MetricsLog.read(dir.resolve(MetricsLog.FILE))).extracting(Point::iter).containsExactly(0L);
    }

    @Test
    void resumeDropsLinesAfterTheCheckpointAndAppends() throws IOException {
        try (MetricsLog log = MetricsLog.create(dir)) {
            for (int it = 0; it <= 500; it += 100) {
                log.log(it, Map.of("train_loss", 5.0 - it / 100.0));
            }
        }
        // the run crashed mid-line after the checkpoint at 300
        Files.writeString(dir.resolve(MetricsLog.FILE), "{\"iter\": 600, \"train_l", java.nio.file.StandardOpenOption.APPEND);
        try (MetricsLog log = MetricsLog.resume(dir, 300)) {
            log.log(400, Map.of("train_loss", 0.5));
        }
        List<Point> ps = MetricsLog.read(dir.resolve(MetricsLog.FILE));
        assertThat(ps).extracting(Point::iter).containsExactly(0L, 100L, 200L, 300L, 400L);
        assertThat(ps.get(4).get("train_loss")).isEqualTo(0.5);
        assertThat(Files.exists(dir.resolve(MetricsLog.FILE + ".tmp"))).isFalse();
    }

    @Test
    void resumeWithoutALogStartsOne() {
        try (MetricsLog log = MetricsLog.resume(dir.resolve("new"), 300)) {
            log.log(301, Map.of());
        }
        assertThat(MetricsLog.read(dir.resolve("new").resolve(MetricsLog.FILE))).hasSize(1);
    }

    @Test
    void halfWrittenLastLineIsIgnoredButABrokenMiddleLineIsAnError() throws IOException {
        Path f = dir.resolve(MetricsLog.FILE);
        Files.writeString(f, "{\"iter\": 1, \"train_loss\": 2.0}\n{\"iter\": 2, \"tr");
        assertThat(MetricsLog.read(f)).hasSize(1);
        Files.writeString(f, "{\"iter\": 1}\ngarbage\n{\"iter\": 3}\n");
        assertThatThrownBy(() -> MetricsLog.read(f)).isInstanceOf(T4jException.class)
                .hasMessage(f + ": line 2: cannot read 'garbage'");
        assertThat(MetricsLog.read(dir.resolve("missing.jsonl"))).isEmpty();
    }
}
