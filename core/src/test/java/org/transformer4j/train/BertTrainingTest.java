package org.transformer4j.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transformer4j.data.DataDir;
import org.transformer4j.data.Prepare;
import org.transformer4j.data.TokenFile;
import org.transformer4j.model.Bert;
import org.transformer4j.model.BertFiles;
import org.transformer4j.tokenizer.CharTokenizer;

/**
 * Masked-LM training of a tiny BERT on Tiny Shakespeare (characters) through the generic trainer
 * ({@code arch=bert}), and the masking itself.
 */
class BertTrainingTest {
    @TempDir
    static Path tmp;
    static Path data;

    @BeforeAll
    static void prepare() throws IOException {
        String text = Files.readString(Path.of("../data/tinyshakespeare.txt")).substring(0, 300_000);
        data = tmp.resolve("data");
        Prepare.run(text, "tiny.txt", CharTokenizer.fromText(text), data, null);
    }

    static TrainConfig config(Path run, String... extra) {
        List<String> o = new ArrayList<>(List.of("--arch=bert", "--dataset=" + data, "--out_dir=" + run,
                "--batch_size=64", "--block_size=8", "--n_layer=2", "--n_head=4", "--n_embd=64", "--max_iters=300",
                "--eval_interval=150", "--eval_iters=20", "--log_interval=50", "--warmup_iters=20",
                "--lr_decay_iters=300", "--learning_rate=3e-3", "--min_lr=3e-4", "--dropout=0.0", "--init_std=0.1",
                "--gradient_accumulation_steps=1", "--always_save_checkpoint=False", "--threads=2",
                "--weight_decay=0.01", "--beta2=0.99"));
        o.addAll(List.of(extra));
        return TrainConfig.load(null, null, o);
    }

    /** The entropy (nats) of the training split's unigram distribution: the loss of a model that ignores context. */
    static double unigramEntropy(TokenFile f, int vocab) {
        long[] counts = new long[vocab];
        for (long i = 0; i < f.length(); i++) {
            counts[f.get(i)]++;
        }
        double h = 0;
        for (long c : counts) {
            if (c > 0) {
                double p = (double) c / f.length();
                h -= p * Math.log(p);
            }
        }
        return h;
    }

    /**
     * 300 steps of 64 sequences of [CLS] + 7 characters: the validation masked-LM loss ends well below the unigram
     * entropy (3.31 nats for these characters), which is all a model that does not use the bidirectional context can
     * reach (measured: 2.80). A masked character can only be predicted from its neighbours, so the attention has to
     * learn relative positions first; short sequences (few positions to relate) and position embeddings drawn
     * with std 0.1 get it there in a few hundred steps. The bound, 0.9 x baseline (0.33 nats below it), is eight
     * standard errors of the 20-batch validation estimate away from the baseline. The run directory is a BERT
     * model directory with [MASK] and [CLS] recorded.
     */
    @Test
    void maskedLmLossFallsWellBelowTheUnigramBaseline() throws IOException {
        Path run = tmp.resolve("run");
        Trainer.Result r;
        double baseline;
        int vocab;
        try (DataDir d = DataDir.open(data)) {
            vocab = d.vocabSize();
            baseline = unigramEntropy(d.train(), vocab);
            r = new Trainer(config(run), d, run, TrainListener.SILENT).run();
        }
        System.out.printf("BERT masked-LM: unigram baseline %.4f nats, val loss %.4f after %d iterations%n", baseline,
                r.lastValLoss(), r.iterations());
        assertThat(baseline).isBetween(3.0, 3.6);
        assertThat(r.lastValLoss()).isLessThan(0.9 * baseline);
        Bert saved = BertFiles.load(run);
        assertThat(saved.config.maskTokenId()).isEqualTo(vocab);
        assertThat(saved.config.clsTokenId()).isEqualTo(vocab + 1);
        assertThat(saved.config.vocabSize()).isEqualTo(vocab + 2);
        assertThat(saved.mlm).isNotNull();
    }

