package org.transformer4j.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import org.transformer4j.autograd.AttentionMask;
import org.transformer4j.autograd.Ops;
import org.transformer4j.nn.Activation;
import org.transformer4j.nn.Block;
import org.transformer4j.nn.BlockConfig;
import org.transformer4j.nn.BlockNames;
import org.transformer4j.nn.Capture;
import org.transformer4j.nn.Embedding;
import org.transformer4j.nn.ForwardContext;
import org.transformer4j.nn.KVCache;
import org.transformer4j.nn.Linear;
import org.transformer4j.nn.Module;
import org.transformer4j.nn.RMSNorm;
import org.transformer4j.nn.RotaryEmbedding;
import org.transformer4j.tensor.Gaussian;
import org.transformer4j.tensor.Tensor;

/**
 * The Llama language model (Touvron et al., 2023), as Hugging Face's LlamaForCausalLM builds it:
 *
 * <pre>
 *   x = embed_tokens[idx]                         token embeddings only: positions enter through RoPE
 *   for layer in layers: x = layer(x)             pre-RMSNorm rotary grouped-query attention and SwiGLU, residual
 *                                                 (nn.Block)
 *   logits = norm(x) · lm_headᵀ                   lm_head, or embed_tokens when tie_word_embeddings
 * </pre>
 *
 * One implementation serves training from scratch, Hugging Face directories ({@link LlamaFiles}), llama2.c
 * checkpoints ({@link org.transformer4j.io.Llama2cFile}), KV-cached generation and inspection. Parameter names are
 * LlamaForCausalLM's ("model.layers.0.self_attn.q_proj.weight"); a tied model has no "lm_head.weight", as
 * transformers saves it.
 */
public final class Llama extends Module implements CausalLM {
    /** The decoder, named "model" as in LlamaForCausalLM. */
    public static final class Trunk extends Module {
        public final Embedding embed_tokens;
        public final List<Block> layers = new ArrayList<>();
        public final RMSNorm norm;
        public final RotaryEmbedding rotary_emb;

        Trunk(LlamaConfig c) {
            embed_tokens = child("embed_tokens", new Embedding(c.vocabSize(), c.dim()));
            for (int i = 0; i < c.nLayers(); i++) {
                layers.add(child("layers." + i, new Block(block(c))));
            }
            norm = child("norm", new RMSNorm(c.dim(), c.normEps()));
            rotary_emb = child("rotary_emb", new RotaryEmbedding(c.headSize(), c.ropeFrequencies(),
                    c.ropeInterleaved()));
        }
    }

    /**
     * Llama's decoder layer as a configuration of the shared {@link Block}: pre-norm RMSNorms, separate q/k/v/o
     * projections without biases, grouped-query attention (n_kv_heads key/value heads), rotary positions (the
     * tables come with each call), a SwiGLU feed-forward (gate_proj, up_proj, down_proj), dropout on the attention
     * weights only (attention_dropout; Hugging Face's Llama has no residual dropout), LlamaDecoderLayer's names.
     */
    static BlockConfig block(LlamaConfig c) {
        if (c.dim() % c.nHeads() != 0 || c.nHeads() % c.nKvHeads() != 0) {
            throw new IllegalArgumentException("dim " + c.dim() + ", n_head " + c.nHeads() + ", n_kv_head "
                    + c.nKvHeads() + ": dim must split into n_head heads and n_head into n_kv_head groups");
        }
        return new BlockConfig(c.dim(), c.nHeads(), c.nKvHeads(), c.headSize(), c.hiddenDim(), Activation.GATED_SILU,
                true, true, c.normEps(), false, true, 0f, c.attentionDropout(), 0f, BlockNames.LLAMA);
    }

    /** Logits [B, T, V] and, when targets were given, the mean cross-entropy loss (a scalar). */
    public record Output(Tensor logits, Tensor loss) {}

    public final LlamaConfig config;
    public final Trunk model;
    /** The output head, or null when it is tied to model.embed_tokens. */
    public final Linear lm_head;

    /** A model with all weights zero (RMSNorm gains one): call {@link #initWeights} or load weights. */
    public Llama(LlamaConfig config) {
        this.config = config;
        this.model = child("model", new Trunk(config));
        this.lm_head = config.sharedClassifier() ? null
                : child("lm_head", new Linear(config.dim(), config.vocabSize(), false));
    }

