package org.transformer4j.train;

import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.LongUnaryOperator;
import java.util.function.Supplier;

import org.transformer4j.T4jException;
import org.transformer4j.data.DataDir;
import org.transformer4j.data.TokenFile;
import org.transformer4j.nn.ForwardContext;
import org.transformer4j.nn.Module;
import org.transformer4j.tensor.Tensor;

/**
 * Next-token prediction on random windows of the token data, nanoGPT's objective, for any causal LM (GPT, Llama):
 * x is a window's first T tokens and y the same shifted by one. The model comes with its forward pass, its log line
 * and its writer.
 */
final class NextTokenTask implements TrainingTask {
    /** The model's mean cross-entropy over a batch of B rows of T ids and their targets. */
    interface Forward {
        Tensor loss(int[] x, int batch, int time, int[] y, ForwardContext ctx);
    }

    /** Writes the model as a model directory, with the checkpoint's metadata in the safetensors header. */
    interface Writer {
        void save(Path dir, Map<String, String> metadata);
    }

    private final Module model;
    private final Forward forward;
    private final Supplier<String> describe;
    private final Writer writer;
    private final TokenFile train;
    private final TokenFile val;
    private final int batch;
    private final int block;
    private final int[] x;
    private final int[] y;
    private final TorchBatches torchBatches;

    NextTokenTask(Module model, Forward forward, Supplier<String> describe, Writer writer, TrainConfig cfg,
                  DataDir data) {
        this(model, forward, describe, writer, cfg, data, null);
    }

    /** With {@code torchBatches} non-null, batches are nanoGPT's (rng=torch) instead of the Trainer's streams. */
    NextTokenTask(Module model, Forward forward, Supplier<String> describe, Writer writer, TrainConfig cfg,
                  DataDir data, TorchBatches torchBatches) {
        this.torchBatches = torchBatches;
        this.model = model;
        this.forward = forward;
        this.describe = describe;
        this.writer = writer;
        this.train = data.train();
        this.val = data.val();
        this.batch = cfg.batchSize();
        this.block = cfg.blockSize();
        this.x = new int[batch * block];
        this.y = new int[batch * block];
    }

    /** A checkpoint's model fits the data and the block size it is resumed with, or a one-line error says why. */
    static void checkFits(Path runDir, int vocabSize, int contextLength, TrainConfig cfg, DataDir data) {
        if (vocabSize != data.vocabSize()) {
            throw new T4jException("cannot resume: the checkpoint in " + runDir + " has vocab_size " + vocabSize
                    + " but the data in " + data.dir() + " has " + data.vocabSize());
        }
        if (contextLength < cfg.blockSize()) {
            throw new T4jException("cannot resume with block_size " + cfg.blockSize() + ": the checkpoint's is "
                    + contextLength);
        }
    }

    @Override
    public Module model() {
        return model;
    }

    @Override
    public Tensor loss(boolean trainSplit, SplittableRandom rng, ForwardContext ctx) {
        return lossOver(trainSplit, rng::nextLong, ctx);
    }

    @Override
    public Tensor loss(Draw draw, ForwardContext ctx) {
        return lossOver(draw.train(), torchBatches == null ? draw.rng()::nextLong : torchBatches.starts(draw), ctx);
    }

    /** The loss of B windows of the split whose starts come from {@code starts} (given a bound, a number below it). */
    private Tensor lossOver(boolean trainSplit, LongUnaryOperator starts, ForwardContext ctx) {
        Batches.sample(trainSplit ? train : val, trainSplit ? "train" : "val", starts, batch, block, x, y);
        return forward.loss(x, batch, block, y, ctx);
    }

    @Override
    public long tokensPerBatch() {
        return (long) batch * block;
    }

    @Override
    public String describe() {
        return describe.get();
    }

    @Override
    public void save(Path dir, Map<String, String> metadata) {
        writer.save(dir, metadata);
    }
}
