package org.transformer4j.cli;

import java.util.concurrent.Callable;

import picocli.CommandLine.Command;

/** PLACEHOLDER: replaced by the real command. */
@Command(name = "sample", mixinStandardHelpOptions = true, description = "Sample text from a trained model")
public final class SampleCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("error: 'sample' is not implemented yet");
        return 1;
    }
}
