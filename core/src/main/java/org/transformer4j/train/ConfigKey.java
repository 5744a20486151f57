package org.transformer4j.train;

import java.util.List;

/**
 * The keys of a training configuration, with nanoGPT's names, its train.py defaults, their types and the rule each
 * value must satisfy on its own. Rules that relate two keys live in {@link TrainConfig}.
 *
 * <p>The order of the constants is the order of {@link TrainConfig#toMap()}: nanoGPT's order first, then ours.
 */
public enum ConfigKey {
    // I/O
    OUT_DIR("out_dir", Type.STRING, "out", Rule.NON_EMPTY),
    EVAL_INTERVAL("eval_interval", Type.INT, 2000, Rule.POSITIVE),
    LOG_INTERVAL("log_interval", Type.INT, 1, Rule.POSITIVE),
    EVAL_ITERS("eval_iters", Type.INT, 200, Rule.POSITIVE),
    EVAL_ONLY("eval_only", Type.BOOL, false, Rule.ANY),
    ALWAYS_SAVE_CHECKPOINT("always_save_checkpoint", Type.BOOL, true, Rule.ANY),
    INIT_FROM("init_from", Type.STRING, "scratch", Rule.oneOf(List.of("scratch", "resume"))),
    // data
    DATASET("dataset", Type.STRING, "data/shakespeare_char", Rule.NON_EMPTY),
    GRADIENT_ACCUMULATION_STEPS("gradient_accumulation_steps", Type.INT, 40, Rule.POSITIVE),
    BATCH_SIZE("batch_size", Type.INT, 12, Rule.POSITIVE),
    BLOCK_SIZE("block_size", Type.INT, 1024, Rule.POSITIVE),
    // model
    N_LAYER("n_layer", Type.INT, 12, Rule.POSITIVE),
    N_HEAD("n_head", Type.INT, 12, Rule.POSITIVE),
    N_EMBD("n_embd", Type.INT, 768, Rule.POSITIVE),
    DROPOUT("dropout", Type.DOUBLE, 0.0, Rule.UNIT_INTERVAL),
    BIAS("bias", Type.BOOL, false, Rule.ANY),
    // optimizer
    LEARNING_RATE("learning_rate", Type.DOUBLE, 6e-4, Rule.NON_NEGATIVE),
    MAX_ITERS("max_iters", Type.INT, 600000, Rule.NON_NEGATIVE),
    WEIGHT_DECAY("weight_decay", Type.DOUBLE, 0.1, Rule.NON_NEGATIVE),
    BETA1("beta1", Type.DOUBLE, 0.9, Rule.UNIT_INTERVAL),
    BETA2("beta2", Type.DOUBLE, 0.95, Rule.UNIT_INTERVAL),
    GRAD_CLIP("grad_clip", Type.DOUBLE, 1.0, Rule.NON_NEGATIVE),
    // learning-rate schedule
    DECAY_LR("decay_lr", Type.BOOL, true, Rule.ANY),
    WARMUP_ITERS("warmup_iters", Type.INT, 2000, Rule.NON_NEGATIVE),
    LR_DECAY_ITERS("lr_decay_iters", Type.INT, 600000, Rule.NON_NEGATIVE),
    MIN_LR("min_lr", Type.DOUBLE, 6e-5, Rule.NON_NEGATIVE),
    // nanoGPT seeds with 1337 + rank; we run one process, so the seed is used as it is.
    SEED("seed", Type.INT, 1337, Rule.ANY),
    // transformer4j's own keys
    INPUT("input", Type.STRING, "data/tinyshakespeare.txt", Rule.NON_EMPTY),
    TOKENIZER("tokenizer", Type.STRING, "char", Rule.oneOf(List.of("char", "gpt2"))),
    ARCH("arch", Type.STRING, "gpt", Rule.oneOf(TrainConfig.ARCHS)),
    THREADS("threads", Type.INT, 0, Rule.NON_NEGATIVE),
    ADAM_EPS("adam_eps", Type.DOUBLE, 1e-8, Rule.POSITIVE),
    INIT_STD("init_std", Type.DOUBLE, 0.02, Rule.POSITIVE),
    // BERT (arch=bert): the share of positions the masked-LM objective chooses
    MLM_PROBABILITY("mlm_probability", Type.DOUBLE, 0.15, Rule.UNIT_INTERVAL),
    // llama: key/value heads (0: n_head, i.e. no grouping), the rotary base, the SwiGLU width (0: llama2.c's rule,
    // 2/3 of 4 * n_embd rounded up to a multiple of 32) and whether the output head is the token embedding
    N_KV_HEAD("n_kv_head", Type.INT, 0, Rule.NON_NEGATIVE),
    ROPE_THETA("rope_theta", Type.DOUBLE, 10000.0, Rule.POSITIVE),
    INTERMEDIATE_SIZE("intermediate_size", Type.INT, 0, Rule.NON_NEGATIVE),
    TIE_WORD_EMBEDDINGS("tie_word_embeddings", Type.BOOL, true, Rule.ANY),
    // encoder-decoder (arch seq2seq): the (source TAB target) pairs file, the share held out for val, label smoothing
    PAIRS("pairs", Type.STRING, "pairs.tsv", Rule.NON_EMPTY),
    VAL_FRACTION("val_fraction", Type.DOUBLE, 0.1, Rule.UNIT_INTERVAL),
    LABEL_SMOOTHING("label_smoothing", Type.DOUBLE, 0.0, Rule.UNIT_INTERVAL),
    // the generator of initial weights and batches: torch replays nanoGPT's (PyTorch's generator, nanoGPT's draw
    // order), splitmix is t4j's own per-(iteration, micro-step) streams; auto is torch for arch gpt
    RNG("rng", Type.STRING, "auto", Rule.oneOf(List.of("auto", "torch", "splitmix"))),
    // encoder-decoder family (arch seq2seq): the original Transformer, T5 or BART, each saved in its Hugging Face
    // layout (the original in ours). d_ff is intermediate_size (0: 4 * n_embd) and the head is tied unless
    // tie_word_embeddings is False (T5 only). T5: the width of a head (0: n_embd / n_head), the relative position
    // buckets and the distance past which they are all one, and the feed-forward kind. BART: the number of learned
    // positions (each source, and each target plus its start token, must fit).
    SEQ2SEQ_VARIANT("seq2seq_variant", Type.STRING, "original", Rule.oneOf(List.of("original", "t5", "bart"))),
    D_KV("d_kv", Type.INT, 0, Rule.NON_NEGATIVE),
    RELATIVE_ATTENTION_NUM_BUCKETS("relative_attention_num_buckets", Type.INT, 32, Rule.POSITIVE),
    RELATIVE_ATTENTION_MAX_DISTANCE("relative_attention_max_distance", Type.INT, 128, Rule.POSITIVE),
    FEED_FORWARD_PROJ("feed_forward_proj", Type.STRING, "relu", Rule.oneOf(List.of("relu", "gated-gelu"))),
    MAX_POSITION_EMBEDDINGS("max_position_embeddings", Type.INT, 1024, Rule.POSITIVE);

