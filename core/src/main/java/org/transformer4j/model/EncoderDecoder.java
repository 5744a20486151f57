package org.transformer4j.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import org.transformer4j.autograd.AttentionMask;
import org.transformer4j.autograd.Ops;
import org.transformer4j.nn.Block;
import org.transformer4j.nn.Capture;
import org.transformer4j.nn.Dropout;
import org.transformer4j.nn.Embedding;
import org.transformer4j.nn.ForwardContext;
import org.transformer4j.nn.KVCache;
import org.transformer4j.nn.Linear;
import org.transformer4j.nn.Module;
import org.transformer4j.nn.Norm;
import org.transformer4j.nn.RelativePositionBias;
import org.transformer4j.tensor.Gaussian;
import org.transformer4j.tensor.Tensor;

/**
 * An encoder-decoder Transformer: the original model of "Attention Is All You Need" and, with another
 * {@link Seq2SeqConfig}, T5 and BART.
 *
 * <pre>
 *   encoder:  x = drop(E[src] * sqrt(d) + PE)          original: scaled shared embedding + sinusoids
 *             x = drop(E[src])                         T5: no scale, no position embedding
 *             for block: x = block(x, padding mask, relative bias of the first layer (T5))
 *             memory = final_norm(x)                   pre-LN (T5) only; post-LN blocks end normalised
 *   decoder:  y = the same embedding of the target shifted right (decoder start token first)
 *             for block: y = block(y, causal mask, memory under the source padding mask)
 *             y = final_norm(y)                        pre-LN only
 *             logits = (y * d^-0.5 if T5 tied) · Eᵀ   or lm_head(y) when untied
 * </pre>
 * Parameter names: shared.weight, encoder.blocks.N.self_attn.q.weight, ..., decoder.blocks.N.cross_attn.k.weight,
 * encoder.relative_attention_bias.weight, encoder.final_norm.weight, lm_head.weight (untied only).
 */
public final class EncoderDecoder extends Module {
    /**
     * What the encoder and decoder stacks have besides their blocks: learned positions and an embedding norm
     * (BART), a relative position bias (T5), a final norm (pre-LN).
     */
    public abstract static class Stack extends Module {
        public final Embedding embed_positions;
        public final Module layernorm_embedding;
        public final RelativePositionBias relative_attention_bias;
        public final Module final_norm;

        Stack(Seq2SeqConfig c, boolean bidirectional) {
            embed_positions = c.learnedPositions() > 0 ? child("embed_positions",
                    new Embedding(c.learnedPositions() + c.positionOffset(), c.dModel())) : null;
            layernorm_embedding = c.embeddingNorm() ? child("layernorm_embedding",
                    Norm.of(c.rmsNorm(), c.dModel(), c.bias(), c.normEps())) : null;
            relative_attention_bias = c.relativePositions() ? child("relative_attention_bias",
                    new RelativePositionBias(c.relativeBuckets(), c.relativeMaxDistance(), c.nHead(), bidirectional)) : null;
            final_norm = c.preNorm() ? child("final_norm", Norm.of(c.rmsNorm(), c.dModel(), c.bias(), c.normEps())) : null;
        }
    }

    /** The encoder stack: bidirectional relative positions. */
    public static final class Encoder extends Stack {
        public final List<Block> blocks = new ArrayList<>();

        Encoder(Seq2SeqConfig c) {
            super(c, true);
            for (int i = 0; i < c.nEncoderLayers(); i++) {
                blocks.add(child("blocks." + i, new Block(c.block())));
            }
        }
    }

    /** The decoder stack; its relative position bias is unidirectional. */
    public static final class Decoder extends Stack {
        public final List<Block> blocks = new ArrayList<>();

        Decoder(Seq2SeqConfig c) {
            super(c, false);
            for (int i = 0; i < c.nDecoderLayers(); i++) {
                blocks.add(child("blocks." + i, Block.withCrossAttention(c.block())));
            }
        }
    }

    /** Logits [B, T, V] and, when targets were given, the mean (label-smoothed) cross-entropy. */
    public record Output(Tensor logits, Tensor loss) {}

