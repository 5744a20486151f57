package org.transformer4j.train;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

import org.transformer4j.T4jException;
import org.transformer4j.data.DataDir;
import org.transformer4j.data.TokenFile;
import org.transformer4j.model.Bert;
import org.transformer4j.model.BertConfig;
import org.transformer4j.model.BertFiles;
import org.transformer4j.nn.ForwardContext;
import org.transformer4j.nn.Module;
import org.transformer4j.tensor.Tensor;

/**
 * BERT trained with the masked-LM objective on the same prepared token data as GPT. The data's tokenizers (char,
 * GPT-2) have no special tokens, so the model's vocabulary is the data's plus two ids: [MASK] = vocab_size and
 * [CLS] = vocab_size + 1, recorded in config.json as mask_token_id and cls_token_id. Each training sequence is
 * [CLS] followed by block_size - 1 tokens of a random window, so a fine-tuned classifier later finds the [CLS]
 * position it pools trained; [CLS] is never masked. {@code mlm_probability} (0.15) of the other positions are
 * chosen ({@link MaskedLM}) and the loss is the mean cross-entropy at those positions only.
 */
final class BertArchitecture implements Architecture {
    @Override
    public String name() {
        return "bert";
    }

    @Override
    public TrainingTask create(TrainConfig cfg, DataDir data) {
        int v = data.vocabSize();
        BertConfig c = BertConfig.of(v + 2, cfg.blockSize(), cfg.nLayer(), cfg.nHead(), cfg.nEmbd(),
                (float) cfg.dropout()).withSpecialIds(v, v + 1);
        return new Task(new Bert(c, true, false).initWeights(cfg.seed(), (float) cfg.initStd()), cfg, data);
    }

    @Override
    public TrainingTask resume(Path runDir, TrainConfig cfg, DataDir data) {
        Bert model = BertFiles.load(runDir);
        BertConfig c = model.config;
        if (c.vocabSize() != data.vocabSize() + 2 || c.maskTokenId() != data.vocabSize()
                || c.clsTokenId() != data.vocabSize() + 1) {
            throw new T4jException("cannot resume: the checkpoint in " + runDir + " has vocab_size " + c.vocabSize()
                    + " (mask_token_id " + c.maskTokenId() + ") but the data in " + data.dir() + " has "
                    + data.vocabSize() + " ids plus [MASK] and [CLS]");
        }
        if (model.mlm == null) {
            throw new T4jException("cannot resume: the checkpoint in " + runDir + " has no masked-LM head");
        }
        if (c.maxPositions() < cfg.blockSize()) {
            throw new T4jException("cannot resume with block_size " + cfg.blockSize()
                    + ": the checkpoint's max_position_embeddings is " + c.maxPositions());
        }
        return new Task(model, cfg, data);
    }

    static final class Task implements TrainingTask {
        private final Bert model;
        private final TokenFile train;
        private final TokenFile val;
        private final int batch;
        private final int block;
        private final double probability;
        private final int[] ids;
        private final int[] input;
        private final int[] targets;
        private final boolean[] maskable;

        Task(Bert model, TrainConfig cfg, DataDir data) {
            if (cfg.blockSize() < 2) {
                throw new T4jException("arch=bert needs block_size >= 2 ([CLS] and at least one token)");
            }
            this.model = model;
            this.train = data.train();
            this.val = data.val();
            this.batch = cfg.batchSize();
            this.block = cfg.blockSize();
            this.probability = (Double) cfg.get(ConfigKey.MLM_PROBABILITY.key());
            if (probability <= 0) {
                throw new T4jException("mlm_probability must be above 0 for arch=bert, got " + probability);
            }
            this.ids = new int[batch * block];
            this.input = new int[batch * block];
            this.targets = new int[batch * block];
            this.maskable = new boolean[batch * block];
            for (int i = 0; i < maskable.length; i++) {
                maskable[i] = i % block != 0;
            }
        }

        Bert bert() {
            return model;
        }

        @Override
        public Module model() {
            return model;
        }

        @Override
        public Tensor loss(boolean trainSplit, SplittableRandom rng, ForwardContext ctx) {
            TokenFile file = trainSplit ? train : val;
            int w = block - 1;
            long n = file.length();
            if (n < w) {
                throw new T4jException("the " + (trainSplit ? "train" : "val") + " split has only " + n
                        + " tokens; block_size " + block + " needs at least " + w);
            }
            for (int b = 0; b < batch; b++) {
                ids[b * block] = model.config.clsTokenId();
                file.copy(rng.nextLong(n - w + 1), ids, b * block + 1, w);
            }
            MaskedLM.apply(ids, maskable, probability, model.config.maskTokenId(), model.config.maskTokenId(), rng, input,
                    targets); // random replacements from the data's ids [0, [MASK])
            return model.mlmLoss(input, null, batch, block, null, targets, ctx);
        }

        @Override
        public long tokensPerBatch() {
            return (long) batch * block;
        }

        @Override
        public String describe() {
            BertConfig c = model.config;
            return String.format(Locale.ROOT, "BERT %,d parameters (layers %d, heads %d, hidden %d, positions %d, "
                    + "vocab %d incl. [MASK] and [CLS]), masked-LM %.0f%%", model.numParameters(), c.numLayers(),
                    c.numHeads(), c.hiddenSize(), c.maxPositions(), c.vocabSize(), probability * 100);
        }

        @Override
        public void save(Path dir, Map<String, String> metadata) {
            BertFiles.save(model, dir, metadata);
        }
    }
}
