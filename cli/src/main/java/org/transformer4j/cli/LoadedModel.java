package org.transformer4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import org.transformer4j.T4jException;
import org.transformer4j.io.Llama2cFile;
import org.transformer4j.model.CausalLM;
import org.transformer4j.model.GPTFiles;
import org.transformer4j.model.LlamaFiles;
import org.transformer4j.tokenizer.Tokenizer;

/** A model directory opened for generation: the model and, when the directory has one, its tokenizer. */
record LoadedModel(Path dir, CausalLM model, Optional<Tokenizer> tokenizer) {
    /** Opens a model and applies a {@code --weights} choice ("stored" or "int8", see WeightQuantizer). */
    static LoadedModel open(Path dir, String weights) throws IOException {
        org.transformer4j.generate.WeightQuantizer.check(weights);
        LoadedModel m = open(dir);
        org.transformer4j.generate.WeightQuantizer.apply(m.model(), weights);
        return m;
    }

    static LoadedModel open(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            throw new T4jException(dir + ": no such model directory");
        }
        if (Files.isRegularFile(dir) && dir.getFileName().toString().endsWith(".bin")) {
            return new LoadedModel(dir, Llama2cFile.map(dir), Optional.empty()); // llama2.c checkpoint: ids only
        }
        if (!Files.isDirectory(dir)) {
            throw new T4jException(dir + " is not a model directory (expected config.json and model.safetensors)"
                    + " or a llama2.c .bin file");
        }
        if (org.transformer4j.model.EncoderDecoderFiles.isEncoderDecoder(dir)) {
            throw new T4jException(dir + " is an encoder-decoder: use t4j generate --model " + dir
                    + " --source-ids IDS (or --source TEXT)");
        }
        CausalLM model = LlamaFiles.isLlama(dir) ? LlamaFiles.map(dir) : GPTFiles.map(dir); // weights stay in the mapped file
        return new LoadedModel(dir, model, Tokenizers.load(dir));
    }

    Tokenizer requireTokenizer(String why) {
        return tokenizer.orElseThrow(() -> new T4jException(dir + " has no tokenizer files, so " + why
                + " (give token ids instead)"));
    }

    /** Parses "1,2,3" or "1 2 3" into ids (validated later against the vocabulary). */
    static int[] parseIds(String text, String option) {
        String t = text.strip();
        if (t.startsWith("[") && t.endsWith("]")) {
            t = t.substring(1, t.length() - 1);
        }
        String[] parts = t.split("[,\\s]+");
        int n = 0;
        int[] ids = new int[parts.length];
        for (String p : parts) {
            if (p.isEmpty()) {
                continue;
            }
            try {
                ids[n++] = Integer.parseInt(p);
            } catch (NumberFormatException e) {
                throw new T4jException(option + ": '" + p + "' is not a token id (expected integers like 1,2,3)");
            }
        }
        if (n == 0) {
            throw new T4jException(option + ": no token ids given");
        }
        return java.util.Arrays.copyOf(ids, n);
    }
}
