package org.transformer4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import org.transformer4j.T4jException;
import org.transformer4j.data.DataDir;
import org.transformer4j.data.Prepare;
import org.transformer4j.kernels.Parallel;
import org.transformer4j.tokenizer.CharTokenizer;
import org.transformer4j.tokenizer.Tokenizer;
import org.transformer4j.train.Architectures;
import org.transformer4j.train.Checkpoint;
import org.transformer4j.train.Presets;
import org.transformer4j.train.TrainConfig;
import org.transformer4j.train.TrainListener;
import org.transformer4j.train.Trainer;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/** {@code t4j train}: nanoGPT's train.py. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a model from scratch (--arch=gpt, llama, bert or seq2seq) or resume a run",
        footer = {"",
                "Settings use nanoGPT's names and defaults and are applied in order: defaults, --preset, --config, "
                        + "then --key=value overrides (e.g. --max_iters=100 --dropout=0.1).",
                "Keys: out_dir eval_interval log_interval eval_iters eval_only always_save_checkpoint init_from "
                        + "dataset input tokenizer gradient_accumulation_steps batch_size block_size n_layer n_head "
                        + "n_embd dropout bias learning_rate max_iters weight_decay beta1 beta2 grad_clip decay_lr "
                        + "warmup_iters lr_decay_iters min_lr seed threads adam_eps init_std arch mlm_probability "
                        + "n_kv_head rope_theta intermediate_size tie_word_embeddings pairs val_fraction "
                        + "label_smoothing rng seq2seq_variant d_kv relative_attention_num_buckets "
                        + "relative_attention_max_distance feed_forward_proj max_position_embeddings",
                "--arch=seq2seq --seq2seq_variant=t5 or bart saves a Hugging Face T5ForConditionalGeneration or "
                        + "BartForConditionalGeneration directory.",
                "When the dataset directory does not exist it is prepared from 'input' with 'tokenizer' "
                        + "(by default the bundled Tiny Shakespeare, character-level).",
                "Ctrl-C saves a checkpoint and exits; --init_from=resume continues the run exactly.",
                "Example: t4j train --preset shakespeare-char-cpu --out runs/shakespeare-char"})
public final class TrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--preset", paramLabel = "NAME",
            description = "start from a preset: shakespeare-char (nanoGPT's GPU config), shakespeare-char-cpu "
                    + "(nanoGPT's README CPU run)")
    String preset;

    @Option(names = "--config", paramLabel = "FILE",
            description = "a nanoGPT-style config file (key = value lines, Python syntax) or a flat JSON object")
    Path config;

    @Option(names = "--out", paramLabel = "DIR", description = "the run directory (sets out_dir)")
    Path out;

    @Option(names = "--resume", description = "continue the run in the run directory (sets init_from=resume)")
    boolean resume;

    @Unmatched
    List<String> overrides = new ArrayList<>();

    @Override
    public Integer call() throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter outw = spec.commandLine().getOut();
        List<String> all = new ArrayList<>(overrides);
        if (out != null) {
            all.add("--out_dir=" + out);
        }
        if (resume) {
            all.add("--init_from=resume");
        }
        if (preset != null && !Presets.names().contains(preset)) {
            throw new T4jException("unknown preset '" + preset + "' (known: " + String.join(", ", Presets.names())
                    + ")");
        }
        Path configFile = config == null ? null : Home.resolve(config);
        TrainConfig cfg = TrainConfig.load(preset, configFile, all);
        if (cfg.initFrom().equals("resume")) {
            // Resume with the run's own settings (saved in its checkpoint); what is given now goes on top.
            cfg = TrainConfig.load(Checkpoint.savedSettings(Path.of(cfg.outDir())), preset, configFile, all);
        }
        for (String w : cfg.warnings()) {
            err.println("t4j: note: " + w);
        }
        // An architecture that reads its own files (e.g. source/target pairs) gets no token data directory.
        DataDir data = Architectures.of(cfg.arch()).usesTokenData() ? openOrPrepareData(cfg, err) : null;
        Path runDir = Path.of(cfg.outDir());
        Files.createDirectories(runDir);
        if (cfg.initFrom().equals("scratch") && Files.exists(runDir.resolve(Checkpoint.STATE))) {
            err.println("t4j: note: starting from scratch in " + runDir
                    + ", replacing the checkpoint there (use --init_from=resume to continue it)");
        }
        if (data != null) {
            Tokenizers.load(data.dir()).ifPresent(tok -> {
                try {
                    Tokenizers.save(tok, runDir);
                } catch (IOException e) {
                    throw new T4jException("cannot write tokenizer files into " + runDir + ": " + e.getMessage(), e);
                }
            });
        }
        org.transformer4j.io.AtomicFiles.writeString(runDir.resolve("train_config.json"), cfg.toJson() + "\n");

        long start = System.nanoTime();
        try (CliTrainListener listener = new CliTrainListener(err, cfg)) {
            Trainer trainer = new Trainer(cfg, data, runDir, listener);
            Interrupts.Handle handle = Interrupts.onInterrupt(() -> {
                listener.info("interrupt: finishing this iteration and saving a checkpoint (Ctrl-C again to "
                        + "abort without saving)");
                trainer.requestStop();
            });
            Trainer.Result r;
            try {
                r = trainer.run();
            } finally {
                handle.close();
            }
            double wall = (System.nanoTime() - start) / 1e9;
            listener.close();
            outw.printf(Locale.ROOT, "%s after %d iterations in %.1f s (%d threads): best val loss %.4f, "
                            + "last train loss %.4f, val loss %.4f%n",
                    r.stoppedEarly() ? "stopped" : "done", r.iterations(), wall, Parallel.threads(),
                    r.bestValLoss(), r.lastTrainLoss(), r.lastValLoss());
            outw.printf("run directory: %s%n", runDir);
            outw.printf(r.stoppedEarly() ? "resume with: t4j train --out %s --resume%n"
                    : cfg.arch().equals("seq2seq") ? "generate with: t4j generate --model %s --source TEXT --temperature 0%n"
                    : "sample with: t4j sample --model %s%n", runDir);
            outw.flush();
            return r.stoppedEarly() ? 130 : Cli.EXIT_OK;
        } finally {
            if (data != null) {
                data.close();
            }
        }
    }

    /** Opens the prepared dataset, preparing it from the input text first when its directory is missing. */
    static DataDir openOrPrepareData(TrainConfig cfg, PrintWriter err) throws IOException {
        Path dataDir = Home.resolve(cfg.datasetDir());
        if (!Files.isDirectory(dataDir)) {
            Path input = Home.resolve(Path.of(cfg.input()));
            if (!Files.isRegularFile(input)) {
                throw new T4jException("dataset directory " + dataDir + " does not exist and there is no input text "
                        + input + " to prepare it from (set --input=FILE or run t4j prepare)");
            }
            // Prepare next to the bundled corpus when the dataset is the default one, so every cwd shares it.
            if (!cfg.datasetDir().isAbsolute() && !input.equals(Path.of(cfg.input()))) {
                dataDir = Home.dir().resolve(cfg.datasetDir());
            }
            String text = Prepare.readText(input);
            Tokenizer tok = cfg.tokenizer().equals("char") ? CharTokenizer.fromText(text) : Tokenizers.byKind(cfg.tokenizer());
            err.println("t4j: preparing " + dataDir + " from " + input + " (" + cfg.tokenizer() + " tokenizer)");
            Prepare.run(text, String.valueOf(input.getFileName()), tok, dataDir, dir -> Tokenizers.save(tok, dir));
        }
        return DataDir.open(dataDir);
    }

    /** Training progress: a bar at a terminal, nanoGPT-like log lines elsewhere. */
    private static final class CliTrainListener implements TrainListener, AutoCloseable {
        private final PrintWriter err;
        private final TrainConfig cfg;
        private Progress progress;
        private int startIter;

        CliTrainListener(PrintWriter err, TrainConfig cfg) {
            this.err = err;
            this.cfg = cfg;
        }

        @Override
        public void onStart(String summary, int startIter, int maxIters) {
            this.startIter = startIter;
            err.println("t4j: " + summary);
            progress = Progress.start("iter", maxIters + 1L - startIter, cfg.logInterval(), err);
        }

        @Override
        public void onIter(int iter, double loss, double lr, double msPerIter) {
            progress.step(iter + 1L - startIter, String.format(Locale.ROOT, "loss %.4f, lr %.2e", loss, lr));
        }

        @Override
        public void onEval(int iter, double trainLoss, double valLoss, double lr) {
            log(String.format(Locale.ROOT, "step %d: train loss %.4f, val loss %.4f", iter, trainLoss, valLoss));
        }

        @Override
        public void onCheckpoint(Path dir, int iter, String reason) {
            log("saved checkpoint to " + dir + " at iter " + iter + " (" + reason + ")");
        }

        @Override
        public void info(String message) {
            log(message);
        }

        private void log(String line) {
            if (progress != null) {
                progress.log(line);
            } else {
                err.println("t4j: " + line);
            }
        }

        @Override
        public void close() {
            if (progress != null) {
                progress.close();
                progress = null;
            }
        }
    }
}
