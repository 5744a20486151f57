package org.transformer4j.train;

import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;

import org.transformer4j.nn.ForwardContext;
import org.transformer4j.nn.Module;
import org.transformer4j.tensor.Tensor;

/**
 * What the {@link Trainer} trains: one architecture's model bound to its data and its objective (next-token
 * prediction for GPT and Llama, masked-LM for BERT, teacher-forced translation for encoder-decoders). The
 * Trainer owns everything that is the same for all of them: the schedule, gradient accumulation, clipping, AdamW,
 * evaluation, checkpoints, resume and metrics.
 */
public interface TrainingTask {
    /** The model being trained: its named parameters are what AdamW updates; {@code train(bool)} sets the mode. */
    Module model();

    /**
     * The mean loss of one micro-batch drawn from the training split ({@code train} true) or the validation split,
     * using only {@code rng} for every random choice of the batch (windows, masked positions, pairs), so that a
     * batch is a pure function of where it is drawn. Dropout draws from {@code ctx}. Builds the autograd graph when
     * grad mode is on.
     */
    Tensor loss(boolean train, SplittableRandom rng, ForwardContext ctx);

    /** How many tokens one micro-batch feeds the model (for tokens/s). */
    long tokensPerBatch();

    /** One line for the log, e.g. "GPT 802,560 parameters (n_layer 4, ...)". */
    String describe();

    /**
     * Writes the model into {@code dir} as a model directory in Hugging Face layout (config.json,
     * model.safetensors, ...), each file to a temporary name and then renamed. {@code metadata} goes into the
     * safetensors header; the checkpoint uses it to detect a torn save.
     */
    void save(Path dir, Map<String, String> metadata);
}
