package org.transformer4j.train;

import java.nio.file.Path;

import org.transformer4j.data.DataDir;

/**
 * A model family that {@code t4j train --arch NAME} can train. Each one builds a fresh model from the training
 * configuration or loads the model of a checkpoint, and binds it to its data and objective as a {@link TrainingTask}.
 */
public interface Architecture {
    /** The name {@code arch} takes, e.g. "gpt". */
    String name();

    /**
     * Whether the task reads the prepared token data of {@code dataset} (train.bin and val.bin, prepared from
     * {@code input} when missing). An architecture that reads its own files (e.g. source/target pairs) says false,
     * and then gets a null {@link DataDir}.
     */
    default boolean usesTokenData() {
        return true;
    }

    /** A freshly initialised model (from {@code cfg.seed()}) of the configured shape, bound to the data. */
    TrainingTask create(TrainConfig cfg, DataDir data);

    /**
     * The model saved in the checkpoint {@code runDir}, bound to the data.
     *
     * @throws org.transformer4j.T4jException when the checkpoint does not fit the data or the configuration
     */
    TrainingTask resume(Path runDir, TrainConfig cfg, DataDir data);
}
