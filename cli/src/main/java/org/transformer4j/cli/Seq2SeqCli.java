package org.transformer4j.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.transformer4j.T4jException;
import org.transformer4j.autograd.GradMode;
import org.transformer4j.generate.BeamParams;
import org.transformer4j.generate.SamplingParams;
import org.transformer4j.generate.Seq2SeqGenerator;
import org.transformer4j.io.Json;
import org.transformer4j.io.Npy;
import org.transformer4j.model.EncoderDecoder;
import org.transformer4j.model.EncoderDecoderFiles;
import org.transformer4j.nn.ForwardContext;
import org.transformer4j.tensor.Tensor;
import org.transformer4j.tokenizer.PairVocab;
import org.transformer4j.tokenizer.Tokenizer;
import org.transformer4j.train.Seq2SeqTraining;

/**
 * generate and inspect for encoder-decoder model directories (ours and Hugging Face T5): the source comes from
 * --source-ids or --source (text, with the model's vocabulary), the decoder input of inspect from --prompt-ids.
 */
final class Seq2SeqCli {
    private Seq2SeqCli() {}

    /** Whether {@code dir} is an encoder-decoder model directory. */
    static boolean handles(Path dir) {
        return Files.isDirectory(dir) && EncoderDecoderFiles.isEncoderDecoder(dir);
    }

    record Loaded(EncoderDecoder model, Optional<Tokenizer> tokenizer) {}

    static Loaded open(Path dir) {
        EncoderDecoder model = EncoderDecoderFiles.load(dir);
        Optional<Tokenizer> tok = PairVocab.isIn(dir) ? Optional.of(PairVocab.load(dir)) : Optional.empty();
        return new Loaded(model, tok);
    }

    /** The source ids: given, or the text encoded and ended with </s> as in training. */
    static int[] source(Loaded m, Path dir, String ids, String text) {
        if (ids != null && text != null) {
            throw new T4jException("give --source-ids or --source, not both");
        }
        if (ids == null && text == null) {
            throw new T4jException(dir + " is an encoder-decoder: give the source with --source-ids or --source");
        }
        int[] src;
        if (ids != null) {
            src = LoadedModel.parseIds(ids, "--source-ids");
        } else {
            Tokenizer tok = m.tokenizer().orElseThrow(() -> new T4jException(dir
                    + " has no tokenizer files, so --source cannot be used (give --source-ids instead)"));
            src = tok instanceof PairVocab v ? Seq2SeqTraining.source(v, text) : tok.encode(text);
        }
        if (src.length == 0) {
            throw new T4jException("the source is empty: give at least one token");
        }
        int v = m.model().vocabSize();
        for (int i = 0; i < src.length; i++) {
            if (src[i] < 0 || src[i] >= v) {
                throw new T4jException("source token id " + src[i] + " at position " + i
                        + " is outside the vocabulary of size " + v);
            }
        }
        return src;
    }

