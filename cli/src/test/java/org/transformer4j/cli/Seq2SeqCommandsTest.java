package org.transformer4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transformer4j.io.Json;
import org.transformer4j.io.Npy;
import org.transformer4j.io.SafetensorsFile;

/**
 * Encoder-decoders through the command line: t4j train --arch=seq2seq on a pairs file (then resume), generate
 * (greedy, beam, text source) and inspect on the trained run; generate and inspect on the T5 fixture against
 * transformers' greedy ids and logits; the one-line errors.
 */
class Seq2SeqCommandsTest {
    static final Path T5 = Path.of("../core/src/test/resources/fixtures/t5");

    @TempDir
    Path tmp;

    static List<Integer> ids(String json) {
        return Json.getList(Json.parseObject(json.strip(), "output"), "ids").stream()
                .map(o -> ((Number) o).intValue()).toList();
    }

    @Test
    void trainResumeGenerateAndInspectASeq2SeqRun() throws Exception {
        StringBuilder sb = new StringBuilder();
        java.util.SplittableRandom rng = new java.util.SplittableRandom(1);
        for (int i = 0; i < 300; i++) {
            String s = Integer.toString(rng.nextInt(100000));
            sb.append(s).append('\t').append(new StringBuilder(s).reverse()).append('\n');
        }
        Path pairs = tmp.resolve("pairs.tsv");
        Files.writeString(pairs, sb.toString());
        Path run = tmp.resolve("run");
        String[] common = {"train", "--out", run.toString(), "--arch=seq2seq", "--pairs=" + pairs, "--batch_size=8",
                "--n_layer=1", "--n_head=2", "--n_embd=16", "--eval_interval=5", "--eval_iters=2", "--log_interval=5",
                "--warmup_iters=2", "--learning_rate=3e-3", "--lr_decay_iters=20", "--gradient_accumulation_steps=1",
                "--label_smoothing=0.1", "--val_fraction=0.1"};
        CliTestSupport.Result r = CliTestSupport.run(concat(common, "--max_iters=10"));
        assertThat(r.code()).as(r.err() + r.out()).isZero();
        assertThat(r.out() + r.err()).contains("encoder-decoder").contains("270 training pairs, 30 held out")
                .contains("generate with: t4j generate --model");
        assertThat(Files.exists(run.resolve("vocab.json"))).isTrue();
        r = CliTestSupport.run(concat(common, "--max_iters=20", "--resume"));
        assertThat(r.code()).as(r.err() + r.out()).isZero();

        r = CliTestSupport.run("generate", "--model", run.toString(), "--source", "12345", "--temperature", "0",
                "--max-new-tokens", "8", "--format", "json");
        assertThat(r.code()).as(r.err()).isZero();
        Map<String, Object> j = Json.parseObject(r.out().strip(), "output");
        assertThat(j).containsKeys("ids", "text", "log_prob");
        List<Integer> greedy = ids(r.out());
        assertThat(greedy).isNotEmpty().doesNotContain(1); // never the decoder start token <s>
        r = CliTestSupport.run("generate", "--model", run.toString(), "--source", "12345", "--temperature", "0",
                "--max-new-tokens", "8", "--format", "json", "--num-beams", "3", "--length-penalty", "0");
        assertThat(r.code()).as(r.err()).isZero();
        // With length penalty 0 beams are ranked by log-probability, so the best is at least as probable as greedy's
        // (with the default 1 this barely trained model prefers longer, less probable outputs).
        assertThat((double) Json.getDouble(Json.parseObject(r.out().strip(), "o"), "log_prob"))
                .isGreaterThanOrEqualTo(Json.getDouble(j, "log_prob") - 1e-6);

        Path l = tmp.resolve("l.npy");
        Path x = tmp.resolve("x.npy");
        Path e = tmp.resolve("e.npy");
        Path h = tmp.resolve("h.npy");
        r = CliTestSupport.run("inspect", "--model", run.toString(), "--source", "123", "--prompt-ids", "1,5,6",
                "--logits-out", l.toString(), "--cross-attention-out", x.toString(), "--encoder-hidden-out", e.toString(),
                "--hidden-out", h.toString());
        assertThat(r.code()).as(r.err()).isZero();
        int v = Npy.read(l).shape()[1];
        assertThat(Npy.read(l).shape()).containsExactly(3, v);
        assertThat(Npy.read(x).shape()).containsExactly(1, 2, 3, 4); // 3 chars + </s>
        assertThat(Npy.read(e).shape()).containsExactly(2, 4, 16);
        assertThat(Npy.read(h).shape()).containsExactly(2, 3, 16);
    }

