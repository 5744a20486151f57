package org.transformer4j.cli;

import org.transformer4j.T4jException;

import picocli.CommandLine.Option;

/** The prompt of generate and inspect: token ids, or text for models that have a tokenizer (one of the two). */
final class PromptOption {
    @Option(names = "--prompt-ids", paramLabel = "IDS", description = "prompt token ids, e.g. 1,2,3")
    String ids;

    @Option(names = "--prompt", paramLabel = "TEXT", description = "prompt text (needs the model's tokenizer)")
    String text;

    /**
     * The prompt's token ids: as given, or the text under the tokenizer's template, as Hugging Face's
     * {@code tokenizer(prompt)} gives them ({@code <s>} first for Llama; GPT-2's and our char tokenizer add nothing).
     */
    int[] ids(LoadedModel model) {
        int[] out = ids != null ? LoadedModel.parseIds(ids, "--prompt-ids")
                : model.requireTokenizer("--prompt cannot be used").encodeWithSpecialTokens(text).ids();
        if (out.length == 0) {
            throw new T4jException("the prompt is empty: give at least one token");
        }
        return out;
    }
}
