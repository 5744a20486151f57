package org.transformer4j.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transformer4j.autograd.GradMode;
import org.transformer4j.generate.SamplingParams;
import org.transformer4j.generate.Seq2SeqGenerator;
import org.transformer4j.io.Json;
import org.transformer4j.model.EncoderDecoder;
import org.transformer4j.model.EncoderDecoderFiles;
import org.transformer4j.nn.Activation;
import org.transformer4j.tokenizer.PairVocab;

/**
 * {@code arch=seq2seq} trains each variant: T5 (tied ReLU and untied gated-GELU) and BART learn to reverse 4-digit
 * strings (the validation loss falls well below its start), the run directory is a Hugging Face T5 / BART model
 * directory that loads back and generates the same ids after another save, and an interrupted run resumes exactly.
 */
class Seq2SeqVariantsTest {
    @TempDir
    Path tmp;

    Path pairsFile() throws IOException {
        Path f = tmp.resolve("pairs.tsv");
        if (!Files.exists(f)) {
            StringBuilder sb = new StringBuilder();
            for (String s : Seq2SeqDemoTest.digitStrings(21, 800, 4, 4)) {
                sb.append(s).append('\t').append(new StringBuilder(s).reverse()).append('\n');
            }
            Files.writeString(f, sb.toString());
        }
        return f;
    }

    TrainConfig config(Path run, String variant, String... extra) throws IOException {
        List<String> o = new ArrayList<>(List.of("--arch=seq2seq", "--seq2seq_variant=" + variant,
                "--pairs=" + pairsFile(), "--out_dir=" + run, "--batch_size=32", "--n_layer=1", "--n_head=2",
                "--n_embd=32", "--max_iters=200", "--eval_interval=100", "--eval_iters=4", "--log_interval=50",
                "--warmup_iters=10", "--lr_decay_iters=200", "--learning_rate=3e-3", "--min_lr=3e-4",
                "--dropout=0.0", "--gradient_accumulation_steps=1", "--threads=2", "--weight_decay=0.01",
                "--val_fraction=0.1", "--relative_attention_num_buckets=8", "--relative_attention_max_distance=16",
                "--max_position_embeddings=16"));
        o.addAll(List.of(extra));
        return TrainConfig.load(null, null, o);
    }

    /**
     * 200 steps of 32 pairs: the validation loss at the end is under a third of the one at iteration 0 (about
     * ln(13) = 2.6 nats at the start; a model that only learned the digit frequencies stays near 2.3). Then the
     * directory is loaded as transformers would (model_type, architectures), greedy ids are generated for a few
     * held-out sources, the model is saved again and reloaded, and the same ids come out. T5 gets two layers: it
     * has no absolute positions and its cross-attention no position bias, so which digit sits where must be worked
     * out from relative offsets to the source's ends (measured: one layer reaches 1.1-1.4 nats, two 0.5).
     */
    void trainsSavesAndReloads(String variant, String expectedType, String architecture, String... extra)
            throws IOException {
        Path run = tmp.resolve(variant + extra.length);
        List<Double> val = new ArrayList<>();
        Trainer.Result r = new Trainer(config(run, variant, extra), null, run, new TrainListener() {
            @Override
            public void onEval(int iter, double trainLoss, double valLoss, double lr) {
                val.add(valLoss);
            }
        }).run();
        System.out.printf("seq2seq %s %s: val loss %.4f -> %.4f after %d iterations%n", variant, List.of(extra),
                val.getFirst(), r.lastValLoss(), r.iterations());
        assertThat(val.getFirst()).isGreaterThan(2.0);
        assertThat(r.lastValLoss()).isLessThan(val.getFirst() / 3);

        Map<String, Object> config = Json.parseObject(run.resolve("config.json"));
        assertThat(config).containsEntry("model_type", expectedType);
        assertThat(Json.getList(config, "architectures")).containsExactly(architecture);
        EncoderDecoder model = EncoderDecoderFiles.load(run);
        assertThat(model.config.modelType()).isEqualTo(expectedType);
        PairVocab vocab = PairVocab.load(run);
        List<int[]> first = greedy(model, vocab);

        Path again = tmp.resolve(variant + extra.length + "-again");
        Seq2SeqTraining.save(model, vocab, again, Map.of());
        EncoderDecoder back = EncoderDecoderFiles.load(again);
        assertThat(back.config).isEqualTo(model.config);
        List<int[]> second = greedy(back, PairVocab.load(again));
        for (int i = 0; i < first.size(); i++) {
            assertThat(second.get(i)).containsExactly(first.get(i));
        }
    }

    private static List<int[]> greedy(EncoderDecoder model, PairVocab vocab) {
        Seq2SeqGenerator gen = new Seq2SeqGenerator(model);
        List<int[]> out = new ArrayList<>();
        try (var noGrad = GradMode.off()) {
            for (String s : List.of("1234", "9071", "5555", "3018")) {
                out.add(gen.generate(new int[][] {Seq2SeqTraining.source(vocab, s)}, 8, SamplingParams.greedy(), 0)
                        .getFirst().ids());
            }
        }
        assertThat(out.getFirst()).isNotEmpty();
        return out;
    }