    /** The type of a value; it decides how text and file values are converted. */
    public enum Type { INT, DOUBLE, BOOL, STRING }

    private final String key;
    private final Type type;
    private final Object defaultValue;
    private final Rule rule;

    ConfigKey(String key, Type type, Object defaultValue, Rule rule) {
        this.key = key;
        this.type = type;
        this.defaultValue = defaultValue;
        this.rule = rule;
    }

    /** The name as written in configuration files and on the command line, e.g. {@code n_layer}. */
    public String key() {
        return key;
    }

    public Type type() {
        return type;
    }

    /** nanoGPT's train.py default (Integer, Double, Boolean or String). */
    public Object defaultValue() {
        return defaultValue;
    }

    /** The values a string key accepts, or an empty list when any string is accepted. */
    public List<String> choices() {
        return rule.choices;
    }

    /** The key with this name, or null. */
    public static ConfigKey byName(String name) {
        for (ConfigKey k : values()) {
            if (k.key.equals(name)) {
                return k;
            }
        }
        return null;
    }

    /**
     * Converts a value (text from the command line, or a String/Long/Integer/Double/Boolean from a file) to this
     * key's type and checks it. Returns an Integer, Double, Boolean or String.
     *
     * @throws IllegalArgumentException with the "expected ..." part of the message
     */
    Object convert(Object value) {
        Object v = switch (type) {
            case INT -> toInt(value);
            case DOUBLE -> toDouble(value);
            case BOOL -> toBool(value);
            case STRING -> toText(value);
        };
        rule.check(v);
        return v;
    }

