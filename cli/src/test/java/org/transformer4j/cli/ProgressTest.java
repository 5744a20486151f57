package org.transformer4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class ProgressTest {

    @Test
    void plainModeLogsEveryNStepsWithTimingAndEta() {
        StringWriter sw = new StringWriter();
        AtomicLong clock = new AtomicLong();
        Progress p = new Progress.Plain("iter", 100, 10, new PrintWriter(sw), clock::get);
        for (int i = 1; i <= 25; i++) {
            clock.addAndGet(31_200_000);   // 31.2 ms per step
            p.step(i, String.format("loss %.4f", 2.31));
        }
        p.log("eval: val loss 2.2000");
        p.close();
        List<String> lines = sw.toString().lines().toList();
        assertThat(lines).containsExactly(
                // eta after 10 of 100 steps at 31.2 ms: 90 * 0.0312 = 2.8 s -> 2s
                "iter 10/100 | loss 2.3100 | 31.2 ms/iter | eta 2s",
                "iter 20/100 | loss 2.3100 | 31.2 ms/iter | eta 2s",
                "eval: val loss 2.2000",
                "iter 25/100 | loss 2.3100 | 31.2 ms/iter | eta 2s");   // close() shows the last step
    }

    @Test
    void lastStepIsAlwaysShownAndNothingTwice() {
        StringWriter sw = new StringWriter();
        AtomicLong clock = new AtomicLong();
        Progress p = new Progress.Plain("step", 7, 5, new PrintWriter(sw), clock::get);
        for (int i = 1; i <= 7; i++) {
            clock.addAndGet(2_000_000_000L);
            p.step(i, null);
        }
        p.close();
        assertThat(sw.toString().lines().toList()).containsExactly(
                "step 5/7 | 2000.0 ms/step | eta 4s",
                "step 7/7 | 2000.0 ms/step");
    }

    @Test
    void unknownTotal() {
        StringWriter sw = new StringWriter();
        Progress p = new Progress.Plain("batch", 0, 1, new PrintWriter(sw), () -> 0);
        p.step(3, "x");
        p.close();
        assertThat(sw.toString().lines().toList()).containsExactly("batch 3 | x | 0.0 ms/batch");
    }

    @Test
    void notInteractiveUnderTestsAndFormatting() {
        // Surefire's forked JVM has its stderr piped to Maven, never a terminal.
        assertThat(Progress.isInteractive()).isFalse();
        assertThat(Progress.start("iter", 10)).isInstanceOf(Progress.Plain.class);
        assertThat(Progress.formatSeconds(59)).isEqualTo("59s");
        assertThat(Progress.formatSeconds(187)).isEqualTo("3m07s");
        assertThat(Progress.formatSeconds(7500)).isEqualTo("2h05m");
    }
}
