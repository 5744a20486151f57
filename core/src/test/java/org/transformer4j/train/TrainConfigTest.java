package org.transformer4j.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transformer4j.T4jException;

class TrainConfigTest {
    @TempDir
    Path tmp;

    @Test
    void defaultsAreNanoGptTrainPy() {
        TrainConfig c = TrainConfig.defaults();
        assertThat(c.outDir()).isEqualTo("out");
        assertThat(c.evalInterval()).isEqualTo(2000);
        assertThat(c.logInterval()).isEqualTo(1);
        assertThat(c.evalIters()).isEqualTo(200);
        assertThat(c.evalOnly()).isFalse();
        assertThat(c.alwaysSaveCheckpoint()).isTrue();
        assertThat(c.initFrom()).isEqualTo("scratch");
        assertThat(c.gradientAccumulationSteps()).isEqualTo(40);
        assertThat(c.batchSize()).isEqualTo(12);
        assertThat(c.blockSize()).isEqualTo(1024);
        assertThat(List.of(c.nLayer(), c.nHead(), c.nEmbd())).containsExactly(12, 12, 768);
        assertThat(c.dropout()).isEqualTo(0.0);
        assertThat(c.bias()).isFalse();
        assertThat(c.learningRate()).isEqualTo(6e-4);
        assertThat(c.maxIters()).isEqualTo(600000);
        assertThat(c.weightDecay()).isEqualTo(0.1);
        assertThat(c.beta1()).isEqualTo(0.9);
        assertThat(c.beta2()).isEqualTo(0.95);
        assertThat(c.gradClip()).isEqualTo(1.0);
        assertThat(c.decayLr()).isTrue();
        assertThat(c.warmupIters()).isEqualTo(2000);
        assertThat(c.lrDecayIters()).isEqualTo(600000);
        assertThat(c.minLr()).isEqualTo(6e-5);
        assertThat(c.seed()).isEqualTo(1337);
        assertThat(c.dataset()).isEqualTo("data/shakespeare_char");
        assertThat(c.input()).isEqualTo("data/tinyshakespeare.txt");
        assertThat(c.tokenizer()).isEqualTo("char");
        assertThat(c.arch()).isEqualTo("gpt");
        assertThat(c.threads()).isZero();
        assertThat(c.adamEps()).isEqualTo(1e-8);
        assertThat(c.initStd()).isEqualTo(0.02);
        assertThat(c.toMap()).hasSize(ConfigKey.values().length).containsEntry("n_layer", 12);
        assertThat(c.toMap().keySet()).startsWith("out_dir", "eval_interval");
        assertThat(c.warnings()).isEmpty();
    }

    @Test
    void presetsMatchNanoGptShakespeareChar() {
        TrainConfig c = TrainConfig.defaults().withPreset("shakespeare-char");
        assertThat(c.outDir()).isEqualTo("out-shakespeare-char");
        assertThat(List.of(c.evalInterval(), c.evalIters(), c.logInterval(), c.gradientAccumulationSteps(),
                c.batchSize(), c.blockSize(), c.nLayer(), c.nHead(), c.nEmbd(), c.maxIters(), c.lrDecayIters(),
                c.warmupIters())).containsExactly(250, 200, 10, 1, 64, 256, 6, 6, 384, 5000, 5000, 100);
        assertThat(c.alwaysSaveCheckpoint()).isFalse();
        assertThat(c.dropout()).isEqualTo(0.2);
        assertThat(c.learningRate()).isEqualTo(1e-3);
        assertThat(c.minLr()).isEqualTo(1e-4);
        assertThat(c.beta2()).isEqualTo(0.99);

        TrainConfig cpu = TrainConfig.load("shakespeare-char-cpu", null, List.of());
        assertThat(List.of(cpu.evalIters(), cpu.logInterval(), cpu.blockSize(), cpu.batchSize(), cpu.nLayer(),
                cpu.nHead(), cpu.nEmbd(), cpu.maxIters(), cpu.lrDecayIters()))
                .containsExactly(20, 1, 64, 12, 4, 4, 128, 2000, 2000);
        assertThat(cpu.dropout()).isEqualTo(0.0);
        assertThat(cpu.beta2()).isEqualTo(0.99); // inherited from shakespeare-char
        assertThat(Presets.names()).containsExactly("shakespeare-char", "shakespeare-char-cpu",
                "gpt2-124m-shakespeare");

        // issue 5's GPT-2 124M-shape step: 12 x 12 x 768, GPT-2 tokens, batch 4 x 64
        TrainConfig g = TrainConfig.load("gpt2-124m-shakespeare", null, List.of());
        assertThat(List.of(g.nLayer(), g.nHead(), g.nEmbd(), g.blockSize(), g.batchSize()))
                .containsExactly(12, 12, 768, 64, 4);
        assertThat(g.tokenizer()).isEqualTo("gpt2");
        assertThat(g.dropout()).isEqualTo(0.0);
    }

