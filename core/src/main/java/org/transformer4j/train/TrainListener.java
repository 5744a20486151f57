package org.transformer4j.train;

import java.nio.file.Path;

/** What a training run reports as it goes; the CLI turns it into a progress bar or log lines. */
public interface TrainListener {
    /** Before the first iteration: a one-line description of the model and the run. */
    default void onStart(String summary, int startIter, int maxIters) {}

    /** After each optimizer step (every log_interval iterations). */
    default void onIter(int iter, double loss, double lr, double msPerIter) {}

    /** After each evaluation. */
    default void onEval(int iter, double trainLoss, double valLoss, double lr) {}

    /** After a checkpoint has been written. */
    default void onCheckpoint(Path dir, int iter, String reason) {}

    /** Any other message worth showing. */
    default void info(String message) {}

    TrainListener SILENT = new TrainListener() {};
}
