package org.transformer4j.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import org.transformer4j.autograd.AttentionMask;
import org.transformer4j.autograd.Ops;
import org.transformer4j.nn.Block;
import org.transformer4j.nn.BlockConfig;
import org.transformer4j.nn.Capture;
import org.transformer4j.nn.Dropout;
import org.transformer4j.nn.Embedding;
import org.transformer4j.nn.ForwardContext;
import org.transformer4j.nn.LayerNorm;
import org.transformer4j.nn.Linear;
import org.transformer4j.nn.Module;
import org.transformer4j.tensor.Gaussian;
import org.transformer4j.tensor.Tensor;

/**
 * BERT (Devlin et al., 2018), the encoder-only Transformer:
 *
 * <pre>
 *   x = drop(LN(word[ids] + position[pos] + token_type[types]))     embeddings, normalised
 *   for layer in encoder: x = layer(x, padding mask)                  post-LN: x = LN(x + attn(x)); x = LN(x + ffn(x))
 *   mlm logits = LN(act(dense(x))) · wordᵀ + bias                     masked-LM head, decoder tied to the embedding
 *   pooled     = tanh(dense(x[:, 0]))                                 optional pooler on the first ([CLS]) token
 *   class logits = classifier(drop(pooled))                           optional sequence-classification head
 * </pre>
 *
 * Attention is bidirectional: every token sees every real token of its sequence; padding (on the right) is hidden
 * by {@link AttentionMask#padding}. Parameter names follow Hugging Face's BertForMaskedLM ("bert.embeddings...",
 * "cls.predictions...") except inside an encoder layer, which is the {@link Block} every encoder family
 * shares ("self_attn.q", "ffn.wi", "ffn_norm", ...); {@link BertFiles} renames those to "attention.self.query" and
 * friends.
 */
public final class Bert extends Module {
    /** Token + learned position + token-type embeddings, summed, layer-normalised and dropped out. */
    public static final class Embeddings extends Module {
        public final Embedding word_embeddings;
        public final Embedding position_embeddings;
        public final Embedding token_type_embeddings;
        public final LayerNorm LayerNorm;
        public final Dropout dropout;

        Embeddings(BertConfig c) {
            word_embeddings = child("word_embeddings", new Embedding(c.vocabSize(), c.hiddenSize()));
            position_embeddings = child("position_embeddings", new Embedding(c.maxPositions(), c.hiddenSize()));
            token_type_embeddings = child("token_type_embeddings", new Embedding(c.typeVocabSize(), c.hiddenSize()));
            LayerNorm = child("LayerNorm", new LayerNorm(c.hiddenSize(), true, c.layerNormEps()));
            dropout = child("dropout", new Dropout(c.dropout()));
        }

        Tensor forward(int[] ids, int[] types, int batch, int time, ForwardContext ctx) {
            int[] pos = new int[batch * time];
            for (int i = 0; i < pos.length; i++) {
                pos[i] = i % time;
            }
            Tensor x = Ops.add(word_embeddings.forward(ids, batch, time), position_embeddings.forward(pos, batch, time));
            x = Ops.add(x, token_type_embeddings.forward(types, batch, time));
            return dropout.forward(LayerNorm.forward(x), ctx.rng());
        }
    }

    /** The stack of post-LN encoder layers ("encoder.layer.N"). */
    public static final class Encoder extends Module {
        public final List<Block> layer = new ArrayList<>();

        Encoder(BertConfig c) {
            for (int i = 0; i < c.numLayers(); i++) {
                layer.add(child("layer." + i, new Block(block(c))));
            }
        }
    }

    /**
     * BERT's encoder layer as a {@link BlockConfig}: post-LN LayerNorms with biases, biases in every projection,
     * logits scaled by 1/sqrt(d_head), the config's hidden_act, dropout on the attention weights and on each
     * sublayer's output (hidden_dropout_prob) and none on the feed-forward hidden activation (BertIntermediate has
     * none).
     */
    static BlockConfig block(BertConfig c) {
        return new BlockConfig(c.hiddenSize(), c.numHeads(), c.hiddenSize() / c.numHeads(), c.intermediateSize(),
                c.activation(), false, false, c.layerNormEps(), true, true, c.dropout(), 0f);
    }

    /** dense + tanh on the first token of each sequence (BERT's pooler, trained by next-sentence prediction). */
    public static final class Pooler extends Module {
        public final Linear dense;

        Pooler(BertConfig c) {
            dense = child("dense", new Linear(c.hiddenSize(), c.hiddenSize(), true));
        }
    }

