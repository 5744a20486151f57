package org.transformer4j.train;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import org.transformer4j.T4jException;
import org.transformer4j.autograd.GradMode;
import org.transformer4j.autograd.Ops;
import org.transformer4j.data.DataDir;

import org.transformer4j.kernels.ElementWise;
import org.transformer4j.kernels.Parallel;

import org.transformer4j.nn.Module;
import org.transformer4j.nn.ForwardContext;
import org.transformer4j.tensor.Arena;
import org.transformer4j.tensor.Tensor;

/**
 * nanoGPT's train.py loop: sample batches, forward, backward (with gradient accumulation), clip, AdamW step with
 * a warmup + cosine learning rate; every eval_interval iterations estimate train and val loss, log them and keep
 * the best checkpoint. A stop request (Ctrl-C) finishes the current iteration, writes a checkpoint and returns;
 * {@code init_from=resume} then continues the same run exactly.
 */
public final class Trainer {
    /** How a run ended. */
    public record Result(int iterations, double bestValLoss, double lastTrainLoss, double lastValLoss,
                         boolean stoppedEarly, List<Double> losses) {}

    private final TrainConfig cfg;
    private final DataDir data;
    private final Path runDir;
    private final TrainListener listener;
    private volatile boolean stopRequested;
    /**
     * The buffers of one step (activations, their gradients, saved softmax/GELU/norm statistics), reused by the
     * next step instead of allocated again: a steady-state step allocates almost nothing (see {@link Arena}).
     */
    private final Arena arena = new Arena(ElementWise::zero);

    public Trainer(TrainConfig cfg, DataDir data, Path runDir, TrainListener listener) {
        this.cfg = cfg;
        this.data = data;
        this.runDir = runDir;
        this.listener = listener;
    }

    /** Asks the run to stop after the current iteration, saving a checkpoint first. Safe from any thread. */
    public void requestStop() {
        stopRequested = true;
    }

    public Result run() {
        if (cfg.threads() > 0) {
            Parallel.setThreads(cfg.threads());
        }
        int accum = cfg.gradientAccumulationSteps();

        Architecture arch = Architectures.of(cfg.arch());
        TrainingTask task;
        AdamW optimizer;
        int iter;
        double bestVal;
        if (cfg.initFrom().equals("resume")) {
            Checkpoint.State state = Checkpoint.load(runDir);
            task = arch.resume(runDir, cfg, data);
            optimizer = newOptimizer(task);
            optimizer.importState(state.optimizerState());
            iter = state.iter();
            bestVal = state.bestValLoss();
            listener.info("resuming " + runDir + " at iter " + iter);
        } else {
            task = arch.create(cfg, data);
            optimizer = newOptimizer(task);
            iter = 0;
            bestVal = 1e9;
        }
        // A resumed run replays the evaluation at its starting iteration, so that line is dropped and rewritten.
        if (cfg.evalOnly()) {
            // nanoGPT's eval_only: estimate the losses of the model as it is, then stop. Unlike nanoGPT this also
            // works on a resumed checkpoint (the way to re-measure a trained model with more eval_iters), and it
            // writes nothing: neither the metrics log nor the checkpoint change.
            double[] est = estimateLoss(task, iter);
            listener.onEval(iter, est[0], est[1], LrSchedule.of(cfg).lr(iter));
            return new Result(iter, Math.min(bestVal, est[1]), est[0], est[1], false, List.of());
        }
        MetricsLog metrics = iter == 0 ? MetricsLog.create(runDir) : MetricsLog.resume(runDir, iter - 1);
        LrSchedule schedule = LrSchedule.of(cfg);
        listener.onStart(task.describe() + ", " + Parallel.threads() + " thread(s)", iter, cfg.maxIters());

        List<Double> losses = new ArrayList<>();
        double lastTrain = Double.NaN;
        double lastVal = Double.NaN;
        double sumMs = 0;
        int timedIters = 0;
        boolean stopped = false;
        boolean saved = false;

        while (true) {
            double lr = schedule.lr(iter);
            if (iter % cfg.evalInterval() == 0) {
                double[] est = estimateLoss(task, iter);
                lastTrain = est[0];
                lastVal = est[1];
                double ms = timedIters == 0 ? Double.NaN : sumMs / timedIters;
                double tokensPerS = Double.isNaN(ms) ? Double.NaN : (double) task.tokensPerBatch() * accum * 1000.0 / ms;
                metrics.log(iter, lastTrain, lastVal, lr, ms, tokensPerS, java.util.Map.of());
                LossPlot.write(runDir, runDir.getFileName().toString(), MetricsLog.read(metrics.path()));
                listener.onEval(iter, lastTrain, lastVal, lr);
                sumMs = 0;
                timedIters = 0;
                if (lastVal < bestVal || cfg.alwaysSaveCheckpoint()) {
                    bestVal = Math.min(bestVal, lastVal);
                    if (iter > 0) {
                        Checkpoint.save(runDir, task, optimizer, iter, bestVal, cfg);
                        saved = true;
                        listener.onCheckpoint(runDir, iter, "val loss " + fmt(lastVal));
                    }
                }
            }
            long t0 = System.nanoTime();
            double loss = step(task, optimizer, iter, lr);
            double ms = (System.nanoTime() - t0) / 1e6;
            sumMs += ms;
            timedIters++;
            losses.add(loss);
            if (!Double.isFinite(loss)) {
                throw new T4jException("training diverged at iter " + iter + " (loss " + loss
                        + "); try a lower learning_rate");
            }
            if (iter % cfg.logInterval() == 0) {
                listener.onIter(iter, loss, lr, ms);
            }
            iter++;
            if (iter > cfg.maxIters()) {
                if (!saved) {
                    // nanoGPT only saves at evaluations; a run too short to evaluate after iteration 0 would
                    // otherwise end with no model at all.
                    Checkpoint.save(runDir, task, optimizer, iter, bestVal, cfg);
                    listener.onCheckpoint(runDir, iter, "end of training, no evaluation after iter 0");
                }
                break;
            }
            if (stopRequested) {
                Checkpoint.save(runDir, task, optimizer, iter, bestVal, cfg);
                listener.onCheckpoint(runDir, iter, "interrupted");
                stopped = true;
                break;
            }
        }
        metrics.close();
        return new Result(iter, bestVal, lastTrain, lastVal, stopped, losses);
    }

