package org.transformer4j.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

class PeakBenchTest {
    /**
     * The timed loop computes what its FLOP count claims: twelve chains of float FMAs, checked against the same
     * recurrence in scalar Math.fma. Each chain is exact per lane (an FMA rounds once, the same way in both), so the
     * only difference is the order of the final sum of 12 x lanes values near 1: a few ulps of the total (~1e-6
     * relative for 192 terms of float), well inside 1e-5.
     */
    @Test
    void chainsMatchScalarRecurrence() {
        int steps = 5_000;
        double expected = 0;
        for (int c = 0; c < 12; c++) {
            float a = PeakBench.start(c);
            for (long i = 0; i < steps; i++) {
                a = Math.fma(0.5f, 3e-7f, a);
            }
            expected += (double) a * FloatVector.SPECIES_PREFERRED.length();
        }
        assertThat((double) PeakBench.chains(steps)).isCloseTo(expected, within(expected * 1e-5));
    }

    @Test
    void reportsAPositiveRate() {
        PeakBench.Result r = PeakBench.run(2, 3, 100_000, 0);
        assertThat(r.passes()).isEqualTo(3);
        assertThat(r.threads()).isEqualTo(2);
        assertThat(r.bestGflops()).isPositive().isGreaterThanOrEqualTo(r.medianGflops());
    }
}