    @Test
    void t5TiedReluTrainsAndSavesAsT5ForConditionalGeneration() throws IOException {
        trainsSavesAndReloads("t5", "t5", "T5ForConditionalGeneration", "--n_layer=2");
    }

    @Test
    void t5UntiedGatedGeluTrainsAndSavesAsT5ForConditionalGeneration() throws IOException {
        trainsSavesAndReloads("t5", "t5", "T5ForConditionalGeneration", "--n_layer=2", "--tie_word_embeddings=False",
                "--feed_forward_proj=gated-gelu", "--d_kv=8", "--intermediate_size=48");
    }

    @Test
    void bartTrainsAndSavesAsBartForConditionalGeneration() throws IOException {
        trainsSavesAndReloads("bart", "bart", "BartForConditionalGeneration");
    }

    @Test
    void variantKeysShapeTheModel() throws IOException {
        EncoderDecoder t5 = (EncoderDecoder) new Seq2SeqArchitecture().create(config(tmp.resolve("a"), "t5",
                "--d_kv=8", "--feed_forward_proj=gated-gelu", "--tie_word_embeddings=False", "--intermediate_size=40"),
                null).model();
        assertThat(t5.config.dHead()).isEqualTo(8);
        assertThat(t5.config.dFF()).isEqualTo(40);
        assertThat(t5.config.activation()).isEqualTo(Activation.GATED_GELU);
        assertThat(t5.config.tiedHead()).isFalse();
        assertThat(t5.config.scaleDecoderOutputs()).isFalse();
        assertThat(t5.config.relativeBuckets()).isEqualTo(8);
        assertThat(t5.config.relativeMaxDistance()).isEqualTo(16);
        assertThat(t5.lm_head).isNotNull();
        EncoderDecoder bart = (EncoderDecoder) new Seq2SeqArchitecture().create(config(tmp.resolve("b"), "bart"), null)
                .model();
        assertThat(bart.config.learnedPositions()).isEqualTo(16);
        assertThat(bart.config.positionOffset()).isEqualTo(2);
        assertThat(bart.decoder.embed_positions.weight.shape()).containsExactly(18, 32);
        EncoderDecoder original = (EncoderDecoder) new Seq2SeqArchitecture().create(config(tmp.resolve("c"),
                "original"), null).model();
        assertThat(original.config.modelType()).isEqualTo("transformer");
        assertThat(original.config.dFF()).isEqualTo(128);
    }

    @Test
    void keysAVariantCannotHonourAreErrors() throws IOException {
        assertThatThrownBy(() -> new Seq2SeqArchitecture().create(config(tmp.resolve("a"), "bart",
                "--tie_word_embeddings=False"), null)).hasMessageContaining("tie_word_embeddings=False needs seq2seq_variant=t5");
        assertThatThrownBy(() -> new Seq2SeqArchitecture().create(config(tmp.resolve("a"), "original", "--d_kv=4"),
                null)).hasMessageContaining("d_kv=4 needs seq2seq_variant=t5");
        assertThatThrownBy(() -> new Seq2SeqArchitecture().create(config(tmp.resolve("a"), "bart",
                "--max_position_embeddings=4"), null)).hasMessageContaining("max_position_embeddings 4");
        assertThatThrownBy(() -> config(tmp.resolve("a"), "t6")).hasMessageContaining("seq2seq_variant")
                .hasMessageContaining("original, t5, bart");
        assertThatThrownBy(() -> config(tmp.resolve("a"), "t5", "--feed_forward_proj=gelu"))
                .hasMessageContaining("feed_forward_proj");
    }

    /** A T5 and a BART run stopped at iteration 4 and resumed from their HF directories continue exactly. */
    @Test
    void interruptedT5AndBartRunsResumeExactly() throws IOException {
        for (String variant : List.of("t5", "bart")) {
            String[] small = {"--max_iters=8", "--eval_interval=4", "--eval_iters=2", "--lr_decay_iters=8",
                "--warmup_iters=2", "--dropout=0.1", "--log_interval=1", "--batch_size=8"};
            Trainer.Result full = new Trainer(config(tmp.resolve(variant + "full"), variant, small), null,
                    tmp.resolve(variant + "full"), TrainListener.SILENT).run();
            Path run = tmp.resolve(variant + "interrupted");
            Trainer[] holder = new Trainer[1];
            holder[0] = new Trainer(config(run, variant, small), null, run, new TrainListener() {
                @Override
                public void onIter(int iter, double loss, double lr, double ms) {
                    if (iter == 4) {
                        holder[0].requestStop();
                    }
                }
            });
            assertThat(holder[0].run().stoppedEarly()).isTrue();
            assertThat(Json.getString(Json.parseObject(run.resolve("config.json")), "model_type")).isEqualTo(variant);
            List<String> resume = new ArrayList<>(List.of(small));
            resume.add("--init_from=resume");
            Trainer.Result rest = new Trainer(config(run, variant, resume.toArray(String[]::new)), null, run,
                    TrainListener.SILENT).run();
            assertThat(rest.losses()).as(variant).containsExactlyElementsOf(full.losses().subList(5, 9));
            assertThatThrownBy(() -> new Seq2SeqArchitecture().resume(run, config(run, variant.equals("t5") ? "bart" : "t5"),
                    null)).hasMessageContaining("cannot resume").hasMessageContaining("seq2seq_variant");
        }
    }
}
