package org.transformer4j.train;

import java.nio.file.Path;
import java.util.Locale;

import org.transformer4j.data.DataDir;
import org.transformer4j.model.GPT;
import org.transformer4j.model.GPTConfig;
import org.transformer4j.model.GPTFiles;

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
        return task(new GPT(mc).initWeights(cfg.seed(), (float) cfg.initStd()), cfg, data);
    }

    @Override
    public TrainingTask resume(Path runDir, TrainConfig cfg, DataDir data) {
        GPT model = GPTFiles.load(runDir);
        NextTokenTask.checkFits(runDir, model.config.vocabSize(), model.config.blockSize(), cfg, data);
        return task(model, cfg, data);
    }

    private static NextTokenTask task(GPT model, TrainConfig cfg, DataDir data) {
        return new NextTokenTask(model, (x, b, t, y, ctx) -> model.forward(x, b, t, y, ctx).loss(),
                () -> describe(model), (dir, meta) -> GPTFiles.save(model, dir, meta), cfg, data);
    }

    private static String describe(GPT model) {
        GPTConfig c = model.config;
        return String.format(Locale.ROOT, "GPT %,d parameters (n_layer %d, n_head %d, n_embd %d, block_size %d, "
                + "vocab %d)", model.numParameters(), c.nLayer(), c.nHead(), c.nEmbd(), c.blockSize(),
                c.vocabSize());
    }
}