    static int generate(GenerateCommand c, PrintWriter out) {
        if (c.prompt != null) {
            throw new T4jException(c.model + " is an encoder-decoder: give the source with --source-ids or --source "
                    + "(the decoder starts from its start token)");
        }
        Loaded m = open(c.model);
        int[] src = source(m, c.model, c.sourceIds, c.sourceText);
        SamplingParams params = new SamplingParams(c.temperature, c.topK, c.topP);
        if (c.numBeams > 1 && !params.isGreedy()) {
            throw new T4jException("--num-beams " + c.numBeams + " searches deterministically: use --temperature 0");
        }
        Seq2SeqGenerator gen = new Seq2SeqGenerator(m.model());
        Seq2SeqGenerator.Hypothesis h;
        try (var noGrad = GradMode.off()) {
            if (c.maxNewTokens == 0) {
                h = new Seq2SeqGenerator.Hypothesis(new int[0], 0, 0);
            } else if (c.numBeams > 1) {
                h = gen.beamSearch(src, c.maxNewTokens, new BeamParams(c.numBeams, c.lengthPenalty, c.earlyStopping));
            } else {
                h = gen.generate(new int[][] {src}, c.maxNewTokens, params, c.seed).getFirst();
            }
        }
        int[] ids = h.ids();
        String text = m.tokenizer().map(t -> t.decode(ids)).orElse(null);
        if (c.format.equals("json")) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("ids", Arrays.stream(ids).boxed().toList());
            if (text != null) {
                j.put("text", text);
            }
            j.put("log_prob", h.logProb());
            out.println(Json.write(j));
        } else {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < ids.length; i++) {
                sb.append(i == 0 ? "" : " ").append(ids[i]);
            }
            out.println(sb);
            if (text != null) {
                out.println(text);
            }
        }
        out.flush();
        return Cli.EXIT_OK;
    }

    static int inspect(InspectCommand c, PrintWriter w) {
        Loaded m = open(c.model);
        EncoderDecoder model = m.model();
        int[] src = source(m, c.model, c.sourceIds, c.sourceText);
        if (c.prompt == null) {
            throw new T4jException("give the decoder input with --prompt-ids (starting with the decoder start token "
                    + model.config.decoderStartId() + ")");
        }
        if (c.prompt.ids == null) {
            throw new T4jException("give the decoder input as ids with --prompt-ids (--prompt text is not supported "
                    + "for encoder-decoder models)");
        }
        int[] dec = LoadedModel.parseIds(c.prompt.ids, "--prompt-ids");
        int v = model.vocabSize();
        for (int i = 0; i < dec.length; i++) {
            if (dec[i] < 0 || dec[i] >= v) {
                throw new T4jException("token id " + dec[i] + " at position " + i + " is outside the vocabulary of size "
                        + v);
            }
        }
        int s = src.length;
        int t = dec.length;
        EncoderDecoder.Captures cap = EncoderDecoder.Captures.of(c.crossAttentionOut != null || c.attentionOut != null);
        Tensor logits;
        try (var noGrad = GradMode.off()) {
            model.train(false);
            logits = model.forward(src, s, null, dec, t, 1, null, 0f, ForwardContext.INFERENCE, cap).logits();
        }
        int d = model.config.dModel();
        int h = model.config.nHead();
        if (c.logitsOut != null) {
            Npy.writeFloats(c.logitsOut, logits.data(), t, v);
            w.printf("wrote %s: decoder logits [%d, %d]%n", c.logitsOut, t, v);
        }
        if (c.encoderHiddenOut != null) {
            List<Tensor> hs = cap.encoder().hiddenStates();
            Npy.writeFloats(c.encoderHiddenOut, stack(hs), hs.size(), s, d);
            w.printf("wrote %s: encoder hidden states [%d, %d, %d]%n", c.encoderHiddenOut, hs.size(), s, d);
        }
        if (c.hiddenOut != null) {
            List<Tensor> hs = cap.decoder().hiddenStates();
            Npy.writeFloats(c.hiddenOut, stack(hs), hs.size(), t, d);
            w.printf("wrote %s: decoder hidden states [%d, %d, %d]%n", c.hiddenOut, hs.size(), t, d);
        }
        if (c.crossAttentionOut != null) {
            List<Tensor> as = cap.cross().attentions();
            Npy.writeFloats(c.crossAttentionOut, stack(as), as.size(), h, t, s);
            w.printf("wrote %s: cross-attention [%d, %d, %d, %d]%n", c.crossAttentionOut, as.size(), h, t, s);
        }
        if (c.attentionOut != null) {
            List<Tensor> as = cap.decoder().attentions();
            Npy.writeFloats(c.attentionOut, stack(as), as.size(), h, t, t);
            w.printf("wrote %s: decoder self-attention [%d, %d, %d, %d]%n", c.attentionOut, as.size(), h, t, t);
        }
        c.printTop(w, logits.data(), (t - 1) * v, v, m.tokenizer());
        w.flush();
        return Cli.EXIT_OK;
    }

    private static float[] stack(List<Tensor> ts) {
        if (ts.isEmpty()) {
            return new float[0];
        }
        int per = ts.getFirst().size();
        float[] out = new float[ts.size() * per];
        for (int i = 0; i < ts.size(); i++) {
            System.arraycopy(ts.get(i).data(), 0, out, i * per, per);
        }
        return out;
    }
}
