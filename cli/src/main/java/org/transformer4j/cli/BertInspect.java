package org.transformer4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import org.transformer4j.T4jException;
import org.transformer4j.autograd.GradMode;
import org.transformer4j.io.Npy;
import org.transformer4j.model.Bert;
import org.transformer4j.nn.Capture;
import org.transformer4j.nn.ForwardContext;
import org.transformer4j.tensor.Tensor;

/**
 * {@code t4j inspect} for an encoder (BERT): masked-LM logits [T, V] at every position, hidden states [L+1, T, C]
 * (entry 0 the embedding output, entry i the output of layer i; BERT has no final norm) and attention weights
 * [L, n_head, T, T]. Instead of next tokens it prints the most likely tokens at each [MASK] of the prompt.
 */
final class BertInspect {
    private BertInspect() {}

    static int run(InspectCommand cmd, PrintWriter w) throws IOException {
        BertInputs in = BertInputs.open(cmd.model);
        Bert bert = in.model();
        int[] ids = in.check(cmd.prompt.ids != null ? LoadedModel.parseIds(cmd.prompt.ids, "--prompt-ids")
                : in.encode(cmd.prompt.text), "the prompt");
        int t = ids.length;
        if (cmd.logitsOut != null && bert.mlm == null) {
            throw new T4jException(cmd.model + " has no masked-LM head (cls.predictions), so there are no logits; "
                    + "use --hidden-out");
        }
        Capture capture = new Capture(cmd.attentionOut != null);
        Tensor logits = null;
        bert.train(false);
        try (var noGrad = GradMode.off()) {
            Tensor hidden = bert.encode(ids, null, 1, t, null, ForwardContext.capturing(capture));
            if (bert.mlm != null) {
                logits = bert.mlmLogits(hidden);
            }
        }
        int v = bert.config.vocabSize();
        int c = bert.config.hiddenSize();
        if (cmd.logitsOut != null) {
            Npy.writeFloats(cmd.logitsOut, logits.data(), t, v);
            w.printf("wrote %s: logits [%d, %d]%n", cmd.logitsOut, t, v);
        }
        if (cmd.hiddenOut != null) {
            write(w, cmd.hiddenOut, capture.hiddenStates(), "hidden states", t, c);
        }
        if (cmd.attentionOut != null) {
            write(w, cmd.attentionOut, capture.attentions(), "attention", bert.config.numHeads(), t, t);
        }
        int mask = bert.config.maskTokenId();
        if (logits != null && mask >= 0) {
            for (int pos = 0; pos < t; pos++) {
                if (ids[pos] == mask) {
                    printTop(w, logits.data(), pos, v, cmd.top, in);
                }
            }
        }
        w.flush();
        return Cli.EXIT_OK;
    }

    /** Stacks per-layer tensors of shape {@code dims} into one [layers, dims...] array. */
    private static void write(PrintWriter w, Path file, List<Tensor> parts, String what, int... dims) {
        int per = 1;
        for (int d : dims) {
            per *= d;
        }
        float[] all = new float[parts.size() * per];
        for (int l = 0; l < parts.size(); l++) {
            System.arraycopy(parts.get(l).data(), 0, all, l * per, per);
        }
        int[] shape = new int[dims.length + 1];
        shape[0] = parts.size();
        System.arraycopy(dims, 0, shape, 1, dims.length);
        Npy.writeFloats(file, all, shape);
        StringBuilder s = new StringBuilder();
        for (int d : shape) {
            s.append(s.isEmpty() ? "" : ", ").append(d);
        }
        w.printf("wrote %s: %s [%s]%n", file, what, s);
    }

    private static void printTop(PrintWriter w, float[] logits, int pos, int v, int top, BertInputs in) {
        int k = Math.max(0, Math.min(top, v));
        int off = pos * v;
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < v; i++) {
            max = Math.max(max, logits[off + i]);
        }
        double sum = 0;
        for (int i = 0; i < v; i++) {
            sum += Math.exp(logits[off + i] - max);
        }
        Integer[] order = new Integer[v];
        for (int i = 0; i < v; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Float.compare(logits[off + b], logits[off + a]));
        w.printf("[MASK] at position %d:%n", pos);
        for (int r = 0; r < k; r++) {
            int id = order[r];
            double p = Math.exp(logits[off + id] - max) / sum;
            String text = "";
            if (in.tokenizer().isPresent() && id < in.tokenizer().get().vocabSize()) {
                text = " " + json(in.tokenizer().get().decode(new int[] {id}));
            }
            w.printf(Locale.ROOT, "  %6d%s  p=%.4f  logit=%.4f%n", id, text, p, logits[off + id]);
        }
    }

    private static String json(String s) {
        return org.transformer4j.io.Json.write(s);
    }
}
