package org.transformer4j.train;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

import org.transformer4j.T4jException;
import org.transformer4j.data.DataDir;
import org.transformer4j.data.Pairs;
import org.transformer4j.data.Pairs.Pair;
import org.transformer4j.model.EncoderDecoder;
import org.transformer4j.model.EncoderDecoderFiles;
import org.transformer4j.model.Seq2SeqConfig;
import org.transformer4j.nn.ForwardContext;
import org.transformer4j.nn.Module;
import org.transformer4j.tensor.Tensor;
import org.transformer4j.tokenizer.PairVocab;

/**
 * {@code arch=seq2seq}: the original encoder-decoder Transformer trained with teacher forcing on a file of
 * (source TAB target) pairs ({@code pairs}). A seeded shuffle holds out {@code val_fraction} of the pairs as the
 * validation split; the character vocabulary (with <pad>, <s>, </s>) is built from all pairs and saved with the
 * model. Shape: n_layer encoder and n_layer decoder blocks, n_head heads, d_model = n_embd, d_ff = 4 * n_embd,
 * ReLU, post-LN, dropout; the loss is cross-entropy with {@code label_smoothing}.
 */
final class Seq2SeqArchitecture implements Architecture {
    @Override
    public String name() {
        return "seq2seq";
    }

    @Override
    public boolean usesTokenData() {
        return false;
    }

    static List<Pair> readPairs(TrainConfig cfg) {
        Path path = Path.of((String) cfg.get("pairs"));
        if (!Files.isRegularFile(path)) {
            throw new T4jException("pairs file " + path + " does not exist (arch seq2seq trains on pairs=FILE, lines "
                    + "'source<TAB>target')");
        }
        return Pairs.read(path);
    }

    static PairVocab vocabOf(List<Pair> pairs) {
        List<String> texts = new ArrayList<>(2 * pairs.size());
        for (Pair p : pairs) {
            texts.add(p.source());
            texts.add(p.target());
        }
        return PairVocab.fromTexts(texts);
    }

    @Override
    public TrainingTask create(TrainConfig cfg, DataDir data) {
        List<Pair> pairs = readPairs(cfg);
        PairVocab vocab = vocabOf(pairs);
        Seq2SeqConfig mc = Seq2SeqConfig.transformer(vocab.vocabSize(), cfg.nEmbd(), cfg.nHead(), 4 * cfg.nEmbd(),
                cfg.nLayer(), cfg.nLayer(), (float) cfg.dropout(), PairVocab.PAD, PairVocab.BOS, PairVocab.EOS);
        return new Task(new EncoderDecoder(mc).initWeights(cfg.seed()), vocab, pairs, cfg);
    }

    @Override
    public TrainingTask resume(Path runDir, TrainConfig cfg, DataDir data) {
        EncoderDecoder model = EncoderDecoderFiles.load(runDir);
        PairVocab vocab = PairVocab.load(runDir);
        List<Pair> pairs = readPairs(cfg);
        for (Pair p : pairs) {
            try {
                vocab.encode(p.source());
                vocab.encode(p.target());
            } catch (T4jException e) {
                throw new T4jException("cannot resume: the pairs file has characters the checkpoint's vocabulary in "
                        + runDir + " lacks (" + e.getMessage() + ")");
            }
        }
        return new Task(model, vocab, pairs, cfg);
    }

    static final class Task implements TrainingTask {
        private final EncoderDecoder model;
        private final PairVocab vocab;
        private final List<int[][]> train;
        private final List<int[][]> val;
        private final int batch;
        private final float labelSmoothing;
        private final double meanTokens;

        Task(EncoderDecoder model, PairVocab vocab, List<Pair> pairs, TrainConfig cfg) {
            if (model.vocabSize() != vocab.vocabSize()) {
                throw new T4jException("the model's vocabulary (" + model.vocabSize() + ") does not match the saved "
                        + "vocabulary (" + vocab.vocabSize() + ")");
            }
            Pairs.Split split = Pairs.split(pairs, (double) cfg.get("val_fraction"), cfg.seed());
            if (split.heldOut().isEmpty()) {
                throw new T4jException("the validation split is empty: " + pairs.size() + " pairs with val_fraction "
                        + cfg.get("val_fraction") + " hold none out");
            }
            this.model = model;
            this.vocab = vocab;
            this.train = Seq2SeqTraining.encodeAll(vocab, split.train());
            this.val = Seq2SeqTraining.encodeAll(vocab, split.heldOut());
            this.batch = cfg.batchSize();
            this.labelSmoothing = (float) (double) (Double) cfg.get("label_smoothing");
            long tokens = 0;
            for (int[][] p : train) {
                tokens += p[0].length + p[1].length + 1;
            }
            this.meanTokens = (double) tokens / train.size();
        }

        @Override
        public Module model() {
            return model;
        }

        @Override
        public Tensor loss(boolean trainSplit, SplittableRandom rng, ForwardContext ctx) {
            List<int[][]> from = trainSplit ? train : val;
            List<int[][]> chosen = new ArrayList<>(batch);
            for (int i = 0; i < batch; i++) {
                chosen.add(from.get(rng.nextInt(from.size())));
            }
            Seq2SeqTraining.Batch b = Seq2SeqTraining.batch(chosen);
            return model.forward(b.src(), b.srcLen(), b.srcLengths(), b.tgtIn(), b.tgtLen(), b.size(), b.targets(),
                    labelSmoothing, ctx, null).loss();
        }

        @Override
        public long tokensPerBatch() {
            return Math.round(batch * meanTokens);
        }

        @Override
        public String describe() {
            Seq2SeqConfig c = model.config;
            return String.format(Locale.ROOT, "encoder-decoder %,d parameters (%d+%d layers, n_head %d, d_model %d, "
                    + "d_ff %d, vocab %d), %d training pairs, %d held out", model.numParameters(), c.nEncoderLayers(),
                    c.nDecoderLayers(), c.nHead(), c.dModel(), c.dFF(), c.vocabSize(), train.size(), val.size());
        }

        @Override
        public void save(Path dir, Map<String, String> metadata) {
            Seq2SeqTraining.save(model, vocab, dir, metadata);
        }
    }
}
