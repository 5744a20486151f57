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

    /**
     * Where in the run a micro-batch is drawn: micro-step {@code index} of iteration {@code iter}, or evaluation
     * batch {@code index} of a split at iteration {@code iter}; {@code rng} is the stream the Trainer derived for
     * it (seed, iteration, micro-step or batch, purpose).
     */
    record Draw(boolean train, boolean eval, int iter, int index, SplittableRandom rng) {
        public static Draw step(int iter, int micro, SplittableRandom rng) {
            return new Draw(true, false, iter, micro, rng);
        }

        public static Draw evaluation(boolean train, int iter, int k, SplittableRandom rng) {
            return new Draw(train, true, iter, k, rng);
        }
    }

    /**
     * The loss of the micro-batch for {@code draw}. By default the batch comes from {@code draw.rng()}; a task that
     * replays another program's draw order (nanoGPT's, for rng=torch) finds its batch from where it sits in the run.
     */
    default Tensor loss(Draw draw, ForwardContext ctx) {
        return loss(draw.train(), draw.rng(), ctx);
    }

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
