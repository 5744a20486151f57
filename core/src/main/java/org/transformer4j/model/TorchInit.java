package org.transformer4j.model;

import java.util.Arrays;
import java.util.Map;

import org.transformer4j.tensor.Tensor;
import org.transformer4j.tensor.TorchGenerator;

/**
 * nanoGPT's initialisation replayed on PyTorch's generator ({@link TorchGenerator}): after {@code
 * torch.manual_seed(seed)}, nanoGPT's {@code GPT(config)} draws in three passes, and so does this class:
 * <ol>
 *   <li>the modules' own constructors, in construction order: each nn.Embedding fills its weight with N(0, 1)
 *       (wte, then wpe); each nn.Linear draws a Kaiming-uniform weight and, with bias, a uniform bias (per
 *       block c_attn, attn.c_proj, c_fc, mlp.c_proj; then lm_head). Those values are all overwritten below, but
 *       they consume the generator, so they are drawn and dropped;</li>
 *   <li>{@code self.apply(self._init_weights)}: N(0, std²) into wte, wpe and every Linear weight in module
 *       order (children before parents), biases zero; lm_head comes last and, tied to wte, overwrites it;</li>
 *   <li>N(0, (std/√(2·n_layer))²) into every c_proj weight, in parameter order.</li>
 * </ol>
 * The weights then equal PyTorch's to float rounding of Box-Muller (TorchInitTest), and the generator is left
 * where nanoGPT's is when its train.py draws the first batch.
 */
public final class TorchInit {
    private TorchInit() {}

    /** Initialises {@code model} as nanoGPT does under {@code torch.manual_seed(seed)}; returns the generator after it. */
    public static TorchGenerator nanoGpt(GPT model, long seed, double std) {
        TorchGenerator g = new TorchGenerator(seed);
        nanoGpt(model, g, std);
        return g;
    }

    /**
     * The generator as {@link #nanoGpt(GPT, long, double)} leaves it for a model of shape {@code config}, without
     * making the weights (a resumed run needs only where its batches continue).
     */
    public static TorchGenerator generatorAfter(GPTConfig config, long seed) {
        TorchGenerator g = new TorchGenerator(seed);
        draw(config, null, g, 0.02);
        return g;
    }

    static void nanoGpt(GPT model, TorchGenerator g, double std) {
        draw(model.config, model.namedParameters(), g, std);
    }

    /** The three passes; with {@code p} null only the generator advances (the draws are the same). */
    private static void draw(GPTConfig c, Map<String, Tensor> p, TorchGenerator g, double std) {
        int C = c.nEmbd();
        int inner = c.nInner();
        boolean bias = c.bias();
        String t = "transformer.";

        // 1. Constructors: nn.Embedding(vocab, C) and (block, C) draw N(0, 1); each nn.Linear draws its weight and
        //    bias from uniform distributions (values irrelevant, counts exact).
        g.discardNormal((long) c.vocabSize() * C);
        g.discardNormal((long) c.blockSize() * C);
        for (int i = 0; i < c.nLayer(); i++) {
            linearConstructor(g, 3 * C, C, bias); // attn.c_attn
            linearConstructor(g, C, C, bias);     // attn.c_proj
            linearConstructor(g, inner, C, bias); // mlp.c_fc
            linearConstructor(g, C, inner, bias); // mlp.c_proj
        }
        linearConstructor(g, c.vocabSize(), C, false); // lm_head

        // 2. _init_weights over the modules, children first.
        normal(g, p, t + "wte.weight", (long) c.vocabSize() * C, std);
        normal(g, p, t + "wpe.weight", (long) c.blockSize() * C, std);
        for (int i = 0; i < c.nLayer(); i++) {
            String h = t + "h." + i + ".";
            long[] sizes = {3L * C * C, (long) C * C, (long) inner * C, (long) C * inner};
            String[] linears = {"attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj"};
            for (int k = 0; k < linears.length; k++) {
                normal(g, p, h + linears[k] + ".weight", sizes[k], std);
                fill(p, h + linears[k] + ".bias", bias, 0f);
            }
            fill(p, h + "ln_1.weight", true, 1f);
            fill(p, h + "ln_1.bias", bias, 0f);
            fill(p, h + "ln_2.weight", true, 1f);
            fill(p, h + "ln_2.bias", bias, 0f);
        }
        fill(p, t + "ln_f.weight", true, 1f);
        fill(p, t + "ln_f.bias", bias, 0f);
        normal(g, p, t + "wte.weight", (long) c.vocabSize() * C, std); // lm_head, the same tensor as wte

        // 3. The residual projections again, scaled for depth.
        double residualStd = std / Math.sqrt(2.0 * c.nLayer());
        for (int i = 0; i < c.nLayer(); i++) {
            normal(g, p, t + "h." + i + ".attn.c_proj.weight", (long) C * C, residualStd);
            normal(g, p, t + "h." + i + ".mlp.c_proj.weight", (long) C * inner, residualStd);
        }
    }

    private static void linearConstructor(TorchGenerator g, int out, int in, boolean bias) {
        g.skip((long) out * in); // kaiming_uniform_: one word per element
        if (bias) {
            g.skip(out);         // uniform_ bias
        }
    }

    /** N(0, std²) into parameter {@code name} of {@code n} elements, or only its draws when there are no weights. */
    private static void normal(TorchGenerator g, Map<String, Tensor> p, String name, long n, double std) {
        if (p == null) {
            g.discardNormal(n);
            return;
        }
        float[] d = weight(p, name).data();
        if (d.length != n) {
            throw new IllegalStateException(name + " has " + d.length + " elements, nanoGPT's has " + n);
        }
        g.normal(d, 0, d.length, 0.0, std);
    }

    private static void fill(Map<String, Tensor> p, String name, boolean present, float value) {
        if (p != null && present) {
            Arrays.fill(weight(p, name).data(), value);
        }
    }

    private static Tensor weight(Map<String, Tensor> p, String name) {
        Tensor w = p.get(name);
        if (w == null) {
            throw new IllegalStateException("nanoGPT initialisation: the GPT has no parameter " + name);
        }
        return w;
    }
}
