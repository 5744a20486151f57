package org.transformer4j.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;
import org.transformer4j.data.DataDir;
import org.transformer4j.data.Prepare;
import org.transformer4j.tensor.Arena;
import org.transformer4j.tensor.Tensor;
import org.transformer4j.tokenizer.CharTokenizer;

/**
 * Ops take their outputs from the step's {@link Arena} without zeroing them ({@link Tensor#forOverwrite}) when
 * they write every element. This checks that claim for every op a training step of each architecture uses: with
 * the arena's poison hook, every such reused array starts as NaN, so an op that reads an element it did not
 * write turns the loss into NaN (or, through a max or a mask, into some other number). The first step runs on
 * fresh arrays and every later step on reused ones, so the losses of all steps must equal those of the same run
 * without poison exactly. The pairs have 2 to 6 digits, so seq2seq batches are padded and the padding masks are
 * exercised too. (Changing one op to leave its last element unwritten makes all six cases fail.)
 */
class ArenaPoisonTest {
    @TempDir
    static Path tmp;
    static Path data;
    static Path pairs;

    @BeforeAll
    static void prepare() throws IOException {
        String text = Files.readString(Path.of("../data/tinyshakespeare.txt")).substring(0, 40_000);
        data = tmp.resolve("data");
        Prepare.run(text, "tiny.txt", CharTokenizer.fromText(text), data, null);
        StringBuilder sb = new StringBuilder();
        for (String s : Seq2SeqDemoTest.digitStrings(5, 200, 2, 6)) {
            sb.append(s).append('\t').append(new StringBuilder(s).reverse()).append('\n');
        }
        pairs = tmp.resolve("pairs.tsv");
        Files.writeString(pairs, sb.toString());
    }

    @AfterEach
    void poisonOff() {
        Arena.poisonForTests(false);
    }

    static TrainConfig config(Path run, String arch) {
        List<String> o = new ArrayList<>(List.of("--out_dir=" + run, "--batch_size=4", "--block_size=16",
                "--n_layer=2", "--n_head=2", "--n_embd=32", "--max_iters=4", "--eval_interval=100",
                "--eval_iters=1", "--log_interval=1", "--warmup_iters=1", "--lr_decay_iters=4",
                "--learning_rate=1e-2", "--min_lr=1e-3", "--dropout=0.1", "--gradient_accumulation_steps=2",
                "--always_save_checkpoint=False", "--threads=2"));
        switch (arch) {
            case "gpt", "llama", "bert" -> o.addAll(List.of("--arch=" + arch, "--dataset=" + data));
            default -> o.addAll(List.of("--arch=seq2seq", "--seq2seq_variant=" + arch, "--pairs=" + pairs,
                    "--val_fraction=0.1", "--relative_attention_num_buckets=8",
                    "--relative_attention_max_distance=16", "--max_position_embeddings=16"));
        }
        return TrainConfig.load(null, null, o);
    }

    static List<Double> losses(String arch, String name) throws IOException {
        TrainConfig cfg = config(tmp.resolve(arch + "-" + name), arch);
        if (cfg.arch().equals("seq2seq")) {
            return new Trainer(cfg, null, Path.of(cfg.outDir()), TrainListener.SILENT).run().losses();
        }
        try (DataDir d = DataDir.open(data)) {
            return new Trainer(cfg, d, Path.of(cfg.outDir()), TrainListener.SILENT).run().losses();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt", "llama", "bert", "original", "t5", "bart"})
    void arenaPoisonFindsOpsThatReadUnwrittenElements(String arch) throws IOException {
        List<Double> clean = losses(arch, "clean");
        Arena.poisonForTests(true);
        List<Double> poisoned = losses(arch, "poisoned");
        assertThat(clean).hasSize(5).allMatch(Double::isFinite);
        assertThat(poisoned).containsExactlyElementsOf(clean);
    }
}