    /**
     * --seq2seq_variant=t5 and bart on the command line: the run directory is a T5ForConditionalGeneration /
     * BartForConditionalGeneration directory with the run's vocabulary, resume continues it, and generate
     * (--source-ids and --source) and inspect work on it.
     */
    @Test
    void t5AndBartRunsTrainResumeGenerateAndInspect() throws Exception {
        StringBuilder sb = new StringBuilder();
        java.util.SplittableRandom rng = new java.util.SplittableRandom(2);
        for (int i = 0; i < 100; i++) {
            String s = Integer.toString(1000 + rng.nextInt(9000));
            sb.append(s).append('\t').append(new StringBuilder(s).reverse()).append('\n');
        }
        Path pairs = tmp.resolve("pairs.tsv");
        Files.writeString(pairs, sb.toString());
        for (String variant : List.of("t5", "bart")) {
            Path run = tmp.resolve(variant);
            String[] common = {"train", "--out", run.toString(), "--arch=seq2seq", "--seq2seq_variant=" + variant,
                "--pairs=" + pairs, "--batch_size=8", "--n_layer=1", "--n_head=2", "--n_embd=16", "--d_kv=4",
                "--eval_interval=3", "--eval_iters=1", "--log_interval=3", "--warmup_iters=1", "--lr_decay_iters=6",
                "--gradient_accumulation_steps=1", "--relative_attention_num_buckets=8", "--max_position_embeddings=8"};
            if (variant.equals("bart")) {
                common = java.util.Arrays.stream(common).filter(a -> !a.startsWith("--d_kv")).toArray(String[]::new);
            }
            CliTestSupport.Result r = CliTestSupport.run(concat(common, "--max_iters=3"));
            assertThat(r.code()).as(r.err() + r.out()).isZero();
            assertThat(r.out() + r.err()).contains("encoder-decoder (" + variant + ")");
            Map<String, Object> config = Json.parseObject(run.resolve("config.json"));
            assertThat(config).containsEntry("model_type", variant);
            assertThat(Json.getList(config, "architectures")).containsExactly(
                    variant.equals("t5") ? "T5ForConditionalGeneration" : "BartForConditionalGeneration");
            r = CliTestSupport.run(concat(common, "--max_iters=6", "--resume"));
            assertThat(r.code()).as(r.err() + r.out()).isZero();
            assertThat(Json.getInt(Json.parseObject(run.resolve("trainer_state.json")), "iter_num")).isEqualTo(6);

            r = CliTestSupport.run("generate", "--model", run.toString(), "--source-ids", "5,6,7,2", "--temperature",
                    "0", "--max-new-tokens", "6", "--format", "json");
            assertThat(r.code()).as(r.err()).isZero();
            List<Integer> byIds = ids(r.out());
            assertThat(byIds).isNotEmpty().hasSizeLessThanOrEqualTo(6);
            r = CliTestSupport.run("generate", "--model", run.toString(), "--source", "1234", "--temperature", "0",
                    "--max-new-tokens", "6", "--format", "json");
            assertThat(r.code()).as(r.err()).isZero();
            Path l = tmp.resolve(variant + ".npy");
            r = CliTestSupport.run("inspect", "--model", run.toString(), "--source-ids", "5,6,7,2", "--prompt-ids",
                    "1,5", "--logits-out", l.toString());
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(Npy.read(l).shape()).containsExactly(2, Json.getInt(config, "vocab_size"));
        }
    }

    @Test
    void t5GenerateAndInspectMatchTransformers() throws Exception {
        Map<String, Object> g = Json.parseObject(T5.resolve("untied_greedy.json"));
        List<Integer> src = Json.getList(g, "source_ids").stream().map(o -> ((Number) o).intValue()).toList();
        List<Integer> expected = Json.getList(g, "greedy_ids").stream().map(o -> ((Number) o).intValue()).toList();
        String srcText = String.join(",", src.stream().map(String::valueOf).toList());
        // transformers' ids ran 20 steps without stopping; they end with eos (1) at step 19, where we stop too.
        CliTestSupport.Result r = CliTestSupport.run("generate", "--model", T5.resolve("untied").toString(),
                "--source-ids", srcText, "--temperature", "0", "--max-new-tokens", "20", "--format", "json");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(ids(r.out())).isEqualTo(expected.subList(0, expected.indexOf(1) + 1));

        double[] inputIds;
        double[] decIds;
        double[] logits;
        int[] shape;
        try (SafetensorsFile sf = SafetensorsFile.open(T5.resolve("tied_reference.safetensors"))) {
            inputIds = sf.readDoubles("input_ids");
            decIds = sf.readDoubles("decoder_input_ids");
            logits = sf.readDoubles("logits");
            shape = sf.info("logits").shape();
        }
        int s = inputIds.length / 2;
        int t = shape[1];
        int v = shape[2];
        Path l = tmp.resolve("t5.npy");
        r = CliTestSupport.run("inspect", "--model", T5.resolve("tied").toString(), "--source-ids",
                join(inputIds, 0, s), "--prompt-ids", join(decIds, 0, t), "--logits-out", l.toString());
        assertThat(r.code()).as(r.err()).isZero();
        float[] ours = Npy.read(l).floats();
        for (int i = 0; i < t * v; i++) {
            assertThat(Math.abs(ours[i] - logits[i])).isLessThan(1e-4);
        }
    }

    @Test
    void badInputsAreOneLineErrors() {
        String t5 = T5.resolve("tied").toString();
        CliTestSupport.Result r = CliTestSupport.run("generate", "--model", t5, "--temperature", "0");
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("--source-ids").doesNotContain("Exception");
        r = CliTestSupport.run("generate", "--model", t5, "--source-ids", "3,999");
        assertThat(r.err()).contains("999").contains("vocabulary");
        r = CliTestSupport.run("generate", "--model", t5, "--source", "hello");
        assertThat(r.err()).contains("no tokenizer");
        r = CliTestSupport.run("generate", "--model", t5, "--source-ids", "3,4", "--num-beams", "2", "--temperature", "1");
        assertThat(r.err()).contains("--temperature 0");
        r = CliTestSupport.run("inspect", "--model", t5, "--source-ids", "3,4");
        assertThat(r.err()).contains("--prompt-ids");
        r = CliTestSupport.run("generate", "--model", "../core/src/test/resources/fixtures/gpt/model", "--source-ids", "3");
        assertThat(r.err()).contains("not an encoder-decoder");
        r = CliTestSupport.run("train", "--arch=seq2seq", "--out", tmp.resolve("r").toString());
        assertThat(r.err()).contains("pairs");
        r = CliTestSupport.run("sample", "--model", t5, "--start", "x");
        assertThat(r.err()).contains("is an encoder-decoder").contains("generate");
    }

    static String join(double[] d, int from, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(i == 0 ? "" : ",").append((int) d[from + i]);
        }
        return sb.toString();
    }

    static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
