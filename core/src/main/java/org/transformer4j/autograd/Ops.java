package org.transformer4j.autograd;

import java.util.Arrays;
import java.util.SplittableRandom;

import org.transformer4j.kernels.Activations;
import org.transformer4j.kernels.Attention;
import org.transformer4j.kernels.CrossEntropy;
import org.transformer4j.kernels.ElementWise;
import org.transformer4j.kernels.Gemm;
import org.transformer4j.kernels.Norms;
import org.transformer4j.kernels.Rotary;
import org.transformer4j.kernels.Softmax;
import org.transformer4j.kernels.VectorMath;
import org.transformer4j.kernels.WeightKernels;
import org.transformer4j.tensor.Arena;
import org.transformer4j.tensor.Tensor;

/**
 * The differentiable operations models are built from (the counterpart of torch.nn.functional).
 *
 * <p>Every op returns a new tensor. When {@link GradMode#enabled()} and any input {@linkplain
 * Tensor#requiresGrad() requires grad}, the output requires grad too and carries a {@link Node} whose backward
 * adds the input gradients. Inputs are never modified. "Rows" means the tensor seen as a matrix
 * [size / lastDim, lastDim]: ops that work per row (norms, softmax, linear) accept any leading shape.
 *
 * <p>Shape errors throw {@link IllegalArgumentException} naming the op and the shapes.
 */
public final class Ops {
    private Ops() {}

    /** y = x·Wᵀ + b. x [..., in], w [out, in] (PyTorch's Linear layout), b [out] or null; y [..., out]. */
    public static Tensor linear(Tensor x, Tensor w, Tensor b) {
        int in = x.cols();
        if (w.rank() != 2 || w.dim(1) != in) {
            throw shapeError("linear", "x", x, "w", w);
        }
        int out = w.dim(0);
        if (b != null && (b.rank() != 1 || b.dim(0) != out)) {
            throw shapeError("linear", "w", w, "b", b);
        }
        int n = x.rows();
        int[] shape = x.shape();
        shape[shape.length - 1] = out;
        Tensor y = Tensor.forOverwrite(shape);
        float[] yd = y.data();
        if (w.isMapped()) { // read-only weights left in the checkpoint (inference): see WeightKernels
            WeightKernels.linear(n, in, out, x.data(), w.mapped(), yd);
        } else {
            Gemm.nt(n, out, in, x.data(), w.data(), yd, false);
        }
        if (b != null) {
            float[] bd = b.data();
            ElementWise.forRows(n, out, (r0, r1) -> {
                for (int r = r0; r < r1; r++) {
                    ElementWise.axpy(out, 1f, bd, 0, yd, r * out);
                }
            });
        }
        return attach(y, "linear", () -> {
            float[] g = y.grad();
            if (x.requiresGrad()) {
                Gemm.nn(n, in, out, g, w.data(), x.grad(), true);
            }
            if (w.requiresGrad()) {
                Gemm.tn(out, in, n, g, x.data(), w.grad(), true);
            }
            if (b != null && b.requiresGrad()) {
                ElementWise.columnSumsAcc(g, n, out, b.grad());
            }
        }, x, w, b);
    }

    /** C = A·B for 2-D a [m, k] and b [k, n]. */
    public static Tensor matmul(Tensor a, Tensor b) {
        if (a.rank() != 2 || b.rank() != 2 || a.dim(1) != b.dim(0)) {
            throw shapeError("matmul", "a", a, "b", b);
        }
        int m = a.dim(0);
        int k = a.dim(1);
        int n = b.dim(1);
        Tensor c = Tensor.forOverwrite(m, n);
        Gemm.nn(m, n, k, a.data(), b.data(), c.data(), false);
        return attach(c, "matmul", () -> {
            float[] g = c.grad();
            if (a.requiresGrad()) {
                Gemm.nt(m, k, n, g, b.data(), a.grad(), true);
            }
            if (b.requiresGrad()) {
                Gemm.tn(k, n, m, a.data(), g, b.grad(), true);
            }
        }, a, b);
    }