    /**
     * One optimizer step (nanoGPT's inner loop): gradient_accumulation_steps micro-batches of forward and
     * backward, gradient clipping, AdamW with learning rate {@code lr}. Returns the mean micro-batch loss.
     */
    private double step(TrainingTask task, AdamW optimizer, int iter, double lr) {
        int accum = cfg.gradientAccumulationSteps();
        Module model = task.model();
        model.train(true);
        double lossSum = 0;
        // Every tensor of the step is made inside this scope and dead after it; parameters, their gradients and
        // the optimizer state were made outside and live on.
        try (var stepBuffers = arena.open()) {
            for (int micro = 0; micro < accum; micro++) {
                SplittableRandom batchRng = Seeds.derive(cfg.seed(), iter, micro, Seeds.TRAIN_BATCH);
                SplittableRandom dropoutRng = Seeds.derive(cfg.seed(), iter, micro, Seeds.DROPOUT);
                Tensor loss = task.loss(TrainingTask.Draw.step(iter, micro, batchRng),
                        ForwardContext.training(dropoutRng));
                lossSum += loss.item();
                Tensor scaled = accum == 1 ? loss : Ops.scale(loss, 1f / accum);
                scaled.backward();
            }
            if (cfg.gradClip() != 0) {
                GradClip.clipGradNorm(optimizer.tensors(), cfg.gradClip());
            }
            optimizer.step(lr);
            optimizer.zeroGrad();
        }
        return lossSum / accum;
    }

    /**
     * Times training steps without evaluations or checkpoints (for {@code t4j bench train}): a fresh model from the
     * config, {@code warmup} untimed steps so the JIT has compiled the kernels, then {@code iters} timed steps.
     * Returns the milliseconds of each timed step.
     */
    public double[] benchmarkSteps(int warmup, int iters) {
        return benchmarkSteps(warmup, iters, () -> {});
    }

    /**
     * {@link #benchmarkSteps(int, int)} calling {@code onTimedStart} between the warm-up and the timed steps (to
     * read counters such as CPU time or allocated bytes over the timed steps alone, on the same model).
     */
    public double[] benchmarkSteps(int warmup, int iters, Runnable onTimedStart) {
        if (cfg.threads() > 0) {
            Parallel.setThreads(cfg.threads());
        }
        TrainingTask task = Architectures.of(cfg.arch()).create(cfg, data);
        AdamW optimizer = newOptimizer(task);
        LrSchedule schedule = LrSchedule.of(cfg);
        double[] ms = new double[iters];
        for (int i = 0; i < warmup + iters; i++) {
            if (i == warmup) {
                onTimedStart.run();
            }
            long t0 = System.nanoTime();
            step(task, optimizer, i, schedule.lr(i));
            if (i >= warmup) {
                ms[i - warmup] = (System.nanoTime() - t0) / 1e6;
            }
        }
        return ms;
    }

    private AdamW newOptimizer(TrainingTask task) {
        return AdamW.forModel(task.model().namedParameters(), cfg);
    }

    /** Mean loss over eval_iters batches of each split, in evaluation mode (no dropout, no graph). */
    private double[] estimateLoss(TrainingTask task, int iter) {
        double[] result = new double[2];
        task.model().train(false);
        try (var noGrad = GradMode.off()) {
            for (int split = 0; split < 2; split++) {
                double sum = 0;
                for (int k = 0; k < cfg.evalIters(); k++) {
                    SplittableRandom rng = Seeds.derive(cfg.seed(), iter, k,
                            split == 0 ? Seeds.EVAL_TRAIN : Seeds.EVAL_VAL);
                    try (var batchBuffers = arena.open()) { // reused by every batch, as in step()
                        sum += task.loss(TrainingTask.Draw.evaluation(split == 0, iter, k, rng),
                                ForwardContext.INFERENCE).item();
                    }
                }
                result[split] = sum / cfg.evalIters();
            }
        }
        task.model().train(true);
        return result;
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }
}
