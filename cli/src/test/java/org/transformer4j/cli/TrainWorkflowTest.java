package org.transformer4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transformer4j.io.Json;

/**
 * The user's workflow through the real command line: prepare, train a few iterations, interrupt with SIGINT as
 * Ctrl-C does (a separate JVM, so the signal is real), resume, sample, generate; plus the one-line errors for bad
 * input.
 */
class TrainWorkflowTest {
    @TempDir
    Path tmp;

    static final String[] TINY = {"--batch_size=4", "--block_size=16", "--n_layer=2", "--n_head=2", "--n_embd=32",
            "--eval_interval=10", "--eval_iters=2", "--log_interval=1", "--warmup_iters=2", "--learning_rate=1e-2"};

    Path prepare() throws IOException {
        Path text = tmp.resolve("text.txt");
        Files.writeString(text, Files.readString(Path.of("../data/tinyshakespeare.txt")).substring(0, 40_000));
        Path data = tmp.resolve("data");
        CliTestSupport.Result r = CliTestSupport.run("prepare", "--input", text.toString(), "--out", data.toString());
        assertThat(r.code()).as(r.err()).isZero();
        return data;
    }

    static List<String> trainArgs(Path data, Path run, String... more) {
        List<String> a = new ArrayList<>(List.of("train", "--out", run.toString(), "--dataset=" + data));
        a.addAll(List.of(TINY));
        a.addAll(List.of(more));
        return a;
    }

    /** bench train on a tiny config: one JSON object with the step time and the heap allocated per step. */
    @Test
    void benchTrainReportsTimeAndAllocation() throws Exception {
        Path data = prepare();
        List<String> a = new ArrayList<>(List.of("bench", "train", "--iters", "3", "--warmup", "1", "--threads", "1",
                "--format", "json", "--dataset=" + data));
        a.addAll(List.of(TINY));
        CliTestSupport.Result r = CliTestSupport.run(a.toArray(String[]::new));
        assertThat(r.code()).as(r.err()).isZero();
        java.util.Map<String, Object> o = Json.parseObject(r.out().strip(), "bench output");
        assertThat(o.get("bench")).isEqualTo("train");
        assertThat(((Number) o.get("iters")).intValue()).isEqualTo(3);
        assertThat(((Number) o.get("ms_per_iter")).doubleValue()).isPositive();
        // The process's CPU time advances in OS clock ticks (10 ms on Linux): three steps of this model can take
        // less than one tick, so only "present and not negative" is certain here.
        assertThat(((Number) o.get("cpu_ms_per_iter")).doubleValue()).isGreaterThanOrEqualTo(0.0);
        // a step of this model allocates its activations and gradients: well above zero, far below a gigabyte
        assertThat(((Number) o.get("alloc_mb_per_iter")).doubleValue()).isBetween(0.01, 1000.0);
    }

