package org.transformer4j.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transformer4j.data.DataDir;
import org.transformer4j.data.Prepare;
import org.transformer4j.io.Json;
import org.transformer4j.tokenizer.CharTokenizer;

/**
 * llm.c's kind of proof for training: the first 20 steps of {@code t4j train --preset shakespeare-char-cpu}
 * (rng=torch, the default for arch gpt) against nanoGPT's run in PyTorch, which starts from the same weights and
 * draws the same batches (fixtures/nanogpt/, made by bench/pytorch/nanogpt_order.py --max_iters 19 with torch
 * 2.13, 1 thread). Every training loss and the iteration-0 evaluation must agree.
 *
 * <p>Tolerance 1e-4 absolute on losses of about 4: the two programs sum in different orders in float32 (unit
 * roundoff 6e-8; dot products of 128-512 terms, a mean over 768 positions), so each step's loss differs by about
 * 1e-6 and AdamW carries such differences forward. Measured: at most 4.8e-7 over these 20 steps (and over the
 * full 2,001-iteration run every printed loss, to 4 decimals, and every evaluation matched). A wrong draw order,
 * initialisation or optimizer detail moves the losses by 1e-2 or more.
 */
class NanoGptReplayTest {
    static final Path FIXTURE = Path.of("src/test/resources/fixtures/nanogpt/shakespeare_char_cpu_first20.json");

    @TempDir
    Path tmp;

    @Test
    void firstTwentyStepsAreNanoGptsInPyTorch() throws IOException {
        String text = Files.readString(Path.of("../data/tinyshakespeare.txt"));
        Path data = tmp.resolve("data");
        Prepare.run(text, "tinyshakespeare.txt", CharTokenizer.fromText(text), data, null);
        TrainConfig cfg = TrainConfig.load("shakespeare-char-cpu", null, List.of("--dataset=" + data,
                "--out_dir=" + tmp.resolve("run"), "--max_iters=19", "--threads=2"));
        assertThat(cfg.rng()).isEqualTo("torch");
        List<double[]> evals = new ArrayList<>();
        TrainListener listener = new TrainListener() {
            @Override
            public void onEval(int iter, double trainLoss, double valLoss, double lr) {
                evals.add(new double[] {iter, trainLoss, valLoss});
            }
        };
        Trainer.Result result;
        try (DataDir d = DataDir.open(data)) {
            result = new Trainer(cfg, d, tmp.resolve("run"), listener).run();
        }

        Map<String, Object> ref = Json.parseObject(FIXTURE);
        List<?> losses = Json.getList(ref, "losses");
        assertThat(result.losses()).hasSize(losses.size());
        double worst = 0;
        for (int i = 0; i < losses.size(); i++) {
            double want = ((Number) losses.get(i)).doubleValue();
            worst = Math.max(worst, Math.abs(result.losses().get(i) - want));
            assertThat(result.losses().get(i)).as("loss at iter %d", i)
                    .isCloseTo(want, org.assertj.core.data.Offset.offset(1e-4));
        }
        List<?> eval0 = Json.getList(Json.getObject(ref, "evals"), "0");
        assertThat(evals.get(0)[0]).isEqualTo(0);
        assertThat(evals.get(0)[1]).isCloseTo(((Number) eval0.get(0)).doubleValue(),
                org.assertj.core.data.Offset.offset(1e-4));
        assertThat(evals.get(0)[2]).isCloseTo(((Number) eval0.get(1)).doubleValue(),
                org.assertj.core.data.Offset.offset(1e-4));
        System.out.printf("NanoGptReplayTest: worst loss difference %.2e%n", worst);
    }
}