    /** What {@link #forward} records when asked: encoder and decoder hidden states, and each kind of attention. */
    public record Captures(Capture encoder, Capture decoder, Capture cross) {
        public static Captures of(boolean attention) {
            return new Captures(new Capture(attention), new Capture(attention), new Capture(attention));
        }
    }

    public final Seq2SeqConfig config;
    public final Embedding shared;
    public final Encoder encoder;
    public final Decoder decoder;
    public final Linear lm_head;
    public final Tensor final_logits_bias;
    public final Dropout drop;

    /** A model with all weights zero (norm gains one): call {@link #initWeights} or load weights. */
    public EncoderDecoder(Seq2SeqConfig config) {
        this.config = config;
        this.shared = child("shared", new Embedding(config.vocabSize(), config.dModel()));
        this.encoder = child("encoder", new Encoder(config));
        this.decoder = child("decoder", new Decoder(config));
        this.lm_head = config.tiedHead() ? null : child("lm_head", new Linear(config.dModel(), config.vocabSize(), false));
        this.final_logits_bias = config.finalLogitsBias() ? param("final_logits_bias", Tensor.zeros(config.vocabSize())) : null;
        this.drop = child("drop", new Dropout(config.dropout()));
    }

    /**
     * The original's initialisation as common implementations do it: projection weights Xavier-uniform, the
     * shared embedding N(0, 1/d_model) (so that after the sqrt(d_model) scale tokens have unit variance, like the
     * sinusoids), biases 0, norm gains 1, relative position biases N(0, 1/n_head). The other families keep the
     * scale of their logits near one with the same rules: without the sqrt(d_model) input scale or an embedding
     * norm (T5) the shared embedding is N(0, 1), as in T5's own init (the tied head then divides by sqrt(d_model));
     * BART's learned positions are N(0, 1/d_model) like its tokens; and where attention logits are not scaled by
     * 1/sqrt(d_head) (T5) the query projection is drawn that much smaller instead, as Mesh TensorFlow's T5 does.
     */
    public EncoderDecoder initWeights(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double embedStd = config.scaleEmbeddings() || config.embeddingNorm() ? 1.0 / Math.sqrt(config.dModel()) : 1.0;
        for (var e : namedParameters().entrySet()) {
            String name = e.getKey();
            Tensor t = e.getValue();
            float[] d = t.data();
            if (name.endsWith("norm.weight") || name.endsWith("layernorm_embedding.weight")) {
                Arrays.fill(d, 1f);
            } else if (name.endsWith(".bias") || name.equals("final_logits_bias")) {
                Arrays.fill(d, 0f);
            } else if (name.equals("shared.weight") || name.endsWith("relative_attention_bias.weight")
                    || name.endsWith("embed_positions.weight")) {
                double std = name.equals("shared.weight") ? embedStd
                        : name.endsWith("embed_positions.weight") ? 1.0 / Math.sqrt(config.dModel())
                        : 1.0 / Math.sqrt(config.nHead());
                for (int i = 0; i < d.length; i++) {
                    d[i] = (float) (Gaussian.next(rng) * std);
                }
            } else {
                double a = Math.sqrt(6.0 / (t.dim(0) + t.dim(1)));
                if (!config.scaledAttention() && name.endsWith("attn.q.weight")) {
                    a /= Math.sqrt(config.dHead());
                }
                for (int i = 0; i < d.length; i++) {
                    d[i] = (float) ((rng.nextDouble() * 2 - 1) * a);
                }
            }
        }
        return this;
    }

    /**
     * Token embeddings of ids [B, T] at positions offset.. for one stack: scaled, plus sinusoids or the stack's
     * learned positions, then the stack's embedding norm, as configured; then dropout.
     */
    Tensor embed(Stack stack, int[] ids, int batch, int time, int offset, ForwardContext ctx) {
        Tensor x = shared.forward(ids, batch, time);
        if (config.scaleEmbeddings()) {
            x = Ops.scale(x, (float) Math.sqrt(config.dModel()));
        }
        if (config.sinusoidalPositions()) {
            x = Ops.add(x, sinusoids(batch, time, offset, config.dModel()));
        } else if (stack.embed_positions != null) {
            if (offset + time > config.learnedPositions()) {
                throw new org.transformer4j.T4jException("position " + (offset + time - 1) + " is past the model's "
                        + config.learnedPositions() + " learned positions");
            }
            int[] pos = new int[batch * time];
            for (int i = 0; i < pos.length; i++) {
                pos[i] = config.positionOffset() + offset + i % time;
            }
            x = Ops.add(x, stack.embed_positions.forward(pos, batch, time));
        }
        if (stack.layernorm_embedding != null) {
            x = Norm.apply(stack.layernorm_embedding, x);
        }
        return drop.forward(x, ctx.rng());
    }

