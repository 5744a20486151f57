package org.transformer4j.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.transformer4j.autograd.GradMode;
import org.transformer4j.model.EncoderDecoder;
import org.transformer4j.model.EncoderDecoderFiles;
import org.transformer4j.model.Seq2SeqConfig;
import org.transformer4j.nn.ForwardContext;
import org.transformer4j.nn.KVCache;
import org.transformer4j.tensor.Tensor;

/**
 * Incremental decoding against full recomputation, for the original model (sinusoidal positions, post-LN) and T5
 * (relative positions, pre-LN): the cached step's logits equal the teacher-forced logits at every position, also
 * for a padded batch. Beam search with one beam is greedy; more beams never end lower in score; sampling is
 * repeatable for a seed and top-k 1 is greedy.
 */
class Seq2SeqGenerationTest {
    static EncoderDecoder original() {
        return new EncoderDecoder(Seq2SeqConfig.transformer(23, 16, 2, 32, 2, 2, 0f, 0, 1, 2)).initWeights(3);
    }

    static EncoderDecoder t5() {
        return EncoderDecoderFiles.load(Path.of("src/test/resources/fixtures/t5/untied"));
    }

    static void cachedEqualsFull(EncoderDecoder model) {
        int[][] sources = {{5, 9, 13, 4, 7, 3, 2}, {8, 6, 2}};
        int[] dec = {model.config.decoderStartId(), 4, 11, 7, 9, 3, 5, 12};
        int t = dec.length;
        int s = 7;
        int[] src = new int[2 * s];
        Arrays.fill(src, model.config.padId());
        System.arraycopy(sources[0], 0, src, 0, 7);
        System.arraycopy(sources[1], 0, src, s, 3);
        int[] lengths = {7, 3};
        int[] both = new int[2 * t];
        System.arraycopy(dec, 0, both, 0, t);
        System.arraycopy(dec, 0, both, t, t);
        int v = model.vocabSize();
        try (var noGrad = GradMode.off()) {
            model.train(false);
            float[] full = model.forward(src, s, lengths, both, t, 2, null, 0f, ForwardContext.INFERENCE, null).logits().data();
            Tensor memory = model.encode(src, 2, s, lengths, ForwardContext.INFERENCE);
            KVCache cache = model.startDecoding(memory, lengths, t);
            for (int i = 0; i < t; i++) {
                float[] step = model.decodeStep(new int[] {dec[i], dec[i]}, cache);
                for (int b = 0; b < 2; b++) {
                    for (int j = 0; j < v; j++) {
                        assertThat(step[b * v + j]).as("row %d position %d id %d", b, i, j)
                                .isCloseTo(full[(b * t + i) * v + j], org.assertj.core.data.Offset.offset(1e-4f));
                    }
                }
            }
            assertThat(cache.length()).isEqualTo(t);
        }
    }

    @Test
    void cachedDecodingEqualsFullRecomputationOriginal() {
        cachedEqualsFull(original());
    }

    @Test
    void cachedDecodingEqualsFullRecomputationT5() {
        cachedEqualsFull(t5());
    }

    @Test
    void beamSearchWithOneBeamIsGreedyAndMoreBeamsScoreAtLeastAsWell() {
        for (EncoderDecoder model : List.of(original(), t5())) {
            Seq2SeqGenerator gen = new Seq2SeqGenerator(model);
            int[] src = {5, 9, 13, 4, 7, 2};
            try (var noGrad = GradMode.off()) {
                Seq2SeqGenerator.Hypothesis greedy = gen.greedy(src, 12);
                Seq2SeqGenerator.Hypothesis one = gen.beamSearch(src, 12, BeamParams.of(1));
                assertThat(one.ids()).containsExactly(greedy.ids());
                assertThat(one.logProb()).isCloseTo(greedy.logProb(), org.assertj.core.data.Offset.offset(1e-6));
                // With length penalty 0 the score is the log-probability; exhaustive stopping (early_stopping off).
                Seq2SeqGenerator.Hypothesis beam = gen.beamSearch(src, 12, new BeamParams(4, 0.0, false));
                assertThat(beam.logProb()).isGreaterThanOrEqualTo(greedy.logProb() - 1e-9);
                assertThat(beam.ids().length).isLessThanOrEqualTo(12);
                Seq2SeqGenerator.Hypothesis early = gen.beamSearch(src, 12, new BeamParams(3, 1.0, true));
                assertThat(early.ids()).isNotEmpty();
            }
        }
    }

    @Test
    void samplingIsRepeatableAndTopKOneIsGreedy() {
        EncoderDecoder model = original();
        Seq2SeqGenerator gen = new Seq2SeqGenerator(model);
        int[][] src = {{5, 9, 13, 2}, {7, 7, 2}};
        try (var noGrad = GradMode.off()) {
            SamplingParams hot = new SamplingParams(1.5, 0, 0.9);
            var a = gen.generate(src, 10, hot, 42);
            var b = gen.generate(src, 10, hot, 42);
            for (int i = 0; i < 2; i++) {
                assertThat(a.get(i).ids()).containsExactly(b.get(i).ids());
            }
            var top1 = gen.generate(src, 10, new SamplingParams(1.0, 1, 1.0), 7);
            var greedy = gen.generate(src, 10, SamplingParams.greedy(), 0);
            for (int i = 0; i < 2; i++) {
                assertThat(top1.get(i).ids()).containsExactly(greedy.get(i).ids());
            }
        }
    }

    @Test
    void batchedGreedyEqualsOneSourceAtATime() {
        EncoderDecoder model = original();
        Seq2SeqGenerator gen = new Seq2SeqGenerator(model);
        int[][] src = {{5, 9, 13, 4, 7, 2}, {8, 2}, {3, 3, 3, 2}};
        try (var noGrad = GradMode.off()) {
            var batched = gen.generate(src, 9, SamplingParams.greedy(), 0);
            for (int i = 0; i < src.length; i++) {
                Seq2SeqGenerator.Hypothesis alone = gen.greedy(src[i], 9);
                assertThat(batched.get(i).ids()).containsExactly(alone.ids());
                assertThat(batched.get(i).logProb()).isCloseTo(alone.logProb(), org.assertj.core.data.Offset.offset(1e-4));
            }
        }
    }

    @Test
    void badInputsAreClearErrors() {
        EncoderDecoder model = original();
        Seq2SeqGenerator gen = new Seq2SeqGenerator(model);
        assertThatThrownBy(() -> gen.greedy(new int[] {5, 99}, 3)).hasMessageContaining("token id 99");
        assertThatThrownBy(() -> gen.greedy(new int[0], 3)).hasMessageContaining("empty");
        assertThatThrownBy(() -> new BeamParams(0, 1, false)).hasMessageContaining("num_beams");
    }
}
