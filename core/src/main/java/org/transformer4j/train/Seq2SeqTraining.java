package org.transformer4j.train;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.transformer4j.T4jException;
import org.transformer4j.autograd.GradMode;
import org.transformer4j.data.Pairs.Pair;
import org.transformer4j.generate.Seq2SeqGenerator;
import org.transformer4j.generate.SamplingParams;
import org.transformer4j.model.EncoderDecoder;
import org.transformer4j.model.EncoderDecoderFiles;
import org.transformer4j.nn.ForwardContext;
import org.transformer4j.tokenizer.PairVocab;

/**
 * Trains an encoder-decoder on (source, target) pairs with teacher forcing: each step draws a batch of pairs,
 * pads sources and targets to the batch's longest, runs the model with padding masks, and takes an AdamW step on
 * the (optionally label-smoothed) cross-entropy of the targets, padded positions ignored. Sources end with
 * </s>; the decoder reads <s> + target and predicts target + </s>.
 *
 * <p>Batches and dropout masks come from generators derived from (seed, iteration), so a run is repeatable.
 */
public final class Seq2SeqTraining {
    /**
     * @param batchSize      pairs per step
     * @param learningRate   peak learning rate (after warmup)
     * @param warmupIters    linear warmup steps
     * @param maxIters       total steps (cosine decay to minLr over them)
     * @param minLr          final learning rate
     * @param labelSmoothing 0 = plain cross-entropy
     * @param weightDecay    AdamW weight decay on matrices
     * @param gradClip       global gradient-norm clip (0 = none)
     * @param seed           seed of the batches and dropout
     */
    public record Options(int batchSize, double learningRate, int warmupIters, int maxIters, double minLr,
                          float labelSmoothing, double weightDecay, double gradClip, long seed) {}

    /** A padded batch: sources [B, S] with lengths, decoder inputs [B, T] and targets [B, T] (-1 = padding). */
    public record Batch(int[] src, int srcLen, int[] srcLengths, int[] tgtIn, int[] targets, int tgtLen, int size) {}

    private final EncoderDecoder model;
    private final PairVocab vocab;
    private final List<int[][]> train;
    private final Options options;
    private final AdamW optimizer;
    private final LrSchedule schedule;

    public Seq2SeqTraining(EncoderDecoder model, PairVocab vocab, List<Pair> trainPairs, Options options) {
        if (trainPairs.isEmpty()) {
            throw new T4jException("no training pairs");
        }
        if (model.vocabSize() != vocab.vocabSize()) {
            throw new T4jException("the model's vocabulary (" + model.vocabSize() + ") does not match the pairs' ("
                    + vocab.vocabSize() + ")");
        }
        this.model = model;
        this.vocab = vocab;
        this.train = encodeAll(vocab, trainPairs);
        this.options = options;
        this.optimizer = AdamW.forModel(model.namedParameters(), 0.9, 0.98, 1e-9, options.weightDecay());
        this.schedule = new LrSchedule(options.learningRate(), options.warmupIters(),
                Math.max(options.warmupIters(), options.maxIters()), options.minLr(), true);
    }

    /** Each pair as {source ids + </s>, target ids}. */
    public static List<int[][]> encodeAll(PairVocab vocab, List<Pair> pairs) {
        List<int[][]> out = new ArrayList<>(pairs.size());
        for (Pair p : pairs) {
            out.add(new int[][] {source(vocab, p.source()), vocab.encode(p.target())});
        }
        return out;
    }

    /** A source as the model reads it: its characters, then </s>. */
    public static int[] source(PairVocab vocab, String text) {
        int[] ids = vocab.encode(text);
        int[] out = Arrays.copyOf(ids, ids.length + 1);
        out[ids.length] = PairVocab.EOS;
        return out;
    }

    /** Pads encoded pairs into one batch. */
    public static Batch batch(List<int[][]> pairs) {
        int n = pairs.size();
        int s = 0;
        int t = 0;
        for (int[][] p : pairs) {
            s = Math.max(s, p[0].length);
            t = Math.max(t, p[1].length + 1);
        }
        int[] src = new int[n * s];
        int[] lengths = new int[n];
        int[] tgtIn = new int[n * t];
        int[] targets = new int[n * t];
        Arrays.fill(src, PairVocab.PAD);
        Arrays.fill(tgtIn, PairVocab.PAD);
        Arrays.fill(targets, -1);
        for (int b = 0; b < n; b++) {
            int[] x = pairs.get(b)[0];
            int[] y = pairs.get(b)[1];
            System.arraycopy(x, 0, src, b * s, x.length);
            lengths[b] = x.length;
            tgtIn[b * t] = PairVocab.BOS;
            System.arraycopy(y, 0, tgtIn, b * t + 1, y.length);
            System.arraycopy(y, 0, targets, b * t, y.length);
            targets[b * t + y.length] = PairVocab.EOS;
        }
        return new Batch(src, s, lengths, tgtIn, targets, t, n);
    }