    /**
     * The original's position encoding, PE(pos, 2i) = sin(pos / 10000^(2i/d)), PE(pos, 2i+1) = cos(same),
     * for positions offset..offset+time-1, repeated over the batch (a constant: no gradient).
     */
    static Tensor sinusoids(int batch, int time, int offset, int d) {
        float[] table = sinusoidTable(offset + time, d);
        Tensor pe = Tensor.zeros(batch, time, d);
        float[] p = pe.data();
        for (int b = 0; b < batch; b++) {
            System.arraycopy(table, offset * d, p, b * time * d, time * d);
        }
        return pe;
    }

    /** Positions 0..n-1 of the sinusoid table (computed once per model width and grown on demand). */
    private static float[] sinusoidTable(int n, int d) {
        float[] t = SINUSOIDS.get(d);
        if (t != null && t.length >= n * d) {
            return t;
        }
        int rows = Math.max(n, 64);
        float[] table = new float[rows * d];
        for (int pos = 0; pos < rows; pos++) {
            for (int i = 0; i < d; i += 2) {
                double angle = pos / Math.pow(10000.0, (double) i / d);
                table[pos * d + i] = (float) Math.sin(angle);
                if (i + 1 < d) {
                    table[pos * d + i + 1] = (float) Math.cos(angle);
                }
            }
        }
        SINUSOIDS.put(d, table);
        return table;
    }

    private static final java.util.concurrent.ConcurrentHashMap<Integer, float[]> SINUSOIDS =
            new java.util.concurrent.ConcurrentHashMap<>();

    static AttentionMask sourceMask(int[] sourceLengths) {
        return sourceLengths == null ? AttentionMask.none() : AttentionMask.padding(sourceLengths);
    }

    /**
     * The encoder over sources [B, S] (row-major ids, each row padded after its {@code sourceLengths[b]} real
     * tokens; null lengths mean no padding). Returns the memory [B, S, C].
     */
    public Tensor encode(int[] src, int batch, int srcLen, int[] sourceLengths, ForwardContext ctx) {
        checkIds(src, batch, srcLen, "source");
        Capture capture = ctx.capture();
        Tensor x = embed(encoder, src, batch, srcLen, 0, ctx);
        if (capture != null) {
            capture.hidden(x);
        }
        AttentionMask mask = sourceMask(sourceLengths);
        Tensor bias = encoder.relative_attention_bias == null ? null : encoder.relative_attention_bias.forward(0, srcLen, srcLen);
        for (Block block : encoder.blocks) {
            x = block.forward(x, mask, bias, ctx);
            if (capture != null) {
                capture.hidden(x);
            }
        }
        return encoder.final_norm == null ? x : Norm.apply(encoder.final_norm, x);
    }

    /**
     * The decoder under teacher forcing: decoder inputs [B, T] (the targets shifted right, starting with the
     * decoder start token) attend to {@code memory}. Returns the logits [B, T, V].
     */
    public Tensor decode(int[] tgtIn, int batch, int tgtLen, Tensor memory, int[] sourceLengths, ForwardContext ctx,
                         Capture crossCapture) {
        checkIds(tgtIn, batch, tgtLen, "decoder input");
        Capture capture = ctx.capture();
        Tensor y = embed(decoder, tgtIn, batch, tgtLen, 0, ctx);
        if (capture != null) {
            capture.hidden(y);
        }
        AttentionMask crossMask = sourceMask(sourceLengths);
        Tensor bias = decoder.relative_attention_bias == null ? null : decoder.relative_attention_bias.forward(0, tgtLen, tgtLen);
        for (Block block : decoder.blocks) {
            y = block.forward(y, memory, bias, crossMask, ctx, crossCapture);
            if (capture != null) {
                capture.hidden(y);
            }
        }
        return head(y, ctx);
    }

