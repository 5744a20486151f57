package org.transformer4j.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transformer4j.T4jException;
import org.transformer4j.data.DataDir;
import org.transformer4j.data.Prepare;
import org.transformer4j.model.GPT;
import org.transformer4j.model.GPTFiles;
import org.transformer4j.tokenizer.CharTokenizer;

/**
 * The training loop end to end on a slice of Tiny Shakespeare with a tiny model: it learns, it is deterministic,
 * and an interrupted run resumed from its checkpoint continues exactly as if it had never stopped.
 */
class TrainerTest {
    @TempDir
    static Path tmp;
    static Path data;

    @BeforeAll
    static void prepare() throws IOException {
        String text = Files.readString(Path.of("../data/tinyshakespeare.txt")).substring(0, 60_000);
        data = tmp.resolve("data");
        Prepare.run(text, "tiny.txt", CharTokenizer.fromText(text), data, null);
    }

    static TrainConfig config(Path run, String... extra) {
        List<String> o = new ArrayList<>(List.of("--dataset=" + data, "--out_dir=" + run, "--batch_size=4",
                "--block_size=16", "--n_layer=2", "--n_head=2", "--n_embd=32", "--max_iters=12",
                "--eval_interval=5", "--eval_iters=2", "--log_interval=1", "--warmup_iters=2",
                "--lr_decay_iters=12", "--learning_rate=1e-2", "--min_lr=1e-3", "--dropout=0.1",
                "--gradient_accumulation_steps=2", "--always_save_checkpoint=False", "--threads=2"));
        o.addAll(List.of(extra));
        return TrainConfig.load(null, null, o);
    }

    static Trainer.Result train(TrainConfig cfg, TrainListener listener) throws IOException {
        try (DataDir d = DataDir.open(data)) {
            return new Trainer(cfg, d, Path.of(cfg.outDir()), listener).run();
        }
    }

    @Test
    void sameSeedAndThreadsGiveIdenticalLossesAndTheRunLearns() throws IOException {
        Trainer.Result a = train(config(tmp.resolve("a")), TrainListener.SILENT);
        Trainer.Result b = train(config(tmp.resolve("b")), TrainListener.SILENT);
        assertThat(a.losses()).hasSize(13); // iterations 0..max_iters, as nanoGPT
        assertThat(b.losses()).containsExactlyElementsOf(a.losses());
        assertThat(a.losses().get(12)).isLessThan(a.losses().get(0) - 0.5); // from ≈ ln(vocab) downwards
        Trainer.Result c = train(config(tmp.resolve("c"), "--seed=7"), TrainListener.SILENT);
        assertThat(c.losses()).isNotEqualTo(a.losses());

        Path run = tmp.resolve("a");
        for (String f : List.of("config.json", "model.safetensors", "optimizer.safetensors", "trainer_state.json",
                "metrics.jsonl", "loss.svg")) {
            assertThat(run.resolve(f)).as(f).exists();
        }
        List<MetricsLog.Point> points = MetricsLog.read(run.resolve("metrics.jsonl"));
        assertThat(points).extracting(MetricsLog.Point::iter).containsExactly(0L, 5L, 10L);
        GPT saved = GPTFiles.load(run);
        assertThat(saved.config.nLayer()).isEqualTo(2);

        // eval_only on the checkpoint re-measures it without touching the run: the same batches give the same
        // losses as the evaluation that saved it.
        Checkpoint.State state = Checkpoint.load(run);
        MetricsLog.Point atCheckpoint = points.stream().filter(p -> p.iter() == state.iter()).findFirst().orElseThrow();
        String metricsBefore = Files.readString(run.resolve("metrics.jsonl"));
        Trainer.Result eval = train(config(run, "--init_from=resume", "--eval_only=True"), TrainListener.SILENT);
        assertThat(eval.lastValLoss()).isEqualTo(atCheckpoint.get("val_loss"));
        assertThat(eval.losses()).isEmpty();
        assertThat(Files.readString(run.resolve("metrics.jsonl"))).isEqualTo(metricsBefore);
    }

    @Test
    void interruptedRunResumesExactly() throws IOException {
        Trainer.Result full = train(config(tmp.resolve("full")), TrainListener.SILENT);

        Path run = tmp.resolve("interrupted");
        Trainer[] holder = new Trainer[1];
        TrainConfig cfg = config(run);
        Trainer.Result first;
        try (DataDir d = DataDir.open(data)) {
            holder[0] = new Trainer(cfg, d, run, new TrainListener() {
                @Override
                public void onIter(int iter, double loss, double lr, double ms) {
                    if (iter == 6) {
                        holder[0].requestStop(); // as Ctrl-C does
                    }
                }
            });
            first = holder[0].run();
        }
        assertThat(first.stoppedEarly()).isTrue();
        assertThat(first.iterations()).isEqualTo(7);
        assertThat(first.losses()).containsExactlyElementsOf(full.losses().subList(0, 7));

        Trainer.Result resumed = train(config(run, "--init_from=resume"), TrainListener.SILENT);
        assertThat(resumed.stoppedEarly()).isFalse();
        assertThat(resumed.losses()).containsExactlyElementsOf(full.losses().subList(7, 13));
        assertThat(resumed.lastValLoss()).isEqualTo(full.lastValLoss());
        // The resumed run's metrics are the run's true history: each evaluation once, in order.
        assertThat(MetricsLog.read(run.resolve("metrics.jsonl"))).extracting(MetricsLog.Point::iter)
                .containsExactly(0L, 5L, 10L);
    }

    @Test
    void resumeWithoutCheckpointAndTornCheckpointAreClearErrors() throws IOException {
        assertThatThrownBy(() -> train(config(tmp.resolve("nothing"), "--init_from=resume"), TrainListener.SILENT))
                .isInstanceOf(T4jException.class).hasMessageContaining("no checkpoint");

        Path run = tmp.resolve("torn");
        train(config(run, "--max_iters=5"), TrainListener.SILENT);
        // Simulate a crash between two renames: the trainer state claims another iteration.
        Path state = run.resolve(Checkpoint.STATE);
        Files.writeString(state, Files.readString(state).replace("\"iter_num\": 5", "\"iter_num\": 9"));
        assertThatThrownBy(() -> train(config(run, "--init_from=resume"), TrainListener.SILENT))
                .isInstanceOf(T4jException.class).hasMessageContaining("torn");
    }
}
