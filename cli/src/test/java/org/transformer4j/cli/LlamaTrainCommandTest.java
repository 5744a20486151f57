package org.transformer4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transformer4j.io.Json;
import org.transformer4j.io.SafetensorsFile;

/**
 * {@code t4j train --arch=llama} end to end: a tiny grouped-query Llama trains and checkpoints a LlamaForCausalLM
 * directory; a run stopped and resumed ends with the same weights, bit for bit, as one that ran straight through;
 * sample, generate and inspect run the result; Llama-specific bad settings are one-line errors.
 */
class LlamaTrainCommandTest {
    @TempDir
    Path tmp;

    static final String[] TINY = {"--arch=llama", "--batch_size=4", "--block_size=16", "--n_layer=2", "--n_head=4",
            "--n_kv_head=2", "--n_embd=32", "--eval_interval=2", "--eval_iters=2", "--log_interval=1",
            "--warmup_iters=2", "--learning_rate=1e-2", "--rope_theta=500"};

    List<String> trainArgs(Path data, Path run, String... more) {
        List<String> a = new ArrayList<>(List.of("train", "--out", run.toString(), "--dataset=" + data));
        a.addAll(List.of(TINY));
        a.addAll(List.of(more));
        return a;
    }

    static CliTestSupport.Result ok(List<String> args) {
        CliTestSupport.Result r = CliTestSupport.run(args.toArray(String[]::new));
        assertThat(r.code()).as(r.err()).isZero();
        return r;
    }

    @Test
    void trainResumeSampleGenerateInspect() throws Exception {
        Path text = tmp.resolve("text.txt");
        Files.writeString(text, Files.readString(Path.of("../data/tinyshakespeare.txt")).substring(0, 40_000));
        Path data = tmp.resolve("data");
        assertThat(CliTestSupport.run("prepare", "--input", text.toString(), "--out", data.toString()).code()).isZero();

        Path straight = tmp.resolve("straight");
        CliTestSupport.Result r = ok(trainArgs(data, straight, "--max_iters=4"));
        assertThat(r.err()).contains("Llama").contains("n_kv_head 2").contains("intermediate_size 96");
        Map<String, Object> config = Json.parseObject(straight.resolve("config.json"));
        assertThat(config).containsEntry("model_type", "llama").containsEntry("num_key_value_heads", 2L)
                .containsEntry("num_attention_heads", 4L).containsEntry("hidden_size", 32L)
                .containsEntry("tie_word_embeddings", true).containsEntry("rope_theta", 500.0);

        // Stopped at iteration 2, then resumed naming only the run directory and the new max_iters.
        Path resumed = tmp.resolve("resumed");
        ok(trainArgs(data, resumed, "--max_iters=2"));
        CliTestSupport.Result again = ok(List.of("train", "--out", resumed.toString(), "--resume", "--max_iters=4"));
        assertThat(again.err()).contains("resuming").contains("Llama");
        try (SafetensorsFile a = SafetensorsFile.open(straight.resolve("model.safetensors"));
             SafetensorsFile b = SafetensorsFile.open(resumed.resolve("model.safetensors"))) {
            assertThat(b.names()).containsExactlyInAnyOrderElementsOf(a.names()).doesNotContain("lm_head.weight");
            assertThat(a.metadata().get("t4j_iter")).isEqualTo("4").isEqualTo(b.metadata().get("t4j_iter"));
            for (String name : a.names()) {
                assertThat(b.readFloats(name)).as(name).containsExactly(a.readFloats(name));
            }
        }

        CliTestSupport.Result sample = CliTestSupport.run("sample", "--model", resumed.toString(), "--start",
                "ROMEO:", "--num-samples", "1", "--max-new-tokens", "20", "--seed", "3");
        assertThat(sample.code()).as(sample.err()).isZero();
        assertThat(sample.out()).startsWith("ROMEO:");
        CliTestSupport.Result gen = CliTestSupport.run("generate", "--model", resumed.toString(), "--prompt-ids",
                "1,2,3", "--max-new-tokens", "7", "--temperature", "0", "--format", "json");
        assertThat(gen.code()).as(gen.err()).isZero();
        assertThat(Json.getList(Json.parseObject(gen.out().strip(), "generate output"), "ids")).hasSize(7);
        Path hidden = tmp.resolve("h.npy");
        CliTestSupport.Result inspect = CliTestSupport.run("inspect", "--model", resumed.toString(), "--prompt",
                "ROMEO:", "--hidden-out", hidden.toString(), "--attention-out", tmp.resolve("a.npy").toString());
        assertThat(inspect.code()).as(inspect.err()).isZero();
        assertThat(inspect.out()).contains("hidden states [3, 6, 32]").contains("attention [2, 4, 6, 6]");
    }

    @Test
    void llamaSettingsThatCannotWorkAreOneLineErrors() throws Exception {
        Path text = tmp.resolve("text.txt");
        Files.writeString(text, Files.readString(Path.of("../data/tinyshakespeare.txt")).substring(0, 20_000));
        Path data = tmp.resolve("data");
        assertThat(CliTestSupport.run("prepare", "--input", text.toString(), "--out", data.toString()).code()).isZero();
        TrainWorkflowTest.expectError(1, "bias=True is not available for arch=llama",
                trainArgs(data, tmp.resolve("a"), "--max_iters=1", "--bias=True").toArray(String[]::new));
        TrainWorkflowTest.expectError(1, "is not a multiple of n_kv_heads 3",
                trainArgs(data, tmp.resolve("b"), "--max_iters=1", "--n_kv_head=3").toArray(String[]::new));
        TrainWorkflowTest.expectError(1, "must be even for rotary embeddings",
                trainArgs(data, tmp.resolve("c"), "--max_iters=1", "--n_embd=36").toArray(String[]::new));
        TrainWorkflowTest.expectError(1, "expected one of gpt, llama",
                trainArgs(data, tmp.resolve("d"), "--max_iters=1", "--arch=mamba").toArray(String[]::new));
    }
}
