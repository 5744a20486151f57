package org.transformer4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import org.transformer4j.T4jException;
import org.transformer4j.autograd.GradMode;
import org.transformer4j.io.Npy;
import org.transformer4j.model.CausalLM;
import org.transformer4j.model.GPT;
import org.transformer4j.model.Llama;
import org.transformer4j.nn.Capture;
import org.transformer4j.nn.ForwardContext;
import org.transformer4j.tensor.Tensor;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code t4j inspect}: what the model computes for a prompt, written as .npy arrays. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Write logits, hidden states and attention maps of a model for a prompt (.npy files)",
        footer = {"", "Hidden states have L+1 entries: entry 0 is the embedding output, entry i the output of block i "
                + "(before the final layer norm).",
                "For an encoder (BERT) the logits are the masked-LM logits at every position and the most likely "
                        + "tokens at each [MASK] are printed.",
                "Example: t4j inspect --model runs/shakespeare-char --prompt 'ROMEO:' --logits-out l.npy --hidden-out h.npy"})
public final class InspectCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "model directory")
    Path model;

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    PromptOption prompt;

    @Option(names = "--source-ids", paramLabel = "IDS",
            description = "encoder-decoder models: the source ids (--prompt-ids is then the decoder input)")
    String sourceIds;

    @Option(names = "--source", paramLabel = "TEXT", description = "encoder-decoder models: the source text")
    String sourceText;

    @Option(names = "--encoder-hidden-out", paramLabel = "FILE",
            description = "encoder-decoder models: encoder hidden states [L+1, S, C] as float32 .npy")
    Path encoderHiddenOut;

    @Option(names = "--cross-attention-out", paramLabel = "FILE",
            description = "encoder-decoder models: cross-attention weights [L, n_head, T, S] as float32 .npy")
    Path crossAttentionOut;

    @Option(names = "--logits-out", paramLabel = "FILE", description = "logits [T, V] as float32 .npy")
    Path logitsOut;

    @Option(names = "--hidden-out", paramLabel = "FILE", description = "hidden states [L+1, T, C] as float32 .npy")
    Path hiddenOut;

    @Option(names = "--attention-out", paramLabel = "FILE",
            description = "attention weights [L, n_head, T, T] as float32 .npy")
    Path attentionOut;

    @Option(names = "--top", defaultValue = "5", paramLabel = "K",
            description = "print the K most likely next tokens (default: ${DEFAULT-VALUE})")
    int top;

    @Override
    public Integer call() throws IOException {
        if (Seq2SeqCli.handles(model)) {
            return Seq2SeqCli.inspect(this, spec.commandLine().getOut());
        }
        if (sourceIds != null || sourceText != null || encoderHiddenOut != null || crossAttentionOut != null) {
            throw new T4jException(model + " is not an encoder-decoder: --source-ids, --source, --encoder-hidden-out "
                    + "and --cross-attention-out are for encoder-decoder models");
        }
        if (prompt == null) {
            throw new T4jException("give the prompt with --prompt-ids or --prompt");
        }
        if (java.nio.file.Files.isDirectory(model) && org.transformer4j.model.BertFiles.isBert(model)) {
            return BertInspect.run(this, spec.commandLine().getOut()); // an encoder: MLM logits, no next token
        }
        LoadedModel loaded = LoadedModel.open(model);
        CausalLM lm = loaded.model();
        int[] ids = prompt.ids(loaded);
        int t = ids.length;
        if (t > lm.contextLength()) {
            throw new T4jException("the prompt has " + t + " tokens; this model's context is " + lm.contextLength());
        }
        for (int i = 0; i < t; i++) {
            if (ids[i] < 0 || ids[i] >= lm.vocabSize()) {
                throw new T4jException("token id " + ids[i] + " at position " + i + " is outside the vocabulary of size "
                        + lm.vocabSize());
            }
        }
        Capture capture = new Capture(attentionOut != null);
        Tensor logits;
        int c;
        int heads;
        try (var noGrad = GradMode.off()) {
            switch (lm) {
                case GPT gpt -> {
                    gpt.train(false);
                    logits = gpt.forward(ids, 1, t, null, ForwardContext.capturing(capture)).logits();
                    c = gpt.config.nEmbd();
                    heads = gpt.config.nHead();
                }
                case Llama llama -> {
                    logits = llama.forward(ids, capture);
                    c = llama.config.dim();
                    heads = llama.config.nHeads();
                }
                default -> throw new T4jException(model + ": inspect does not support this kind of model yet");
            }
        }
        int v = lm.vocabSize();
        PrintWriter w = spec.commandLine().getOut();
        if (logitsOut != null) {
            Npy.writeFloats(logitsOut, logits.data(), t, v);
            w.printf("wrote %s: logits [%d, %d]%n", logitsOut, t, v);
        }
        if (hiddenOut != null) {
            List<Tensor> hs = capture.hiddenStates();
            float[] all = new float[hs.size() * t * c];
            for (int l = 0; l < hs.size(); l++) {
                System.arraycopy(hs.get(l).data(), 0, all, l * t * c, t * c);
            }
            Npy.writeFloats(hiddenOut, all, hs.size(), t, c);
            w.printf("wrote %s: hidden states [%d, %d, %d]%n", hiddenOut, hs.size(), t, c);
        }
        if (attentionOut != null) {
            List<Tensor> as = capture.attentions();
            int h = heads;
            float[] all = new float[as.size() * h * t * t];
            for (int l = 0; l < as.size(); l++) {
                System.arraycopy(as.get(l).data(), 0, all, l * h * t * t, h * t * t);
            }
            Npy.writeFloats(attentionOut, all, as.size(), h, t, t);
            w.printf("wrote %s: attention [%d, %d, %d, %d]%n", attentionOut, as.size(), h, t, t);
        }
        printTop(w, logits.data(), (t - 1) * v, v, loaded.tokenizer());
        w.flush();
        return Cli.EXIT_OK;
    }

    /** The most likely next tokens after the prompt, with their probabilities. */
    void printTop(PrintWriter w, float[] logits, int off, int v, java.util.Optional<org.transformer4j.tokenizer.Tokenizer> tokenizer) {
        int k = Math.max(0, Math.min(top, v));
        if (k == 0) {
            return;
        }
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
        w.println("next token:");
        for (int r = 0; r < k; r++) {
            int id = order[r];
            double p = Math.exp(logits[off + id] - max) / sum;
            String text = tokenizer.map(tok -> " " + quote(tok.decode(new int[] {id}))).orElse("");
            w.printf(Locale.ROOT, "  %6d%s  p=%.4f  logit=%.4f%n", id, text, p, logits[off + id]);
        }
    }

    private static String quote(String s) {
        StringBuilder sb = new StringBuilder("'");
        for (char ch : s.toCharArray()) {
            switch (ch) {
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '\'' -> sb.append("\\'");
                default -> sb.append(ch);
            }
        }
        return sb.append('\'').toString();
    }
}
