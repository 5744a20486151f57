package org.transformer4j.model;

import java.util.Arrays;

import org.transformer4j.autograd.AttentionMask;
import org.transformer4j.autograd.Ops;
import org.transformer4j.nn.KVCache;
import org.transformer4j.tensor.Tensor;

/**
 * A Llama-family decoder for inference: RMSNorm, rotary position embeddings (llama2.c's interleaved layout:
 * pairs (2i, 2i+1) of each head are rotated), grouped-query attention and a SwiGLU MLP, no biases.
 *
 * <pre>
 *   x = tok_embeddings[ids]
 *   for each layer: h = rmsnorm(x); q, k, v = h·Wq, h·Wk, h·Wv; rotate q, k; x += Wo·attention(q, k, v)
 *                   h = rmsnorm(x); x += W2·(silu(h·W1) * h·W3)
 *   logits = rmsnorm(x) · Wclsᵀ
 * </pre>
 * Weights are held in PyTorch's Linear layout [out, in]. Training this architecture comes with its own issue;
 * this class runs checkpoints (llama2.c files through {@link Llama2cFile}).
 */
public final class Llama implements CausalLM {
    /** One block's weights. */
    public record Layer(Tensor attentionNorm, Tensor wq, Tensor wk, Tensor wv, Tensor wo, Tensor ffnNorm, Tensor w1,
                        Tensor w2, Tensor w3) {}

    public final LlamaConfig config;
    public final Tensor tokenEmbeddings;
    public final Layer[] layers;
    public final Tensor finalNorm;
    public final Tensor classifier;
    private final float[] invFreq;

    public Llama(LlamaConfig config, Tensor tokenEmbeddings, Layer[] layers, Tensor finalNorm, Tensor classifier) {
        this.config = config;
        this.tokenEmbeddings = tokenEmbeddings;
        this.layers = layers;
        this.finalNorm = finalNorm;
        this.classifier = classifier;
        int half = config.headSize() / 2;
        this.invFreq = new float[half];
        for (int i = 0; i < half; i++) {
            // theta^(-2i/head_size), computed in float as llama2.c does, so rotations match it to the last bit
            invFreq[i] = 1.0f / (float) Math.pow(config.ropeTheta(), (2 * i) / (float) config.headSize());
        }
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
        if (t == 0 || past + t > cache.capacity()) {
            throw new IllegalArgumentException("positions " + past + ".." + (past + t - 1) + " exceed the context of "
                    + cache.capacity());
        }
        LlamaConfig c = config;
        int kvDim = c.kvDim();
        Tensor x = Ops.embedding(tokenEmbeddings, tokens, 1, t);
        for (int l = 0; l < layers.length; l++) {
            Layer w = layers[l];
            Tensor h = Ops.rmsNorm(x, w.attentionNorm(), c.normEps());
            Tensor q = Ops.linear(h, w.wq(), null);
            Tensor k = Ops.linear(h, w.wk(), null);
            Tensor v = Ops.linear(h, w.wv(), null);
            rotate(q.data(), t, c.dim(), past);
            rotate(k.data(), t, kvDim, past);
            System.arraycopy(k.data(), 0, cache.keys(l), past * kvDim, t * kvDim);
            System.arraycopy(v.data(), 0, cache.values(l), past * kvDim, t * kvDim);
            int s = past + t;
            Tensor keys = expandKvHeads(cache.keys(l), s);
            Tensor values = expandKvHeads(cache.values(l), s);
            Tensor att = Ops.attention(q, keys, values, c.nHeads(), AttentionMask.causal(past),
                    (float) (1.0 / Math.sqrt(c.headSize())), null, null);
            x = Ops.add(x, Ops.linear(att, w.wo(), null));
            h = Ops.rmsNorm(x, w.ffnNorm(), c.normEps());
            Tensor gate = Ops.silu(Ops.linear(h, w.w1(), null));
            x = Ops.add(x, Ops.linear(Ops.mul(gate, Ops.linear(h, w.w3(), null)), w.w2(), null));
        }
        cache.advance(t);
        Tensor last = Tensor.of(Arrays.copyOfRange(x.data(), (t - 1) * c.dim(), t * c.dim()), 1, c.dim());
        return Ops.linear(Ops.rmsNorm(last, finalNorm, c.normEps()), classifier, null).data();
    }

    /**
     * Rotary embedding in place, llama2.c's layout: in each head, the pair (2i, 2i+1) at position p is rotated by
     * the angle p·θ^(-2i/head_size). {@code rows} positions starting at {@code pos0}, {@code width} floats each.
     */
    private void rotate(float[] a, int rows, int width, int pos0) {
        int hs = config.headSize();
        for (int r = 0; r < rows; r++) {
            int pos = pos0 + r;
            for (int i = 0; i < width; i += 2) {
                float angle = pos * invFreq[(i % hs) / 2];
                float cos = (float) Math.cos(angle);
                float sin = (float) Math.sin(angle);
                int o = r * width + i;
                float v0 = a[o];
                float v1 = a[o + 1];
                a[o] = v0 * cos - v1 * sin;
                a[o + 1] = v0 * sin + v1 * cos;
            }
        }
    }

    /** The cached [s, kvDim] keys or values as [1, s, dim]: each key/value head repeated for its query heads. */
    private Tensor expandKvHeads(float[] kv, int s) {
        LlamaConfig c = config;
        int hs = c.headSize();
        int group = c.nHeads() / c.nKvHeads();
        Tensor out = Tensor.zeros(1, s, c.dim());
        float[] o = out.data();
        for (int p = 0; p < s; p++) {
            for (int h = 0; h < c.nHeads(); h++) {
                System.arraycopy(kv, p * c.kvDim() + (h / group) * hs, o, p * c.dim() + h * hs, hs);
            }
        }
        return out;
    }
}
