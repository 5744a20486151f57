package org.transformer4j.train;

import java.util.function.LongUnaryOperator;

import org.transformer4j.tensor.TorchGenerator;

/**
 * nanoGPT's batches on PyTorch's generator (rng=torch): each window start is {@code torch.randint(len - T)}, drawn
 * in the order of nanoGPT's train.py, continuing the generator its initialisation left. That order is: the first
 * training batch before the loop; at every eval_interval-th iteration the evaluation, eval_iters batches of the
 * train split then of the val split; then each micro-step's forward, after which the next training batch is drawn.
 *
 * <p>The Trainer's own order differs (it draws a step's batch when the step starts), so instead of following the
 * calls this class computes where in the generator's stream each batch sits, from the iteration and micro-step
 * alone: a resumed run therefore draws exactly the batches of the uninterrupted one, with no generator state in the
 * checkpoint. With B = batch_size, A = gradient_accumulation_steps, E = eval_iters, I = eval_interval and W the
 * words the initialisation consumed:
 * <pre>
 *   training batch j = iter·A + micro:  W + j·B + evals(j)·2E·B,  evals(0) = 0, evals(j) = ⌊⌊(j-1)/A⌋ / I⌋ + 1
 *   evaluation batch k of split s at iteration e:  W + (e·A + 1)·B + ⌈e/I⌉·2E·B + (s·E + k)·B
 * </pre>
 * (evals(j) counts the evaluations nanoGPT runs before it draws batch j.) Identical to nanoGPT's draws when
 * dropout is 0: nanoGPT's dropout masks come from the same generator, ours do not.
 */
final class TorchBatches {
    private final TorchGenerator afterInit;
    private final int batch;
    private final int accum;
    private final int evalIters;
    private final int evalInterval;
    private TorchGenerator cursor;

    TorchBatches(TorchGenerator afterInit, TrainConfig cfg) {
        this.afterInit = afterInit.copy();
        this.cursor = afterInit.copy();
        this.batch = cfg.batchSize();
        this.accum = cfg.gradientAccumulationSteps();
        this.evalIters = cfg.evalIters();
        this.evalInterval = cfg.evalInterval();
    }

    /** The stream position (words since seeding) of the first window start of {@code draw}'s batch. */
    long position(TrainingTask.Draw draw) {
        long w = afterInit.position();
        long evalWords = 2L * evalIters * batch;
        if (draw.eval()) {
            long e = draw.iter();
            long evalsBefore = (e + evalInterval - 1) / evalInterval;
            int split = draw.train() ? 0 : 1;
            return w + (e * accum + 1) * batch + evalsBefore * evalWords
                    + ((long) split * evalIters + draw.index()) * batch;
        }
        long j = (long) draw.iter() * accum + draw.index();
        long evalsBefore = j == 0 ? 0 : (j - 1) / accum / evalInterval + 1;
        return w + j * batch + evalsBefore * evalWords;
    }

    /** Window starts for {@code draw}'s batch: call the result once per row, with the bound len - T. */
    LongUnaryOperator starts(TrainingTask.Draw draw) {
        long target = position(draw);
        if (cursor.position() > target) {
            cursor = afterInit.copy(); // evaluations sit after the step batch drawn before them: rewind
        }
        cursor.advanceTo(target);
        return cursor::randint;
    }
}
