package org.transformer4j.train;

import java.nio.file.Path;
import java.util.Locale;

import org.transformer4j.T4jException;
import org.transformer4j.data.DataDir;
import org.transformer4j.model.Llama;
import org.transformer4j.model.LlamaConfig;
import org.transformer4j.model.LlamaFiles;

/**
 * The Llama architecture trained from scratch on next-token prediction, over the same random windows as GPT.
 * The shape comes from nanoGPT's keys (n_layer, n_head, n_embd, block_size) plus n_kv_head (0: n_head),
 * rope_theta, intermediate_size (0: llama2.c's rule, 2/3 of 4 * n_embd rounded up to a multiple of 32, which keeps
 * the MLP's parameter count that of GPT's 4x MLP) and tie_word_embeddings. Llama has no biases (bias must be
 * false) and its only dropout is on the attention weights (Hugging Face's attention_dropout), which dropout sets.
 * The run directory is a LlamaForCausalLM directory.
 */
final class LlamaArchitecture implements Architecture {
    @Override
    public String name() {
        return "llama";
    }

    /** llama2.c's SwiGLU width for a model of width {@code dim}. */
    static int defaultIntermediateSize(int dim) {
        int hidden = 2 * (4 * dim) / 3;
        return 32 * ((hidden + 31) / 32);
    }

    static LlamaConfig config(TrainConfig cfg, int vocabSize) {
        if (cfg.bias()) {
            throw new T4jException("bias=True is not available for arch=llama (Llama's layers have no biases)");
        }
        int kv = (Integer) cfg.get(ConfigKey.N_KV_HEAD.key());
        int inner = (Integer) cfg.get(ConfigKey.INTERMEDIATE_SIZE.key());
        return new LlamaConfig(cfg.nEmbd(), inner == 0 ? defaultIntermediateSize(cfg.nEmbd()) : inner, cfg.nLayer(),
                cfg.nHead(), kv == 0 ? cfg.nHead() : kv, vocabSize, cfg.blockSize(), 1e-5f,
                (float) (double) (Double) cfg.get(ConfigKey.ROPE_THETA.key()),
                (Boolean) cfg.get(ConfigKey.TIE_WORD_EMBEDDINGS.key()), false, null, (float) cfg.dropout());
    }

    @Override
    public TrainingTask create(TrainConfig cfg, DataDir data) {
        return task(new Llama(config(cfg, data.vocabSize())).initWeights(cfg.seed(), (float) cfg.initStd()), cfg,
                data);
    }

    @Override
    public TrainingTask resume(Path runDir, TrainConfig cfg, DataDir data) {
        Llama model = LlamaFiles.load(runDir);
        NextTokenTask.checkFits(runDir, model.config.vocabSize(), model.config.seqLen(), cfg, data);
        return task(model, cfg, data);
    }

    private static NextTokenTask task(Llama model, TrainConfig cfg, DataDir data) {
        return new NextTokenTask(model, (x, b, t, y, ctx) -> model.forward(x, b, t, y, ctx).loss(),
                () -> describe(model), (dir, meta) -> LlamaFiles.save(model, dir, meta), cfg, data);
    }

    private static String describe(Llama model) {
        LlamaConfig c = model.config;
        return String.format(Locale.ROOT, "Llama %,d parameters (n_layer %d, n_head %d, n_kv_head %d, n_embd %d, "
                + "intermediate_size %d, block_size %d, vocab %d%s)", model.numParameters(), c.nLayers(),
                c.nHeads(), c.nKvHeads(), c.dim(), c.hiddenDim(), c.seqLen(), c.vocabSize(),
                c.sharedClassifier() ? ", tied head" : "");
    }
}