    /**
     * arch=bert is deterministic and an interrupted run resumes exactly (the same masked batches and losses), with
     * the model reloaded from its BertForMaskedLM checkpoint.
     */
    @Test
    void interruptedBertRunResumesExactly() throws IOException {
        String[] small = {"--batch_size=4", "--block_size=16", "--n_embd=32", "--n_head=2", "--max_iters=8",
            "--eval_interval=4", "--eval_iters=2", "--lr_decay_iters=8", "--warmup_iters=2", "--dropout=0.1",
            "--log_interval=1"};
        Trainer.Result full;
        Trainer.Result again;
        try (DataDir d = DataDir.open(data)) {
            full = new Trainer(config(tmp.resolve("full"), small), d, tmp.resolve("full"), TrainListener.SILENT).run();
            again = new Trainer(config(tmp.resolve("again"), small), d, tmp.resolve("again"), TrainListener.SILENT).run();
        }
        assertThat(again.losses()).containsExactlyElementsOf(full.losses());
        Path run = tmp.resolve("interrupted");
        Trainer[] holder = new Trainer[1];
        try (DataDir d = DataDir.open(data)) {
            holder[0] = new Trainer(config(run, small), d, run, new TrainListener() {
                @Override
                public void onIter(int iter, double loss, double lr, double ms) {
                    if (iter == 4) {
                        holder[0].requestStop();
                    }
                }
            });
            assertThat(holder[0].run().stoppedEarly()).isTrue();
            List<String> resume = new ArrayList<>(List.of(small));
            resume.add("--init_from=resume");
            Trainer.Result rest = new Trainer(config(run, resume.toArray(String[]::new)), d, run, TrainListener.SILENT)
                    .run();
            assertThat(rest.losses()).containsExactlyElementsOf(full.losses().subList(5, 9));
        }
    }

    /** 15% chosen; of those 80% [MASK], 10% random, 10% kept; unchosen positions are not targets; seeded. */
    @Test
    void maskingFollowsBertsProportionsAndIsAPureFunctionOfTheGenerator() {
        int n = 200_000;
        int[] ids = new int[n];
        SplittableRandom src = new SplittableRandom(1);
        for (int i = 0; i < n; i++) {
            ids[i] = src.nextInt(50);
        }
        boolean[] maskable = new boolean[n];
        for (int i = 0; i < n; i++) {
            maskable[i] = i % 10 != 0;
        }
        int[] input = new int[n];
        int[] targets = new int[n];
        int chosen = MaskedLM.apply(ids, maskable, 0.15, 99, 50, new SplittableRandom(7), input, targets);
        int masked = 0;
        int changed = 0;
        int kept = 0;
        for (int i = 0; i < n; i++) {
            if (targets[i] == -1) {
                assertThat(input[i]).isEqualTo(ids[i]);
                continue;
            }
            assertThat(maskable[i]).isTrue();
            assertThat(targets[i]).isEqualTo(ids[i]);
            if (input[i] == 99) {
                masked++;
            } else if (input[i] != ids[i]) {
                changed++;
                assertThat(input[i]).isBetween(0, 49);
            } else {
                kept++;
            }
        }
        double m = 0.9 * n; // maskable positions
        assertThat(chosen / m).isCloseTo(0.15, org.assertj.core.data.Offset.offset(0.005));
        assertThat((double) masked / chosen).isCloseTo(0.8, org.assertj.core.data.Offset.offset(0.01));
        // a random replacement equal to the original (1 in 50) counts as kept
        assertThat((double) changed / chosen).isCloseTo(0.1 * 49 / 50, org.assertj.core.data.Offset.offset(0.01));
        assertThat((double) kept / chosen).isCloseTo(0.1 + 0.1 / 50, org.assertj.core.data.Offset.offset(0.01));
        int[] input2 = new int[n];
        int[] targets2 = new int[n];
        MaskedLM.apply(ids, maskable, 0.15, 99, 50, new SplittableRandom(7), input2, targets2);
        assertThat(input2).isEqualTo(input);
        assertThat(targets2).isEqualTo(targets);
        MaskedLM.apply(ids, maskable, 0.15, 99, 50, new SplittableRandom(8), input2, targets2);
        assertThat(Arrays.equals(targets2, targets)).isFalse();
    }
}
