package org.transformer4j.train;

import org.transformer4j.T4jException;

/** The architectures {@code arch} selects. A new family adds its name to {@link TrainConfig#ARCHS} and a case here. */
public final class Architectures {
    private Architectures() {}

    public static Architecture of(String name) {
        return switch (name) {
            case "gpt" -> new GptArchitecture();
            case "bert" -> new BertArchitecture();
            case "llama" -> new LlamaArchitecture();
            case "seq2seq" -> new Seq2SeqArchitecture();
            default -> throw new T4jException("unknown arch '" + name + "' (known: "
                    + String.join(", ", TrainConfig.ARCHS) + ")");
        };
    }
}
