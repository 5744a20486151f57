package org.transformer4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.transformer4j.T4jException;
import org.transformer4j.autograd.GradMode;
import org.transformer4j.generate.Generator;
import org.transformer4j.generate.Sampler;
import org.transformer4j.generate.SamplingParams;
import org.transformer4j.kernels.Parallel;
import org.transformer4j.tokenizer.Tokenizer;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code t4j sample}: nanoGPT's sample.py, streaming the text as it is generated. */
@Command(name = "sample", mixinStandardHelpOptions = true,
        description = "Sample text from a trained model (streams tokens as they are generated)",
        footer = {"", "Options follow nanoGPT's sample.py; its underscore spellings (--max_new_tokens=...) work too.",
                "Example: t4j sample --model runs/shakespeare-char --start \"ROMEO:\" --num-samples 2"})
public final class SampleCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"--model", "--out-dir", "--out_dir"}, required = true, paramLabel = "DIR",
            description = "model directory (a training run directory or a Hugging Face model directory)")
    Path model;

    @Option(names = "--start", defaultValue = "\n", paramLabel = "TEXT",
            description = "the prompt, or FILE:path to read it from a file (default: a newline)")
    String start;

    @Option(names = {"--num-samples", "--num_samples"}, defaultValue = "10", paramLabel = "N",
            description = "number of samples (default: ${DEFAULT-VALUE})")
    int numSamples;

    @Option(names = {"--max-new-tokens", "--max_new_tokens"}, defaultValue = "500", paramLabel = "N",
            description = "tokens generated per sample (default: ${DEFAULT-VALUE})")
    int maxNewTokens;

    @Option(names = "--temperature", defaultValue = "0.8", paramLabel = "T",
            description = "1.0 = as trained, lower = more predictable, 0 = greedy (default: ${DEFAULT-VALUE})")
    double temperature;

    @Option(names = {"--top-k", "--top_k"}, defaultValue = "200", paramLabel = "K",
            description = "sample only among the K most likely tokens, 0 = all (default: ${DEFAULT-VALUE})")
    int topK;

    @Option(names = {"--top-p", "--top_p"}, defaultValue = "1.0", paramLabel = "P",
            description = "nucleus sampling: the smallest set of tokens with probability >= P (default: ${DEFAULT-VALUE})")
    double topP;

    @Option(names = "--seed", defaultValue = "1337", description = "random seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--threads", defaultValue = "0", description = "worker threads, 0 = all cores")
    int threads;

    @Override
    public Integer call() throws IOException {
        if (numSamples < 1) {
            throw new T4jException("--num-samples must be at least 1, got " + numSamples);
        }
        if (maxNewTokens < 0) {
            throw new T4jException("--max-new-tokens must be >= 0, got " + maxNewTokens);
        }
        if (threads > 0) {
            Parallel.setThreads(threads);
        }
        SamplingParams params = new SamplingParams(temperature, topK, topP);
        LoadedModel loaded = LoadedModel.open(model);
        Tokenizer tok = loaded.requireTokenizer("it cannot sample text");
        String prompt = start;
        if (prompt.startsWith("FILE:")) {
            Path f = Path.of(prompt.substring(5));
            if (!Files.isRegularFile(f)) {
                throw new T4jException("--start " + prompt + ": no such file");
            }
            prompt = Files.readString(f, StandardCharsets.UTF_8);
        }
        int[] ids = tok.encodeWithSpecialTokens(prompt).ids(); // <s> first for Llama, as tokenizer(prompt) does
        if (ids.length == 0) {
            throw new T4jException("the prompt encodes to no tokens; give a non-empty --start");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (ids.length > loaded.model().contextLength()) {
            err.printf("t4j: warning: the prompt has %d tokens; keeping the last %d (the model's context)%n",
                    ids.length, loaded.model().contextLength());
        }
        Generator generator = new Generator(loaded.model());
        try (var noGrad = GradMode.off()) {
            for (int s = 0; s < numSamples; s++) {
                Sampler sampler = new Sampler(params, seed + s);
                StreamingDecoder decoder = new StreamingDecoder(tok, ids);
                out.print(prompt);
                out.flush();
                generator.generate(ids, maxNewTokens, sampler, id -> {
                    out.print(decoder.add(id));
                    out.flush();
                    return !out.checkError(); // stop when the reader went away (e.g. | head)
                });
                out.print(decoder.finish());
                out.println();
                out.println("---------------");
                out.flush();
            }
        }
        return Cli.EXIT_OK;
    }
}