    /**
     * Initialisation for training from scratch: every Linear and Embedding weight ~ N(0, std²) (Hugging Face's
     * initializer_range), RMSNorm gains 1, and, as GPT-2 and nanoGPT do, the projections that write into the
     * residual stream (o_proj, down_proj) ~ N(0, (std/√(2·n_layers))²) so its variance does not grow with depth.
     */
    public Llama initWeights(long seed, float std) {
        SplittableRandom rng = new SplittableRandom(seed);
        float residualStd = (float) (std / Math.sqrt(2.0 * config.nLayers()));
        for (var e : namedParameters().entrySet()) {
            String name = e.getKey();
            float[] d = e.getValue().data();
            if (name.endsWith("norm.weight")) {
                Arrays.fill(d, 1f);
            } else {
                float s = name.endsWith("o_proj.weight") || name.endsWith("down_proj.weight") ? residualStd : std;
                for (int i = 0; i < d.length; i++) {
                    d[i] = (float) (Gaussian.next(rng) * s);
                }
            }
        }
        return this;
    }

    /** The output head's weight [V, C]: lm_head's, or the token embedding when tied. */
    public Tensor classifier() {
        return lm_head == null ? model.embed_tokens.weight : lm_head.weight;
    }

    /**
     * The full forward pass over a batch: idx holds B rows of T token ids (row-major), at positions 0..T-1. With
     * targets (same layout, -1 to ignore a position) the loss is computed too. The context's capture, when set,
     * records the hidden states (entry 0 the embedding output, entry i the output of layer i, before the final
     * norm) and the attention weights [B, n_heads, T, T].
     */
    public Output forward(int[] idx, int batch, int time, int[] targets, ForwardContext ctx) {
        if (time > config.seqLen()) {
            throw new IllegalArgumentException("cannot forward a sequence of length " + time
                    + ", the context is only " + config.seqLen());
        }
        if (idx.length != batch * time) {
            throw new IllegalArgumentException("idx has " + idx.length + " ids, expected " + batch + " x " + time);
        }
        RotaryEmbedding.Tables rope = model.rotary_emb.tables(0, time);
        Tensor x = model.embed_tokens.forward(idx, batch, time);
        Capture capture = ctx.capture();
        if (capture != null) {
            capture.hidden(x);
        }
        for (Block layer : model.layers) {
            x = layer.forward(x, AttentionMask.causal(), null, rope, ctx);
            if (capture != null) {
                capture.hidden(x);
            }
        }
        Tensor logits = Ops.linear(model.norm.forward(x), classifier(), null);
        Tensor loss = targets == null ? null : Ops.crossEntropy(logits, targets);
        return new Output(logits, loss);
    }

    /** The logits [1, T, V] of one fresh sequence, recording into {@code capture} (may be null). */
    public Tensor forward(int[] tokens, Capture capture) {
        return forward(tokens, 1, tokens.length, null, new ForwardContext(null, capture)).logits();
    }

    @Override
    public int vocabSize() {
        return config.vocabSize();
    }

    @Override
    public int contextLength() {
        return config.seqLen();
    }

    @Override
    public KVCache newCache(int capacity) {
        return new KVCache(config.nLayers(), Math.min(capacity, config.seqLen()), config.kvDim());
    }

    @Override
    public float[] forwardCached(int[] tokens, KVCache cache) {
        int t = tokens.length;
        int past = cache.length();
        if (t == 0) {
            throw new IllegalArgumentException("no tokens to process");
        }
        if (past + t > cache.capacity()) {
            throw new IllegalArgumentException("positions " + past + ".." + (past + t - 1) + " exceed the context of "
                    + cache.capacity());
        }
        RotaryEmbedding.Tables rope = model.rotary_emb.tables(past, t);
        Tensor x = model.embed_tokens.forward(tokens, 1, t);
        for (int i = 0; i < model.layers.size(); i++) {
            x = model.layers.get(i).forwardCached(x, cache, i, null, rope);
        }
        cache.advance(t);
        int c = config.dim();
        Tensor last = Tensor.of(Arrays.copyOfRange(x.data(), (t - 1) * c, t * c), 1, c);
        return Ops.linear(model.norm.forward(last), classifier(), null).data();
    }
}
