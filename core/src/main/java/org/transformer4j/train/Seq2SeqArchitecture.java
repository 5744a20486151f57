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
 * {@code arch=seq2seq}: an encoder-decoder Transformer, the original ({@code seq2seq_variant=original}), T5 or BART,
 * trained with teacher forcing on a file of (source TAB target) pairs ({@code pairs}). T5 and BART runs are saved
 * as Hugging Face T5ForConditionalGeneration / BartForConditionalGeneration directories. A seeded shuffle holds out {@code val_fraction} of the pairs as the
 * validation split; the character vocabulary (with <pad>, <s>, </s>) is built from all pairs and saved with the
 * model. Shape: n_layer encoder and n_layer decoder blocks, n_head heads, d_model = n_embd, d_ff =
 * intermediate_size (0: 4 * n_embd), dropout, and the variant's own keys (see {@link ConfigKey}); the loss is
 * cross-entropy with {@code label_smoothing}.
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
        return new Task(new EncoderDecoder(modelConfig(cfg, vocab.vocabSize())).initWeights(cfg.seed()), vocab, pairs,
                cfg);
    }

    /** The model_type each seq2seq_variant saves as. */
    static String modelType(String variant) {
        return variant.equals("original") ? "transformer" : variant;
    }

    /**
     * The shape of a fresh model of the configured variant over a vocabulary of {@code vocabSize} (PairVocab's
     * specials: <pad> 0 pads, <s> 1 starts every target, </s> 2 ends sources and targets, in every variant).
     */
    static Seq2SeqConfig modelConfig(TrainConfig cfg, int vocabSize) {
        String variant = (String) cfg.get("seq2seq_variant");
        int d = cfg.nEmbd();
        int dFF = (int) cfg.get("intermediate_size") == 0 ? 4 * d : (int) cfg.get("intermediate_size");
        int dKv = (int) cfg.get("d_kv");
        boolean tied = (boolean) cfg.get("tie_word_embeddings");
        float dropout = (float) cfg.dropout();
        if (!variant.equals("t5")) {
            if (!tied) {
                throw new T4jException("tie_word_embeddings=False needs seq2seq_variant=t5 (the original and BART "
                        + "share one embedding with the output head)");
            }
            if (dKv != 0 && dKv != d / cfg.nHead()) {
                throw new T4jException("d_kv=" + dKv + " needs seq2seq_variant=t5 (" + variant + " heads are n_embd / "
                        + "n_head = " + d / cfg.nHead() + " wide)");
            }
        }
        return switch (variant) {
            case "original" -> Seq2SeqConfig.transformer(vocabSize, d, cfg.nHead(), dFF, cfg.nLayer(), cfg.nLayer(),
                    dropout, PairVocab.PAD, PairVocab.BOS, PairVocab.EOS);
            case "t5" -> Seq2SeqConfig.t5(vocabSize, d, cfg.nHead(), dKv == 0 ? d / cfg.nHead() : dKv, dFF,
                    cfg.nLayer(), cfg.nLayer(), org.transformer4j.nn.Activation.parse((String) cfg.get("feed_forward_proj")),
                    (int) cfg.get("relative_attention_num_buckets"), (int) cfg.get("relative_attention_max_distance"),
                    tied, dropout, PairVocab.PAD, PairVocab.BOS, PairVocab.EOS);
            case "bart" -> Seq2SeqConfig.bart(vocabSize, d, cfg.nHead(), dFF, cfg.nLayer(), cfg.nLayer(),
                    (int) cfg.get("max_position_embeddings"), dropout, PairVocab.PAD, PairVocab.BOS, PairVocab.EOS);
            default -> throw new T4jException("unknown seq2seq_variant '" + variant + "'");
        };
    }

    @Override
    public TrainingTask resume(Path runDir, TrainConfig cfg, DataDir data) {
        EncoderDecoder model = EncoderDecoderFiles.load(runDir);
        String variant = (String) cfg.get("seq2seq_variant");
        if (!model.config.modelType().equals(modelType(variant))) {
            throw new T4jException("cannot resume: " + runDir + " holds a " + model.config.modelType()
                    + " model but seq2seq_variant is " + variant);
        }
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
            int positions = model.config.learnedPositions();
            if (positions > 0) {
                for (List<int[][]> part : List.of(train, val)) {
                    for (int[][] p : part) {
                        if (Math.max(p[0].length, p[1].length + 1) > positions) {
                            throw new T4jException("a pair needs " + Math.max(p[0].length, p[1].length + 1)
                                    + " positions but the model has max_position_embeddings " + positions
                                    + " (raise max_position_embeddings)");
                        }
                    }
                }
            }
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
            return String.format(Locale.ROOT, "encoder-decoder (%s) %,d parameters (%d+%d layers, n_head %d, d_model "
                    + "%d, d_kv %d, d_ff %d, vocab %d), %d training pairs, %d held out", c.modelType(),
                    model.numParameters(), c.nEncoderLayers(), c.nDecoderLayers(), c.nHead(), c.dModel(), c.dHead(),
                    c.dFF(), c.vocabSize(), train.size(), val.size());
        }

        @Override
        public void save(Path dir, Map<String, String> metadata) {
            Seq2SeqTraining.save(model, vocab, dir, metadata);
        }
    }
}
