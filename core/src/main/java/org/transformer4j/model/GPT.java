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
import org.transformer4j.nn.Dropout;
import org.transformer4j.nn.Embedding;
import org.transformer4j.nn.ForwardContext;
import org.transformer4j.nn.KVCache;
import org.transformer4j.nn.LayerNorm;
import org.transformer4j.nn.Module;
import org.transformer4j.tensor.Gaussian;
import org.transformer4j.tensor.Tensor;

/**
 * The GPT language model, as nanoGPT's model.py builds it (and GPT-2 before it):
 *
 * <pre>
 *   x = drop(wte[idx] + wpe[pos])            token + learned position embeddings
 *   for block in h: x = block(x)             pre-LN causal self-attention and MLP, residual (nn.Block)
 *   logits = ln_f(x) · wteᵀ                  the LM head is tied to the token embedding
 * </pre>
 *
 * Parameter names follow Hugging Face's GPT2LMHeadModel ("transformer.h.0.attn.c_attn.weight"), so a saved model
 * is a GPT-2 checkpoint (with Linear weights transposed to GPT-2's Conv1D layout on disk; see {@link GPTFiles}).
 */
public final class GPT extends Module implements CausalLM {
    /** The trunk, named "transformer" as in nanoGPT and Hugging Face. */
    public static final class Trunk extends Module {
        public final Embedding wte;
        public final Embedding wpe;
        public final Dropout drop;
        public final List<Block> h = new ArrayList<>();
        public final LayerNorm ln_f;

        Trunk(GPTConfig c) {
            wte = child("wte", new Embedding(c.vocabSize(), c.nEmbd()));
            wpe = child("wpe", new Embedding(c.blockSize(), c.nEmbd()));
            drop = child("drop", new Dropout(c.dropout()));
            for (int i = 0; i < c.nLayer(); i++) {
                h.add(child("h." + i, new Block(block(c))));
            }
            ln_f = child("ln_f", new LayerNorm(c.nEmbd(), c.bias(), c.layerNormEps()));
        }
    }

    /**
     * GPT-2's block as a configuration of the shared {@link Block}: pre-LN LayerNorms, multi-head attention with
     * one fused c_attn projection (the stored [C, 3C] weight, one GEMM) and 1/sqrt(d_head) scaling, a plain MLP
     * (c_fc, GELU or GPT-2's tanh GELU, c_proj), dropout on the attention weights and on each sublayer's output,
     * biases unless nanoGPT's bias=False, and GPT2LMHeadModel's names.
     */
    static BlockConfig block(GPTConfig c) {
        if (c.nEmbd() % c.nHead() != 0) {
            throw new IllegalArgumentException("n_embd " + c.nEmbd() + " is not divisible by n_head " + c.nHead());
        }
        return new BlockConfig(c.nEmbd(), c.nHead(), c.nHead(), c.nEmbd() / c.nHead(), c.nInner(),
                c.tanhGelu() ? Activation.GELU_TANH : Activation.GELU, true, false, c.layerNormEps(), c.bias(), true,
                c.dropout(), c.dropout(), 0f, BlockNames.GPT2);
    }

    /** Logits [B, T, V] and, when targets were given, the mean cross-entropy loss (a scalar). */
    public record Output(Tensor logits, Tensor loss) {}

    public final GPTConfig config;
    public final Trunk transformer;

    /** A model with all weights zero (LayerNorm gains one): call {@link #initWeights} or load weights. */
    public GPT(GPTConfig config) {
        this.config = config;
        this.transformer = child("transformer", new Trunk(config));
    }

    /**
     * GPT-2's initialisation, as nanoGPT does it: every Linear and Embedding weight ~ N(0, std²), biases zero,
     * LayerNorm gain 1 and bias 0, and the residual projections (attn.c_proj, mlp.c_proj) ~ N(0, (std/√(2·n_layer))²)
     * so the residual stream's variance does not grow with depth.
     */
    public GPT initWeights(long seed, float std) {
        SplittableRandom rng = new SplittableRandom(seed);
        float residualStd = (float) (std / Math.sqrt(2.0 * config.nLayer()));
        for (var e : namedParameters().entrySet()) {
            String name = e.getKey();
            float[] d = e.getValue().data();
            if (name.endsWith(".bias")) {
                Arrays.fill(d, 0f);
            } else if (name.contains(".ln_") || name.contains("ln_f")) {
                Arrays.fill(d, 1f);
            } else {
                float s = name.endsWith("c_proj.weight") ? residualStd : std;
                for (int i = 0; i < d.length; i++) {
                    d[i] = (float) (Gaussian.next(rng) * s);
                }
            }
        }
        return this;
    }

    /**
     * The full forward pass over a batch: idx holds B rows of T token ids (row-major). With targets (same layout,
     * -1 to ignore a position) the loss is computed too.
     */
    public Output forward(int[] idx, int batch, int time, int[] targets, ForwardContext ctx) {
        if (time > config.blockSize()) {
            throw new IllegalArgumentException("cannot forward a sequence of length " + time
                    + ", the block size is only " + config.blockSize());
        }
        if (idx.length != batch * time) {
            throw new IllegalArgumentException("idx has " + idx.length + " ids, expected " + batch + " x " + time);
        }
        int[] pos = new int[batch * time];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < time; t++) {
                pos[b * time + t] = t;
            }
        }
        Tensor x = Ops.add(transformer.wte.forward(idx, batch, time), transformer.wpe.forward(pos, batch, time));
        x = transformer.drop.forward(x, ctx.rng());
        Capture capture = ctx.capture();
        if (capture != null) {
            capture.hidden(x);
        }
        AttentionMask causal = AttentionMask.causal();
        for (Block block : transformer.h) {
            x = block.forward(x, causal, null, ctx);
            if (capture != null) {
                capture.hidden(x);
            }
        }
        x = transformer.ln_f.forward(x);
        Tensor logits = Ops.linear(x, transformer.wte.weight, null);
        Tensor loss = targets == null ? null : Ops.crossEntropy(logits, targets);
        return new Output(logits, loss);
    }

    @Override
    public int vocabSize() {
        return config.vocabSize();
    }

    @Override
    public int contextLength() {
        return config.blockSize();
    }

    @Override
    public KVCache newCache(int capacity) {
        return new KVCache(config.nLayer(), Math.min(capacity, config.blockSize()), config.nEmbd());
    }

    @Override
    public float[] forwardCached(int[] tokens, KVCache cache) {
        int t = tokens.length;
        int past = cache.length();
        if (t == 0) {
            throw new IllegalArgumentException("no tokens to process");
        }
        if (past + t > cache.capacity()) {
            throw new IllegalArgumentException("positions " + past + ".." + (past + t - 1)
                    + " exceed the context of " + cache.capacity());
        }
        int[] pos = new int[t];
        for (int i = 0; i < t; i++) {
            pos[i] = past + i;
        }
        Tensor x = Ops.add(transformer.wte.forward(tokens, 1, t), transformer.wpe.forward(pos, 1, t));
        for (int i = 0; i < transformer.h.size(); i++) {
            x = transformer.h.get(i).forwardCached(x, cache, i, null);
        }
        cache.advance(t);
        int c = config.nEmbd();
        Tensor last = Tensor.of(Arrays.copyOfRange(x.data(), (t - 1) * c, t * c), 1, c);
        return Ops.linear(transformer.ln_f.forward(last), transformer.wte.weight, null).data();
    }
}