    private Tensor head(Tensor y, ForwardContext ctx) {
        if (decoder.final_norm != null) {
            y = drop.forward(Norm.apply(decoder.final_norm, y), ctx.rng());
        }
        if (config.scaleDecoderOutputs()) {
            y = Ops.scale(y, (float) (1.0 / Math.sqrt(config.dModel())));
        }
        return lm_head != null ? Ops.linear(y, lm_head.weight, final_logits_bias)
                : Ops.linear(y, shared.weight, final_logits_bias);
    }

    /**
     * Teacher forcing over a padded batch: sources [B, S] with their lengths, decoder inputs [B, T], targets
     * [B, T] (-1 where padded) and optional label smoothing. {@code captures} may be null.
     */
    public Output forward(int[] src, int srcLen, int[] sourceLengths, int[] tgtIn, int tgtLen, int batch, int[] targets,
                          float labelSmoothing, ForwardContext ctx, Captures captures) {
        ForwardContext encCtx = captures == null ? ctx : new ForwardContext(ctx.rng(), captures.encoder());
        ForwardContext decCtx = captures == null ? ctx : new ForwardContext(ctx.rng(), captures.decoder());
        Tensor memory = encode(src, batch, srcLen, sourceLengths, encCtx);
        Tensor logits = decode(tgtIn, batch, tgtLen, memory, sourceLengths, decCtx,
                captures == null ? null : captures.cross());
        Tensor loss = targets == null ? null : Ops.crossEntropy(logits, targets, labelSmoothing);
        return new Output(logits, loss);
    }

    // ---- incremental decoding ----------------------------------------------------------------------------------

    /**
     * A decoder cache for the memory [B, S, C] of {@link #encode}: each layer's cross-attention keys and values
     * are projected here, once, and room is made for {@code capacity} decoded positions.
     */
    public KVCache startDecoding(Tensor memory, int[] sourceLengths, int capacity) {
        int b = memory.dim(0);
        KVCache cache = new KVCache(decoder.blocks.size(), b, capacity, config.nHead() * config.dHead(),
                sourceMask(sourceLengths));
        for (int l = 0; l < decoder.blocks.size(); l++) {
            Tensor[] kv = decoder.blocks.get(l).cross_attn.keysValues(memory);
            cache.setCross(l, kv[0], kv[1]);
        }
        return cache;
    }

    /**
     * One decoding step: {@code tokens} holds the newest decoder input of each of the cache's B rows. Appends to
     * the cache and returns the logits [B, V] of the next token.
     */
    public float[] decodeStep(int[] tokens, KVCache cache) {
        int b = cache.batch();
        if (tokens.length != b) {
            throw new IllegalArgumentException("decodeStep: " + tokens.length + " tokens for a batch of " + b);
        }
        checkIds(tokens, b, 1, "decoder input");
        int past = cache.length();
        Tensor y = embed(decoder, tokens, b, 1, past, ForwardContext.INFERENCE);
        Tensor bias = decoder.relative_attention_bias == null ? null
                : decoder.relative_attention_bias.forward(past, 1, cache.capacity()); // the cache is read in place
        for (int l = 0; l < decoder.blocks.size(); l++) {
            y = decoder.blocks.get(l).forwardCached(y, cache, l, bias);
        }
        cache.advance(1);
        return head(y, ForwardContext.INFERENCE).data();
    }

    public int vocabSize() {
        return config.vocabSize();
    }

    private void checkIds(int[] ids, int batch, int len, String what) {
        if (ids.length != batch * len) {
            throw new IllegalArgumentException(what + " has " + ids.length + " ids, expected " + batch + " x " + len);
        }
        int v = config.vocabSize();
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= v) {
                throw new org.transformer4j.T4jException(what + " token id " + ids[i] + " at position " + (i % Math.max(len, 1))
                        + " is outside the vocabulary of size " + v);
            }
        }
    }
}
