package org.transformer4j.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class LrScheduleTest {
    // shakespeare-char: learning_rate 1e-3, warmup 100, decay to 1e-4 by 5000
    private final LrSchedule s = new LrSchedule(1e-3, 100, 5000, 1e-4, true);

    @Test
    void warmupIsLinearFromOneStep() {
        assertThat(s.lr(0)).isEqualTo(1e-3 * 1 / 101);
        assertThat(s.lr(49)).isEqualTo(1e-3 * 50 / 101);
        assertThat(s.lr(99)).isEqualTo(1e-3 * 100 / 101);
    }

    @Test
    void cosineFromPeakToMin() {
        assertThat(s.lr(100)).isEqualTo(1e-3); // cos(0) = 1 exactly
        assertThat(s.lr(2550)).isCloseTo(0.5 * (1e-3 + 1e-4), within(1e-18)); // half way
        // a quarter of the way: 1e-4 + 0.5 * (1 + cos(pi/4)) * 9e-4
        assertThat(s.lr(1325)).isCloseTo(1e-4 + 0.5 * (1 + Math.sqrt(0.5)) * 9e-4, within(1e-17));
        assertThat(s.lr(5000)).isEqualTo(1e-4); // cos(pi) = -1 exactly
        assertThat(s.lr(5001)).isEqualTo(1e-4);
        assertThat(s.lr(1_000_000)).isEqualTo(1e-4);
    }

    @Test
    void decreasesMonotonicallyAfterWarmup() {
        for (int it = 100; it < 5001; it++) {
            assertThat(s.lr(it + 1)).isLessThanOrEqualTo(s.lr(it));
        }
    }

    @Test
    void constantWithoutDecay() {
        LrSchedule c = new LrSchedule(6e-4, 2000, 600000, 6e-5, false);
        assertThat(c.lr(0)).isEqualTo(6e-4);
        assertThat(c.lr(700000)).isEqualTo(6e-4);
    }

    @Test
    void noWarmupAndEqualWarmupAndDecay() {
        LrSchedule noWarm = new LrSchedule(1.0, 0, 10, 0.0, true);
        assertThat(noWarm.lr(0)).isEqualTo(1.0);
        assertThat(noWarm.lr(10)).isEqualTo(0.0);
        LrSchedule eq = new LrSchedule(1.0, 10, 10, 0.25, true);
        assertThat(eq.lr(9)).isEqualTo(10.0 / 11);
        assertThat(eq.lr(10)).isEqualTo(1.0);
        assertThat(eq.lr(11)).isEqualTo(0.25);
    }

    @Test
    void fromConfig() {
        LrSchedule c = LrSchedule.of(TrainConfig.defaults().withPreset("shakespeare-char"));
        assertThat(c.lr(0)).isEqualTo(s.lr(0));
        assertThat(c.lr(3000)).isEqualTo(s.lr(3000));
    }
}