    @Test
    void unknownPresetListsKnownOnes() {
        assertThatThrownBy(() -> TrainConfig.load("shakespeare", null, List.of()))
                .isInstanceOf(T4jException.class)
                .hasMessage("unknown preset 'shakespeare' (known presets: shakespeare-char, shakespeare-char-cpu, "
                        + "gpt2-124m-shakespeare)");
    }

    @Test
    void overridesAcceptDashesAndQuotes() {
        TrainConfig c = TrainConfig.defaults().withOverrides(List.of("--max-iters=100", "--init_from='resume'",
                "--learning_rate=3e-4", "--bias=True", "--dataset=\"my data\""));
        assertThat(c.maxIters()).isEqualTo(100);
        assertThat(c.initFrom()).isEqualTo("resume");
        assertThat(c.learningRate()).isEqualTo(3e-4);
        assertThat(c.bias()).isTrue();
        assertThat(c.dataset()).isEqualTo("my data");
        assertThatThrownBy(() -> TrainConfig.parseOverride("--eval_only"))
                .hasMessage("cannot read override '--eval_only': expected --key=value");
    }

    @Test
    void unknownKeySuggestsNearest() {
        assertThatThrownBy(() -> TrainConfig.defaults().with("n_layers", 4))
                .isInstanceOf(T4jException.class)
                .hasMessage("unknown training key 'n_layers' (did you mean 'n_layer'?)");
        assertThatThrownBy(() -> TrainConfig.load(null, null, List.of("--lerning-rate=1")))
                .hasMessage("--lerning-rate=1: unknown training key 'lerning_rate' (did you mean 'learning_rate'?)");
        assertThatThrownBy(() -> TrainConfig.defaults().with("banana", 4))
                .hasMessage("unknown training key 'banana'");
    }

    @Test
    void badValuesNameKeyAndValue() {
        assertThatThrownBy(() -> TrainConfig.defaults().with("n_layer", "abc"))
                .isInstanceOf(T4jException.class).hasMessage("bad value 'abc' for n_layer: expected an integer");
        assertThatThrownBy(() -> TrainConfig.defaults().with("n_layer", "0"))
                .hasMessage("bad value '0' for n_layer: expected a value > 0");
        assertThatThrownBy(() -> TrainConfig.defaults().with("dropout", 1.0))
                .hasMessage("bad value '1.0' for dropout: expected a value in [0, 1)");
        assertThatThrownBy(() -> TrainConfig.defaults().with("beta2", "NaN"))
                .hasMessage("bad value 'NaN' for beta2: expected a number");
        assertThatThrownBy(() -> TrainConfig.defaults().with("init_from", "gpt2-xl"))
                .hasMessage("bad value 'gpt2-xl' for init_from: expected one of scratch, resume");
        assertThatThrownBy(() -> TrainConfig.defaults().with("arch", "mamba"))
                .hasMessage("bad value 'mamba' for arch: expected one of " + String.join(", ", TrainConfig.ARCHS));
        assertThatThrownBy(() -> TrainConfig.defaults().with("decay_lr", "yes"))
                .hasMessage("bad value 'yes' for decay_lr: expected True or False");
        assertThatThrownBy(() -> TrainConfig.defaults().with("out_dir", 5L))
                .hasMessage("bad value '5' for out_dir: expected a string");
        assertThatThrownBy(() -> TrainConfig.defaults().with("max_iters", 5.5))
                .hasMessage("bad value '5.5' for max_iters: expected an integer");
        // 5e3 in a Python file is a float but clearly means 5000
        assertThat(TrainConfig.defaults().with("max_iters", 5e3).maxIters()).isEqualTo(5000);
    }

