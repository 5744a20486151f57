package org.transformer4j.train;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.transformer4j.T4jException;

/**
 * The settings of a training run: nanoGPT's train.py knobs under nanoGPT's names and defaults, plus a few of our
 * own (see {@link ConfigKey}). Immutable; every instance is valid, both key by key and across keys.
 *
 * <p>Sources are applied in order: defaults, then a {@linkplain Presets preset}, then a config file
 * ({@link ConfigFiles}: nanoGPT's Python config files or flat JSON), then {@code --key=value} overrides. nanoGPT
 * keys that mean nothing on a CPU (wandb_*, backend, device, dtype, compile) are accepted and ignored, with a note
 * in {@link #warnings()}, so nanoGPT's own config files load unchanged. Any other unknown key is an error.
 */
public final class TrainConfig {
    /** The model architectures {@code arch} accepts. Add a name here when its model exists. */
    public static final List<String> ARCHS = List.of("gpt", "llama", "bert", "seq2seq");

    /** nanoGPT keys that do not apply to a single CPU process; accepted and ignored. */
    public static final Set<String> IGNORED_KEYS =
            Set.of("wandb_log", "wandb_project", "wandb_run_name", "backend", "device", "dtype", "compile");

    /** One value to apply, and where it came from (for error messages), e.g. "train.py: line 7". */
    public record Setting(String key, Object value, String origin) {}

    private final Object[] values;
    private final List<String> warnings;

    private TrainConfig(Object[] values, List<String> warnings) {
        this.values = values;
        this.warnings = warnings;
    }

    /** nanoGPT's train.py defaults. */
    public static TrainConfig defaults() {
        ConfigKey[] keys = ConfigKey.values();
        Object[] v = new Object[keys.length];
        for (ConfigKey k : keys) {
            v[k.ordinal()] = k.defaultValue();
        }
        return new TrainConfig(v, List.of());
    }

    /**
     * Defaults, then the preset (may be null), then the config file (may be null), then the overrides
     * ({@code --key=value} arguments). Cross-key rules are checked once, on the result.
     */
    public static TrainConfig load(String preset, Path file, List<String> overrides) {
        return load(List.of(), preset, file, overrides);
    }

    /**
     * As {@link #load(String, Path, List)}, with {@code base} applied first, right after the defaults: a resumed
     * run passes the settings saved in its checkpoint, so that {@code t4j train --out DIR --resume} continues with
     * the run's own settings and only what is given now (e.g. a larger max_iters) changes.
     */
    public static TrainConfig load(List<Setting> base, String preset, Path file, List<String> overrides) {
        List<Setting> all = new ArrayList<>(base);
        if (preset != null) {
            all.addAll(Presets.settings(preset));
        }
        if (file != null) {
            all.addAll(ConfigFiles.parse(file));
        }
        for (String o : overrides) {
            all.add(parseOverride(o));
        }
        return defaults().withAll(all);
    }

    /** This config with a preset applied on top. */
    public TrainConfig withPreset(String name) {
        return withAll(Presets.settings(name));
    }

    /** This config with a config file applied on top. */
    public TrainConfig withFile(Path file) {
        return withAll(ConfigFiles.parse(file));
    }

    /** This config with {@code --key=value} arguments applied on top. */
    public TrainConfig withOverrides(List<String> args) {
        List<Setting> s = new ArrayList<>();
        for (String a : args) {
            s.add(parseOverride(a));
        }
        return withAll(s);
    }

    /** This config with one value changed; the value may be text ("100") or already typed (100). */
    public TrainConfig with(String key, Object value) {
        return withAll(List.of(new Setting(key, value, null)));
    }

    /**
     * This config with the settings applied in order (a later one wins), then checked across keys.
     *
     * @throws T4jException naming the origin, key and value at fault
     */
    public TrainConfig withAll(List<Setting> settings) {
        Object[] v = values.clone();
        List<String> w = new ArrayList<>(warnings);
        for (Setting s : settings) {
            String where = s.origin() == null ? "" : s.origin() + ": ";
            ConfigKey k = ConfigKey.byName(s.key());
            if (k == null) {
                if (IGNORED_KEYS.contains(s.key())) {
                    w.add(where + "ignoring nanoGPT key '" + s.key() + "' (it does not apply to transformer4j)");
                    continue;
                }
                throw new T4jException(where + "unknown training key '" + s.key() + "'" + suggestion(s.key()));
            }
            try {
                v[k.ordinal()] = k.convert(s.value());
            } catch (IllegalArgumentException e) {
                throw new T4jException(where + "bad value '" + show(s.value()) + "' for " + k.key() + ": "
                        + e.getMessage());
            }
        }
        TrainConfig c = new TrainConfig(v, List.copyOf(w));
        c.checkAcrossKeys();
        return c;
    }