    /** The trunk, named "bert" as in BertForMaskedLM. */
    public static final class Trunk extends Module {
        public final Embeddings embeddings;
        public final Encoder encoder;
        public final Pooler pooler;

        Trunk(BertConfig c, boolean withPooler) {
            embeddings = child("embeddings", new Embeddings(c));
            encoder = child("encoder", new Encoder(c));
            pooler = withPooler ? child("pooler", new Pooler(c)) : null;
        }
    }

    /** The masked-LM head ("cls.predictions"): transform (dense, activation, LayerNorm), then the tied decoder + bias. */
    public static final class MlmHead extends Module {
        public final Linear transformDense;
        public final LayerNorm transformLayerNorm;
        public final Tensor bias;

        MlmHead(BertConfig c) {
            transformDense = child("transform.dense", new Linear(c.hiddenSize(), c.hiddenSize(), true));
            transformLayerNorm = child("transform.LayerNorm", new LayerNorm(c.hiddenSize(), true, c.layerNormEps()));
            bias = param("bias", Tensor.zeros(c.vocabSize()));
        }
    }

    public final BertConfig config;
    public final Trunk bert;
    /** The masked-LM head, or null (a BertModel directory has none). */
    public final MlmHead mlm;
    /** The sequence-classification head on the pooled output, or null when config.labels() is empty. */
    public final Linear classifier;
    private final Dropout classifierDropout;

    /**
     * A model with all weights zero (LayerNorm gains one): call {@link #initWeights} or load weights. A classifier
     * head exists when the config has labels; it needs the pooler.
     */
    public Bert(BertConfig config, boolean withMlmHead, boolean withPooler) {
        if (config.numLabels() > 0 && !withPooler) {
            throw new IllegalArgumentException("a classification head needs the pooler");
        }
        this.config = config;
        this.bert = child("bert", new Trunk(config, withPooler));
        this.mlm = withMlmHead ? child("cls.predictions", new MlmHead(config)) : null;
        this.classifier = config.numLabels() > 0
                ? child("classifier", new Linear(config.hiddenSize(), config.numLabels(), true)) : null;
        this.classifierDropout = child("classifier_dropout", new Dropout(config.dropout()));
    }

    /**
     * BERT's initialisation: Linear and Embedding weights ~ N(0, std²) (BERT uses std 0.02), biases zero,
     * LayerNorm gain 1 and bias 0.
     */
    public Bert initWeights(long seed, float std) {
        SplittableRandom rng = new SplittableRandom(seed);
        for (var e : namedParameters().entrySet()) {
            String name = e.getKey();
            float[] d = e.getValue().data();
            if (name.endsWith("bias")) {
                Arrays.fill(d, 0f);
            } else if (name.contains("LayerNorm") || name.contains("_norm.")) {
                Arrays.fill(d, 1f);
            } else {
                for (int i = 0; i < d.length; i++) {
                    d[i] = (float) (Gaussian.next(rng) * std);
                }
            }
        }
        return this;
    }

    /**
     * This model with a fresh sequence-classification head for {@code labels} (and a pooler, if it had none): every
     * parameter the two share is copied, the new ones are drawn from N(0, std²) with zero biases. The masked-LM
     * head is dropped: fine-tuning does not train it.
     */
    public Bert withClassifier(List<String> labels, long seed, float std) {
        Bert out = new Bert(config.withLabels(labels), false, true).initWeights(seed, std);
        var mine = namedParameters();
        for (var e : out.namedParameters().entrySet()) {
            Tensor t = mine.get(e.getKey());
            boolean newHead = e.getKey().startsWith("classifier.");
            if (t != null && !newHead && t.sameShape(e.getValue())) {
                System.arraycopy(t.data(), 0, e.getValue().data(), 0, t.size());
            }
        }
        return out;
    }