    @Test
    void crossKeyRulesAreCheckedOnTheCombinedResult() throws IOException {
        assertThatThrownBy(() -> TrainConfig.defaults().with("n_head", 5))
                .hasMessage("n_embd (768) must be divisible by n_head (5)");
        assertThatThrownBy(() -> TrainConfig.defaults().with("warmup_iters", 700000))
                .hasMessage("lr_decay_iters (600000) must be >= warmup_iters (700000) when decay_lr is True");
        assertThat(TrainConfig.load(null, null, List.of("--warmup_iters=700000", "--decay_lr=False")).warmupIters())
                .isEqualTo(700000);
        // min_lr above learning_rate is allowed, as in nanoGPT
        assertThat(TrainConfig.defaults().with("min_lr", 1.0).minLr()).isEqualTo(1.0);
        // The file alone would be invalid on top of the preset (128 % 6 != 0); the override fixes it.
        Path f = tmp.resolve("c.py");
        Files.writeString(f, "n_head = 6\n");
        TrainConfig c = TrainConfig.load("shakespeare-char-cpu", f, List.of("--n_embd=192"));
        assertThat(List.of(c.nHead(), c.nEmbd())).containsExactly(6, 192);
    }

    @Test
    void nanoGptConfigFileLoadsWithWarningsForIgnoredKeys() throws IOException {
        // nanoGPT's config/train_shakespeare_char.py, verbatim apart from being abridged
        String py = """
                # train a miniature character-level shakespeare model
                # good for debugging and playing on macbooks and such

                out_dir = 'out-shakespeare-char'
                eval_interval = 250 # keep frequent because we'll overfit
                eval_iters = 200
                log_interval = 10 # don't print too too often

                wandb_log = False # override via command line if you like
                wandb_project = 'shakespeare-char'
                wandb_run_name = 'mini-gpt'

                dataset = 'shakespeare_char'
                gradient_accumulation_steps = 1
                batch_size = 64
                learning_rate = 1e-3 # with baby networks can afford to go a bit higher

                # on macbook also add
                # device = 'cpu'  # run on cpu only
                # compile = False # do not torch compile the model
                """;
        Path f = tmp.resolve("train_shakespeare_char.py");
        Files.writeString(f, py);
        TrainConfig c = TrainConfig.load(null, f, List.of("--device=cpu", "--compile=False"));
        assertThat(c.batchSize()).isEqualTo(64);
        assertThat(c.datasetDir()).isEqualTo(Path.of("data", "shakespeare_char"));
        assertThat(c.warnings()).hasSize(5);
        assertThat(c.warnings().get(0))
                .isEqualTo(f + ": line 9: ignoring nanoGPT key 'wandb_log' (it does not apply to transformer4j)");
        assertThat(c.warnings().get(3)).startsWith("--device=cpu: ignoring nanoGPT key 'device'");
    }

    @Test
    void datasetDirFollowsNanoGptForBareNames() {
        assertThat(TrainConfig.defaults().datasetDir()).isEqualTo(Path.of("data/shakespeare_char"));
        assertThat(TrainConfig.defaults().with("dataset", "/abs/x").datasetDir()).isEqualTo(Path.of("/abs/x"));
        assertThat(TrainConfig.defaults().with("dataset", "owt").datasetDir()).isEqualTo(Path.of("data/owt"));
    }

    @Test
    void jsonRoundTrip() throws IOException {
        TrainConfig c = TrainConfig.load("shakespeare-char-cpu", null, List.of("--out_dir=a \"q\"\\b", "--seed=-3"));
        Path f = tmp.resolve("config.json");
        Files.writeString(f, c.toJson());
        TrainConfig back = TrainConfig.defaults().withFile(f);
        assertThat(back).isEqualTo(c);
        assertThat(back.toMap()).isEqualTo(c.toMap());
    }

    @Test
    void withReturnsANewConfig() {
        TrainConfig a = TrainConfig.defaults();
        TrainConfig b = a.with("n_layer", 2);
        assertThat(a.nLayer()).isEqualTo(12);
        assertThat(b.nLayer()).isEqualTo(2);
        assertThat(b.get("n_layer")).isEqualTo(2);
    }

    @Test
    void editDistance() {
        assertThat(TrainConfig.editDistance("kitten", "sitting")).isEqualTo(3);
        assertThat(TrainConfig.editDistance("", "abc")).isEqualTo(3);
        assertThat(TrainConfig.editDistance("n_layer", "n_layer")).isZero();
    }
}