    private void checkAcrossKeys() {
        if (nEmbd() % nHead() != 0) {
            throw new T4jException("n_embd (" + nEmbd() + ") must be divisible by n_head (" + nHead() + ")");
        }
        // nanoGPT's get_lr asserts this when it decays; check it before the run starts, not at iteration 2000.
        if (decayLr() && lrDecayIters() < warmupIters()) {
            throw new T4jException("lr_decay_iters (" + lrDecayIters() + ") must be >= warmup_iters ("
                    + warmupIters() + ") when decay_lr is True");
        }
        if (s(ConfigKey.RNG).equals("torch") && !arch().equals("gpt")) {
            throw new T4jException("rng=torch replays nanoGPT's GPT (its initial weights and batches); arch "
                    + arch() + " has no nanoGPT counterpart: use rng=splitmix or auto");
        }
    }

    /**
     * Parses one command-line override, {@code --key=value}. Dashes in the key are read as underscores
     * ({@code --max-iters=100}). Quotes around the value are removed, as nanoGPT's configurator would.
     */
    public static Setting parseOverride(String arg) {
        int eq = arg.indexOf('=');
        if (!arg.startsWith("--") || eq < 3) {
            throw new T4jException("cannot read override '" + arg + "': expected --key=value");
        }
        String key = arg.substring(2, eq).replace('-', '_');
        String value = arg.substring(eq + 1);
        if (value.length() >= 2 && (value.charAt(0) == '\'' || value.charAt(0) == '"')
                && value.charAt(value.length() - 1) == value.charAt(0)) {
            value = value.substring(1, value.length() - 1);
        }
        return new Setting(key, value, arg);
    }

    /** " (did you mean 'x'?)" for the nearest known key, or "" when nothing is close. */
    static String suggestion(String key) {
        String best = null;
        int bestDist = Integer.MAX_VALUE;
        for (ConfigKey k : ConfigKey.values()) {
            int d = editDistance(key.toLowerCase(Locale.ROOT), k.key());
            if (d < bestDist) {
                bestDist = d;
                best = k.key();
            }
        }
        // Only suggest when the typo is small relative to the word; otherwise the guess is noise.
        return best != null && bestDist <= Math.max(2, key.length() / 3) ? " (did you mean '" + best + "'?)" : "";
    }

