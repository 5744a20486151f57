package org.transformer4j.cli;

import java.util.concurrent.Callable;

import picocli.CommandLine.Command;

/** PLACEHOLDER: replaced by the real command. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Measure kernel, training and generation speed")
public final class BenchCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("error: 'bench' is not implemented yet");
        return 1;
    }
}
