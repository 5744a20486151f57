package org.transformer4j.train;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.transformer4j.T4jException;

/**
 * Named starting points for a run, written in nanoGPT's config-file format so they read like the originals.
 */
public final class Presets {
    /** nanoGPT's config/train_shakespeare_char.py (a baby GPT on Shakespeare's characters). */
    private static final String SHAKESPEARE_CHAR = """
            out_dir = 'out-shakespeare-char'
            eval_interval = 250 # keep frequent because we'll overfit
            eval_iters = 200
            log_interval = 10 # don't print too too often
            # we expect to overfit on this small dataset, so only save when val improves
            always_save_checkpoint = False
            dataset = 'data/shakespeare_char'
            gradient_accumulation_steps = 1
            batch_size = 64
            block_size = 256 # context of up to 256 previous characters
            # baby GPT model :)
            n_layer = 6
            n_head = 6
            n_embd = 384
            dropout = 0.2
            learning_rate = 1e-3 # with baby networks can afford to go a bit higher
            max_iters = 5000
            lr_decay_iters = 5000 # make equal to max_iters usually
            min_lr = 1e-4 # learning_rate / 10 usually
            beta2 = 0.99 # make a bit bigger because number of tokens per iter is small
            warmup_iters = 100 # not super necessary potentially
            """;

    /** The above plus the smaller CPU run from nanoGPT's README ("I only have a macbook"). */
    private static final String SHAKESPEARE_CHAR_CPU = SHAKESPEARE_CHAR + """
            eval_iters = 20
            log_interval = 1
            block_size = 64
            batch_size = 12
            n_layer = 4
            n_head = 4
            n_embd = 128
            max_iters = 2000
            lr_decay_iters = 2000
            dropout = 0.0
            """;

    /**
     * The GPT-2 124M shape (nanoGPT's gpt2 config: 12 layers, 12 heads, 768 channels, GPT-2's 50257 tokens) on
     * Tiny Shakespeare in GPT-2 tokens, with issue 5's benchmark batch of 4 x 64: for measuring a 124M-sized
     * training step against bench/pytorch/train_gpt.py (same shape, same data), not for a real GPT-2 run.
     */
    private static final String GPT2_124M_SHAKESPEARE = SHAKESPEARE_CHAR + """
            out_dir = 'out-gpt2-124m-shakespeare'
            dataset = 'data/shakespeare'
            tokenizer = 'gpt2'
            eval_interval = 100
            eval_iters = 10
            log_interval = 1
            block_size = 64
            batch_size = 4
            n_layer = 12
            n_head = 12
            n_embd = 768
            dropout = 0.0
            learning_rate = 6e-4
            min_lr = 6e-5
            max_iters = 200
            lr_decay_iters = 200
            warmup_iters = 10
            """;

    private static final Map<String, String> PRESETS = new LinkedHashMap<>();

    static {
        PRESETS.put("shakespeare-char", SHAKESPEARE_CHAR);
        PRESETS.put("shakespeare-char-cpu", SHAKESPEARE_CHAR_CPU);
        PRESETS.put("gpt2-124m-shakespeare", GPT2_124M_SHAKESPEARE);
    }

    private Presets() {}

    /** The preset names, in a stable order. */
    public static List<String> names() {
        return List.copyOf(PRESETS.keySet());
    }

    /** The preset's text in nanoGPT's config-file format. */
    public static String text(String name) {
        String t = PRESETS.get(name);
        if (t == null) {
            throw new T4jException("unknown preset '" + name + "' (known presets: " + String.join(", ", names())
                    + ")");
        }
        return t;
    }

    /** The preset's settings, in order. */
    public static List<TrainConfig.Setting> settings(String name) {
        return ConfigFiles.parsePython(text(name), "preset " + name);
    }
}