    @Test
    void prepareTrainInterruptResumeSampleGenerate() throws Exception {
        Path data = prepare();
        Path run = tmp.resolve("run");

        // A separate JVM trains with a large max_iters; once it has logged four iterations we send SIGINT.
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"),
                "org.transformer4j.cli.Main"));
        cmd.addAll(trainArgs(data, run, "--max_iters=100000", "--lr_decay_iters=100000"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        StringBuilder log = new StringBuilder();
        boolean signalled = false;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                log.append(line).append('\n');
                if (!signalled && line.startsWith("iter 4/")) {
                    new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
                    signalled = true;
                }
            }
        }
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(signalled).as(log.toString()).isTrue();
        assertThat(p.exitValue()).as(log.toString()).isEqualTo(130);
        assertThat(log.toString()).contains("interrupted").contains("resume with");
        int savedIter = Json.getInt(Json.parseObject(run.resolve("trainer_state.json")), "iter_num");
        assertThat(savedIter).isGreaterThanOrEqualTo(4);

        // Resume in-process up to a few iterations past the checkpoint, naming only the run directory and the new
        // max_iters: the run's other settings (the tiny model, the data set) come from its checkpoint.
        CliTestSupport.Result resumed = CliTestSupport.run("train", "--out", run.toString(), "--resume",
                "--max_iters=" + (savedIter + 3));
        assertThat(resumed.code()).as(resumed.err()).isZero();
        assertThat(resumed.err()).contains("resuming").contains("at iter " + savedIter);
        assertThat(resumed.out()).contains("done after " + (savedIter + 4) + " iterations");

        CliTestSupport.Result sample = CliTestSupport.run("sample", "--model", run.toString(), "--start", "ROMEO:",
                "--num-samples", "2", "--max-new-tokens", "30", "--seed", "3");
        assertThat(sample.code()).as(sample.err()).isZero();
        assertThat(sample.out()).startsWith("ROMEO:").contains("---------------");
        assertThat(sample.out().split("---------------")).hasSize(3);
        CliTestSupport.Result again = CliTestSupport.run("sample", "--model", run.toString(), "--start", "ROMEO:",
                "--num_samples=2", "--max_new_tokens=30", "--seed", "3");
        assertThat(again.out()).isEqualTo(sample.out()); // the same seed gives the same text

        CliTestSupport.Result gen = CliTestSupport.run("generate", "--model", run.toString(), "--prompt-ids",
                "1,2,3", "--max-new-tokens", "7", "--temperature", "0", "--format", "json");
        assertThat(gen.code()).as(gen.err()).isZero();
        var json = Json.parseObject(gen.out().strip(), "generate output");
        assertThat(Json.getList(json, "ids")).hasSize(7);
        assertThat(Json.getString(json, "text")).hasSize(7);

        // bench prefill on the trained model: wall and CPU time of one batched prompt pass
        CliTestSupport.Result pre = CliTestSupport.run("bench", "prefill", "--model", run.toString(), "--tokens", "8",
                "--repeats", "2", "--threads", "1", "--format", "json");
        assertThat(pre.code()).as(pre.err()).isZero();
        var pj = Json.parseObject(pre.out().strip(), "bench prefill output");
        assertThat(Json.getInt(pj, "tokens")).isEqualTo(8);
        assertThat(((Number) pj.get("ms")).doubleValue()).isPositive();
        assertThat(((Number) pj.get("cpu_ms")).doubleValue()).isNotNegative(); // CPU clock ticks may be coarse
        CliTestSupport.Result tooLong = CliTestSupport.run("bench", "prefill", "--model", run.toString(), "--tokens",
                "100000", "--repeats", "1");
        assertThat(tooLong.code()).isNotZero();
        assertThat(tooLong.err()).contains("--tokens must be in [1, ");
    }

    @Test
    void badInputGivesOneLineErrorsAndNonZeroExit() throws Exception {
        Path data = prepare();
        Path run = tmp.resolve("run");
        assertThat(CliTestSupport.run(trainArgs(data, run, "--max_iters=2").toArray(String[]::new)).code()).isZero();

        expectError(1, "unknown preset 'tiny'", "train", "--preset", "tiny");
        expectError(1, "unknown training key 'n_layers' (did you mean 'n_layer'?)", "train", "--n_layers=3");
        expectError(1, "bad value 'abc' for max_iters", "train", "--max_iters=abc");
        expectError(1, "is outside the vocabulary of size 58", "generate", "--model", run.toString(),
                "--prompt-ids", "1,2,700", "--temperature", "0");
        expectError(1, "is not in the vocabulary", "sample", "--model", run.toString(), "--start", "\u00e9");
        expectError(1, "no such model directory", "sample", "--model", tmp.resolve("nope").toString());

        // A broken config.json, a truncated safetensors file, a truncated token file.
        Path broken = tmp.resolve("broken");
        copyDir(run, broken);
        Files.writeString(broken.resolve("config.json"), "{\"n_embd\": 32,");
        expectError(1, "config.json", "generate", "--model", broken.toString(), "--prompt-ids", "1");
        copyDir(run, broken);
        byte[] weights = Files.readAllBytes(run.resolve("model.safetensors"));
        Files.write(broken.resolve("model.safetensors"), java.util.Arrays.copyOf(weights, weights.length / 2));
        expectError(1, "model.safetensors", "generate", "--model", broken.toString(), "--prompt-ids", "1");
        Files.write(broken.resolve("model.safetensors"), java.util.Arrays.copyOf(weights, 5));
        expectError(1, "model.safetensors", "generate", "--model", broken.toString(), "--prompt-ids", "1");
        Path badData = tmp.resolve("baddata");
        copyDir(data, badData);
        byte[] val = Files.readAllBytes(data.resolve("val.bin"));
        Files.write(badData.resolve("val.bin"), java.util.Arrays.copyOf(val, 100));
        expectError(1, "val.bin", trainArgs(badData, tmp.resolve("run2"), "--max_iters=2").toArray(String[]::new));
        expectError(1, "no checkpoint", trainArgs(data, tmp.resolve("fresh"), "--resume").toArray(String[]::new));
    }

    static void expectError(int code, String fragment, String... args) {
        CliTestSupport.Result r = CliTestSupport.run(args);
        assertThat(r.code()).as(String.join(" ", args) + "\n" + r.err()).isEqualTo(code);
        assertThat(r.err()).contains(fragment).startsWith("t4j: error: ");
        assertThat(r.err().strip().lines().filter(l -> l.startsWith("t4j: error")).count()).isEqualTo(1);
        assertThat(r.err()).doesNotContain("\tat ").doesNotContain("Exception");
    }

    static void copyDir(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (var files = Files.list(from)) {
            for (Path f : files.toList()) {
                if (Files.isRegularFile(f)) {
                    Files.copy(f, to.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
