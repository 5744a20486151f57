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
import org.transformer4j.data.TokenFile;
import org.transformer4j.kernels.Parallel;
import org.transformer4j.model.GPT;
import org.transformer4j.model.GPTConfig;
import org.transformer4j.nn.ForwardContext;
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
        int batch = cfg.batchSize();
        int block = cfg.blockSize();
        int accum = cfg.gradientAccumulationSteps();

        GPT model;
        AdamW optimizer;
        int iter;
        double bestVal;
        if (cfg.initFrom().equals("resume")) {
            Checkpoint.State state = Checkpoint.load(runDir);
            model = state.model();
            if (model.config.vocabSize() != data.vocabSize()) {
                throw new T4jException("cannot resume: the checkpoint in " + runDir + " has vocab_size "
                        + model.config.vocabSize() + " but the data in " + data.dir() + " has "
                        + data.vocabSize());
            }
            if (model.config.blockSize() < block) {
                throw new T4jException("cannot resume with block_size " + block + ": the checkpoint's is "
                        + model.config.blockSize());
            }
            optimizer = newOptimizer(model);
            optimizer.importState(state.optimizerState());
            iter = state.iter();
            bestVal = state.bestValLoss();
            listener.info("resuming " + runDir + " at iter " + iter);
        } else {
            model = newModel();
            optimizer = newOptimizer(model);
            iter = 0;
            bestVal = 1e9;
        }
        // A resumed run replays the evaluation at its starting iteration, so that line is dropped and rewritten.
        if (cfg.evalOnly()) {
            // nanoGPT's eval_only: estimate the losses of the model as it is, then stop. Unlike nanoGPT this also
            // works on a resumed checkpoint (the way to re-measure a trained model with more eval_iters), and it
            // writes nothing: neither the metrics log nor the checkpoint change.
            double[] est = estimateLoss(model, data.train(), data.val(), iter);
            listener.onEval(iter, est[0], est[1], LrSchedule.of(cfg).lr(iter));
            return new Result(iter, Math.min(bestVal, est[1]), est[0], est[1], false, List.of());
        }
        MetricsLog metrics = iter == 0 ? MetricsLog.create(runDir) : MetricsLog.resume(runDir, iter - 1);
        LrSchedule schedule = LrSchedule.of(cfg);
        listener.onStart(String.format(Locale.ROOT,
                "GPT %,d parameters (n_layer %d, n_head %d, n_embd %d, block_size %d, vocab %d), %d thread(s)",
                model.numParameters(), model.config.nLayer(), model.config.nHead(), model.config.nEmbd(),
                model.config.blockSize(), model.config.vocabSize(), Parallel.threads()), iter, cfg.maxIters());

        TokenFile train = data.train();
        TokenFile val = data.val();
        int[] x = new int[batch * block];
        int[] y = new int[batch * block];
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
                double[] est = estimateLoss(model, train, val, iter);
                lastTrain = est[0];
                lastVal = est[1];
                double ms = timedIters == 0 ? Double.NaN : sumMs / timedIters;
                double tokensPerS = Double.isNaN(ms) ? Double.NaN : (double) batch * block * accum * 1000.0 / ms;
                metrics.log(iter, lastTrain, lastVal, lr, ms, tokensPerS, java.util.Map.of());
                LossPlot.write(runDir, runDir.getFileName().toString(), MetricsLog.read(metrics.path()));
                listener.onEval(iter, lastTrain, lastVal, lr);
                sumMs = 0;
                timedIters = 0;
                if (lastVal < bestVal || cfg.alwaysSaveCheckpoint()) {
                    bestVal = Math.min(bestVal, lastVal);
                    if (iter > 0) {
                        Checkpoint.save(runDir, model, optimizer, iter, bestVal, cfg);
                        saved = true;
                        listener.onCheckpoint(runDir, iter, "val loss " + fmt(lastVal));
                    }
                }
            }
            long t0 = System.nanoTime();
            double loss = step(model, optimizer, train, iter, lr, x, y);
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
                    Checkpoint.save(runDir, model, optimizer, iter, bestVal, cfg);
                    listener.onCheckpoint(runDir, iter, "end of training, no evaluation after iter 0");
                }
                break;
            }
            if (stopRequested) {
                Checkpoint.save(runDir, model, optimizer, iter, bestVal, cfg);
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
    private double step(GPT model, AdamW optimizer, TokenFile train, int iter, double lr, int[] x, int[] y) {
        int batch = cfg.batchSize();
        int block = cfg.blockSize();
        int accum = cfg.gradientAccumulationSteps();
        model.train(true);
        double lossSum = 0;
        for (int micro = 0; micro < accum; micro++) {
            Batches.sample(train, "train", Seeds.derive(cfg.seed(), iter, micro, Seeds.TRAIN_BATCH), batch, block, x,
                    y);
            SplittableRandom dropoutRng = Seeds.derive(cfg.seed(), iter, micro, Seeds.DROPOUT);
            GPT.Output out = model.forward(x, batch, block, y, ForwardContext.training(dropoutRng));
            lossSum += out.loss().item();
            Tensor scaled = accum == 1 ? out.loss() : Ops.scale(out.loss(), 1f / accum);
            scaled.backward();
        }
        if (cfg.gradClip() != 0) {
            GradClip.clipGradNorm(model.parameters(), cfg.gradClip());
        }
        optimizer.step(lr);
        optimizer.zeroGrad();
        return lossSum / accum;
    }

    /**
     * Times training steps without evaluations or checkpoints (for {@code t4j bench train}): a fresh model from the
     * config, {@code warmup} untimed steps so the JIT has compiled the kernels, then {@code iters} timed steps.
     * Returns the milliseconds of each timed step.
     */
    public double[] benchmarkSteps(int warmup, int iters) {
        if (cfg.threads() > 0) {
            Parallel.setThreads(cfg.threads());
        }
        GPT model = newModel();
        AdamW optimizer = newOptimizer(model);
        LrSchedule schedule = LrSchedule.of(cfg);
        int[] x = new int[cfg.batchSize() * cfg.blockSize()];
        int[] y = new int[x.length];
        double[] ms = new double[iters];
        for (int i = 0; i < warmup + iters; i++) {
            long t0 = System.nanoTime();
            step(model, optimizer, data.train(), i, schedule.lr(i), x, y);
            if (i >= warmup) {
                ms[i - warmup] = (System.nanoTime() - t0) / 1e6;
            }
        }
        return ms;
    }

    /** A freshly initialised GPT of the configured shape (nanoGPT's model, GPT-2 initialisation). */
    private GPT newModel() {
        GPTConfig mc = GPTConfig.nanoGPT(data.vocabSize(), cfg.blockSize(), cfg.nLayer(), cfg.nHead(), cfg.nEmbd(),
                cfg.bias(), (float) cfg.dropout());
        return new GPT(mc).initWeights(cfg.seed(), (float) cfg.initStd());
    }

    private AdamW newOptimizer(GPT model) {
        return AdamW.forModel(model.namedParameters(), cfg);
    }

    /** Mean loss over eval_iters batches of each split, in evaluation mode (no dropout, no graph). */
    private double[] estimateLoss(GPT model, TokenFile train, TokenFile val, int iter) {
        int batch = cfg.batchSize();
        int block = cfg.blockSize();
        int[] x = new int[batch * block];
        int[] y = new int[batch * block];
        double[] result = new double[2];
        model.train(false);
        try (var noGrad = GradMode.off()) {
            for (int split = 0; split < 2; split++) {
                TokenFile file = split == 0 ? train : val;
                double sum = 0;
                for (int k = 0; k < cfg.evalIters(); k++) {
                    SplittableRandom rng = Seeds.derive(cfg.seed(), iter, k,
                            split == 0 ? Seeds.EVAL_TRAIN : Seeds.EVAL_VAL);
                    Batches.sample(file, split == 0 ? "train" : "val", rng, batch, block, x, y);
                    sum += model.forward(x, batch, block, y, ForwardContext.INFERENCE).loss().item();
                }
                result[split] = sum / cfg.evalIters();
            }
        }
        model.train(true);
        return result;
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }
}
