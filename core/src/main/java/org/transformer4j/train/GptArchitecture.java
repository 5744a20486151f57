package org.transformer4j.train;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

import org.transformer4j.T4jException;
import org.transformer4j.data.DataDir;
import org.transformer4j.data.TokenFile;
import org.transformer4j.model.GPT;
import org.transformer4j.model.GPTConfig;
import org.transformer4j.model.GPTFiles;
import org.transformer4j.nn.ForwardContext;
import org.transformer4j.nn.Module;
import org.transformer4j.tensor.Tensor;

/** nanoGPT's GPT trained on next-token prediction over random windows of the token data. */
final class GptArchitecture implements Architecture {
    @Override
    public String name() {
        return "gpt";
    }

    @Override
    public TrainingTask create(TrainConfig cfg, DataDir data) {
        GPTConfig mc = GPTConfig.nanoGPT(data.vocabSize(), cfg.blockSize(), cfg.nLayer(), cfg.nHead(), cfg.nEmbd(),
                cfg.bias(), (float) cfg.dropout());
        return new Task(new GPT(mc).initWeights(cfg.seed(), (float) cfg.initStd()), cfg, data);
    }

    @Override
    public TrainingTask resume(Path runDir, TrainConfig cfg, DataDir data) {
        GPT model = GPTFiles.load(runDir);
        if (model.config.vocabSize() != data.vocabSize()) {
            throw new T4jException("cannot resume: the checkpoint in " + runDir + " has vocab_size "
                    + model.config.vocabSize() + " but the data in " + data.dir() + " has " + data.vocabSize());
        }
        if (model.config.blockSize() < cfg.blockSize()) {
            throw new T4jException("cannot resume with block_size " + cfg.blockSize() + ": the checkpoint's is "
                    + model.config.blockSize());
        }
        return new Task(model, cfg, data);
    }

    /** A causal LM on windows of the token stream: x is a window's first T tokens, y the same shifted by one. */
    static final class Task implements TrainingTask {
        private final GPT model;
        private final TokenFile train;
        private final TokenFile val;
        private final int batch;
        private final int block;
        private final int[] x;
        private final int[] y;

        Task(GPT model, TrainConfig cfg, DataDir data) {
            this.model = model;
            this.train = data.train();
            this.val = data.val();
            this.batch = cfg.batchSize();
            this.block = cfg.blockSize();
            this.x = new int[batch * block];
            this.y = new int[batch * block];
        }

        GPT gpt() {
            return model;
        }

        @Override
        public Module model() {
            return model;
        }

        @Override
        public Tensor loss(boolean trainSplit, SplittableRandom rng, ForwardContext ctx) {
            Batches.sample(trainSplit ? train : val, trainSplit ? "train" : "val", rng, batch, block, x, y);
            return model.forward(x, batch, block, y, ctx).loss();
        }

        @Override
        public long tokensPerBatch() {
            return (long) batch * block;
        }

        @Override
        public String describe() {
            GPTConfig c = model.config;
            return String.format(Locale.ROOT, "GPT %,d parameters (n_layer %d, n_head %d, n_embd %d, block_size %d, "
                    + "vocab %d)", model.numParameters(), c.nLayer(), c.nHead(), c.nEmbd(), c.blockSize(),
                    c.vocabSize());
        }

        @Override
        public void save(Path dir, Map<String, String> metadata) {
            GPTFiles.save(model, dir, metadata);
        }
    }
}
