package org.transformer4j.cli;

import java.util.concurrent.Callable;

import picocli.CommandLine.Command;

/** PLACEHOLDER: replaced by the real command. */
@Command(name = "generate", mixinStandardHelpOptions = true, description = "Generate token ids from a prompt (machine-readable output)")
public final class GenerateCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("error: 'generate' is not implemented yet");
        return 1;
    }
}