    /** Element-wise a + b (same shape). */
    public static Tensor add(Tensor a, Tensor b) {
        requireSameShape("add", a, b);
        Tensor y = Tensor.forOverwrite(a.shape());
        ElementWise.add(a.data(), b.data(), y.data(), y.size());
        return attach(y, "add", () -> {
            float[] g = y.grad();
            if (a.requiresGrad()) {
                ElementWise.axpyAcc(g, 1f, a.grad(), g.length);
            }
            if (b.requiresGrad()) {
                ElementWise.axpyAcc(g, 1f, b.grad(), g.length);
            }
        }, a, b);
    }

    /** Element-wise a * b (same shape). */
    public static Tensor mul(Tensor a, Tensor b) {
        requireSameShape("mul", a, b);
        Tensor y = Tensor.forOverwrite(a.shape());
        ElementWise.mul(a.data(), b.data(), y.data(), y.size());
        return attach(y, "mul", () -> {
            float[] g = y.grad();
            if (a.requiresGrad()) {
                ElementWise.mulAcc(g, b.data(), a.grad(), g.length);
            }
            if (b.requiresGrad()) {
                ElementWise.mulAcc(g, a.data(), b.grad(), g.length);
            }
        }, a, b);
    }

    /** a * s for a constant s. */
    public static Tensor scale(Tensor a, float s) {
        Tensor y = Tensor.forOverwrite(a.shape());
        ElementWise.scale(a.data(), s, y.data(), y.size());
        return attach(y, "scale", () -> ElementWise.axpyAcc(y.grad(), s, a.grad(), y.size()), a);
    }

    /**
     * Row lookup: out[i, :] = table[ids[i], :]. table [V, C]; the output has shape {@code outShape} + [C]
     * (outShape's product must equal ids.length). An id outside [0, V) throws {@link IllegalArgumentException}
     * naming the id and V. Backward scatters-adds into the table's gradient.
     */
    public static Tensor embedding(Tensor table, int[] ids, int... outShape) {
        if (table.rank() != 2) {
            throw new IllegalArgumentException("embedding: table must be [V, C], got " + Arrays.toString(table.shape()));
        }
        int vocab = table.dim(0);
        int c = table.dim(1);
        if (Tensor.numel(outShape) != ids.length) {
            throw new IllegalArgumentException("embedding: outShape " + Arrays.toString(outShape) + " holds "
                    + Tensor.numel(outShape) + " ids, got " + ids.length);
        }
        for (int id : ids) {
            if (id < 0 || id >= vocab) {
                throw new IllegalArgumentException("token id " + id + " is outside the vocabulary of size " + vocab);
            }
        }
        int[] shape = Arrays.copyOf(outShape, outShape.length + 1);
        shape[outShape.length] = c;
        Tensor y = Tensor.forOverwrite(shape);
        float[] yd = y.data();
        int[] saved = ids.clone();
        if (table.isMapped()) {
            WeightKernels.gatherRows(table.mapped(), c, saved, yd);
        } else {
            float[] td = table.data();
            ElementWise.forRows(saved.length, c, (r0, r1) -> {
                for (int i = r0; i < r1; i++) {
                    System.arraycopy(td, saved[i] * c, yd, i * c, c);
                }
            });
        }
        return attach(y, "embedding", () -> {
            float[] g = y.grad();
            float[] gt = table.grad();
            // Ids repeat, so rows of gt receive several contributions: split the columns, never the ids, across
            // threads, so each element is summed by one thread in id order (deterministic, race-free).
            ElementWise.forColumnBlocks(saved.length, c, (c0, c1) -> {
                for (int i = 0; i < saved.length; i++) {
                    ElementWise.axpy(c1 - c0, 1f, g, i * c + c0, gt, saved[i] * c + c0);
                }
            });
        }, table);
    }

