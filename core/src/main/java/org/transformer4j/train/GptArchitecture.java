package org.transformer4j.train;

import java.nio.file.Path;
import java.util.Locale;

import org.transformer4j.data.DataDir;
import org.transformer4j.model.GPT;
import org.transformer4j.model.GPTConfig;
import org.transformer4j.model.GPTFiles;
import org.transformer4j.model.TorchInit;
import org.transformer4j.tensor.TorchGenerator;

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
        if (cfg.rng().equals("torch")) {
            GPT model = new GPT(mc);
            TorchGenerator afterInit = TorchInit.nanoGpt(model, cfg.seed(), cfg.initStd());
            return task(model, cfg, data, new TorchBatches(afterInit, cfg));
        }
        return task(new GPT(mc).initWeights(cfg.seed(), (float) cfg.initStd()), cfg, data, null);
    }

    @Override
    public TrainingTask resume(Path runDir, TrainConfig cfg, DataDir data) {
        GPT model = GPTFiles.load(runDir);
        NextTokenTask.checkFits(runDir, model.config.vocabSize(), model.config.blockSize(), cfg, data);
        // rng=torch: the batches continue from where the initialisation left the generator, which only depends on
        // the shape, so it is replayed without the weights.
        TorchBatches batches = cfg.rng().equals("torch")
                ? new TorchBatches(TorchInit.generatorAfter(model.config, cfg.seed()), cfg) : null;
        return task(model, cfg, data, batches);
    }

    private static NextTokenTask task(GPT model, TrainConfig cfg, DataDir data, TorchBatches batches) {
        return new NextTokenTask(model, (x, b, t, y, ctx) -> model.forward(x, b, t, y, ctx).loss(),
                () -> describe(model), (dir, meta) -> GPTFiles.save(model, dir, meta), cfg, data, batches);
    }

    private static String describe(GPT model) {
        GPTConfig c = model.config;
        return String.format(Locale.ROOT, "GPT %,d parameters (n_layer %d, n_head %d, n_embd %d, block_size %d, "
                + "vocab %d)", model.numParameters(), c.nLayer(), c.nHead(), c.nEmbd(), c.blockSize(),
                c.vocabSize());
    }
}
