package org.transformer4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.Callable;

import org.transformer4j.T4jException;
import org.transformer4j.autograd.GradMode;
import org.transformer4j.generate.Generator;
import org.transformer4j.generate.Sampler;
import org.transformer4j.generate.SamplingParams;
import org.transformer4j.io.Json;
import org.transformer4j.kernels.Parallel;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code t4j generate}: ids in, ids out; for scripts and tests. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate token ids after a prompt (machine-readable; temperature 0 is greedy)",
        footer = {"", "Example: t4j generate --model runs/shakespeare-char --prompt-ids 1,2,3 --max-new-tokens 20 "
                + "--temperature 0 --format json"})
public final class GenerateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "model directory")
    java.nio.file.Path model;

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    PromptOption prompt;

    @Option(names = "--source-ids", paramLabel = "IDS",
            description = "encoder-decoder models: the source token ids, e.g. 5,9,13,1")
    String sourceIds;

    @Option(names = "--source", paramLabel = "TEXT",
            description = "encoder-decoder models: the source text (needs the model's tokenizer)")
    String sourceText;

    @Option(names = {"--num-beams", "--num_beams"}, defaultValue = "1", paramLabel = "N",
            description = "encoder-decoder models: beam search with N beams (1 = greedy or sampling)")
    int numBeams;

    @Option(names = {"--length-penalty", "--length_penalty"}, defaultValue = "1.0", paramLabel = "P",
            description = "beam search: a hypothesis scores log p / length^P (default: ${DEFAULT-VALUE})")
    double lengthPenalty;

    @Option(names = {"--early-stopping", "--early_stopping"},
            description = "beam search: stop as soon as num-beams hypotheses have finished")
    boolean earlyStopping;

    @Option(names = {"--max-new-tokens", "--max_new_tokens"}, defaultValue = "32", paramLabel = "N",
            description = "number of tokens to generate (default: ${DEFAULT-VALUE})")
    int maxNewTokens;

    @Option(names = "--temperature", defaultValue = "1.0", paramLabel = "T",
            description = "0 = greedy (default: ${DEFAULT-VALUE})")
    double temperature;

    @Option(names = {"--top-k", "--top_k"}, defaultValue = "0", paramLabel = "K", description = "0 = no limit")
    int topK;

    @Option(names = {"--top-p", "--top_p"}, defaultValue = "1.0", paramLabel = "P", description = "1 = no limit")
    double topP;

    @Option(names = "--seed", defaultValue = "1337", description = "random seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--threads", defaultValue = "0", description = "worker threads, 0 = all cores")
    int threads;

    @Option(names = "--weights", defaultValue = "stored", paramLabel = "FORMAT",
            description = "stored (as in the checkpoint: f32, bf16 or f16) or int8 (quantised on load, one scale per"
                    + " 32 weights: faster, slightly different logits)")
    String weights;

    @Option(names = "--format", defaultValue = "text", paramLabel = "FORMAT",
            description = "text (ids on one line, then the text if there is a tokenizer) or json")
    String format;

    @Override
    public Integer call() throws IOException {
        if (!format.equals("text") && !format.equals("json")) {
            throw new T4jException("--format must be text or json, got '" + format + "'");
        }
        if (maxNewTokens < 0) {
            throw new T4jException("--max-new-tokens must be >= 0, got " + maxNewTokens);
        }
        if (threads > 0) {
            Parallel.setThreads(threads);
        }
        if (numBeams < 1) {
            throw new T4jException("--num-beams must be >= 1, got " + numBeams);
        }
        if (Seq2SeqCli.handles(model)) {
            return Seq2SeqCli.generate(this, spec.commandLine().getOut());
        }
        if (sourceIds != null || sourceText != null || numBeams > 1) {
            throw new T4jException(model + " is not an encoder-decoder: --source-ids, --source and --num-beams are "
                    + "for encoder-decoder models (give the prompt with --prompt-ids or --prompt)");
        }
        if (prompt == null) {
            throw new T4jException("give the prompt with --prompt-ids or --prompt");
        }
        SamplingParams params = new SamplingParams(temperature, topK, topP);
        LoadedModel loaded = LoadedModel.open(model, weights);
        int[] ids = prompt.ids(loaded);
        PrintWriter err = spec.commandLine().getErr();
        if (ids.length > loaded.model().contextLength()) {
            err.printf("t4j: warning: the prompt has %d tokens; keeping the last %d (the model's context)%n",
                    ids.length, loaded.model().contextLength());
        }
        int[] generated;
        try (var noGrad = GradMode.off()) {
            generated = new Generator(loaded.model()).generate(ids, maxNewTokens, new Sampler(params, seed),
                    id -> true).ids();
        }
        String text = text(loaded.tokenizer(), generated, err);
        PrintWriter out = spec.commandLine().getOut();
        if (format.equals("json")) {
            Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("ids", Arrays.stream(generated).boxed().toList());
            if (text != null) {
                m.put("text", text);
            }
            out.println(Json.write(m));
        } else {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < generated.length; i++) {
                sb.append(i == 0 ? "" : " ").append(generated[i]);
            }
            out.println(sb);
            if (text != null) {
                out.println(text);
            }
        }
        out.flush();
        return Cli.EXIT_OK;
    }

    /**
     * The text of generated ids without special tokens (as transformers' {@code decode(ids,
     * skip_special_tokens=True)}), or null without a tokenizer. A model's vocabulary can be larger than its
     * tokenizer's (T5: 32128 rows, 32100 tokens); an id the tokenizer cannot spell gives a warning and no text,
     * not the loss of the generated ids.
     */
    static String text(java.util.Optional<org.transformer4j.tokenizer.Tokenizer> tok, int[] ids, PrintWriter err) {
        if (tok.isEmpty()) {
            return null;
        }
        try {
            return tok.get().decode(ids, true);
        } catch (T4jException e) {
            err.println("t4j: warning: the generated ids are not decoded to text: " + e.getMessage());
            err.flush();
            return null;
        }
    }
}
