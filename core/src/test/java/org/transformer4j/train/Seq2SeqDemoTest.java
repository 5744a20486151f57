package org.transformer4j.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Function;

import org.junit.jupiter.api.Test;
import org.transformer4j.autograd.GradMode;
import org.transformer4j.data.Pairs.Pair;
import org.transformer4j.generate.BeamParams;
import org.transformer4j.generate.Seq2SeqGenerator;
import org.transformer4j.model.EncoderDecoder;
import org.transformer4j.model.Seq2SeqConfig;
import org.transformer4j.tokenizer.PairVocab;

/**
 * The demonstrations: the original encoder-decoder Transformer, trained from scratch here, learns to
 * reverse digit strings, to sort them and to add two numbers, each to at least 99% exact match (greedy) on
 * held-out pairs it never saw in training; beam search then finds a sequence at least as probable as greedy's.
 */
class Seq2SeqDemoTest {
    /** Distinct random digit strings of length minLen..maxLen, in a seeded order. */
    static List<String> digitStrings(long seed, int count, int minLen, int maxLen) {
        SplittableRandom rng = new SplittableRandom(seed);
        Set<String> seen = new LinkedHashSet<>();
        while (seen.size() < count) {
            int len = minLen + rng.nextInt(maxLen - minLen + 1);
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < len; i++) {
                sb.append((char) ('0' + rng.nextInt(10)));
            }
            seen.add(sb.toString());
        }
        return new ArrayList<>(seen);
    }

    record Result(double exactMatch, double seconds, EncoderDecoder model, PairVocab vocab, List<Pair> heldOut) {}

    static Result train(List<Pair> pairs, int heldOut, int iters, int dModel, int layers) {
        List<Pair> train = pairs.subList(0, pairs.size() - heldOut);
        List<Pair> test = pairs.subList(pairs.size() - heldOut, pairs.size());
        List<String> texts = new ArrayList<>();
        for (Pair p : pairs) {
            texts.add(p.source());
            texts.add(p.target());
        }
        PairVocab vocab = PairVocab.fromTexts(texts);
        Seq2SeqConfig cfg = Seq2SeqConfig.transformer(vocab.vocabSize(), dModel, 4, 2 * dModel, layers, layers, 0f,
                PairVocab.PAD, PairVocab.BOS, PairVocab.EOS);
        EncoderDecoder model = new EncoderDecoder(cfg).initWeights(1);
        long t0 = System.nanoTime();
        Seq2SeqTraining training = new Seq2SeqTraining(model, vocab, train,
                new Seq2SeqTraining.Options(64, 2e-3, 100, iters, 1e-4, 0f, 0.0, 1.0, 7));
        for (int it = 0; it < iters; it++) {
            double loss = training.step(it);
            if (it % 100 == 0) {
                System.out.printf("iter %d loss %.4f (%.1f s)%n", it, loss, (System.nanoTime() - t0) / 1e9);
            }
        }
        double em = Seq2SeqTraining.exactMatch(model, vocab, test, 24);
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf("exact match %.4f on %d held-out pairs after %.1f s (%d threads)%n", em, test.size(), s,
                org.transformer4j.kernels.Parallel.threads());
        return new Result(em, s, model, vocab, test);
    }

    /**
     * Beam search (4 beams, length penalty 1, transformers' default stopping) on the first 40 held-out pairs: its
     * hypothesis is at least as probable as greedy's (here every answer to a source has the same length, so the
     * length-normalised score ranks as the log-probability does), and it is right at least as often.
     */
    static void beamSearchBeatsOrTiesGreedy(Result r) {
        Seq2SeqGenerator gen = new Seq2SeqGenerator(r.model());
        int right = 0;
        int rightGreedy = 0;
        try (var noGrad = GradMode.off()) {
            for (Pair p : r.heldOut().subList(0, 40)) {
                int[] src = Seq2SeqTraining.source(r.vocab(), p.source());
                Seq2SeqGenerator.Hypothesis greedy = gen.greedy(src, 24);
                Seq2SeqGenerator.Hypothesis beam = gen.beamSearch(src, 24, new BeamParams(4, 1.0, false));
                assertThat(beam.logProb()).as("beam vs greedy on %s", p.source())
                        .isGreaterThanOrEqualTo(greedy.logProb() - 1e-6);
                right += r.vocab().decode(beam.ids()).equals(p.target()) ? 1 : 0;
                rightGreedy += r.vocab().decode(greedy.ids()).equals(p.target()) ? 1 : 0;
            }
        }
        assertThat(right).isGreaterThanOrEqualTo(rightGreedy);
    }

    static List<Pair> pairs(List<String> sources, Function<String, String> f) {
        return sources.stream().map(s -> new Pair(s, f.apply(s))).toList();
    }

    @Test
    void reversesDigitStrings() {
        List<Pair> pairs = pairs(digitStrings(11, 6000, 1, 8), s -> new StringBuilder(s).reverse().toString());
        Result r = train(pairs, 500, 500, 64, 2);
        assertThat(r.exactMatch()).isGreaterThanOrEqualTo(0.99);
        beamSearchBeatsOrTiesGreedy(r);
    }

    @Test
    void sortsDigitStrings() {
        List<Pair> pairs = pairs(digitStrings(12, 6000, 1, 8), s -> s.chars().sorted()
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString());
        Result r = train(pairs, 500, 500, 64, 2);
        assertThat(r.exactMatch()).isGreaterThanOrEqualTo(0.99);
        beamSearchBeatsOrTiesGreedy(r);
    }

    @Test
    void addsTwoNumbers() {
        SplittableRandom rng = new SplittableRandom(13);
        Set<String> seen = new LinkedHashSet<>();
        List<Pair> pairs = new ArrayList<>();
        while (pairs.size() < 10000) {
            int a = rng.nextInt(100);
            int b = rng.nextInt(100);
            // Fixed widths (zero-padded) line the digits up by position, which is what makes addition learnable
            // in a thousand steps: output digit i depends on digits i.. of both operands.
            String src = String.format("%02d+%02d", a, b);
            if (seen.add(src)) {
                pairs.add(new Pair(src, String.format("%03d", a + b)));
            }
        }
        Result r = train(pairs, 500, 1000, 64, 2);
        assertThat(r.exactMatch()).isGreaterThanOrEqualTo(0.99);
        beamSearchBeatsOrTiesGreedy(r);
    }
}
