package org.transformer4j.cli;

import java.util.concurrent.Callable;

import picocli.CommandLine.Command;

/** PLACEHOLDER: replaced by the real command. */
@Command(name = "train", mixinStandardHelpOptions = true, description = "Train a model from scratch or resume a run")
public final class TrainCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("error: 'train' is not implemented yet");
        return 1;
    }
}
