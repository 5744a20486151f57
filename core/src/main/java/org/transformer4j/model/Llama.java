package org.transformer4j.model;

import java.util.Arrays;

import org.transformer4j.autograd.AttentionMask;
import org.transformer4j.autograd.Ops;
import org.transformer4j.nn.Capture;
import org.transformer4j.nn.KVCache;
import org.transformer4j.tensor.Tensor;

/**
 * A Llama-family decoder for inference: RMSNorm, rotary position embeddings (llama2.c's interleaved layout or
 * Hugging Face's rotate-half layout; optional Llama 3 frequency scaling), grouped-query attention and a SwiGLU MLP,
 * no biases.
 *
 * <pre>
 *   x = tok_embeddings[ids]
 *   for each layer: h = rmsnorm(x); q, k, v = h·Wq, h·Wk, h·Wv; rotate q, k; x += Wo·attention(q, k, v)
 *                   h = rmsnorm(x); x += W2·(silu(h·W1) * h·W3)
 *   logits = rmsnorm(x) · Wclsᵀ
 * </pre>
 * Weights are held in PyTorch's Linear layout [out, in]. Training this architecture comes with its own issue;
 * this class runs checkpoints (llama2.c files through {@link org.transformer4j.io.Llama2cFile}, Hugging Face
 * directories through {@link LlamaFiles}).
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
        LlamaConfig.RopeScaling sc = config.ropeScaling();
        if (sc != null) {
            double lowWavelen = sc.originalContext() / sc.lowFreqFactor();
            double highWavelen = sc.originalContext() / sc.highFreqFactor();
            for (int i = 0; i < half; i++) {
                double f = invFreq[i];
                double wavelen = 2 * Math.PI / f;
                if (wavelen > lowWavelen) {
                    f /= sc.factor();
                } else if (wavelen >= highWavelen) {
                    double smooth = (sc.originalContext() / wavelen - sc.lowFreqFactor())
                            / (sc.highFreqFactor() - sc.lowFreqFactor());
                    f = (1 - smooth) * f / sc.factor() + smooth * f;
                }
                invFreq[i] = (float) f;
            }
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
        return run(tokens, cache, null, false).data();
    }

    /**
     * The logits [T, V] at every position of {@code tokens} (a fresh sequence), recording into {@code capture}
     * (may be null) the hidden states, entry 0 the embedding output and entry i the output of block i before the
     * final norm, and the attention weights [1, n_heads, T, T] when it asks for them.
     */
    public Tensor forward(int[] tokens, Capture capture) {
        return run(tokens, newCache(tokens.length), capture, true);
    }

    private Tensor run(int[] tokens, KVCache cache, Capture capture, boolean allPositions) {
        int t = tokens.length;
        int past = cache.length();
        if (t == 0 || past + t > cache.capacity()) {
            throw new IllegalArgumentException("positions " + past + ".." + (past + t - 1) + " exceed the context of "
                    + cache.capacity());
        }
        LlamaConfig c = config;
        int kvDim = c.kvDim();
        Tensor x = Ops.embedding(tokenEmbeddings, tokens, 1, t);
        if (capture != null) {
            capture.hidden(x);
        }
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
            float[] probs = capture != null && capture.wantsAttention() ? new float[c.nHeads() * t * s] : null;
            Tensor att = Ops.attention(q, keys, values, c.nHeads(), AttentionMask.causal(past),
                    (float) (1.0 / Math.sqrt(c.headSize())), null, probs);
            if (probs != null) {
                capture.attention(Tensor.of(probs, 1, c.nHeads(), t, s));
            }
            x = Ops.add(x, Ops.linear(att, w.wo(), null));
            h = Ops.rmsNorm(x, w.ffnNorm(), c.normEps());
            Tensor gate = Ops.silu(Ops.linear(h, w.w1(), null));
            x = Ops.add(x, Ops.linear(Ops.mul(gate, Ops.linear(h, w.w3(), null)), w.w2(), null));
            if (capture != null) {
                capture.hidden(x);
            }
        }
        cache.advance(t);
        Tensor last = allPositions ? x
                : Tensor.of(Arrays.copyOfRange(x.data(), (t - 1) * c.dim(), t * c.dim()), 1, c.dim());
        return Ops.linear(Ops.rmsNorm(last, finalNorm, c.normEps()), classifier, null);
    }

    /**
     * Rotary embedding in place: in each head, pair i at position p is rotated by the angle p·invFreq[i]. The pair
     * is (2i, 2i+1) in llama2.c's interleaved layout and (i, i + head_size/2) in Hugging Face's rotate-half layout.
     * {@code rows} positions starting at {@code pos0}, {@code width} floats each.
     */
    private void rotate(float[] a, int rows, int width, int pos0) {
        int hs = config.headSize();
        int half = hs / 2;
        boolean interleaved = config.ropeInterleaved();
        for (int r = 0; r < rows; r++) {
            int pos = pos0 + r;
            for (int head = 0; head < width; head += hs) {
                for (int i = 0; i < half; i++) {
                    float angle = pos * invFreq[i];
                    float cos = (float) Math.cos(angle);
                    float sin = (float) Math.sin(angle);
                    int o0 = r * width + head + (interleaved ? 2 * i : i);
                    int o1 = o0 + (interleaved ? 1 : half);
                    float v0 = a[o0];
                    float v1 = a[o1];
                    a[o0] = v0 * cos - v1 * sin;
                    a[o1] = v0 * sin + v1 * cos;
                }
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
