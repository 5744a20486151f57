package org.transformer4j.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transformer4j.autograd.GradMode;
import org.transformer4j.data.Pairs;
import org.transformer4j.data.Pairs.Pair;
import org.transformer4j.model.EncoderDecoder;
import org.transformer4j.model.EncoderDecoderFiles;
import org.transformer4j.model.Seq2SeqConfig;
import org.transformer4j.nn.ForwardContext;
import org.transformer4j.tokenizer.PairVocab;

/** Pairs files, the vocabulary, batch padding, a save/load round trip and repeatable training steps. */
class Seq2SeqTrainingTest {
    @TempDir
    Path tmp;

    @Test
    void pairsFileIsReadAndBadLinesNamed() throws Exception {
        Path f = tmp.resolve("pairs.tsv");
        Files.writeString(f, "abc\tcba\r\n\n12\t21\n");
        assertThat(Pairs.read(f)).containsExactly(new Pair("abc", "cba"), new Pair("12", "21"));
        Files.writeString(f, "abc\tcba\nno tab here\n");
        assertThatThrownBy(() -> Pairs.read(f)).hasMessageContaining("pairs.tsv:2").hasMessageContaining("TAB");
        Files.writeString(f, "\tcba\n");
        assertThatThrownBy(() -> Pairs.read(f)).hasMessageContaining("source is empty");
        List<Pair> many = new java.util.ArrayList<>();
        for (int i = 0; i < 100; i++) {
            many.add(new Pair("s" + i, "t" + i));
        }
        Pairs.Split split = Pairs.split(many, 0.1, 3);
        assertThat(split.heldOut()).hasSize(10);
        assertThat(split.train()).hasSize(90).doesNotContainAnyElementsOf(split.heldOut());
        assertThat(Pairs.split(many, 0.1, 3)).isEqualTo(split);
    }

    @Test
    void batchesArePaddedToTheLongest() {
        PairVocab vocab = PairVocab.fromTexts(List.of("abc", "x"));
        List<int[][]> enc = Seq2SeqTraining.encodeAll(vocab, List.of(new Pair("abc", "x"), new Pair("b", "cab")));
        Seq2SeqTraining.Batch b = Seq2SeqTraining.batch(enc);
        int a = vocab.encode("a")[0];
        int bb = vocab.encode("b")[0];
        int c = vocab.encode("c")[0];
        int x = vocab.encode("x")[0];
        assertThat(b.srcLen()).isEqualTo(4);
        assertThat(b.src()).containsExactly(a, bb, c, PairVocab.EOS, bb, PairVocab.EOS, PairVocab.PAD, PairVocab.PAD);
        assertThat(b.srcLengths()).containsExactly(4, 2);
        assertThat(b.tgtLen()).isEqualTo(4);
        assertThat(b.tgtIn()).containsExactly(PairVocab.BOS, x, 0, 0, PairVocab.BOS, c, a, bb);
        assertThat(b.targets()).containsExactly(x, PairVocab.EOS, -1, -1, c, a, bb, PairVocab.EOS);
    }

    @Test
    void saveAndLoadRoundTripWithTheVocabulary() {
        PairVocab vocab = PairVocab.fromTexts(List.of("0123456789"));
        EncoderDecoder model = new EncoderDecoder(Seq2SeqConfig.transformer(vocab.vocabSize(), 16, 2, 24, 1, 2, 0.1f,
                PairVocab.PAD, PairVocab.BOS, PairVocab.EOS)).initWeights(9);
        Seq2SeqTraining.save(model, vocab, tmp, Map.of());
        EncoderDecoder back = EncoderDecoderFiles.load(tmp);
        assertThat(back.config).isEqualTo(model.config);
        for (var e : model.namedParameters().entrySet()) {
            assertThat(back.namedParameters().get(e.getKey()).data()).containsExactly(e.getValue().data());
        }
        PairVocab v2 = PairVocab.load(tmp);
        assertThat(PairVocab.isIn(tmp)).isTrue();
        assertThat(v2.encode("907")).containsExactly(vocab.encode("907"));
        assertThat(v2.decode(new int[] {PairVocab.BOS, v2.encode("4")[0], PairVocab.EOS})).isEqualTo("4");
    }

    @Test
    void trainingStepsAreRepeatableAndLowerTheLoss() {
        List<Pair> pairs = Seq2SeqDemoTest.pairs(Seq2SeqDemoTest.digitStrings(3, 200, 1, 5),
                s -> new StringBuilder(s).reverse().toString());
        PairVocab vocab = PairVocab.fromTexts(pairs.stream().flatMap(p -> java.util.stream.Stream.of(p.source(),
                p.target())).toList());
        double[] losses = new double[2];
        double before = 0;
        for (int run = 0; run < 2; run++) {
            EncoderDecoder model = new EncoderDecoder(Seq2SeqConfig.transformer(vocab.vocabSize(), 32, 2, 64, 1, 1, 0.1f,
                    PairVocab.PAD, PairVocab.BOS, PairVocab.EOS)).initWeights(1);
            before = Seq2SeqTraining.loss(model, vocab, pairs);
            Seq2SeqTraining t = new Seq2SeqTraining(model, vocab, pairs,
                    new Seq2SeqTraining.Options(16, 3e-3, 5, 60, 1e-4, 0.1f, 0.01, 1.0, 5));
            t.run();
            losses[run] = Seq2SeqTraining.loss(model, vocab, pairs);
        }
        assertThat(losses[1]).isEqualTo(losses[0]);
        assertThat(losses[0]).isLessThan(before * 0.7);
    }

    @Test
    void mismatchedVocabularyIsAnError() {
        PairVocab vocab = PairVocab.fromTexts(List.of("01"));
        EncoderDecoder model = new EncoderDecoder(Seq2SeqConfig.transformer(40, 16, 2, 24, 1, 1, 0f, 0, 1, 2));
        assertThatThrownBy(() -> new Seq2SeqTraining(model, vocab, List.of(new Pair("0", "1")),
                new Seq2SeqTraining.Options(2, 1e-3, 1, 2, 1e-4, 0f, 0, 0, 1))).hasMessageContaining("vocabulary");
        try (var noGrad = GradMode.off()) {
            assertThatThrownBy(() -> model.forward(new int[] {41}, 1, null, new int[] {1}, 1, 1, null, 0f,
                    ForwardContext.INFERENCE, null)).hasMessageContaining("token id 41");
        }
    }
}