    /** Layer normalisation over the last dimension: (x - mean) / sqrt(var + eps) * gamma + beta (beta nullable). */
    public static Tensor layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps) {
        int c = x.cols();
        requireVector("layerNorm", "gamma", gamma, c, x);
        if (beta != null) {
            requireVector("layerNorm", "beta", beta, c, x);
        }
        int rows = x.rows();
        Tensor y = Tensor.forOverwrite(x.shape());
        float[] mean = Arena.floatsForOverwrite(rows);
        float[] rstd = Arena.floatsForOverwrite(rows);
        Norms.layerNorm(x.data(), gamma.data(), beta == null ? null : beta.data(), eps, y.data(), mean, rstd, rows, c);
        return attach(y, "layerNorm", () -> Norms.layerNormBackwardAcc(x.data(), gamma.data(), mean, rstd, y.grad(),
                gradOrNull(x), gradOrNull(gamma), gradOrNull(beta), rows, c), x, gamma, beta);
    }

    /** RMS normalisation over the last dimension: x / sqrt(mean(x^2) + eps) * gamma. */
    public static Tensor rmsNorm(Tensor x, Tensor gamma, float eps) {
        int c = x.cols();
        requireVector("rmsNorm", "gamma", gamma, c, x);
        int rows = x.rows();
        Tensor y = Tensor.forOverwrite(x.shape());
        float[] rstd = Arena.floatsForOverwrite(rows);
        Norms.rmsNorm(x.data(), gamma.data(), eps, y.data(), rstd, rows, c);
        return attach(y, "rmsNorm", () -> Norms.rmsNormBackwardAcc(x.data(), gamma.data(), rstd, y.grad(),
                gradOrNull(x), gradOrNull(gamma), rows, c), x, gamma);
    }

    /** GELU: exact (erf) when {@code tanhApproximation} is false, else the tanh approximation (GPT-2's). */
    public static Tensor gelu(Tensor x, boolean tanhApproximation) {
        Tensor y = Tensor.forOverwrite(x.shape());
        int n = y.size();
        if (tanhApproximation) {
            Activations.geluTanh(x.data(), y.data(), n);
            return attach(y, "gelu", () -> Activations.geluTanhBackwardAcc(x.data(), y.grad(), x.grad(), n), x);
        }
        if (!recording(x)) {
            Activations.geluExact(x.data(), y.data(), n);
            return y;
        }
        // Phi(x) saved for the backward, which would otherwise recompute erf (bit-identical either way)
        float[] cdf = Arena.floatsForOverwrite(n);
        Activations.geluExact(x.data(), y.data(), cdf, n);
        return attach(y, "gelu", () -> Activations.geluExactBackwardAcc(x.data(), cdf, y.grad(), x.grad(), n), x);
    }

    public static Tensor relu(Tensor x) {
        Tensor y = Tensor.forOverwrite(x.shape());
        int n = y.size();
        ElementWise.relu(x.data(), y.data(), n);
        return attach(y, "relu", () -> ElementWise.reluBackwardAcc(x.data(), y.grad(), x.grad(), n), x);
    }

    /** SiLU (swish): x * sigmoid(x). */
    public static Tensor silu(Tensor x) {
        Tensor y = Tensor.forOverwrite(x.shape());
        int n = y.size();
        Activations.silu(x.data(), y.data(), n);
        return attach(y, "silu", () -> Activations.siluBackwardAcc(x.data(), y.grad(), x.grad(), n), x);
    }

    /**
     * Rotary position embedding (RoPE, Su et al.): x [B, T, nHeads * headSize]; in every head, pair i at sequence
     * index t is rotated by the angle with cosine cos[t * headSize/2 + i] and sine sin[t * headSize/2 + i] (tables
     * [T, headSize/2] for the T positions of x, see {@link org.transformer4j.nn.RotaryEmbedding}). The pair is
     * (2i, 2i+1) when {@code interleaved} (llama2.c, Meta's original code) and (i, i + headSize/2) otherwise
     * (Hugging Face's rotate_half). The backward applies the inverse rotation to the output gradient.
     */
    public static Tensor rope(Tensor x, int headSize, float[] cos, float[] sin, boolean interleaved) {
        if (x.rank() != 3 || headSize <= 0 || headSize % 2 != 0 || x.dim(2) % headSize != 0) {
            throw new IllegalArgumentException("rope: x must be [B, T, heads * headSize] with an even headSize "
                    + headSize + ", got " + Arrays.toString(x.shape()));
        }
        int time = x.dim(1);
        int width = x.dim(2);
        if (cos.length != time * headSize / 2 || sin.length != cos.length) {
            throw new IllegalArgumentException("rope: cos and sin must hold " + time + " x " + headSize / 2
                    + " entries for x " + Arrays.toString(x.shape()) + ", got " + cos.length + " and " + sin.length);
        }
        int rows = x.rows();
        Tensor y = Tensor.forOverwrite(x.shape());
        Rotary.apply(x.data(), y.data(), rows, time, width, headSize, cos, sin, interleaved, false);
        return attach(y, "rope", () -> Rotary.apply(y.grad(), x.grad(), rows, time, width, headSize, cos, sin,
                interleaved, true), x);
    }

    /**
     * Inverted dropout: when {@code training} and p > 0, zeroes each element with probability p and scales the rest
     * by 1/(1-p); otherwise returns x itself. The mask is drawn from {@code rng}, so a seeded run is repeatable.
     */
    public static Tensor dropout(Tensor x, float p, boolean training, SplittableRandom rng) {
        if (!(p >= 0f && p <= 1f)) {
            throw new IllegalArgumentException("dropout: p must be in [0, 1], got " + p);
        }
        if (!training || p == 0f) {
            return x;
        }
        int n = x.size();
        // The mask holds each element's multiplier (0 or 1/(1-p)), drawn serially so a seed fixes it.
        float[] mask = Arena.floatsForOverwrite(n);
        float keep = p == 1f ? 0f : 1f / (1f - p);
        for (int i = 0; i < n; i++) {
            mask[i] = rng.nextDouble() < p ? 0f : keep;
        }
        Tensor y = Tensor.forOverwrite(x.shape());
        ElementWise.mul(x.data(), mask, y.data(), n);
        return attach(y, "dropout", () -> ElementWise.mulAcc(y.grad(), mask, x.grad(), n), x);
    }

    /** Splits the last dimension into {@code parts} equal pieces (e.g. a fused QKV projection into q, k, v). */
    public static Tensor[] split(Tensor x, int parts) {
        int c = x.cols();
        if (parts <= 0 || c % parts != 0) {
            throw new IllegalArgumentException("split: last dimension " + c + " of " + Arrays.toString(x.shape())
                    + " does not split into " + parts + " equal parts");
        }
        int w = c / parts;
        int rows = x.rows();
        int[] shape = x.shape();
        shape[shape.length - 1] = w;
        Tensor[] out = new Tensor[parts];
        float[] xd = x.data();
        for (int part = 0; part < parts; part++) {
            Tensor y = Tensor.forOverwrite(shape);
            float[] yd = y.data();
            int col = part * w;
            ElementWise.forRows(rows, w, (r0, r1) -> {
                for (int r = r0; r < r1; r++) {
                    System.arraycopy(xd, r * c + col, yd, r * w, w);
                }
            });
            out[part] = attach(y, "split", () -> {
                float[] g = y.grad();
                float[] gx = x.grad();
                ElementWise.forRows(rows, w, (r0, r1) -> {
                    for (int r = r0; r < r1; r++) {
                        ElementWise.axpy(w, 1f, g, r * w, gx, r * c + col);
                    }
                });
            }, x);
        }
        return out;
    }

    /** Softmax over the last dimension. */
    public static Tensor softmax(Tensor x) {
        Tensor y = Tensor.forOverwrite(x.shape());
        int rows = x.rows();
        int c = x.cols();
        Softmax.forward(x.data(), y.data(), rows, c);
        return attach(y, "softmax", () -> Softmax.backwardAcc(y.data(), y.grad(), x.grad(), rows, c), x);
    }

    /** A copy of the targets after checking there is one per row of logits and each is -1 or inside [0, V). */
    private static int[] checkedTargets(Tensor logits, int[] targets) {
        if (targets.length != logits.rows()) {
            throw new IllegalArgumentException("crossEntropy: logits " + Arrays.toString(logits.shape()) + " hold "
                    + logits.rows() + " rows, got " + targets.length + " targets");
        }
        CrossEntropy.checkTargets(targets, logits.cols());
        return targets.clone();
    }

    /** How many targets count in the mean (those not ignored). */
    private static int countTargets(int[] targets) {
        int count = 0;
        for (int t : targets) {
            if (t != CrossEntropy.IGNORE) {
                count++;
            }
        }
        return count;
    }

    /**
     * Mean cross-entropy of softmax(logits) against target ids, fused (never materialises log-softmax as an op).
     * logits [..., V] seen as rows [N, V]; targets has N entries; a target of -1 is ignored (not counted in the
     * mean). A target outside [0, V) other than -1 throws. Returns a scalar.
     */
    public static Tensor crossEntropy(Tensor logits, int[] targets) {
        int vocab = logits.cols();
        int rows = logits.rows();
        int[] saved = checkedTargets(logits, targets);
        int count = countTargets(saved);
        float[] lse = Arena.floats(rows);
        double total = CrossEntropy.forward(logits.data(), saved, rows, vocab, lse, Arena.floats(rows));
        // With every target ignored there is nothing to average: the loss is 0 with zero gradient (not NaN).
        int n = Math.max(count, 1);
        Tensor y = Tensor.scalar((float) (total / n));
        return attach(y, "crossEntropy", () -> CrossEntropy.backwardAcc(logits.data(), saved, lse, y.grad()[0] / n,
                logits.grad(), rows, vocab), logits);
    }

    /** Sum of all elements, as a scalar. */
    public static Tensor sum(Tensor x) {
        Tensor y = Tensor.scalar((float) ElementWise.sum(x.data(), x.size()));
        return attach(y, "sum", () -> ElementWise.addScalarAcc(y.grad()[0], x.grad(), x.size()), x);
    }

    /** Mean of all elements, as a scalar. */
    public static Tensor mean(Tensor x) {
        int n = x.size();
        Tensor y = Tensor.scalar(n == 0 ? Float.NaN : (float) (ElementWise.sum(x.data(), n) / n));
        return attach(y, "mean", () -> ElementWise.addScalarAcc(y.grad()[0] / n, x.grad(), n), x);
    }

    /**
     * Multi-head scaled dot-product attention, fused (one op, one backward).
     *
     * <p>q [B, T, C], k and v [B, S, C], C = nHead * headDim. Head h uses columns h*headDim..(h+1)*headDim-1 of
     * each (the layout of a PyTorch view(B, T, nHead, headDim)). For each batch row and head:
     * out = softmax(scale * q·kᵀ + bias, masked) · v, giving [B, T, C] with the heads concatenated back.
     *
     * @param scale  the logit scale, usually 1/sqrt(headDim) (T5 uses 1)
     * @param bias   an additive logit bias [nHead, T, S] shared over the batch (T5's relative position bias), or
     *               null; it is differentiable
     * @param probs  when not null, receives the attention weights [B, nHead, T, S] (for inspection)
     */
    public static Tensor attention(Tensor q, Tensor k, Tensor v, int nHead, AttentionMask mask, float scale,
                                   Tensor bias, float[] probs) {
        return attention(q, k, v, nHead, mask, scale, bias, probs, 0f, null);
    }

    /**
     * {@link #attention(Tensor, Tensor, Tensor, int, AttentionMask, float, Tensor, float[])} with dropout on the
     * attention weights (as nanoGPT's scaled_dot_product_attention(dropout_p=...) in training): when
     * {@code rng} is not null and {@code dropout} > 0, each weight is zeroed with probability {@code dropout} and the
     * rest scaled by 1/(1-dropout). {@code probs} receives the weights before dropout.
     */
    public static Tensor attention(Tensor q, Tensor k, Tensor v, int nHead, AttentionMask mask, float scale,
                                   Tensor bias, float[] probs, float dropout, SplittableRandom rng) {
        return attention(q, k, v, nHead, nHead, mask, scale, bias, probs, dropout, rng);
    }

    /**
     * Grouped-query attention (Llama 2/3, Mistral): as {@link #attention(Tensor, Tensor, Tensor, int,
     * AttentionMask, float, Tensor, float[], float, SplittableRandom)} with {@code nKvHead} key/value heads
     * shared by groups of nHead / nKvHead consecutive query heads. q [B, T, nHead * headDim]; k and v
     * [B, S, nKvHead * headDim]. Query head h reads key/value head h / (nHead / nKvHead), the order of Hugging
     * Face's repeat_kv; the backward sums the gradients of the heads sharing a key/value head. nKvHead = nHead is
     * ordinary multi-head attention, nKvHead = 1 multi-query attention.
     */
    public static Tensor groupedQueryAttention(Tensor q, Tensor k, Tensor v, int nHead, int nKvHead,
                                               AttentionMask mask, float scale, float[] probs, float dropout,
                                               SplittableRandom rng) {
        return attention(q, k, v, nHead, nKvHead, mask, scale, null, probs, dropout, rng);
    }

    private static Tensor attention(Tensor q, Tensor k, Tensor v, int nHead, int nKvHead, AttentionMask mask,
                                    float scale, Tensor bias, float[] probs, float dropout, SplittableRandom rng) {
        if (!(dropout >= 0f && dropout < 1f)) {
            throw new IllegalArgumentException("attention: dropout must be in [0, 1), got " + dropout);
        }
        if (nHead <= 0 || nKvHead <= 0 || nHead % nKvHead != 0) {
            throw new IllegalArgumentException("attention: " + nHead + " query heads do not split into groups for "
                    + nKvHead + " key/value heads");
        }
        if (q.rank() != 3 || k.rank() != 3 || v.rank() != 3 || !k.sameShape(v) || q.dim(0) != k.dim(0)
                || (long) q.dim(2) * nKvHead != (long) k.dim(2) * nHead) {
            throw new IllegalArgumentException("attention: q must be [B, T, C] and k, v [B, S, C"
                    + (nKvHead == nHead ? "" : " * " + nKvHead + "/" + nHead) + "], got q "
                    + Arrays.toString(q.shape()) + ", k " + Arrays.toString(k.shape()) + ", v "
                    + Arrays.toString(v.shape()));
        }
        int batch = q.dim(0);
        int tq = q.dim(1);
        int sk = k.dim(1);
        int c = q.dim(2);
        if (c % nHead != 0) {
            throw new IllegalArgumentException("attention: " + c + " channels do not split into " + nHead + " heads");
        }
        if (bias != null && !Arrays.equals(bias.shape(), new int[] {nHead, tq, sk})) {
            throw new IllegalArgumentException("attention: bias must be " + Arrays.toString(new int[] {nHead, tq, sk})
                    + ", got " + Arrays.toString(bias.shape()));
        }
        int[] lengths = mask.keyLengths();
        if (lengths != null) {
            if (lengths.length != batch) {
                throw new IllegalArgumentException("attention: mask has " + lengths.length + " key lengths for a batch of "
                        + batch);
            }
            for (int b = 0; b < batch; b++) {
                if (lengths[b] < 0 || lengths[b] > sk) {
                    throw new IllegalArgumentException("attention: key length " + lengths[b] + " of batch row " + b
                            + " is outside [0, " + sk + "]");
                }
            }
            lengths = lengths.clone();
        }
        long pSize = (long) batch * nHead * tq * sk;
        if (probs != null && probs.length != pSize) {
            throw new IllegalArgumentException("attention: probs has " + probs.length + " entries, needs " + pSize);
        }
        Attention.Dims d = new Attention.Dims(batch, tq, sk, c, nHead, mask.isCausal(), mask.offset(), lengths,
                nKvHead);
        boolean record = recording(q, k, v, bias);
        float[] p = record || probs != null ? Arena.floats(Math.toIntExact(pSize)) : null;
        float[] keep = null;
        if (rng != null && dropout > 0f) {
            // Drawn serially in a fixed order, so the mask depends only on the generator, not on threads.
            keep = Arena.floatsForOverwrite(Math.toIntExact(pSize));
            float kept = 1f / (1f - dropout);
            for (int i = 0; i < keep.length; i++) {
                keep[i] = rng.nextDouble() < dropout ? 0f : kept;
            }
        }
        float[] keepMask = keep;
        Tensor y = Tensor.zeros(batch, tq, c);
        Attention.forward(d, q.data(), k.data(), v.data(), bias == null ? null : bias.data(), scale, y.data(), p,
                keepMask);
        if (probs != null) {
            System.arraycopy(p, 0, probs, 0, p.length);
        }
        return attach(y, "attention", () -> Attention.backwardAcc(d, q.data(), k.data(), v.data(), p, keepMask, scale,
                y.grad(), gradOrNull(q), gradOrNull(k), gradOrNull(v), gradOrNull(bias)), q, k, v, bias);
    }

    /** Element-wise tanh (BERT's pooler), with our deterministic {@link VectorMath#tanh(float)}. */
    public static Tensor tanh(Tensor x) {
        Tensor y = Tensor.forOverwrite(x.shape());
        int n = y.size();
        float[] xd = x.data();
        float[] yd = y.data();
        for (int i = 0; i < n; i++) {
            yd[i] = VectorMath.tanh(xd[i]);
        }
        return attach(y, "tanh", () -> {
            float[] g = y.grad();
            float[] gx = x.grad();
            for (int i = 0; i < n; i++) {
                gx[i] += g[i] * (1f - yd[i] * yd[i]);
            }
        }, x);
    }

    /**
     * Selected rows of x seen as a matrix [N, C]: out[i, :] = x[rows[i], :], shape [rows.length, C]. Picks the
     * [CLS] position of each sequence (a pooler) or the masked positions of a batch (a masked-LM head that only
     * scores what the loss uses). Backward scatter-adds; a row may be selected more than once. A row outside
     * [0, N) throws.
     */
    public static Tensor gatherRows(Tensor x, int[] rows) {
        int n = x.rows();
        int c = x.cols();
        for (int r : rows) {
            if (r < 0 || r >= n) {
                throw new IllegalArgumentException("gatherRows: row " + r + " is outside [0, " + n + ") of "
                        + Arrays.toString(x.shape()));
            }
        }
        int[] saved = rows.clone();
        Tensor y = Tensor.forOverwrite(saved.length, c);
        float[] xd = x.data();
        float[] yd = y.data();
        for (int i = 0; i < saved.length; i++) {
            System.arraycopy(xd, saved[i] * c, yd, i * c, c);
        }
        return attach(y, "gatherRows", () -> {
            float[] g = y.grad();
            float[] gx = x.grad();
            for (int i = 0; i < saved.length; i++) {
                ElementWise.axpy(c, 1f, g, i * c, gx, saved[i] * c);
            }
        }, x);
    }

    /**
     * Mean cross-entropy with label smoothing, as torch.nn.functional.cross_entropy(label_smoothing=eps): the
     * target distribution is (1 - eps) on the target id plus eps / V spread over all V ids, so a row's loss is
     * lse - (1 - eps) * logit[target] - eps * mean(logits). Targets of -1 are ignored (not counted in the mean);
     * eps = 0 is {@link #crossEntropy(Tensor, int[])}.
     */
    public static Tensor crossEntropy(Tensor logits, int[] targets, float labelSmoothing) {
        if (!(labelSmoothing >= 0f && labelSmoothing <= 1f)) {
            throw new IllegalArgumentException("crossEntropy: label smoothing must be in [0, 1], got " + labelSmoothing);
        }
        if (labelSmoothing == 0f) {
            return crossEntropy(logits, targets);
        }
        int vocab = logits.cols();
        int rows = logits.rows();
        int[] saved = checkedTargets(logits, targets);
        int count = countTargets(saved);
        float[] lse = Arena.floats(rows);
        float[] nll = Arena.floats(rows);
        double total = CrossEntropy.forward(logits.data(), saved, rows, vocab, lse, nll);
        // Smoothing term per counted row: eps * (lse - mean(logits)) - eps * nll, added to the plain loss.
        float[] x = logits.data();
        double smooth = 0;
        for (int r = 0; r < rows; r++) {
            if (saved[r] == CrossEntropy.IGNORE) {
                continue;
            }
            double mean = (double) ElementWise.sumRange(x, r * vocab, vocab) / vocab;
            smooth += labelSmoothing * ((lse[r] - mean) - nll[r]);
        }
        int n = Math.max(count, 1);
        float eps = labelSmoothing;
        Tensor y = Tensor.scalar((float) ((total + smooth) / n));
        return attach(y, "crossEntropySmoothed", () -> {
            float g = y.grad()[0] / n;
            float[] gl = logits.grad();
            // softmax - (1 - eps) onehot - eps / V: the plain backward scaled, plus the uniform part.
            CrossEntropy.backwardAcc(x, saved, lse, g, gl, rows, vocab);
            for (int r = 0; r < rows; r++) {
                if (saved[r] == CrossEntropy.IGNORE) {
                    continue;
                }
                int off = r * vocab;
                float u = g * eps / vocab;
                for (int j = 0; j < vocab; j++) {
                    gl[off + j] -= u;
                }
                gl[off + saved[r]] += g * eps;
            }
        }, logits);
    }

    /**
     * T5's relative position bias as an attention bias: out[h, t, s] = table[buckets[t * S + s], h], for a table
     * [numBuckets, nHead] (one learned scalar per bucket and head) and the bucket of every (query, key) pair. The
     * backward scatter-adds into the table. Feed the result to {@link #attention} as its bias.
     */
    public static Tensor relativePositionBias(Tensor table, int[] buckets, int queries, int keys) {
        if (table.rank() != 2) {
            throw new IllegalArgumentException("relativePositionBias: table must be [buckets, heads], got "
                    + Arrays.toString(table.shape()));
        }
        if (buckets.length != queries * keys) {
            throw new IllegalArgumentException("relativePositionBias: " + buckets.length + " buckets for " + queries
                    + " x " + keys + " positions");
        }
        int nb = table.dim(0);
        int heads = table.dim(1);
        for (int b : buckets) {
            if (b < 0 || b >= nb) {
                throw new IllegalArgumentException("relativePositionBias: bucket " + b + " outside [0, " + nb + ")");
            }
        }
        int[] saved = buckets.clone();
        int n = saved.length;
        Tensor y = Tensor.zeros(heads, queries, keys);
        float[] td = table.data();
        float[] yd = y.data();
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < n; i++) {
                yd[h * n + i] = td[saved[i] * heads + h];
            }
        }
        return attach(y, "relativePositionBias", () -> {
            float[] g = y.grad();
            float[] gt = table.grad();
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < n; i++) {
                    gt[saved[i] * heads + h] += g[h * n + i];
                }
            }
        }, table);
    }

    // ---- graph recording ----------------------------------------------------------------------------------

    /** True when the op must record a Node: grad mode is on and some input requires grad. */
    private static boolean recording(Tensor... inputs) {
        if (!GradMode.enabled()) {
            return false;
        }
        for (Tensor t : inputs) {
            if (t != null && t.requiresGrad()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Attaches the op's Node to {@code out} when {@link #recording} says so. The backward closure may call
     * {@code grad()} only on inputs that require grad (kernels are handed {@link #gradOrNull}), so gradients are
     * never allocated for constants.
     */
    private static Tensor attach(Tensor out, String name, Runnable backward, Tensor... inputs) {
        if (recording(inputs)) {
            out.requiresGrad(true);
            out.gradFn(new Node(name, inputs, backward));
        }
        return out;
    }

    /** Single-input ops: the backward runs only when that input requires grad (checked by attach). */
    private static float[] gradOrNull(Tensor t) {
        return t != null && t.requiresGrad() ? t.grad() : null;
    }

    private static IllegalArgumentException shapeError(String op, String an, Tensor a, String bn, Tensor b) {
        return new IllegalArgumentException(op + ": incompatible shapes " + an + " " + Arrays.toString(a.shape()) + " and "
                + bn + " " + Arrays.toString(b.shape()));
    }

    private static void requireSameShape(String op, Tensor a, Tensor b) {
        if (!a.sameShape(b)) {
            throw shapeError(op, "a", a, "b", b);
        }
    }

    private static void requireVector(String op, String name, Tensor t, int c, Tensor x) {
        if (t.rank() != 1 || t.dim(0) != c) {
            throw new IllegalArgumentException(op + ": " + name + " must be [" + c + "] to match x "
                    + Arrays.toString(x.shape()) + ", got " + Arrays.toString(t.shape()));
        }
    }
}