    static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j], cur[j - 1]) + 1);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private static String show(Object v) {
        if (v instanceof Boolean b) {
            return b ? "True" : "False";
        }
        return String.valueOf(v);
    }

    /** Notes about accepted-but-ignored keys, each naming where it came from. */
    public List<String> warnings() {
        return warnings;
    }

    /** The value of a key by name (Integer, Double, Boolean or String). */
    public Object get(String key) {
        ConfigKey k = ConfigKey.byName(key);
        if (k == null) {
            throw new T4jException("unknown training key '" + key + "'" + suggestion(key));
        }
        return values[k.ordinal()];
    }

    /** All values in {@link ConfigKey} order, keyed by nanoGPT name. Unmodifiable. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        for (ConfigKey k : ConfigKey.values()) {
            m.put(k.key(), values[k.ordinal()]);
        }
        return Collections.unmodifiableMap(m);
    }

    /** The config as a flat JSON object, one key per line; {@link ConfigFiles#parse} reads it back. */
    public String toJson() {
        StringBuilder sb = new StringBuilder("{\n");
        int i = 0;
        for (Map.Entry<String, Object> e : toMap().entrySet()) {
            sb.append("  \"").append(e.getKey()).append("\": ");
            if (e.getValue() instanceof String s) {
                sb.append(org.transformer4j.io.Json.write(s));
            } else {
                sb.append(e.getValue());
            }
            sb.append(++i < ConfigKey.values().length ? ",\n" : "\n");
        }
        return sb.append("}\n").toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TrainConfig c && java.util.Arrays.equals(values, c.values);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        return toMap().toString();
    }

    private int i(ConfigKey k) {
        return (Integer) values[k.ordinal()];
    }

    private double d(ConfigKey k) {
        return (Double) values[k.ordinal()];
    }

    private boolean b(ConfigKey k) {
        return (Boolean) values[k.ordinal()];
    }

    private String s(ConfigKey k) {
        return (String) values[k.ordinal()];
    }

    /** {@code out_dir}: where checkpoints, metrics and the loss plot go. */
    public String outDir() { return s(ConfigKey.OUT_DIR); }

    /** {@code eval_interval}: evaluate (and maybe checkpoint) every this many iterations. */
    public int evalInterval() { return i(ConfigKey.EVAL_INTERVAL); }

    /** {@code log_interval}: print the training loss every this many iterations. */
    public int logInterval() { return i(ConfigKey.LOG_INTERVAL); }

    /** {@code eval_iters}: batches averaged per split when estimating the loss. */
    public int evalIters() { return i(ConfigKey.EVAL_ITERS); }

    /** {@code eval_only}: evaluate once and exit. */
    public boolean evalOnly() { return b(ConfigKey.EVAL_ONLY); }

    /** {@code always_save_checkpoint}: save at every eval, not only when the val loss improves. */
    public boolean alwaysSaveCheckpoint() { return b(ConfigKey.ALWAYS_SAVE_CHECKPOINT); }

    /** {@code init_from}: "scratch" or "resume". */
    public String initFrom() { return s(ConfigKey.INIT_FROM); }

    /** {@code dataset}: the prepared data directory, as written (see {@link #datasetDir()}). */
    public String dataset() { return s(ConfigKey.DATASET); }

    /**
     * The prepared data directory. A bare name such as nanoGPT's {@code dataset = 'shakespeare_char'} means
     * {@code data/shakespeare_char}, as in nanoGPT; anything with a path separator is a path as it is.
     */
    public Path datasetDir() {
        String d = dataset();
        return d.contains("/") || d.contains(java.io.File.separator) || d.equals(".") || d.equals("..")
                ? Path.of(d) : Path.of("data", d);
    }

    /** {@code gradient_accumulation_steps}: micro-batches per optimizer step. */
    public int gradientAccumulationSteps() { return i(ConfigKey.GRADIENT_ACCUMULATION_STEPS); }

    /** {@code batch_size}: sequences per micro-batch. */
    public int batchSize() { return i(ConfigKey.BATCH_SIZE); }

    /** {@code block_size}: context length in tokens. */
    public int blockSize() { return i(ConfigKey.BLOCK_SIZE); }

    /** {@code n_layer}. */
    public int nLayer() { return i(ConfigKey.N_LAYER); }

    /** {@code n_head}. */
    public int nHead() { return i(ConfigKey.N_HEAD); }

    /** {@code n_embd}. */
    public int nEmbd() { return i(ConfigKey.N_EMBD); }

    /** {@code dropout}: in [0, 1). */
    public double dropout() { return d(ConfigKey.DROPOUT); }

    /** {@code bias}: biases in Linear layers and LayerNorms. */
    public boolean bias() { return b(ConfigKey.BIAS); }

    /** {@code learning_rate}: the peak learning rate. */
    public double learningRate() { return d(ConfigKey.LEARNING_RATE); }

    /** {@code max_iters}: total optimizer steps. */
    public int maxIters() { return i(ConfigKey.MAX_ITERS); }

    /** {@code weight_decay}: AdamW's decoupled decay, applied to tensors of rank >= 2. */
    public double weightDecay() { return d(ConfigKey.WEIGHT_DECAY); }

    /** {@code beta1}. */
    public double beta1() { return d(ConfigKey.BETA1); }

    /** {@code beta2}. */
    public double beta2() { return d(ConfigKey.BETA2); }

    /** {@code grad_clip}: the global gradient-norm limit; 0 disables clipping. */
    public double gradClip() { return d(ConfigKey.GRAD_CLIP); }

    /** {@code decay_lr}: warm up and cosine-decay the learning rate; otherwise keep it constant. */
    public boolean decayLr() { return b(ConfigKey.DECAY_LR); }

    /** {@code warmup_iters}. */
    public int warmupIters() { return i(ConfigKey.WARMUP_ITERS); }

    /** {@code lr_decay_iters}: the iteration at which the learning rate reaches min_lr. */
    public int lrDecayIters() { return i(ConfigKey.LR_DECAY_ITERS); }

    /** {@code min_lr}. */
    public double minLr() { return d(ConfigKey.MIN_LR); }

    /** {@code seed}: nanoGPT uses 1337 + rank; we are always rank 0. */
    public int seed() { return i(ConfigKey.SEED); }

    /** {@code input}: the text file to prepare the dataset from when its directory is missing. */
    public String input() { return s(ConfigKey.INPUT); }

    /** {@code tokenizer}: "char" or "gpt2". */
    public String tokenizer() { return s(ConfigKey.TOKENIZER); }

    /** {@code arch}: one of {@link #ARCHS}. */
    public String arch() { return s(ConfigKey.ARCH); }

    /** {@code threads}: worker threads; 0 means all cores. */
    public int threads() { return i(ConfigKey.THREADS); }

    /** {@code adam_eps}: AdamW's epsilon (PyTorch's default 1e-8). */
    public double adamEps() { return d(ConfigKey.ADAM_EPS); }

    /** {@code init_std}: standard deviation of the normal weight init (nanoGPT: 0.02). */
    public double initStd() { return d(ConfigKey.INIT_STD); }

    /**
     * {@code rng}: "torch" (PyTorch's generator in nanoGPT's draw order: for the same seed, nanoGPT's initial
     * weights and batches) or "splitmix" (t4j's streams derived from seed, iteration and micro-step); "auto" is
     * torch for arch gpt and splitmix for the others.
     */
    public String rng() {
        String r = s(ConfigKey.RNG);
        return r.equals("auto") ? (arch().equals("gpt") ? "torch" : "splitmix") : r;
    }
}
