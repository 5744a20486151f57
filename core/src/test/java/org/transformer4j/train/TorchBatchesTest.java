package org.transformer4j.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.transformer4j.tensor.TorchGenerator;

/**
 * {@link TorchBatches}' closed-form stream positions against a literal replay of nanoGPT's train.py loop, which
 * draws from one generator in program order: the first batch, then per iteration the evaluation (when due) and
 * each micro-step's next batch. Exact integer equality; several accumulation and interval settings.
 */
class TorchBatchesTest {
    @Test
    void positionsAreThoseOfNanoGptsLoop() {
        for (int accum : new int[] {1, 2, 3}) {
            for (int interval : new int[] {1, 3, 250}) {
                check(accum, interval, 2, 4, 12);
            }
        }
    }

    @Test
    void aRewindForAnEvaluationGivesTheSameWordsAsAFreshGenerator() {
        TrainConfig cfg = config(2, 3, 2, 4, 10);
        TorchGenerator afterInit = new TorchGenerator(1337);
        afterInit.skip(1000);
        TorchBatches batches = new TorchBatches(afterInit, cfg);
        var step = TrainingTask.Draw.step(3, 1, null);
        var eval = TrainingTask.Draw.evaluation(false, 3, 1, null);
        long late = batches.starts(eval).applyAsLong(1_000_000);   // eval at iter 3 sits after step 3's batch
        long early = batches.starts(step).applyAsLong(1_000_000);  // so this goes back in the stream
        TorchGenerator fresh = afterInit.copy();
        fresh.advanceTo(batches.position(step));
        assertThat(early).isEqualTo(fresh.randint(1_000_000));
        fresh = afterInit.copy();
        fresh.advanceTo(batches.position(eval));
        assertThat(late).isEqualTo(fresh.randint(1_000_000));
    }

    private static void check(int accum, int interval, int evalIters, int batch, int maxIters) {
        TrainConfig cfg = config(accum, interval, evalIters, batch, maxIters);
        long init = 777;
        TorchGenerator g = new TorchGenerator(1);
        g.skip(init);
        TorchBatches batches = new TorchBatches(g, cfg);

        // nanoGPT's loop, recording the position at which each batch is drawn.
        Map<String, Long> replay = new HashMap<>();
        List<String> order = new ArrayList<>();
        long pos = init;
        long nextTrainBatch = 0;
        replay.put("t0", pos);
        pos += batch;
        for (int it = 0; it <= maxIters; it++) {
            if (it % interval == 0) {
                for (int s = 0; s < 2; s++) {
                    for (int k = 0; k < evalIters; k++) {
                        replay.put("e" + it + "/" + s + "/" + k, pos);
                        pos += batch;
                    }
                }
            }
            for (int micro = 0; micro < accum; micro++) {
                order.add("t" + nextTrainBatch);
                nextTrainBatch++;
                replay.put("t" + nextTrainBatch, pos); // drawn right after this micro-step's forward
                pos += batch;
            }
        }
        for (int it = 0; it <= maxIters; it++) {
            for (int micro = 0; micro < accum; micro++) {
                long j = (long) it * accum + micro;
                assertThat(batches.position(TrainingTask.Draw.step(it, micro, null)))
                        .as("accum %d interval %d: step batch %d", accum, interval, j).isEqualTo(replay.get("t" + j));
            }
            if (it % interval == 0) {
                for (int s = 0; s < 2; s++) {
                    for (int k = 0; k < evalIters; k++) {
                        assertThat(batches.position(TrainingTask.Draw.evaluation(s == 0, it, k, null)))
                                .as("accum %d interval %d: eval %d/%d/%d", accum, interval, it, s, k)
                                .isEqualTo(replay.get("e" + it + "/" + s + "/" + k));
                    }
                }
            }
        }
        assertThat(order).isNotEmpty();
    }

    private static TrainConfig config(int accum, int interval, int evalIters, int batch, int maxIters) {
        return TrainConfig.defaults().withAll(List.of(
                new TrainConfig.Setting("gradient_accumulation_steps", accum, "test"),
                new TrainConfig.Setting("eval_interval", interval, "test"),
                new TrainConfig.Setting("eval_iters", evalIters, "test"),
                new TrainConfig.Setting("batch_size", batch, "test"),
                new TrainConfig.Setting("max_iters", maxIters, "test")));
    }
}