    /**
     * The encoder's output [B, T, C] for B rows of T ids (row-major). {@code types} holds the token types (null:
     * all 0); {@code lengths} the number of real tokens of each row, the rest being padding on the right (null: no
     * padding). Outputs at padded positions are computed but meaningless. A {@link Capture} in {@code ctx} receives
     * the L+1 hidden states (entry 0 the embedding output).
     */
    public Tensor encode(int[] ids, int[] types, int batch, int time, int[] lengths, ForwardContext ctx) {
        if (ids.length != batch * time) {
            throw new IllegalArgumentException("ids has " + ids.length + " entries, expected " + batch + " x " + time);
        }
        if (time > config.maxPositions()) {
            throw new IllegalArgumentException("cannot encode a sequence of length " + time
                    + ", max_position_embeddings is only " + config.maxPositions());
        }
        int[] t = types != null ? types : new int[ids.length];
        if (t.length != ids.length) {
            throw new IllegalArgumentException("types has " + t.length + " entries, expected " + ids.length);
        }
        for (int type : t) {
            if (type < 0 || type >= config.typeVocabSize()) {
                throw new IllegalArgumentException("token type " + type + " is outside [0, " + config.typeVocabSize() + ")");
            }
        }
        AttentionMask mask = lengths == null ? AttentionMask.none() : AttentionMask.padding(lengths);
        Tensor x = bert.embeddings.forward(ids, t, batch, time, ctx);
        Capture capture = ctx.capture();
        if (capture != null) {
            capture.hidden(x);
        }
        for (Block layer : bert.encoder.layer) {
            x = layer.forward(x, mask, null, ctx);
            if (capture != null) {
                capture.hidden(x);
            }
        }
        return x;
    }

    /** Masked-LM logits [..., V] of hidden states [..., C] (every row, or only the rows a loss needs). */
    public Tensor mlmLogits(Tensor hidden) {
        if (mlm == null) {
            throw new IllegalStateException("this BERT has no masked-LM head");
        }
        Tensor h = config.activation().apply(mlm.transformDense.forward(hidden));
        h = mlm.transformLayerNorm.forward(h);
        return Ops.linear(h, bert.embeddings.word_embeddings.weight, mlm.bias);
    }

    /**
     * Mean masked-LM cross-entropy over the positions whose target is not -1. Only those rows go through the head
     * (with 15% of positions masked that is most of the work of a V-way head saved).
     */
    public Tensor mlmLoss(int[] ids, int[] types, int batch, int time, int[] lengths, int[] targets,
                          ForwardContext ctx) {
        Tensor hidden = encode(ids, types, batch, time, lengths, ctx);
        int n = 0;
        for (int y : targets) {
            if (y != -1) {
                n++;
            }
        }
        if (targets.length != ids.length) {
            throw new IllegalArgumentException("targets has " + targets.length + " entries, expected " + ids.length);
        }
        int[] rows = new int[n];
        int[] y = new int[n];
        for (int i = 0, k = 0; i < targets.length; i++) {
            if (targets[i] != -1) {
                rows[k] = i;
                y[k++] = targets[i];
            }
        }
        return Ops.crossEntropy(mlmLogits(Ops.gatherRows(hidden, rows)), y);
    }

    /** The pooler's output [B, C]: tanh(dense(hidden[:, 0])). */
    public Tensor pool(Tensor hidden) {
        if (bert.pooler == null) {
            throw new IllegalStateException("this BERT has no pooler");
        }
        int batch = hidden.dim(0);
        int time = hidden.dim(1);
        int[] first = new int[batch];
        for (int b = 0; b < batch; b++) {
            first[b] = b * time;
        }
        return Ops.tanh(bert.pooler.dense.forward(Ops.gatherRows(hidden, first)));
    }

    /** Class logits [B, numLabels] from the pooled first token (BertForSequenceClassification). */
    public Tensor classify(Tensor hidden, ForwardContext ctx) {
        if (classifier == null) {
            throw new IllegalStateException("this BERT has no classification head");
        }
        return classifier.forward(classifierDropout.forward(pool(hidden), ctx.rng()));
    }

    /**
     * Sentence embeddings [B, C]: the mean of the hidden states over each row's real tokens (sentence-transformers'
     * mean pooling), optionally scaled to unit L2 norm. Inference only.
     */
    public static float[] meanPool(Tensor hidden, int[] lengths, boolean normalize) {
        int batch = hidden.dim(0);
        int time = hidden.dim(1);
        int c = hidden.dim(2);
        float[] h = hidden.data();
        float[] out = new float[batch * c];
        for (int b = 0; b < batch; b++) {
            int len = lengths == null ? time : lengths[b];
            double[] sum = new double[c];
            for (int t = 0; t < len; t++) {
                for (int j = 0; j < c; j++) {
                    sum[j] += h[(b * time + t) * c + j];
                }
            }
            double norm = 0;
            for (int j = 0; j < c; j++) {
                sum[j] /= Math.max(len, 1);
                norm += sum[j] * sum[j];
            }
            double scale = normalize && norm > 0 ? 1 / Math.sqrt(norm) : 1;
            for (int j = 0; j < c; j++) {
                out[b * c + j] = (float) (sum[j] * scale);
            }
        }
        return out;
    }
}