    private static Object toInt(Object value) {
        if (value instanceof Integer || value instanceof Long) {
            long l = ((Number) value).longValue();
            if (l == (int) l) {
                return (int) l;
            }
        } else if (value instanceof Double d) {
            // 5e3 in a config file means 5000; accept floats that are whole numbers.
            if (d == Math.rint(d) && Math.abs(d) <= Integer.MAX_VALUE) {
                return (int) d.doubleValue();
            }
        } else if (value instanceof String s && s.trim().matches("[+-]?[0-9][0-9_]*")) {
            try {
                return Integer.parseInt(s.trim().replace("_", ""));
            } catch (NumberFormatException e) {
                // too large: falls through to the error below
            }
        }
        throw new IllegalArgumentException("expected an integer");
    }

    private static final String DECIMAL = "[+-]?([0-9][0-9_]*\\.?[0-9_]*|\\.[0-9][0-9_]*)([eE][+-]?[0-9]+)?";

    private static Object toDouble(Object value) {
        double d;
        if (value instanceof Number n && !(value instanceof Float)) {
            d = n.doubleValue();
        } else if (value instanceof String s && s.trim().matches(DECIMAL)) {
            d = Double.parseDouble(s.trim().replace("_", ""));
        } else {
            throw new IllegalArgumentException("expected a number");
        }
        if (!Double.isFinite(d)) {
            throw new IllegalArgumentException("expected a finite number");
        }
        return d;
    }

    private static Object toBool(Object value) {
        if (value instanceof Boolean b) {
            return b;
        }
        if (value instanceof String s) {
            switch (s.trim()) {
                case "true", "True", "TRUE" -> { return true; }
                case "false", "False", "FALSE" -> { return false; }
                default -> { }
            }
        }
        throw new IllegalArgumentException("expected True or False");
    }

    private static Object toText(Object value) {
        if (!(value instanceof String s)) {
            throw new IllegalArgumentException("expected a string");
        }
        return s;
    }

    /** A check on one value. */
    static final class Rule {
        static final Rule ANY = new Rule(null, null, List.of());
        static final Rule POSITIVE = new Rule(d -> d > 0, "expected a value > 0", List.of());
        static final Rule NON_NEGATIVE = new Rule(d -> d >= 0, "expected a value >= 0", List.of());
        static final Rule UNIT_INTERVAL = new Rule(d -> d >= 0 && d < 1, "expected a value in [0, 1)", List.of());
        static final Rule NON_EMPTY = new Rule(null, null, List.of());

        private final java.util.function.DoublePredicate test;
        private final String expected;
        final List<String> choices;

        private Rule(java.util.function.DoublePredicate test, String expected, List<String> choices) {
            this.test = test;
            this.expected = expected;
            this.choices = choices;
        }

        static Rule oneOf(List<String> choices) {
            return new Rule(null, null, List.copyOf(choices));
        }

        void check(Object v) {
            if (v instanceof Number n && test != null && !test.test(n.doubleValue())) {
                throw new IllegalArgumentException(expected);
            }
            if (v instanceof String s) {
                if (s.isEmpty()) {
                    throw new IllegalArgumentException("expected a non-empty string");
                }
                if (!choices.isEmpty() && !choices.contains(s)) {
                    throw new IllegalArgumentException("expected one of " + String.join(", ", choices));
                }
            }
        }
    }
}