    /** One optimizer step at iteration {@code iter}; returns the batch's loss. */
    public double step(int iter) {
        SplittableRandom pick = Seeds.derive(options.seed(), iter, 0, Seeds.TRAIN_BATCH);
        List<int[][]> chosen = new ArrayList<>(options.batchSize());
        for (int i = 0; i < options.batchSize(); i++) {
            chosen.add(train.get(pick.nextInt(train.size())));
        }
        Batch b = batch(chosen);
        model.train(true);
        ForwardContext ctx = ForwardContext.training(Seeds.derive(options.seed(), iter, 0, Seeds.DROPOUT));
        EncoderDecoder.Output out = model.forward(b.src(), b.srcLen(), b.srcLengths(), b.tgtIn(), b.tgtLen(), b.size(),
                b.targets(), options.labelSmoothing(), ctx, null);
        double loss = out.loss().item();
        if (!Double.isFinite(loss)) {
            throw new T4jException("training diverged at iter " + iter + " (loss " + loss + "); try a lower learning rate");
        }
        out.loss().backward();
        if (options.gradClip() > 0) {
            GradClip.clipGradNorm(model.parameters(), options.gradClip());
        }
        optimizer.step(schedule.lr(iter));
        optimizer.zeroGrad();
        return loss;
    }

    /** Runs steps 0..maxIters-1 and returns the last loss. */
    public double run() {
        double loss = Double.NaN;
        for (int it = 0; it < options.maxIters(); it++) {
            loss = step(it);
        }
        return loss;
    }

    /** Mean cross-entropy (without smoothing) of the pairs under teacher forcing, in batches of 256. */
    public static double loss(EncoderDecoder model, PairVocab vocab, List<Pair> pairs) {
        List<int[][]> enc = encodeAll(vocab, pairs);
        double sum = 0;
        int tokens = 0;
        model.train(false);
        try (var noGrad = GradMode.off()) {
            for (int i = 0; i < enc.size(); i += 256) {
                Batch b = batch(enc.subList(i, Math.min(enc.size(), i + 256)));
                int counted = 0;
                for (int t : b.targets()) {
                    counted += t >= 0 ? 1 : 0;
                }
                sum += model.forward(b.src(), b.srcLen(), b.srcLengths(), b.tgtIn(), b.tgtLen(), b.size(), b.targets(), 0f,
                        ForwardContext.INFERENCE, null).loss().item() * counted;
                tokens += counted;
            }
        }
        return sum / tokens;
    }

    /** Greedy decoding of every source (batched), as text without special tokens. */
    public static List<String> translate(EncoderDecoder model, PairVocab vocab, List<String> sources, int maxNewTokens) {
        List<String> out = new ArrayList<>(sources.size());
        Seq2SeqGenerator gen = new Seq2SeqGenerator(model);
        try (var noGrad = GradMode.off()) {
            for (int i = 0; i < sources.size(); i += 256) {
                List<String> chunk = sources.subList(i, Math.min(sources.size(), i + 256));
                int[][] src = chunk.stream().map(s -> source(vocab, s)).toArray(int[][]::new);
                for (var h : gen.generate(src, maxNewTokens, SamplingParams.greedy(), 0)) {
                    out.add(vocab.decode(h.ids()));
                }
            }
        }
        return out;
    }

    /** Fraction of pairs whose greedy translation equals the target exactly. */
    public static double exactMatch(EncoderDecoder model, PairVocab vocab, List<Pair> pairs, int maxNewTokens) {
        List<String> got = translate(model, vocab, pairs.stream().map(Pair::source).toList(), maxNewTokens);
        int hit = 0;
        for (int i = 0; i < pairs.size(); i++) {
            hit += got.get(i).equals(pairs.get(i).target()) ? 1 : 0;
        }
        return (double) hit / pairs.size();
    }

    /** Writes the model and its vocabulary into {@code dir} (a model directory). */
    public static void save(EncoderDecoder model, PairVocab vocab, Path dir, Map<String, String> metadata) {
        EncoderDecoderFiles.save(model, dir, metadata);
        vocab.save(dir);
    }

    public AdamW optimizer() {
        return optimizer;
    }
}
